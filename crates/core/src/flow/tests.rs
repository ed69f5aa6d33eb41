use super::*;
use crate::call::{CallerInfo, Outcome, Phase};
use crate::line::{Provider, RoutingStep};
use crate::plan::Plan;
use crate::UserId;

fn line(users: &[i64]) -> Line {
    crate::test_support::line(
        users
            .iter()
            .map(|u| RoutingStep::User(UserId(*u)))
            .collect(),
    )
}

fn call_for(line: &Line) -> Call {
    crate::test_support::call(line)
}

fn dial_ended(step: usize, status: DialStatus) -> Event {
    Event::DialEnded {
        step,
        status,
        talk_secs: Some(30),
        caller_gone: false,
        leg_id: None,
        recording: None,
        accept_enforced_by_provider: false,
    }
}

fn dialed_number(t: &Transition) -> Option<String> {
    t.instructions.iter().find_map(|i| match i {
        Instruction::Dial { legs, .. } => Some(legs[0].number.to_string()),
        _ => None,
    })
}

const NOW: Timestamp = Timestamp::UNIX_EPOCH;

#[test]
fn start_welcomes_then_dials_the_first_responder_with_the_caller_id() {
    let l = line(&[1, 2]);
    let mut c = call_for(&l);
    let t = start(&mut c, &l, NOW);
    assert!(matches!(&t.instructions[0], Instruction::Say(m) if m == &l.messages.welcome));
    match &t.instructions[1] {
        Instruction::Dial {
            legs,
            caller_id,
            timeout_secs,
            ..
        } => {
            assert_eq!(legs.len(), 1);
            assert_eq!(legs[0].number.as_str(), "+14155550101");
            assert_eq!(caller_id, "+14155550199");
            assert_eq!(*timeout_secs, 20);
        }
        other => panic!("expected a dial, got {other:?}"),
    }
    assert_eq!(c.phase, Phase::Dialing { step: 0 });
}

#[test]
fn every_unanswered_status_moves_to_the_next_responder() {
    for status in [
        DialStatus::NoAnswer,
        DialStatus::Busy,
        DialStatus::Failed,
        DialStatus::Canceled,
    ] {
        let l = line(&[1, 2]);
        let mut c = call_for(&l);
        start(&mut c, &l, NOW);
        let t = handle(&mut c, &l, dial_ended(0, status), NOW);
        assert_eq!(
            dialed_number(&t).as_deref(),
            Some("+14155550102"),
            "{status:?}"
        );
        assert_eq!(c.phase, Phase::Dialing { step: 1 });
    }
}

#[test]
fn answer_ends_routing_and_names_who_answered() {
    let l = line(&[1, 2]);
    let mut c = call_for(&l);
    start(&mut c, &l, NOW);
    handle(&mut c, &l, dial_ended(0, DialStatus::NoAnswer), NOW);
    let t = handle(&mut c, &l, dial_ended(1, DialStatus::Answered), NOW);
    assert_eq!(t.instructions, vec![Instruction::Hangup]);
    assert_eq!(c.outcome, Outcome::Answered);
    assert_eq!(c.answered_by, Some(UserId(2)));
    assert_eq!(c.path(), "Alice did not answer → Bob answered");
}

#[test]
fn all_missed_plays_no_answer_and_records() {
    let l = line(&[1]);
    let mut c = call_for(&l);
    start(&mut c, &l, NOW);
    let t = handle(&mut c, &l, dial_ended(0, DialStatus::Busy), NOW);
    assert!(matches!(&t.instructions[0], Instruction::Say(m) if m == &l.messages.no_answer));
    assert!(matches!(
        t.instructions[1],
        Instruction::Record { max_secs: 120, .. }
    ));
    let rec = RecordingReport {
        kind: RecordingKind::Voicemail,
        provider_recording_id: "RE1".into(),
        provider_url: "https://x/RE1".into(),
        duration_secs: Some(12),
        has_media: true,
        transcribe: false,
    };
    handle(
        &mut c,
        &l,
        Event::VoicemailTaken {
            caller_gone: false,
            recording: Some(rec),
        },
        NOW,
    );
    assert_eq!(c.outcome, Outcome::Voicemail);
    assert_eq!(c.path(), "Alice was busy → voicemail left");
}

#[test]
fn hanging_up_while_ringing_abandons_without_dialing_more() {
    let l = line(&[1, 2]);
    let mut c = call_for(&l);
    start(&mut c, &l, NOW);
    let t = handle(
        &mut c,
        &l,
        Event::DialEnded {
            step: 0,
            status: DialStatus::NoAnswer,
            talk_secs: None,
            caller_gone: true,
            leg_id: None,
            recording: None,
            accept_enforced_by_provider: false,
        },
        NOW,
    );
    assert_eq!(dialed_number(&t), None);
    assert_eq!(c.outcome, Outcome::Abandoned);
    assert_eq!(c.attempts.len(), 1);
}

#[test]
fn a_repeated_dial_result_changes_nothing_and_repeats_the_answer() {
    let l = line(&[1, 2]);
    let mut c = call_for(&l);
    start(&mut c, &l, NOW);
    let first = handle(&mut c, &l, dial_ended(0, DialStatus::NoAnswer), NOW);
    let before = c.clone();
    let again = handle(&mut c, &l, dial_ended(0, DialStatus::NoAnswer), NOW);
    assert_eq!(c, before);
    assert_eq!(first.instructions, again.instructions);
}

#[test]
fn the_end_of_a_call_during_the_welcome_is_abandoned() {
    let l = line(&[1]);
    let mut c = call_for(&l);
    start(&mut c, &l, NOW);
    handle(
        &mut c,
        &l,
        Event::CallEnded {
            duration_secs: Some(4),
        },
        NOW,
    );
    assert_eq!(c.outcome, Outcome::Abandoned);
    assert_eq!(c.duration_secs, Some(4));
    assert_eq!(c.path(), "Alice was ringing when the caller hung up");
}

#[test]
fn an_empty_plan_goes_straight_to_the_no_one_on_call_message() {
    let l = line(&[]);
    let mut c = call_for(&l);
    let t = start(&mut c, &l, NOW);
    assert!(matches!(&t.instructions[1], Instruction::Say(m) if m == &l.messages.no_one_on_call));
    handle(
        &mut c,
        &l,
        Event::CallEnded {
            duration_secs: Some(20),
        },
        NOW,
    );
    assert_eq!(c.outcome, Outcome::Missed);
    assert_eq!(c.path(), "Nobody on call → no voicemail left");
}

#[test]
fn a_late_voicemail_recording_turns_missed_into_voicemail() {
    let l = line(&[]);
    let mut c = call_for(&l);
    start(&mut c, &l, NOW);
    handle(
        &mut c,
        &l,
        Event::CallEnded {
            duration_secs: Some(20),
        },
        NOW,
    );
    handle(
        &mut c,
        &l,
        Event::Recording(RecordingReport {
            kind: RecordingKind::Voicemail,
            provider_recording_id: "RE2".into(),
            provider_url: "https://x/RE2".into(),
            duration_secs: Some(9),
            has_media: true,
            transcribe: false,
        }),
        NOW,
    );
    assert_eq!(c.outcome, Outcome::Voicemail);
}

#[test]
fn with_screening_an_answer_counts_only_after_the_key() {
    let mut l = line(&[1, 2]);
    l.screening = true;
    let mut c = call_for(&l);
    let t = start(&mut c, &l, NOW);
    assert!(t.instructions.iter().any(|i| matches!(
        i,
        Instruction::Dial {
            screening: true,
            picked_up: Some(Callback::Screen { step: 0, leg: None }),
            ..
        }
    )));
    let prompt = screen_prompt(&c, &l, 0, 0);
    assert!(matches!(&prompt[0], Instruction::AskToAccept { prompt, .. }
        if prompt.text == "Hotline call from 1 4 1 5 5 5 5 0 1 9 9. Press 1 to accept, 2 to pass it on."));
    // Alice's voicemail picks up: bridged, but nobody pressed 1.
    let t = handle(&mut c, &l, dial_ended(0, DialStatus::Answered), NOW);
    assert_eq!(dialed_number(&t).as_deref(), Some("+14155550102"));
    // Bob presses 1, then the bridge is reported.
    let t = handle(
        &mut c,
        &l,
        Event::ScreenAnswered {
            step: 1,
            leg: None,
            digits: Some("1".into()),
        },
        NOW,
    );
    assert!(matches!(&t.instructions[0], Instruction::Say(m) if m.text == CONNECTING_TEXT));
    handle(&mut c, &l, dial_ended(1, DialStatus::Answered), NOW);
    assert_eq!(c.outcome, Outcome::Answered);
    assert_eq!(c.path(), "Alice did not accept the call → Bob answered");
}

#[test]
fn pressing_2_passes_the_call_to_the_next_responder_and_is_logged_so() {
    let mut l = line(&[1, 2]);
    l.screening = true;
    let mut c = call_for(&l);
    start(&mut c, &l, NOW);
    let t = handle(
        &mut c,
        &l,
        Event::ScreenAnswered {
            step: 0,
            leg: None,
            digits: Some(PASS_KEY.into()),
        },
        NOW,
    );
    assert!(matches!(&t.instructions[0], Instruction::Say(m) if m.text == PASSING_TEXT));
    assert_eq!(t.instructions[1], Instruction::Hangup);
    assert_eq!(c.attempts[0].screening, Screening::Passed);
    // The leg hung up, so the dial reports no answer; the next responder rings at once.
    let t = handle(&mut c, &l, dial_ended(0, DialStatus::NoAnswer), NOW);
    assert_eq!(dialed_number(&t).as_deref(), Some("+14155550102"));
    assert_eq!(c.attempts[0].outcome, AttemptOutcome::Passed);
    // A late 1 from the leg that passed changes nothing.
    handle(
        &mut c,
        &l,
        Event::ScreenAnswered {
            step: 0,
            leg: None,
            digits: Some("1".into()),
        },
        NOW,
    );
    assert_eq!(c.attempts[0].outcome, AttemptOutcome::Passed);
    // Stored and read back, it is still a pass.
    let back: Call = serde_json::from_value(serde_json::to_value(&c).unwrap()).unwrap();
    assert_eq!(back.attempts[0].screening, Screening::Passed);
    handle(&mut c, &l, dial_ended(1, DialStatus::NoAnswer), NOW);
    assert_eq!(c.path(), "Alice passed the call on → Bob did not answer");
}

#[test]
fn a_wrong_key_hangs_up_the_responder_leg() {
    let mut l = line(&[1]);
    l.screening = true;
    let mut c = call_for(&l);
    start(&mut c, &l, NOW);
    let t = handle(
        &mut c,
        &l,
        Event::ScreenAnswered {
            step: 0,
            leg: None,
            digits: Some("9".into()),
        },
        NOW,
    );
    assert_eq!(t.instructions, vec![Instruction::Hangup]);
    assert!(c.attempts[0].screening.awaiting_accept());
}

#[test]
fn the_end_of_a_call_queues_one_alert_per_channel_once() {
    use crate::channel::ChannelId;
    use crate::store::{JobKind, NewJob};
    let mut l = line(&[1]);
    l.channels = vec![ChannelId(4), ChannelId(5)];
    let mut call = call_for(&l);
    start(&mut call, &l, Timestamp::UNIX_EPOCH);
    let t = handle(
        &mut call,
        &l,
        dial_ended(0, DialStatus::NoAnswer),
        Timestamp::UNIX_EPOCH,
    );
    assert!(t.jobs.is_empty(), "no alert while the call runs");
    let end = Event::CallEnded {
        duration_secs: Some(30),
    };
    let t = handle(&mut call, &l, end.clone(), Timestamp::UNIX_EPOCH);
    assert_eq!(
        t.jobs,
        vec![
            NewJob::alert(call.id, ChannelId(4)),
            NewJob::alert(call.id, ChannelId(5))
        ]
    );
    assert!(t.jobs.iter().all(|j| j.kind == JobKind::Alert));
    let again = handle(&mut call, &l, end, Timestamp::UNIX_EPOCH);
    assert!(again.jobs.is_empty(), "a repeated end alerts nobody twice");
    // A refused caller alerts nobody.
    let mut refused = call_for(&l);
    reject(&mut refused, "blocked");
    let t = handle(
        &mut refused,
        &l,
        Event::CallEnded {
            duration_secs: Some(0),
        },
        Timestamp::UNIX_EPOCH,
    );
    assert!(t.jobs.is_empty());
}

#[test]
fn a_simulated_call_alerts_nobody_and_fetches_no_audio() {
    use crate::call::{RecordingKind, RecordingReport, SIMULATED_PREFIX};
    use crate::channel::ChannelId;
    let mut l = line(&[1]);
    l.channels = vec![ChannelId(4)];
    let mut sim = new_call("+14155550199");
    sim.provider_call_id = format!("{SIMULATED_PREFIX}1");
    let (mut call, _) = incoming(&l, sim, Plan::nobody(), None, Timestamp::UNIX_EPOCH);
    assert!(call.simulated);
    let report = RecordingReport {
        kind: RecordingKind::Voicemail,
        provider_recording_id: "RE1".into(),
        provider_url: "http://127.0.0.1/RE1".into(),
        duration_secs: Some(8),
        has_media: true,
        transcribe: false,
    };
    let t = handle(
        &mut call,
        &l,
        Event::Recording(report),
        Timestamp::UNIX_EPOCH,
    );
    assert!(
        !t.recordings.is_empty() && t.recordings.iter().all(|r| !r.has_media),
        "nothing to download"
    );
    let t = handle(
        &mut call,
        &l,
        Event::CallEnded {
            duration_secs: Some(30),
        },
        Timestamp::UNIX_EPOCH,
    );
    assert!(t.jobs.is_empty(), "no chat alert for a simulation");
    // A real call's id does not start so.
    let (real, _) = incoming(
        &l,
        new_call("+14155550199"),
        Plan::nobody(),
        None,
        Timestamp::UNIX_EPOCH,
    );
    assert!(!real.simulated);
}

fn new_call(number: &str) -> NewCall {
    NewCall {
        provider: Provider::Twilio,
        provider_call_id: "CA7".into(),
        account_id: Some("AC1".into()),
        caller: CallerInfo {
            number: number.into(),
            ..Default::default()
        },
        to: "+15005550006".into(),
    }
}

#[test]
fn blocked_and_flooding_callers_are_refused_and_allowed_ones_are_not() {
    use crate::line::FloodLimit;
    let mut l = line(&[1]);
    l.caller_rules.blocked = vec!["+1900*".into()];
    l.caller_rules.allowed = vec!["+4930123456".into()];
    l.caller_rules.flood_limit = Some(FloodLimit {
        calls: 3,
        window_secs: 600,
    });
    let now: Timestamp = "2026-11-24T09:00:00Z".parse().unwrap();
    assert_eq!(
        refusal(&l, "+19005550100", 0).as_deref(),
        Some("+19005550100 is blocked on this line")
    );
    assert_eq!(
        flood_window(&l, "+14155550199", now),
        Some("2026-11-24T08:50:00Z".parse().unwrap())
    );
    assert_eq!(refusal(&l, "+14155550199", 2), None);
    assert_eq!(
        refusal(&l, "+14155550199", 3).as_deref(),
        Some("+14155550199 already called 3 times in the last 10 min (flood limit 3)")
    );
    // The allow list is exempt from the limit: nothing to count, never refused for it.
    assert_eq!(flood_window(&l, "+4930123456", now), None);
    assert_eq!(refusal(&l, "+4930123456", 99), None);
}

#[test]
fn a_new_call_is_refused_or_started_on_its_plan() {
    let l = line(&[1, 2]);
    let now = Timestamp::UNIX_EPOCH;
    let plan = call_for(&l).plan;
    let (call, t) = incoming(&l, new_call("+14155550199"), plan.clone(), None, now);
    assert_eq!(call.provider_call_id, "CA7");
    assert_eq!(call.account_id.as_deref(), Some("AC1"));
    assert_eq!(call.phase, Phase::Dialing { step: 0 });
    assert!(matches!(t.instructions[0], Instruction::Say(_)));
    assert!(matches!(t.instructions[1], Instruction::Dial { .. }));
    let (call, t) = incoming(&l, new_call("+19005550100"), plan, Some("blocked"), now);
    assert_eq!(call.outcome, Outcome::Rejected);
    assert!(call.plan.steps.is_empty(), "a refused call plans nobody");
    assert_eq!(t.instructions, vec![Instruction::Reject]);
}

#[test]
fn a_repeated_first_webhook_is_answered_for_where_the_call_is() {
    let l = line(&[1, 2]);
    let (mut call, _) = incoming(
        &l,
        new_call("+14155550199"),
        call_for(&l).plan,
        None,
        Timestamp::UNIX_EPOCH,
    );
    let again = answer_again(&call, &l);
    assert_eq!(again[0], Instruction::Say(l.messages.welcome.clone()));
    assert!(matches!(again[1], Instruction::Dial { .. }));
    handle(
        &mut call,
        &l,
        dial_ended(0, DialStatus::Answered),
        Timestamp::UNIX_EPOCH,
    );
    assert_eq!(answer_again(&call, &l), vec![Instruction::Hangup]);
}

#[test]
fn a_failsafe_call_waits_for_its_voicemail() {
    let l = line(&[1]);
    let mut call = failsafe_call(
        &l,
        new_call("+14155550199"),
        Timestamp::UNIX_EPOCH,
        "the database was unavailable",
    );
    assert_eq!(
        call.failsafe.as_deref(),
        Some("the database was unavailable")
    );
    assert_eq!(
        call.phase,
        Phase::Voicemail {
            reason: crate::call::VoicemailReason::InternalError
        }
    );
    assert_eq!(
        call.path(),
        "Switchboard failed (the database was unavailable): apology played"
    );
    handle(
        &mut call,
        &l,
        Event::CallEnded {
            duration_secs: Some(20),
        },
        Timestamp::UNIX_EPOCH,
    );
    assert_eq!(
        call.outcome,
        Outcome::Missed,
        "hung up during the apology: no message"
    );
}

#[test]
fn a_failed_dial_result_records_the_attempt_and_the_apology() {
    let l = line(&[1, 2]);
    let mut call = call_for(&l);
    start(&mut call, &l, Timestamp::UNIX_EPOCH);
    let t = handle(
        &mut call,
        &l,
        Event::FailsafeServed {
            what: "dial result for step 1".into(),
            cause: "the database was unavailable".into(),
            dial: Some((0, DialStatus::NoAnswer)),
        },
        Timestamp::UNIX_EPOCH,
    );
    assert!(t.instructions.is_empty(), "nobody listens to a replay");
    assert_eq!(
        call.attempts[0].outcome,
        crate::call::AttemptOutcome::NoAnswer
    );
    assert_eq!(
        call.phase,
        Phase::Voicemail {
            reason: crate::call::VoicemailReason::InternalError
        }
    );
    assert_eq!(call.attempts.len(), 1, "Bob was never dialed");
    assert!(t
        .log
        .iter()
        .any(|(k, m)| *k == crate::call::EventKind::Error
            && m.contains("the caller heard the apology")));
    assert_eq!(
        call.path(),
        "Alice did not answer → Switchboard failed (the database was unavailable): apology played"
    );
}
