//! Incidents: each change stored over the version it was read at, with its timeline and
//! links; an ended call's incident carried out in the transaction that saves the call (a
//! repeat caller within the window joins their open incident); listed by scope and filter.

use super::*;
use switchboard_core::incident::auto::CallIncident;
use switchboard_core::incident::{open, Actor, Opening, Severity, Status};
use switchboard_core::store::IncidentFilter;

fn ended(call: &Call, outcome: Outcome, at: i64) -> Call {
    Call {
        outcome,
        phase: Phase::Done,
        ended_at: Some(t(at)),
        ..call.clone()
    }
}

fn asks(call: &Call, line: LineId, open_new: bool, since: Option<i64>) -> CallIncident {
    CallIncident {
        call: call.id,
        line,
        team: None,
        caller_number: call.caller.number.clone(),
        title: format!("Missed call from {}", call.caller.number),
        severity: Severity::High,
        open_new,
        answered_by: None,
        joins_since: since.map(t),
    }
}

pub(super) async fn incidents_are_versioned_and_calls_join_them(s: Arc<dyn Store>) {
    let (alice, l) = setup(&s).await;
    // A missed call opens an incident in the transaction that saves it.
    let (c1, _) = s
        .start_call(&new_call(l, "CA1", "+14155550199", 0), &[], &[])
        .await
        .unwrap();
    let done = ended(&c1, Outcome::Missed, 30);
    s.save_call(
        &done,
        &[],
        &[],
        &[],
        Some(&asks(&c1, l, true, Some(-3600))),
        t(30),
    )
    .await
    .unwrap();
    let list = s
        .list_incidents(&IncidentFilter {
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(list.len(), 1);
    let inc = list[0].clone();
    assert_eq!((inc.status, inc.line), (Status::Triggered, Some(l)));
    assert_eq!(inc.caller_number.as_deref(), Some("+14155550199"));
    assert_eq!(s.incident_calls(inc.id).await.unwrap(), vec![c1.id]);
    assert_eq!(s.call_incidents(c1.id).await.unwrap()[0].id, inc.id);

    // The same caller again, within the window: joins it (no second incident).
    let (c2, _) = s
        .start_call(&new_call(l, "CA2", "+14155550199", 600), &[], &[])
        .await
        .unwrap();
    let mut ci = asks(&c2, l, true, Some(0));
    ci.answered_by = Some(Actor::user(alice, "Alice"));
    s.save_call(
        &ended(&c2, Outcome::Answered, 660),
        &[],
        &[],
        &[],
        Some(&ci),
        t(660),
    )
    .await
    .unwrap();
    let joined = s.get_incident(inc.id).await.unwrap();
    assert_eq!(
        joined.status,
        Status::Acknowledged,
        "answered: acknowledged"
    );
    assert_eq!(joined.version, 1);
    assert_eq!(s.incident_calls(inc.id).await.unwrap(), vec![c2.id, c1.id]);
    let timeline = s.incident_timeline(inc.id).await.unwrap();
    let kinds: Vec<&str> = timeline.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, ["opened", "linked", "linked", "acknowledged"]);
    assert_eq!(timeline[3].actor.user, Some(alice));

    // Outside the window (joins only incidents linked since t(700)): a new one.
    let (c3, _) = s
        .start_call(&new_call(l, "CA3", "+14155550199", 900), &[], &[])
        .await
        .unwrap();
    s.save_call(
        &ended(&c3, Outcome::Voicemail, 960),
        &[],
        &[],
        &[],
        Some(&asks(&c3, l, true, Some(700))),
        t(960),
    )
    .await
    .unwrap();
    assert_eq!(s.call_incidents(c3.id).await.unwrap().len(), 1);
    assert_ne!(s.call_incidents(c3.id).await.unwrap()[0].id, inc.id);

    // A stale change is refused and writes nothing.
    let mut stale = inc.clone();
    let change = stale
        .resolve(&Actor::user(alice, "Alice"), t(1000))
        .unwrap();
    assert!(matches!(
        s.save_incident(&stale, &change).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(s.incident_timeline(inc.id).await.unwrap().len(), 4);
    let mut fresh = s.get_incident(inc.id).await.unwrap();
    let change = fresh
        .resolve(&Actor::user(alice, "Alice"), t(1000))
        .unwrap();
    let saved = s.save_incident(&fresh, &change).await.unwrap();
    assert_eq!((saved.status, saved.version), (Status::Resolved, 2));
    assert_eq!(saved.resolved_at, Some(t(1000)));

    // A resolved incident takes no more calls: the caller's next missed call opens anew
    // (the window leaves out the incident of the voicemail, last linked at 960 s).
    let (c4, _) = s
        .start_call(&new_call(l, "CA4", "+14155550199", 1100), &[], &[])
        .await
        .unwrap();
    s.save_call(
        &ended(&c4, Outcome::Missed, 1130),
        &[],
        &[],
        &[],
        Some(&asks(&c4, l, true, Some(1000))),
        t(1130),
    )
    .await
    .unwrap();
    let newest = &s.call_incidents(c4.id).await.unwrap()[0];
    assert!(newest.id != inc.id && newest.status == Status::Triggered);

    // An answered call with nothing open and nothing to open changes nothing.
    let (c5, _) = s
        .start_call(&new_call(l, "CA5", "+14155550777", 1200), &[], &[])
        .await
        .unwrap();
    s.save_call(
        &ended(&c5, Outcome::Answered, 1230),
        &[],
        &[],
        &[],
        Some(&asks(&c5, l, false, Some(0))),
        t(1230),
    )
    .await
    .unwrap();
    assert!(s.call_incidents(c5.id).await.unwrap().is_empty());

    // Filters: status, open only, paging; a manual incident with a team.
    let team = s.create_team("Payments", t(0)).await.unwrap();
    let (manual, change) = open(
        Opening {
            title: "Vendor reports a breach".into(),
            severity: Severity::Critical,
            team: Some(team.id),
            line: None,
            caller_number: None,
            assignee: Some(alice),
            calls: vec![c5.id],
        },
        &Actor::user(alice, "Alice"),
        t(1300),
    )
    .unwrap();
    let manual = s.create_incident(&manual, &change).await.unwrap();
    assert_eq!(s.incident_calls(manual.id).await.unwrap(), vec![c5.id]);
    let filter = |f: IncidentFilter| {
        let s = s.clone();
        async move {
            s.list_incidents(&IncidentFilter { limit: 50, ..f })
                .await
                .unwrap()
                .iter()
                .map(|i| i.id)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(filter(IncidentFilter::default()).await.len(), 4);
    assert_eq!(
        filter(IncidentFilter {
            status: Some(Status::Resolved),
            ..Default::default()
        })
        .await,
        vec![inc.id]
    );
    assert_eq!(
        filter(IncidentFilter {
            open_only: true,
            ..Default::default()
        })
        .await
        .len(),
        3
    );
    assert_eq!(
        filter(IncidentFilter {
            team: Some(team.id),
            ..Default::default()
        })
        .await,
        vec![manual.id]
    );
    assert_eq!(
        filter(IncidentFilter {
            member: Some(alice),
            ..Default::default()
        })
        .await,
        vec![],
        "Alice is in no team yet"
    );
    s.add_team_member(team.id, alice).await.unwrap();
    assert_eq!(
        filter(IncidentFilter {
            member: Some(alice),
            ..Default::default()
        })
        .await,
        vec![manual.id]
    );
    let all = filter(IncidentFilter::default()).await;
    assert_eq!(
        filter(IncidentFilter {
            before: Some(all[1]),
            ..Default::default()
        })
        .await,
        all[2..].to_vec()
    );
    // Deleting a call unlinks it; the incident stays.
    s.delete_call(c5.id).await.unwrap();
    assert!(s.incident_calls(manual.id).await.unwrap().is_empty());
    assert_eq!(
        s.get_incident(manual.id).await.unwrap().title,
        "Vendor reports a breach"
    );
}

/// Calls from one number ending at the same moment (a caller redialling, a flood) open one
/// incident, which every later call joins: concurrent transactions never each open their own,
/// and none fails for another's change.
pub(super) async fn concurrent_calls_from_one_caller_open_one_incident(s: Arc<dyn Store>) {
    let (_, l) = setup(&s).await;
    let mut calls = Vec::new();
    for i in 0..24 {
        let (c, _) = s
            .start_call(
                &new_call(l, &format!("CAF{i}"), "+14155550199", 0),
                &[],
                &[],
            )
            .await
            .unwrap();
        calls.push(c);
    }
    let mut tasks = Vec::new();
    for c in calls {
        let s = s.clone();
        tasks.push(tokio::spawn(async move {
            let ci = asks(&c, l, true, Some(-3600));
            s.save_call(
                &ended(&c, Outcome::Missed, 30),
                &[],
                &[],
                &[],
                Some(&ci),
                t(30),
            )
            .await
        }));
    }
    for task in tasks {
        task.await
            .unwrap()
            .expect("no call's save fails for another's incident");
    }
    let list = s
        .list_incidents(&IncidentFilter {
            limit: 50,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(list.len(), 1, "one incident for one caller: {list:?}");
}
