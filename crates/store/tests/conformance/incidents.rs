//! Incidents: each change stored over the version it was read at, with its timeline and
//! links; an ended call's incident carried out in the transaction that saves the call (a
//! repeat caller within the window joins their open incident); listed by scope and filter.

use super::*;
use switchboard_core::incident::auto::CallIncident;
use switchboard_core::incident::{open, Actor, Opening, Severity, Status};
use switchboard_core::store::IncidentFilter;

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

/// What one line's incidents came to, per caller: for each incident (oldest first) its
/// status, its calls' count, its timeline's kinds and its deliveries' actions (each sorted,
/// since calls saved together land in any order), and whether the call linked before was
/// redrawn.
async fn shape(s: &Arc<dyn Store>, line: LineId, earlier: CallId) -> (Vec<String>, bool) {
    let mut list = s
        .list_incidents(&IncidentFilter {
            line: Some(line),
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap();
    list.sort_by_key(|i| (i.caller_number.clone(), i.id));
    let mut out = Vec::new();
    for inc in list {
        let mut kinds: Vec<String> = s
            .incident_timeline(inc.id)
            .await
            .unwrap()
            .iter()
            .map(|e| e.kind.as_str().to_owned())
            .collect();
        kinds.sort();
        let mut told: Vec<String> = s
            .incident_jobs(inc.id)
            .await
            .unwrap()
            .iter()
            .map(|j| j.payload["action"].as_str().unwrap_or("?").to_owned())
            .collect();
        told.sort();
        let calls = s.incident_calls(inc.id).await.unwrap().len();
        out.push(format!(
            "{} {:?} calls={calls} timeline={kinds:?} told={told:?}",
            inc.caller_number.unwrap_or_default(),
            inc.status
        ));
    }
    let redrawn = s
        .list_call_jobs(earlier)
        .await
        .unwrap()
        .iter()
        .any(|j| j.payload["refresh"] == serde_json::json!(true));
    (out, redrawn)
}

/// Calls ending together (saved in one transaction on SQLite, their incidents decided in a
/// few statements for all of them) come to the same incidents as the same calls saved one by
/// one: a caller's open incident is joined, one outside the window or resolved is not, a
/// caller whose line does not join opens one per call, one call answered acknowledges, and
/// the integrations are told of each change.
pub(super) async fn calls_ending_together_decide_incidents_as_one_by_one(s: Arc<dyn Store>) {
    use switchboard_core::channel::{ChannelKind, NewChannel};
    use switchboard_core::incident::integration::{Kind, NewIntegration};
    let (alice, together) = setup(&s).await;
    let apart = s
        .create_line(&new_line("+15005550007", alice), "token-2", t(0))
        .await
        .unwrap()
        .id;
    let hook = NewIntegration {
        name: "hook".into(),
        kind: Kind::Webhook,
        url: "https://hooks.example.com/in".into(),
        secret: "whsec_MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3".into(),
        team: None,
    };
    s.create_integration(&hook.validate().unwrap(), t(0))
        .await
        .unwrap();
    let ch = NewChannel::validate("ops", ChannelKind::Teams, "https://x.logic.azure.com/w?s=1");
    let ch = s.create_channel(&ch.unwrap(), t(0)).await.unwrap();
    let callers = [
        "+14155550101",
        "+14155550102",
        "+14155550103",
        "+14155550104",
    ];
    let more = ["+14155550105", "+14155550106"];
    let mut earlier = Vec::new();
    for line in [together, apart] {
        // Before: P's incident open (its call in a chat channel), Q's last linked before the
        // burst's window (from 500 s), R's resolved.
        let mut first = None;
        for (n, caller) in callers[..3].iter().enumerate() {
            let sid = format!("CAE{}-{n}", line.0);
            let (c, _) = s
                .start_call(&new_call(line, &sid, caller, 0), &[], &[])
                .await
                .unwrap();
            let ci = asks(&c, line, true, Some(-3600));
            let at = if n == 0 { 600 } else { 100 };
            s.save_call(
                &ended(&c, Outcome::Missed, at),
                &[],
                &[],
                &[],
                Some(&ci),
                t(at),
            )
            .await
            .unwrap();
            first.get_or_insert(c.id);
        }
        let p = first.unwrap();
        s.save_slack_message(ch.id, p, "C1", "1.2").await.unwrap();
        earlier.push(p);
        let r = s
            .list_incidents(&IncidentFilter {
                line: Some(line),
                limit: 10,
                ..Default::default()
            })
            .await
            .unwrap()
            .into_iter()
            .find(|i| i.caller_number.as_deref() == Some(callers[2]))
            .unwrap();
        let mut fresh = r.clone();
        let change = fresh.resolve(&Actor::user(alice, "Alice"), t(200)).unwrap();
        s.save_incident(&fresh, &change).await.unwrap();
    }
    // The burst: four calls from each caller. S's line setting joins nothing (a new incident
    // per call), T's second call was answered, U's calls open none.
    let mut burst = Vec::new();
    for line in [together, apart] {
        for i in 0..4 {
            for (n, caller) in callers.iter().chain(&more).enumerate() {
                let sid = format!("CAB{}-{i}-{n}", line.0);
                let (c, _) = s
                    .start_call(&new_call(line, &sid, caller, 900), &[], &[])
                    .await
                    .unwrap();
                let since = if n == 3 { None } else { Some(500) };
                let mut ci = asks(&c, line, n != 5, since);
                let mut outcome = Outcome::Missed;
                if n == 4 && i == 1 {
                    ci.answered_by = Some(Actor::user(alice, "Alice"));
                    outcome = Outcome::Answered;
                }
                burst.push((line, ended(&c, outcome, 1000), ci));
            }
        }
    }
    let mut tasks = Vec::new();
    for (line, call, ci) in burst {
        if line == apart {
            s.save_call(&call, &[], &[], &[], Some(&ci), t(1000))
                .await
                .unwrap();
            continue;
        }
        let s = s.clone();
        tasks.push(tokio::spawn(async move {
            s.save_call(&call, &[], &[], &[], Some(&ci), t(1000)).await
        }));
    }
    for task in tasks {
        task.await.unwrap().expect("every call's save is stored");
    }
    let (got, redrawn) = shape(&s, together, earlier[0]).await;
    let (want, redrawn_apart) = shape(&s, apart, earlier[1]).await;
    assert_eq!(got, want, "saved together as saved one by one");
    assert!(
        redrawn && redrawn_apart,
        "the earlier call's chat message is redrawn"
    );
    let count = |c: &str| got.iter().filter(|l| l.starts_with(c)).count();
    assert_eq!(
        [callers[0], callers[1], callers[2], callers[3], more[0], more[1]].map(count),
        [1, 2, 2, 4, 1, 0],
        "{got:#?}"
    );
    assert!(
        got[0].contains("calls=5"),
        "P's open incident took the burst: {got:#?}"
    );
    let t_line = got.iter().find(|l| l.starts_with(more[0])).unwrap();
    assert!(
        t_line.starts_with(&format!("{} Acknowledged calls=4", more[0])),
        "{t_line}"
    );
    assert!(
        t_line.contains(r#"told=["acknowledge", "trigger"]"#),
        "{t_line}"
    );
}
