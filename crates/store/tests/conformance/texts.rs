//! Text conversations: stored once with their incident in one transaction, found again by
//! their sender and by their line, their texts kept across saves.

use super::*;
use switchboard_core::call::Medium;
use switchboard_core::incident::auto::CallIncident;
use switchboard_core::incident::Severity;
use switchboard_core::text::Text;

fn conversation(line: LineId, sid: &str, sender: &str, at: i64) -> Call {
    Call {
        medium: Medium::Text,
        outcome: Outcome::Texted,
        phase: Phase::Done,
        ended_at: Some(t(at)),
        texts: vec![Text {
            at: t(at),
            message_id: sid.into(),
            by: None,
            body: "Payments down".into(),
            sent_to: vec!["Alice".into()],
        }],
        ..new_call(line, sid, sender, at)
    }
}

pub(super) async fn conversations_are_stored_once_with_their_incident_and_found_again(
    s: Arc<dyn Store>,
) {
    let (_, l) = setup(&s).await;
    let c = conversation(l, "SM1", "+14155550199", 10);
    let asks = CallIncident {
        call: CallId(0),
        line: l,
        team: None,
        caller_number: "+14155550199".into(),
        title: "Text from +14155550199".into(),
        severity: Severity::High,
        open_new: true,
        answered_by: None,
        joins_since: None,
    };
    let (stored, created) = s
        .start_conversation(&c, &[event("Text forwarded to Alice")], &[], Some(&asks))
        .await
        .unwrap();
    assert!(created);
    assert_eq!(stored.medium, Medium::Text);
    // The incident names the conversation's real id, stored in the same transaction.
    let inc = s.call_incidents(stored.id).await.unwrap();
    assert_eq!(inc.len(), 1);
    assert_eq!(inc[0].title, "Text from +14155550199");
    // A repeated first text finds it, and opens nothing more.
    let (again, created) = s
        .start_conversation(&c, &[], &[], Some(&asks))
        .await
        .unwrap();
    assert!(!created);
    assert_eq!(again.id, stored.id);
    assert_eq!(s.call_incidents(stored.id).await.unwrap().len(), 1);

    // Found by sender and line, newest first; calls and other lines' texts are not.
    s.start_call(&new_call(l, "CA1", "+14155550199", 20), &[], &[])
        .await
        .unwrap();
    let (other, _) = s
        .start_conversation(&conversation(l, "SM2", "+14155550100", 30), &[], &[], None)
        .await
        .unwrap();
    let mine = s
        .conversations(l, Some("+14155550199"), t(0), 5)
        .await
        .unwrap();
    assert_eq!(mine.iter().map(|c| c.id).collect::<Vec<_>>(), [stored.id]);
    let all = s.conversations(l, None, t(0), 5).await.unwrap();
    assert_eq!(
        all.iter().map(|c| c.id).collect::<Vec<_>>(),
        [other.id, stored.id]
    );
    assert!(s.conversations(l, None, t(31), 5).await.unwrap().is_empty());

    // A reply saved later is read back with the first text.
    let mut c = s.get_call(stored.id).await.unwrap();
    c.texts.push(Text {
        at: t(40),
        message_id: "SM3".into(),
        by: Some(switchboard_core::text::Author {
            user_id: UserId(1),
            name: "Alice".into(),
        }),
        body: "On it".into(),
        sent_to: vec!["the sender".into()],
    });
    c.outcome = Outcome::Answered;
    s.save_call(&c, &[], &[], &[], None, t(40)).await.unwrap();
    let back = s.get_call(stored.id).await.unwrap();
    assert_eq!(back.texts.len(), 2);
    assert_eq!(back.texts[1].by.as_ref().unwrap().name, "Alice");
    assert_eq!(back.outcome, Outcome::Answered);
}
