//! The caller a responder calling back is offered first: the line's most recent caller nobody
//! answered, whatever the call's plan holds, leaving out responders' own calls back.

use super::*;
use switchboard_core::plan::CallBack;

async fn ended(s: &Arc<dyn Store>, mut c: Call, outcome: Outcome, at: i64) {
    let (stored, _) = s.start_call(&c, &[], &[]).await.unwrap();
    c.id = stored.id;
    c.outcome = outcome;
    c.phase = Phase::Done;
    c.ended_at = Some(t(at));
    s.save_call(&c, &[], &[], &[], None, t(at)).await.unwrap();
}

pub(super) async fn the_last_unanswered_caller_leaves_out_calls_back_only(s: Arc<dyn Store>) {
    let (alice, l) = setup(&s).await;
    assert_eq!(s.last_unanswered_caller(l).await.unwrap(), None);
    ended(
        &s,
        new_call(l, "CAU1", "+14155550111", 0),
        Outcome::Missed,
        10,
    )
    .await;
    // A caller who came through a PIN labelled "callback" is still a caller.
    let mut gated = new_call(l, "CAU2", "+14155550112", 20);
    gated.plan.pin_label = Some("callback".into());
    ended(&s, gated, Outcome::Voicemail, 30).await;
    assert_eq!(
        s.last_unanswered_caller(l).await.unwrap().as_deref(),
        Some("+14155550112")
    );
    // Later: one answered, and a responder's own call back nobody answered; neither counts.
    ended(
        &s,
        new_call(l, "CAU3", "+14155550113", 40),
        Outcome::Answered,
        50,
    )
    .await;
    let mut back = new_call(l, "CAU4", "+14155550101", 60);
    back.plan.callback = Some(CallBack {
        by: alice,
        name: "Alice".into(),
        last_unanswered: Some("+14155550112".into()),
    });
    ended(&s, back, Outcome::Missed, 70).await;
    assert_eq!(
        s.last_unanswered_caller(l).await.unwrap().as_deref(),
        Some("+14155550112")
    );
}
