//! Accepting a cover request marks it and saves the schedule's override in one transaction,
//! over both versions: a stale schedule or a decided request writes nothing.

use super::*;
use switchboard_core::schedule::cover::{CoverStatus, NewCoverRequest};
use switchboard_core::schedule::{Override, Schedule};

pub(super) async fn a_cover_request_is_decided_once_with_its_override(s: Arc<dyn Store>) {
    let alice = s.create_user(&new_user("Alice"), t(0)).await.unwrap();
    let bob = s.create_user(&new_user("Bob"), t(0)).await.unwrap();
    let sched = Schedule {
        id: None,
        name: "Primary".into(),
        time_zone: switchboard_core::Zone::parse("UTC").unwrap(),
        layers: vec![],
        overrides: vec![],
        removals: vec![],
        temporary: vec![],
    };
    let st = s
        .create_schedule(&sched, "feed-c", None, t(0))
        .await
        .unwrap();
    let req = s
        .create_cover_request(
            &NewCoverRequest {
                schedule: st.id,
                requester: alice.id,
                coverer: bob.id,
                start: t(100),
                end: t(200),
                note: String::new(),
            },
            t(1),
        )
        .await
        .unwrap();
    assert_eq!(req.status, CoverStatus::Pending);
    // It waits for Bob, not for Alice.
    let waiting = s.cover_requests_waiting_for(bob.id).await.unwrap();
    assert_eq!(waiting.iter().map(|r| r.id).collect::<Vec<_>>(), [req.id]);
    assert!(s
        .cover_requests_waiting_for(alice.id)
        .await
        .unwrap()
        .is_empty());
    let mut with = st.schedule.clone();
    with.overrides.push(Override {
        id: 1,
        covering: Some(alice.id),
        ..req.as_override()
    });
    // A stale schedule version: nothing is written, the request stays pending.
    assert!(matches!(
        s.accept_cover_request(req.id, &with, st.version + 1, t(2))
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(
        s.get_cover_request(req.id).await.unwrap().status,
        CoverStatus::Pending
    );
    let (done, saved) = s
        .accept_cover_request(req.id, &with, st.version, t(3))
        .await
        .unwrap();
    assert_eq!(
        (done.status, done.decided_at),
        (CoverStatus::Accepted, Some(t(3)))
    );
    assert_eq!(saved.schedule.overrides[0].covering, Some(alice.id));
    assert_eq!(saved.version, st.version + 1);
    // Decided: neither accepted again nor declined.
    assert!(matches!(
        s.accept_cover_request(req.id, &with, saved.version, t(4))
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        s.close_cover_request(req.id, CoverStatus::Declined, t(4))
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(
        s.get_schedule(st.id)
            .await
            .unwrap()
            .schedule
            .overrides
            .len(),
        1
    );
    assert_eq!(s.list_cover_requests(st.id).await.unwrap().len(), 1);
    // Decided: it waits for nobody.
    assert!(s
        .cover_requests_waiting_for(bob.id)
        .await
        .unwrap()
        .is_empty());
}

/// A schedule's history is appended from where it stops, once: a second writer starting
/// from the same point writes nothing, and what is written never changes.
pub(super) async fn history_is_appended_once_and_never_changed(s: Arc<dyn Store>) {
    use switchboard_core::store::HistoryShift;
    let alice = s.create_user(&new_user("Alice"), t(0)).await.unwrap();
    let bob = s.create_user(&new_user("Bob"), t(0)).await.unwrap();
    let sched = Schedule {
        id: None,
        name: "Primary".into(),
        time_zone: switchboard_core::Zone::parse("UTC").unwrap(),
        layers: vec![],
        overrides: vec![],
        removals: vec![],
        temporary: vec![],
    };
    let st = s
        .create_schedule(&sched, "feed-h", None, t(0))
        .await
        .unwrap();
    assert_eq!(s.history_until(st.id).await.unwrap(), None);
    // A group is kept in its order; a gap has nobody.
    let shift = |a: i64, b: i64, u: &[UserId]| HistoryShift {
        start: t(a),
        end: t(b),
        users: u.to_vec(),
        source: u.first().map(|_| "layer:weekly".to_owned()),
    };
    s.append_history(
        st.id,
        None,
        t(100),
        &[shift(0, 60, &[alice.id]), shift(60, 100, &[])],
    )
    .await
    .unwrap();
    // A second writer that read "nothing recorded": refused, nothing written.
    assert!(matches!(
        s.append_history(st.id, None, t(100), &[shift(0, 100, &[])])
            .await,
        Err(StoreError::Conflict(_))
    ));
    s.append_history(
        st.id,
        Some(t(100)),
        t(200),
        &[shift(100, 200, &[bob.id, alice.id])],
    )
    .await
    .unwrap();
    assert_eq!(s.history_until(st.id).await.unwrap(), Some(t(200)));
    let all = s.schedule_history(st.id, t(0), t(200)).await.unwrap();
    assert_eq!(
        all,
        vec![
            shift(0, 60, &[alice.id]),
            shift(60, 100, &[]),
            shift(100, 200, &[bob.id, alice.id])
        ]
    );
    // A range picks the stretches overlapping it.
    let some = s.schedule_history(st.id, t(70), t(150)).await.unwrap();
    assert_eq!(
        some,
        vec![shift(60, 100, &[]), shift(100, 200, &[bob.id, alice.id])]
    );
}
