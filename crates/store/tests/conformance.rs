//! One behaviour, two backends: every check runs on SQLite and on PostgreSQL.

use jiff::Timestamp;
use std::sync::Arc;
use switchboard_core::call::{
    Call, CallEvent, CallerInfo, Outcome, Phase, RecordingKind, RecordingReport, RecordingStatus,
};
use switchboard_core::line::{Messages, NewLine, Provider, Routing, RoutingStep};
use switchboard_core::plan::Plan;
use switchboard_core::store::{CallFilter, JobKind, NewJob, Store, StoreError};
use switchboard_core::user::NewUser;
use switchboard_core::{CallId, LineId, PhoneNumber, UserId};
use switchboard_store::testing::TestDb;

#[path = "conformance/cover.rs"]
mod cover;
#[path = "conformance/incidents.rs"]
mod incidents;
use cover::{
    a_cover_request_is_decided_once_with_its_override, history_is_appended_once_and_never_changed,
};
use incidents::{
    calls_ending_together_decide_incidents_as_one_by_one,
    concurrent_calls_from_one_caller_open_one_incident,
    incidents_are_versioned_and_calls_join_them,
};
#[path = "conformance/transcripts.rs"]
mod transcripts;
use transcripts::{
    a_job_that_waits_keeps_its_attempts, transcripts_are_queued_stored_and_searched,
};
#[path = "conformance/texts.rs"]
mod texts;
use texts::conversations_are_stored_once_with_their_incident_and_found_again;
#[path = "conformance/unanswered.rs"]
mod unanswered;
use unanswered::the_last_unanswered_caller_leaves_out_calls_back_only;
#[path = "conformance/config_version.rs"]
mod config_version;
use config_version::what_routes_a_call_changes_the_config_version;
#[path = "conformance/call_reads.rs"]
mod call_reads;
use call_reads::calls_read_at_once_are_each_their_own_and_current;
#[path = "conformance/setup_change.rs"]
mod setup_change;
use setup_change::a_setup_change_is_written_whole_with_real_ids_or_not_at_all;

fn t(s: i64) -> Timestamp {
    Timestamp::from_second(1_795_000_000 + s).unwrap()
}

fn new_user(name: &str) -> NewUser {
    NewUser::validate(
        name,
        &format!("{}@example.com", name.to_lowercase()),
        Some("+14155550101"),
        "UTC",
    )
    .unwrap()
}

fn new_line(number: &str, user: UserId) -> NewLine {
    NewLine {
        name: "Hotline".into(),
        number: PhoneNumber::parse(number).unwrap(),
        provider: Provider::Twilio,
        auth_token: Some("tok".into()),
        routing: Routing {
            steps: vec![RoutingStep::User(user)],
            ring_timeout_secs: 20,
        },
        messages: Messages::default(),
        recording: true,
        voicemail_max_secs: 120,
        channels: vec![],
        screening: true,
        business_hours: Some(switchboard_core::line::BusinessHours {
            time_zone: switchboard_core::Zone::parse("Europe/Berlin").unwrap(),
            open: vec![switchboard_core::schedule::Restriction::Daily {
                start: "09:00".parse().unwrap(),
                end: "17:00".parse().unwrap(),
            }],
            after_hours: switchboard_core::line::AfterHours::Voicemail,
        }),
        retention_days: Some(30),
        incidents: switchboard_core::incident::auto::IncidentPolicy {
            open: switchboard_core::incident::auto::OpenOn::EveryCall,
            repeat_window_mins: 15,
            severity: switchboard_core::incident::Severity::Critical,
        },
        team: None,
        other_numbers: vec![],
        pins: vec![],
        caller_id: switchboard_core::line::CallerIdMode::Hotline,
        // Every setting is kept, the caller menu too.
        menu: Some(switchboard_core::line::Menu {
            prompt: Messages::default().welcome,
            options: vec![switchboard_core::line::MenuOption {
                key: 2,
                name: "Payments".into(),
                routing: Routing {
                    steps: vec![RoutingStep::User(user)],
                    ring_timeout_secs: 15,
                },
                no_one_on_call: None,
                no_answer: Some(Messages::default().no_answer),
            }],
            default_key: 2,
            timeout_secs: 5,
        }),
        caller_rules: switchboard_core::line::CallerRules {
            blocked: vec!["+1900*".into()],
            allowed: vec![],
            flood_limit: Some(switchboard_core::line::FloodLimit {
                calls: 3,
                window_secs: 600,
            }),
        },
    }
}

fn new_call(line: LineId, sid: &str, caller: &str, at: i64) -> Call {
    Call {
        id: CallId(0),
        line_id: line,
        provider: Provider::Twilio,
        provider_call_id: sid.into(),
        account_id: Some("AC1".into()),
        caller: CallerInfo {
            number: caller.into(),
            ..Default::default()
        },
        started_at: t(at),
        ended_at: None,
        duration_secs: None,
        plan: Plan {
            steps: vec![],
            test_mode: false,
            after_hours: false,
            choice: None,
            pin_label: None,
            callback: None,
        },
        phase: Phase::Dialing { step: 0 },
        outcome: Outcome::InProgress,
        answered_by: None,
        attempts: vec![],
        test_call: false,
        simulated: false,
        failsafe: None,
        called: "+15005550006".into(),
        medium: switchboard_core::call::Medium::Voice,
        texts: vec![],
        archived: false,
        version: 0,
    }
}

/// `call` ended at `at` with `outcome`, to be saved over the version it was read at.
fn ended(call: &Call, outcome: Outcome, at: i64) -> Call {
    Call {
        outcome,
        phase: Phase::Done,
        ended_at: Some(t(at)),
        ..call.clone()
    }
}

fn event(msg: &str) -> CallEvent {
    CallEvent {
        at: t(0),
        kind: switchboard_core::call::EventKind::Decision,
        message: msg.into(),
    }
}

fn report(sid: &str, media: bool) -> RecordingReport {
    RecordingReport {
        kind: RecordingKind::Voicemail,
        provider_recording_id: sid.into(),
        provider_url: format!("https://api.twilio.com/{sid}"),
        duration_secs: Some(7),
        has_media: media,
        transcribe: false,
    }
}

async fn setup(s: &Arc<dyn Store>) -> (UserId, LineId) {
    let u = s.create_user(&new_user("Alice"), t(0)).await.unwrap();
    let l = s
        .create_line(&new_line("+15005550006", u.id), "token-1", t(0))
        .await
        .unwrap();
    (u.id, l.id)
}

async fn users_and_lines(s: Arc<dyn Store>) {
    let (u, l) = setup(&s).await;
    assert!(matches!(
        s.create_user(&new_user("Alice"), t(1)).await,
        Err(StoreError::Duplicate { field: "email" })
    ));
    let line = s.get_line_by_token("token-1").await.unwrap();
    assert_eq!(line.id, l);
    assert_eq!(line.auth_token.as_deref(), Some("tok"));
    assert_eq!(line.routing.steps, vec![RoutingStep::User(u)]);
    assert!(line.screening);
    assert_eq!(line.caller_rules.blocked, vec!["+1900*".to_owned()]);
    assert_eq!(line.caller_rules.flood_limit.unwrap().calls, 3);
    assert_eq!(
        line.business_hours,
        new_line("+15005550006", u).business_hours
    );
    assert_eq!(line.retention_days, Some(30));
    assert_eq!(
        line.incidents.repeat_window_mins, 15,
        "the incident policy round-trips"
    );
    // One live line per number; a deleted line frees its number and stops routing.
    assert!(matches!(
        s.create_line(&new_line("+15005550006", u), "token-2", t(1))
            .await,
        Err(StoreError::Duplicate { field: "number" })
    ));
    // Which lines have had a call (the dashboard's "no call yet" badge, for every line at once).
    let quiet = s
        .create_line(&new_line("+15005550007", u), "token-3", t(1))
        .await
        .unwrap();
    assert!(s.called_lines().await.unwrap().is_empty());
    s.start_call(&new_call(l, "CA1", "+14155550199", 0), &[], &[])
        .await
        .unwrap();
    assert_eq!(s.called_lines().await.unwrap(), vec![l]);
    s.delete_line(quiet.id).await.unwrap();
    s.delete_line(l).await.unwrap();
    assert!(
        s.called_lines().await.unwrap().is_empty(),
        "deleted lines are left out"
    );
    assert!(matches!(
        s.get_line_by_token("token-1").await,
        Err(StoreError::NotFound)
    ));
    s.create_line(&new_line("+15005550006", u), "token-2", t(1))
        .await
        .unwrap();
    // A line's other numbers are its own too: no other live line may take one, and a line
    // that gives one up, or is deleted, frees it.
    let regional = |n: &str| PhoneNumber::parse(n).unwrap();
    let follow = s
        .create_line(
            &NewLine {
                other_numbers: vec![regional("+442071838750"), regional("+61255501234")],
                ..new_line("+15005550008", u)
            },
            "token-4",
            t(1),
        )
        .await
        .unwrap();
    assert_eq!(follow.other_numbers.len(), 2);
    assert_eq!(
        follow.caller_id,
        switchboard_core::line::CallerIdMode::Hotline
    );
    assert!(matches!(
        s.create_line(&new_line("+442071838750", u), "token-5", t(1))
            .await,
        Err(StoreError::Duplicate { field: "number" })
    ));
    assert!(matches!(
        s.create_line(
            &NewLine {
                other_numbers: vec![regional("+15005550008")],
                ..new_line("+15005550009", u)
            },
            "token-5",
            t(1)
        )
        .await,
        Err(StoreError::Duplicate { field: "number" })
    ));
    s.update_line(
        follow.id,
        &NewLine {
            other_numbers: vec![regional("+61255501234")],
            ..follow.settings()
        },
    )
    .await
    .unwrap();
    let london = s
        .create_line(&new_line("+442071838750", u), "token-5", t(1))
        .await
        .unwrap();
    s.delete_line(follow.id).await.unwrap();
    s.update_line(
        london.id,
        &NewLine {
            other_numbers: vec![regional("+61255501234"), regional("+15005550008")],
            ..london.settings()
        },
    )
    .await
    .unwrap();
    let mut changed = new_user("Alicia");
    changed.phone = None;
    let back = s.update_user(u, &changed).await.unwrap();
    assert_eq!(back.name, "Alicia");
    assert_eq!(back.phone, None);
    assert!(matches!(
        s.get_user(UserId(9999)).await,
        Err(StoreError::NotFound)
    ));
}

/// Calls arriving together (written in one transaction on SQLite): each is stored with its
/// log line, a retried one finds the first, and one that cannot be stored fails alone.
async fn calls_arriving_together_are_each_stored_or_refused_alone(s: Arc<dyn Store>) {
    let (_, l) = setup(&s).await;
    let mut tasks = Vec::new();
    for i in 0..60 {
        let s = s.clone();
        // Every tenth is a retry of the call before it; one names a line that does not exist.
        let sid = if i % 10 == 9 {
            format!("CAT{}", i - 1)
        } else {
            format!("CAT{i}")
        };
        let line = if i == 33 { LineId(l.0 + 1000) } else { l };
        tasks.push(tokio::spawn(async move {
            let r = s
                .start_call(
                    &new_call(line, &sid, "+14155550199", i),
                    &[event(&format!("start {i}"))],
                    &[],
                )
                .await;
            (i, sid, r)
        }));
    }
    let (mut ids, mut created) = (std::collections::HashMap::new(), 0);
    for t in tasks {
        let (i, sid, r) = t.await.unwrap();
        if i == 33 {
            assert!(r.is_err(), "a call to a missing line is refused");
            continue;
        }
        let (call, new) = r.unwrap_or_else(|e| panic!("call {i} failed: {e}"));
        assert_eq!(call.provider_call_id, sid);
        assert_eq!(call.caller.number, "+14155550199");
        created += usize::from(new);
        let first = *ids.entry(sid).or_insert(call.id);
        assert_eq!(first, call.id, "a retry finds the same call");
    }
    assert_eq!(ids.len(), 53, "60 calls, 6 of them retries, 1 refused");
    assert_eq!(created, 53, "each retry is told its call was there before");
    for (sid, id) in &ids {
        let stored = s.get_call(*id).await.unwrap();
        assert_eq!(&stored.provider_call_id, sid);
        assert_eq!(s.list_events(*id).await.unwrap().len(), 1, "{sid}");
    }
    // Every call ended at once, and one of them saved twice over the same version: each save
    // is stored, but the second of that pair, which is told the call changed meanwhile.
    let mut saves = Vec::new();
    let twice = *ids.values().next().unwrap();
    let mut read = Vec::new();
    for id in ids.values().copied().chain([twice]) {
        read.push((id, s.get_call(id).await.unwrap()));
    }
    for (id, mut c) in read {
        let s = s.clone();
        saves.push(tokio::spawn(async move {
            c.outcome = Outcome::Missed;
            c.phase = Phase::Done;
            c.ended_at = Some(t(60));
            let r = s
                .save_call(&c, &[event("ended")], &[], &[], None, t(60))
                .await;
            (id, r)
        }));
    }
    let (mut saved, mut conflicts) = (0, 0);
    for task in saves {
        match task.await.unwrap() {
            (_, Ok(v)) => {
                assert_eq!(v, 1);
                saved += 1;
            }
            (id, Err(StoreError::Conflict(_))) => {
                assert_eq!(id, twice);
                conflicts += 1;
            }
            (id, Err(e)) => panic!("call {id}: {e}"),
        }
    }
    assert_eq!((saved, conflicts), (53, 1));
    for id in ids.values() {
        let c = s.get_call(*id).await.unwrap();
        assert_eq!((c.outcome, c.version), (Outcome::Missed, 1));
        assert_eq!(s.list_events(*id).await.unwrap().len(), 2);
    }
}

async fn calls_are_idempotent_and_versioned(s: Arc<dyn Store>) {
    let (_, l) = setup(&s).await;
    let (call, created) = s
        .start_call(
            &new_call(l, "CA1", "+14155550199", 0),
            &[event("start")],
            &[],
        )
        .await
        .unwrap();
    assert!(created);
    let (again, created) = s
        .start_call(
            &new_call(l, "CA1", "+14155550199", 5),
            &[event("retry")],
            &[],
        )
        .await
        .unwrap();
    assert!(!created);
    assert_eq!(again.id, call.id);
    assert_eq!(s.list_events(call.id).await.unwrap().len(), 1);

    let mut next = call.clone();
    next.outcome = Outcome::Voicemail;
    next.phase = Phase::Done;
    let v = s
        .save_call(
            &next,
            &[event("voicemail")],
            &[report("RE1", true)],
            &[],
            None,
            t(9),
        )
        .await
        .unwrap();
    assert_eq!(v, 1);
    // A writer holding the old version loses and writes nothing.
    let mut stale = call.clone();
    stale.outcome = Outcome::Missed;
    assert!(matches!(
        s.save_call(
            &stale,
            &[event("stale")],
            &[report("RE2", true)],
            &[],
            None,
            t(9)
        )
        .await,
        Err(StoreError::Conflict(_))
    ));
    let stored = s.get_call(call.id).await.unwrap();
    assert_eq!(stored.outcome, Outcome::Voicemail);
    assert_eq!(stored.version, 1);
    assert_eq!(s.list_events(call.id).await.unwrap().len(), 2);
    assert_eq!(s.list_recordings(call.id).await.unwrap().len(), 1);
    assert_eq!(s.find_call(l, "CA1").await.unwrap().id, call.id);
    assert_eq!(
        s.count_calls_from(l, "+14155550199", t(0)).await.unwrap(),
        1
    );
    assert_eq!(
        s.count_calls_from(l, "+14155550199", t(1)).await.unwrap(),
        0
    );
    assert_eq!(
        s.count_calls_from(l, "+14155550100", t(0)).await.unwrap(),
        0
    );
}

async fn recordings_are_upserted_and_fetched_once(s: Arc<dyn Store>) {
    let (_, l) = setup(&s).await;
    let (mut call, _) = s
        .start_call(&new_call(l, "CA1", "+14155550199", 0), &[], &[])
        .await
        .unwrap();
    call.version = s
        .save_call(&call, &[], &[report("RE1", true)], &[], None, t(1))
        .await
        .unwrap();
    call.version = s
        .save_call(&call, &[], &[report("RE1", true)], &[], None, t(2))
        .await
        .unwrap();
    let recs = s.list_recordings(call.id).await.unwrap();
    assert_eq!(recs.len(), 1);
    assert_eq!(recs[0].status, RecordingStatus::Pending);
    let job = s.claim_job(t(3), 60).await.unwrap().expect("a fetch job");
    assert_eq!(job.kind, "fetch_recording");
    assert_eq!(job.payload["recording"], recs[0].id.0);
    assert!(
        s.claim_job(t(3), 60).await.unwrap().is_none(),
        "queued once"
    );
    s.set_recording_media(recs[0].id, Some("recordings/1/1.wav"))
        .await
        .unwrap();
    // A later "absent" report cannot erase a stored copy.
    s.save_call(&call, &[], &[report("RE1", false)], &[], None, t(4))
        .await
        .unwrap();
    let r = s.get_recording(recs[0].id).await.unwrap();
    assert_eq!(r.status, RecordingStatus::Stored);
    assert_eq!(r.local_path.as_deref(), Some("recordings/1/1.wav"));
    let deleted = s.delete_call(call.id).await.unwrap();
    assert_eq!(deleted.len(), 1);
    assert!(matches!(
        s.get_call(call.id).await,
        Err(StoreError::NotFound)
    ));
    assert!(s.list_events(call.id).await.unwrap().is_empty());
}

async fn calls_are_filtered_and_paged(s: Arc<dyn Store>) {
    let (_, l) = setup(&s).await;
    for i in 0..5 {
        let caller = if i % 2 == 0 {
            "+14155550199"
        } else {
            "+4930123456"
        };
        let mut call = new_call(l, &format!("CA{i}"), caller, i);
        call.test_call = i == 3;
        call.simulated = i == 2;
        let (mut c, _) = s.start_call(&call, &[], &[]).await.unwrap();
        if i == 4 {
            c.outcome = Outcome::Answered;
            c.answered_by = Some(UserId(1));
            s.save_call(&c, &[], &[], &[], None, t(i)).await.unwrap();
            s.set_call_archived(c.id, true).await.unwrap();
        }
    }
    let all = |f: CallFilter| {
        let s = s.clone();
        async move { s.list_calls(&CallFilter { limit: 50, ..f }).await.unwrap() }
    };
    assert_eq!(all(CallFilter::default()).await.len(), 4);
    assert_eq!(
        all(CallFilter {
            include_archived: true,
            ..Default::default()
        })
        .await
        .len(),
        5
    );
    let german = all(CallFilter {
        caller: Some("+4930".into()),
        ..Default::default()
    })
    .await;
    assert_eq!(german.len(), 2);
    let answered = all(CallFilter {
        outcome: Some(Outcome::Answered),
        include_archived: true,
        ..Default::default()
    })
    .await;
    assert_eq!(answered.len(), 1);
    let window = all(CallFilter {
        since: Some(t(1)),
        until: Some(t(3)),
        ..Default::default()
    })
    .await;
    assert_eq!(window.len(), 2);
    // A simulated call reads back as one.
    let sims: Vec<bool> = all(CallFilter::default())
        .await
        .iter()
        .map(|c| c.simulated)
        .collect();
    assert_eq!(
        sims,
        vec![false, true, false, false],
        "newest first: CA3, CA2, CA1, CA0"
    );
    // Test calls left out; answered by someone; what came after a call.
    assert_eq!(
        all(CallFilter {
            exclude_test: true,
            ..Default::default()
        })
        .await
        .len(),
        3
    );
    let by = all(CallFilter {
        answered_by: Some(UserId(1)),
        include_archived: true,
        ..Default::default()
    })
    .await;
    assert_eq!((by.len(), by[0].answered_by), (1, Some(UserId(1))));
    let newest_first = all(CallFilter::default()).await;
    let after = all(CallFilter {
        after: Some(newest_first[1].id),
        ..Default::default()
    })
    .await;
    assert_eq!(
        after.iter().map(|c| c.id).collect::<Vec<_>>(),
        vec![newest_first[0].id]
    );
    let page1 = s
        .list_calls(&CallFilter {
            limit: 2,
            include_archived: true,
            ..Default::default()
        })
        .await
        .unwrap();
    let page2 = s
        .list_calls(&CallFilter {
            limit: 2,
            include_archived: true,
            before: Some(page1[1].id),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(page1[0].id > page1[1].id && page1[1].id > page2[0].id);
    assert_eq!(
        all(CallFilter {
            line: Some(LineId(l.0 + 100)),
            ..Default::default()
        })
        .await
        .len(),
        0
    );
}

async fn jobs_are_leased_retried_and_claimed_once(s: Arc<dyn Store>) {
    let job = NewJob {
        kind: JobKind::Alert,
        payload: serde_json::json!({ "n": 1 }),
        call: None,
        queue: None,
        run_at: None,
    };
    s.enqueue_job(&job, t(10)).await.unwrap();
    assert!(
        s.claim_job(t(9), 60).await.unwrap().is_none(),
        "not due yet"
    );
    let j = s.claim_job(t(10), 60).await.unwrap().unwrap();
    assert_eq!(j.attempts, 1);
    assert!(s.claim_job(t(20), 60).await.unwrap().is_none(), "leased");
    // The lease runs out (a dead worker): the job comes back.
    let again = s.claim_job(t(71), 60).await.unwrap().unwrap();
    assert_eq!(again.id, j.id);
    assert_eq!(again.attempts, 2);
    s.retry_job(j.id, t(100), "boom").await.unwrap();
    assert!(s.claim_job(t(99), 60).await.unwrap().is_none());
    let third = s.claim_job(t(100), 60).await.unwrap().unwrap();
    s.complete_job(third.id).await.unwrap();
    assert!(s.claim_job(t(1000), 60).await.unwrap().is_none());

    // Many workers at once: every job is claimed exactly once.
    for i in 0..40 {
        let job = NewJob {
            payload: serde_json::json!({ "i": i }),
            ..job.clone()
        };
        s.enqueue_job(&job, t(200)).await.unwrap();
    }
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let s = s.clone();
        tasks.push(tokio::spawn(async move {
            let mut got = Vec::new();
            while let Some(j) = s.claim_job(t(300), 600).await.unwrap() {
                got.push(j.id);
            }
            got
        }));
    }
    let mut claimed: Vec<i64> = Vec::new();
    for t in tasks {
        claimed.extend(t.await.unwrap());
    }
    let n = claimed.len();
    claimed.sort();
    claimed.dedup();
    assert_eq!(n, 40, "each job claimed once");
    assert_eq!(claimed.len(), 40);

    // A queue runs in order: the second waits while the first retries, and goes once the
    // first is done; a first that failed for good does not hold the next.
    let q = |n: i64, queue: &str| NewJob {
        payload: serde_json::json!({ "n": n }),
        queue: Some(queue.to_owned()),
        ..job.clone()
    };
    for (n, queue) in [(1, "a"), (2, "a"), (3, "b"), (4, "a")] {
        s.enqueue_job(&q(n, queue), t(400)).await.unwrap();
    }
    let first = s.claim_job(t(400), 60).await.unwrap().unwrap();
    assert_eq!(first.payload["n"], 1);
    s.retry_job(first.id, t(500), "down").await.unwrap();
    let other = s.claim_job(t(400), 60).await.unwrap().unwrap();
    assert_eq!(other.payload["n"], 3, "queue b is not held by queue a");
    s.complete_job(other.id).await.unwrap();
    assert!(
        s.claim_job(t(450), 60).await.unwrap().is_none(),
        "2 and 4 wait behind 1, which retries at 500"
    );
    let first = s.claim_job(t(500), 60).await.unwrap().unwrap();
    assert_eq!(first.payload["n"], 1);
    s.fail_job(first.id, "gave up").await.unwrap();
    let second = s.claim_job(t(500), 60).await.unwrap().unwrap();
    assert_eq!(
        second.payload["n"], 2,
        "a failed job does not hold its queue"
    );
    assert!(
        s.claim_job(t(500), 60).await.unwrap().is_none(),
        "4 waits for 2"
    );
    s.complete_job(second.id).await.unwrap();
    assert_eq!(
        s.claim_job(t(500), 60).await.unwrap().unwrap().payload["n"],
        4
    );
}

async fn api_tokens(s: Arc<dyn Store>) {
    let tok = s
        .create_api_token(
            &switchboard_core::store::NewApiToken::owner_level("ci"),
            "abc",
            t(0),
        )
        .await
        .unwrap();
    assert_eq!(s.find_api_token("abc").await.unwrap().id, tok.id);
    assert!(matches!(
        s.find_api_token("abd").await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(s.list_api_tokens().await.unwrap(), vec![tok.clone()]);
    s.delete_api_token(tok.id).await.unwrap();
    assert!(matches!(
        s.find_api_token("abc").await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.delete_api_token(tok.id).await,
        Err(StoreError::NotFound)
    ));
}

/// "Primary" in Berlin: `u` on call every week.
fn weekly(u: UserId) -> switchboard_core::schedule::Schedule {
    use switchboard_core::schedule::{Layer, Schedule, ShiftLength};
    Schedule {
        removals: vec![],
        temporary: vec![],
        id: None,
        name: "Primary".into(),
        time_zone: switchboard_core::Zone::parse("Europe/Berlin").unwrap(),
        layers: vec![Layer {
            time_zone: None,
            advance: Default::default(),
            id: 1,
            name: "weekly".into(),
            participants: vec![u.into()],
            start: "2026-11-23T09:00".parse().unwrap(),
            shift: ShiftLength::Weeks(1),
            end: None,
            restrictions: vec![],
        }],
        overrides: vec![],
    }
}

async fn schedules_and_feeds(s: Arc<dyn Store>) {
    use switchboard_core::schedule::{Override, ScheduleId};
    let (u, _) = setup(&s).await;
    let mut sched = weekly(u);
    let stored = s
        .create_schedule(&sched, "feed-1", None, t(0))
        .await
        .unwrap();
    assert_eq!(stored.schedule.layers, sched.layers);
    assert_eq!(stored.schedule.id, Some(stored.id));
    sched.overrides.push(Override {
        covering: None,
        add: false,
        id: 1,
        user: u,
        start: t(10),
        end: t(20),
    });
    sched.name = "Renamed".into();
    let updated = s
        .update_schedule(stored.id, &sched, None, stored.version)
        .await
        .unwrap();
    assert_eq!(updated.schedule.overrides.len(), 1);
    assert_eq!(updated.version, stored.version + 1);
    // An update from the old version is refused and changes nothing.
    sched.name = "Stale".into();
    assert!(matches!(
        s.update_schedule(stored.id, &sched, None, stored.version)
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        s.update_schedule(ScheduleId(999), &sched, None, 0).await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(
        s.schedule_by_feed_token("feed-1")
            .await
            .unwrap()
            .schedule
            .name,
        "Renamed"
    );
    s.set_schedule_feed_token(stored.id, "feed-2")
        .await
        .unwrap();
    assert!(matches!(
        s.schedule_by_feed_token("feed-1").await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(s.list_schedules().await.unwrap().len(), 1);
    s.set_user_feed_token(u, "user-feed").await.unwrap();
    assert_eq!(s.user_by_feed_token("user-feed").await.unwrap().id, u);
    s.delete_schedule(stored.id).await.unwrap();
    assert!(matches!(
        s.get_schedule(stored.id).await,
        Err(StoreError::NotFound)
    ));
}

async fn audio_messages(s: Arc<dyn Store>) {
    let bytes: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
    s.put_audio("tok-a", "audio/wav", &bytes, t(0))
        .await
        .unwrap();
    let (ct, back) = s.get_audio("tok-a").await.unwrap();
    assert_eq!(ct, "audio/wav");
    assert_eq!(back, bytes, "binary content survives byte for byte");
    s.delete_audio("tok-a").await.unwrap();
    assert!(matches!(
        s.get_audio("tok-a").await,
        Err(StoreError::NotFound)
    ));
}

async fn channels_and_call_jobs(s: Arc<dyn Store>) {
    use switchboard_core::channel::{ChannelKind, NewChannel};
    use switchboard_core::store::NewJob;
    let (u, _) = setup(&s).await;
    let ch = s
        .create_channel(
            &NewChannel::validate(
                "ops",
                ChannelKind::Teams,
                "https://x.logic.azure.com/w?sig=1",
            )
            .unwrap(),
            t(0),
        )
        .await
        .unwrap();
    assert_eq!(s.get_channel(ch.id).await.unwrap().kind, ChannelKind::Teams);
    let mut l = new_line("+15005550007", u);
    l.channels = vec![ch.id];
    let line = s.create_line(&l, "token-9", t(0)).await.unwrap();
    assert_eq!(s.get_line(line.id).await.unwrap().channels, vec![ch.id]);
    let (call, _) = s
        .start_call(&new_call(line.id, "CA9", "+14155550199", 0), &[], &[])
        .await
        .unwrap();
    let job = NewJob::alert(call.id, ch.id);
    s.save_call(&call, &[], &[], &[job], None, t(5))
        .await
        .unwrap();
    let jobs = s.list_call_jobs(call.id).await.unwrap();
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].status, "queued");
    let claimed = s.claim_job(t(6), 60).await.unwrap().unwrap();
    s.fail_job(claimed.id, "HTTP 404 channel_not_found")
        .await
        .unwrap();
    let jobs = s.list_call_jobs(call.id).await.unwrap();
    assert_eq!(jobs[0].status, "failed");
    assert_eq!(jobs[0].attempts, 1);
    assert_eq!(
        jobs[0].last_error.as_deref(),
        Some("HTTP 404 channel_not_found")
    );
    assert_eq!(s.list_channels().await.unwrap().len(), 1);
    s.delete_channel(ch.id).await.unwrap();
    assert!(matches!(
        s.get_channel(ch.id).await,
        Err(StoreError::NotFound)
    ));
}

/// Accounts: the first owner once, however many setups run at once; sessions; failed logins.
async fn accounts_and_sessions(s: Arc<dyn Store>) {
    use switchboard_core::account::{Role, Session};
    for i in 0..8 {
        s.create_setup_link(&format!("link{i}"), t(3600))
            .await
            .unwrap();
    }
    let mut tries = tokio::task::JoinSet::new();
    for i in 0..8 {
        let s = s.clone();
        tries.spawn(async move {
            let u = new_user(&format!("owner{i}"));
            s.setup_owner(&format!("link{i}"), &u, "hash", t(10)).await
        });
    }
    let results = tries.join_all().await;
    let made = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(made, 1, "one owner: {results:?}");
    assert!(results
        .iter()
        .filter_map(|r| r.as_ref().err())
        .all(|e| matches!(e, StoreError::Conflict(_))));
    assert_eq!(s.count_accounts().await.unwrap(), 1);
    // A used or expired link is not found.
    s.create_setup_link("late", t(20)).await.unwrap();
    assert!(matches!(
        s.setup_owner("late", &new_user("x"), "hash", t(21)).await,
        Err(StoreError::NotFound)
    ));
    let owner = results.into_iter().find_map(Result::ok).unwrap();
    assert_eq!(owner.role, Role::Owner);
    assert!(owner.has_password);
    let (found, hash) = s.user_login(&owner.email.to_uppercase()).await.unwrap();
    assert_eq!((found.id, hash.as_deref()), (owner.id, Some("hash")));
    let session = Session {
        user_id: owner.id,
        csrf: "c".into(),
        created_at: t(30),
        last_seen_at: t(30),
    };
    s.create_session("s1", &session).await.unwrap();
    s.create_session("s2", &session).await.unwrap();
    s.touch_session("s1", t(40)).await.unwrap();
    assert_eq!(s.get_session("s1").await.unwrap().last_seen_at, t(40));
    s.delete_session("s1").await.unwrap();
    assert!(matches!(
        s.get_session("s1").await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(s.delete_user_sessions(owner.id).await.unwrap(), 1);
    let keys = ["account:a".to_owned(), "address:1".to_owned()];
    s.note_login_failure(&keys, t(50), t(0)).await.unwrap();
    s.note_login_failure(&keys, t(60), t(0)).await.unwrap();
    assert_eq!(s.count_login_failures("account:a", t(55)).await.unwrap(), 1);
    assert_eq!(s.count_login_failures("address:1", t(0)).await.unwrap(), 2);
    s.clear_login_failures("account:a").await.unwrap();
    assert_eq!(s.count_login_failures("account:a", t(0)).await.unwrap(), 0);
    assert_eq!(s.count_login_failures("address:1", t(0)).await.unwrap(), 2);
    // Old failures are forgotten as new ones are noted.
    s.note_login_failure(&keys[1..], t(100), t(55))
        .await
        .unwrap();
    assert_eq!(s.count_login_failures("address:1", t(0)).await.unwrap(), 2);
    // Expired sessions go; a live one stays.
    s.create_session("old", &session).await.unwrap();
    let live = Session {
        created_at: t(90),
        last_seen_at: t(95),
        ..session.clone()
    };
    s.create_session("live", &live).await.unwrap();
    assert_eq!(s.delete_expired_sessions(t(50), t(0)).await.unwrap(), 1);
    assert!(s.get_session("live").await.is_ok());
    // Two owners demoting each other at once: one succeeds, an owner remains.
    let second = s
        .create_account(&new_user("second"), Role::Owner, "hash", t(0))
        .await
        .unwrap();
    let (a, b) = (s.clone(), s.clone());
    let (x, y) = tokio::join!(
        tokio::spawn(async move { a.set_role(owner.id, Role::Member).await }),
        tokio::spawn(async move { b.set_role(second.id, Role::Member).await }),
    );
    let (x, y) = (x.unwrap(), y.unwrap());
    assert!(x.is_ok() != y.is_ok(), "exactly one demotion: {x:?} {y:?}");
    let owners = s.list_users().await.unwrap();
    assert_eq!(owners.iter().filter(|u| u.role == Role::Owner).count(), 1);
}

/// Teams own lines, schedules and channels; a member's call list holds their teams' calls
/// only; a team that owns something is not deleted.
async fn teams_and_ownership(s: Arc<dyn Store>) {
    use switchboard_core::schedule::Schedule;
    use switchboard_core::TeamId;
    let ops = s.create_team("Ops", t(0)).await.unwrap();
    let pay = s.create_team("Payments", t(0)).await.unwrap();
    assert!(matches!(
        s.create_team("Ops", t(1)).await,
        Err(StoreError::Duplicate { field: "name" })
    ));
    let alice = s.create_user(&new_user("Alice"), t(0)).await.unwrap();
    let bob = s.create_user(&new_user("Bob"), t(0)).await.unwrap();
    s.add_team_member(ops.id, alice.id).await.unwrap();
    s.add_team_member(ops.id, alice.id).await.unwrap();
    s.add_team_member(pay.id, bob.id).await.unwrap();
    s.add_team_member(pay.id, alice.id).await.unwrap();
    assert_eq!(s.user_teams(alice.id).await.unwrap(), vec![ops.id, pay.id]);
    assert_eq!(s.get_team(ops.id).await.unwrap().members, vec![alice.id]);
    s.remove_team_member(pay.id, alice.id).await.unwrap();
    assert!(matches!(
        s.remove_team_member(pay.id, alice.id).await,
        Err(StoreError::NotFound)
    ));
    let line = NewLine {
        team: Some(ops.id),
        ..new_line("+15005550006", alice.id)
    };
    let ops_line = s.create_line(&line, "tok-ops", t(0)).await.unwrap();
    assert_eq!(ops_line.team, Some(ops.id));
    let pay_line = s
        .create_line(
            &NewLine {
                team: Some(pay.id),
                ..new_line("+15005550007", bob.id)
            },
            "tok-pay",
            t(0),
        )
        .await
        .unwrap();
    s.start_call(&new_call(ops_line.id, "CA1", "+4930111", 10), &[], &[])
        .await
        .unwrap();
    s.start_call(&new_call(pay_line.id, "CA2", "+4930222", 20), &[], &[])
        .await
        .unwrap();
    let seen = |u: UserId| {
        let s = s.clone();
        async move {
            s.list_calls(&CallFilter {
                member: Some(u),
                limit: 50,
                ..Default::default()
            })
            .await
            .unwrap()
            .iter()
            .map(|c| c.line_id)
            .collect::<Vec<_>>()
        }
    };
    assert_eq!(seen(alice.id).await, vec![ops_line.id]);
    assert_eq!(seen(bob.id).await, vec![pay_line.id]);
    // The chart's counts per span, by the same scope: a call on an edge counts in the span
    // it opens, one past the last edge in none.
    let counts = s.call_counts(&[t(0), t(10), t(30)], None).await.unwrap();
    assert_eq!(counts.iter().map(|c| c.2).sum::<u64>(), 2, "{counts:?}");
    assert_eq!(
        s.call_counts(&[t(0), t(10), t(30)], Some(alice.id))
            .await
            .unwrap(),
        vec![(1, switchboard_core::call::Outcome::InProgress, 1)]
    );
    assert_eq!(
        s.call_counts(&[t(0), t(5), t(11)], Some(bob.id))
            .await
            .unwrap(),
        vec![],
        "Bob's call at 20 s is past the last edge"
    );
    assert!(s
        .call_counts(&[t(15), t(100)], Some(alice.id))
        .await
        .unwrap()
        .is_empty());
    let sched = Schedule {
        removals: vec![],
        temporary: vec![],
        id: None,
        name: "Primary".into(),
        time_zone: switchboard_core::Zone::parse("UTC").unwrap(),
        layers: vec![],
        overrides: vec![],
    };
    let st = s
        .create_schedule(&sched, "feed-t", Some(pay.id), t(0))
        .await
        .unwrap();
    assert_eq!(st.team, Some(pay.id));
    let moved = s
        .update_schedule(st.id, &sched, Some(ops.id), st.version)
        .await
        .unwrap();
    assert_eq!(moved.team, Some(ops.id));
    // Payments still owns a line: not deleted, and the conflict says why.
    match s.delete_team(pay.id).await {
        Err(StoreError::Conflict(why)) => assert!(why.contains("1 lines"), "{why}"),
        other => panic!("{other:?}"),
    }
    s.delete_line(pay_line.id).await.unwrap();
    s.delete_team(pay.id).await.unwrap();
    assert!(matches!(
        s.get_team(pay.id).await,
        Err(StoreError::NotFound)
    ));
    // The deleted line's calls stay, owned by no team now.
    assert_eq!(s.line_team(pay_line.id).await.unwrap(), None);
    assert_eq!(s.line_team(ops_line.id).await.unwrap(), Some(ops.id));
    assert!(matches!(
        s.delete_team(TeamId(999)).await,
        Err(StoreError::NotFound)
    ));
    // Deleting a user ends their memberships.
    s.delete_user(bob.id).await.unwrap();
    assert_eq!(s.list_teams().await.unwrap().len(), 1);
}

/// The audit trail keeps what it is given, and filters by actor, action, target (and what
/// lies below it, not a longer id), time and page.
async fn audit_trail(s: Arc<dyn Store>) {
    use switchboard_core::audit::{AuditEntry, AuditFilter};
    let entry = |n: i64, actor: Option<i64>, action: &str, target: &str| AuditEntry {
        at: t(n),
        actor_user: actor.map(UserId),
        actor: format!("actor {actor:?}"),
        address: Some("10.0.0.1".into()),
        action: action.into(),
        target: Some(target.into()),
        status: 200,
        before: Some(serde_json::json!({"name": "old"})),
        after: None,
    };
    s.append_audit(&entry(1, Some(1), "PATCH /api/v1/lines/{id}", "lines/3"))
        .await
        .unwrap();
    s.append_audit(&entry(
        2,
        Some(2),
        "PUT /api/v1/lines/{id}/messages/{kind}/audio",
        "lines/3/messages/welcome/audio",
    ))
    .await
    .unwrap();
    s.append_audit(&entry(3, None, "login failed", "lines/30"))
        .await
        .unwrap();
    let list = |f: AuditFilter| {
        let s = s.clone();
        async move {
            s.list_audit(&AuditFilter { limit: 50, ..f })
                .await
                .unwrap()
                .into_iter()
                .map(|(_, e)| e.at)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(list(AuditFilter::default()).await, vec![t(3), t(2), t(1)]);
    let target = |t: &str| AuditFilter {
        target: Some(t.into()),
        ..Default::default()
    };
    assert_eq!(list(target("lines/3")).await, vec![t(2), t(1)]);
    assert_eq!(
        list(AuditFilter {
            actor_user: Some(UserId(2)),
            ..Default::default()
        })
        .await,
        vec![t(2)]
    );
    assert_eq!(
        list(AuditFilter {
            action: Some("login".into()),
            ..Default::default()
        })
        .await,
        vec![t(3)]
    );
    assert_eq!(
        list(AuditFilter {
            since: Some(t(2)),
            until: Some(t(3)),
            ..Default::default()
        })
        .await,
        vec![t(2)]
    );
    let all = s
        .list_audit(&AuditFilter {
            limit: 50,
            ..Default::default()
        })
        .await
        .unwrap();
    let (oldest_id, stored) = &all[2];
    assert_eq!(
        stored,
        &entry(1, Some(1), "PATCH /api/v1/lines/{id}", "lines/3")
    );
    assert_eq!(
        list(AuditFilter {
            before: Some(all[0].0),
            ..Default::default()
        })
        .await,
        vec![t(2), t(1)]
    );
    assert!(*oldest_id > 0);
}

/// A single sign-on login is taken once, and not after it expired; old ones are forgotten.
async fn sso_logins(s: Arc<dyn Store>) {
    s.create_sso_login("h1", "verifier-1", "nonce-1", t(100), t(0))
        .await
        .unwrap();
    s.create_sso_login("h2", "verifier-2", "nonce-2", t(100), t(0))
        .await
        .unwrap();
    assert_eq!(
        s.take_sso_login("h1", t(50)).await.unwrap(),
        ("verifier-1".to_owned(), "nonce-1".to_owned())
    );
    assert!(matches!(
        s.take_sso_login("h1", t(50)).await,
        Err(StoreError::NotFound)
    ));
    assert!(
        matches!(
            s.take_sso_login("h2", t(101)).await,
            Err(StoreError::NotFound)
        ),
        "expired"
    );
    // Starting another forgets what began before its cut-off.
    s.create_sso_login("h3", "v", "n", t(900), t(500))
        .await
        .unwrap();
    assert!(matches!(
        s.take_sso_login("h2", t(0)).await,
        Err(StoreError::NotFound)
    ));
    assert!(s.take_sso_login("h3", t(0)).await.is_ok());
}

macro_rules! on_both {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    let db = super::TestDb::sqlite();
                    let s = switchboard_store::open(&db.url).await.unwrap();
                    super::$name(s).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    let Some(db) = super::TestDb::postgres(stringify!($name)).await else {
                        return;
                    };
                    let s = switchboard_store::open(&db.url).await.unwrap();
                    super::$name(s).await;
                }
            )*
        }
    };
}

on_both!(
    users_and_lines,
    calls_are_idempotent_and_versioned,
    recordings_are_upserted_and_fetched_once,
    calls_are_filtered_and_paged,
    jobs_are_leased_retried_and_claimed_once,
    api_tokens,
    schedules_and_feeds,
    audio_messages,
    channels_and_call_jobs,
    accounts_and_sessions,
    teams_and_ownership,
    audit_trail,
    sso_logins,
    incidents_are_versioned_and_calls_join_them,
    concurrent_calls_from_one_caller_open_one_incident,
    calls_ending_together_decide_incidents_as_one_by_one,
    calls_arriving_together_are_each_stored_or_refused_alone,
    a_cover_request_is_decided_once_with_its_override,
    history_is_appended_once_and_never_changed,
    transcripts_are_queued_stored_and_searched,
    a_job_that_waits_keeps_its_attempts,
    conversations_are_stored_once_with_their_incident_and_found_again,
    what_routes_a_call_changes_the_config_version,
    the_last_unanswered_caller_leaves_out_calls_back_only,
    a_setup_change_is_written_whole_with_real_ids_or_not_at_all,
    calls_read_at_once_are_each_their_own_and_current,
);
