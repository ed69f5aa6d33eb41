use super::auto::{apply, on_call_end, IncidentPolicy, OpenOn};
use super::*;
use crate::call::Outcome;
use crate::line::RoutingStep;

fn t(s: i64) -> Timestamp {
    Timestamp::from_second(1_795_000_000 + s).unwrap()
}

fn alice() -> Actor {
    Actor::user(UserId(1), "Alice")
}

fn opened() -> Incident {
    open(
        Opening {
            title: "Breach reported by a vendor".into(),
            severity: Severity::Critical,
            team: None,
            line: None,
            caller_number: None,
            assignee: None,
            calls: vec![],
        },
        &alice(),
        t(0),
    )
    .unwrap()
    .0
}

#[test]
fn status_only_moves_forward_and_each_step_is_told_once() {
    let mut i = opened();
    assert_eq!(i.status, Status::Triggered);
    let c = i.set_status(Status::Acknowledged, &alice(), t(5)).unwrap();
    assert_eq!(c.notify, vec![Notify::Acknowledge]);
    assert_eq!(c.timeline[0].message, "Acknowledged by Alice");
    assert_eq!(i.acknowledged_at, Some(t(5)));
    // Acknowledging twice is refused; asking for the same status changes nothing.
    assert_eq!(i.acknowledge(&alice(), t(6)).unwrap_err().field, "status");
    assert_eq!(
        i.set_status(Status::Acknowledged, &alice(), t(6)).unwrap(),
        Change::default()
    );
    let err = i.set_status(Status::Triggered, &alice(), t(7)).unwrap_err();
    assert!(err
        .message
        .contains("cannot go from acknowledged back to triggered"));
    let c = i.set_status(Status::Resolved, &alice(), t(8)).unwrap();
    assert_eq!(c.notify, vec![Notify::Resolve]);
    assert_eq!(
        i.set_status(Status::Acknowledged, &alice(), t(9))
            .unwrap_err()
            .field,
        "status"
    );
    // A resolved incident takes no more calls.
    assert!(i.link(CallId(3), &alice(), t(10)).is_err());
}

#[test]
fn a_triggered_incident_can_be_resolved_at_once() {
    let mut i = opened();
    let c = i.resolve(&alice(), t(1)).unwrap();
    assert_eq!((i.status, i.acknowledged_at), (Status::Resolved, None));
    assert_eq!(c.notify, vec![Notify::Resolve]);
}

#[test]
fn edits_write_the_timeline_only_when_something_changed() {
    let mut i = opened();
    assert!(i
        .set_severity(Severity::Critical, &alice(), t(1))
        .timeline
        .is_empty());
    let c = i.set_severity(Severity::Low, &alice(), t(1));
    assert_eq!(c.timeline[0].message, "Severity critical → low");
    assert!(
        c.notify.is_empty(),
        "an edit is not a status change downstream"
    );
    let c = i.assign(Some(UserId(2)), "Bob", &alice(), t(2));
    assert_eq!(c.timeline[0].message, "Assigned to Bob");
    assert!(i
        .assign(Some(UserId(2)), "Bob", &alice(), t(3))
        .timeline
        .is_empty());
    assert_eq!(i.retitle(" ", &alice(), t(4)).unwrap_err().field, "title");
    assert_eq!(i.note("", &alice(), t(4)).unwrap_err().field, "note");
    assert_eq!(
        i.note(" call them back ", &alice(), t(4)).unwrap().timeline[0].message,
        "call them back"
    );
}

fn ended(outcome: Outcome, answered_by: Option<i64>) -> (crate::call::Call, crate::line::Line) {
    let line = crate::test_support::line(vec![RoutingStep::User(UserId(1))]);
    let mut call = crate::test_support::call(&line);
    call.outcome = outcome;
    call.answered_by = answered_by.map(UserId);
    call.ended_at = Some(t(60));
    (call, line)
}

#[test]
fn which_calls_open_an_incident() {
    let policy = IncidentPolicy::default();
    let cases = [
        (Outcome::Missed, true),
        (Outcome::Voicemail, true),
        (Outcome::Abandoned, true),
        (Outcome::Answered, false),
    ];
    for (outcome, opens) in cases {
        let (call, line) = ended(outcome, (outcome == Outcome::Answered).then_some(1));
        let ci = on_call_end(&call, &line, &policy).unwrap();
        assert_eq!(ci.open_new, opens, "{outcome:?}");
    }
    let (call, line) = ended(Outcome::Rejected, None);
    assert_eq!(on_call_end(&call, &line, &policy), None);
    let (mut call, line) = ended(Outcome::Missed, None);
    call.test_call = true;
    assert_eq!(on_call_end(&call, &line, &policy), None, "a test call");
    let never = IncidentPolicy {
        open: OpenOn::Never,
        ..policy
    };
    let (call, line) = ended(Outcome::Missed, None);
    assert_eq!(on_call_end(&call, &line, &never), None);
    let every = IncidentPolicy {
        open: OpenOn::EveryCall,
        ..policy
    };
    let (call, line) = ended(Outcome::Answered, Some(1));
    let ci = on_call_end(&call, &line, &every).unwrap();
    assert!(ci.open_new);
    assert_eq!(ci.title, "Call from +14155550199 to Hotline");
    assert_eq!(ci.joins_since, Some(t(60 - 3600)));
}

#[test]
fn a_missed_call_opens_and_the_callers_answered_call_acknowledges_it() {
    let policy = IncidentPolicy::default();
    let (call, line) = ended(Outcome::Missed, None);
    let ci = on_call_end(&call, &line, &policy).unwrap();
    let (mut inc, c) = apply(None, &ci, t(60)).unwrap();
    assert_eq!(inc.title, "Missed call from +14155550199 to Hotline");
    assert_eq!(inc.status, Status::Triggered);
    assert_eq!(c.notify, vec![Notify::Trigger]);
    assert_eq!(c.links, vec![(call.id, true)]);
    assert_eq!(inc.caller_number.as_deref(), Some("+14155550199"));
    inc.id = IncidentId(7);

    // The caller calls again and Alice answers: the call joins, Alice acknowledges.
    let (mut again, _) = ended(Outcome::Answered, Some(1));
    again.id = CallId(2);
    let ci = on_call_end(&again, &line, &policy).unwrap();
    assert!(!ci.open_new, "an answered call opens nothing by default");
    let (inc, c) = apply(Some(inc), &ci, t(120)).unwrap();
    assert_eq!((inc.id, inc.status), (IncidentId(7), Status::Acknowledged));
    assert_eq!(inc.assignee, Some(UserId(1)), "the one who answered has it");
    assert_eq!(c.notify, vec![Notify::Acknowledge]);
    assert_eq!(c.links, vec![(CallId(2), true)]);
    assert_eq!(
        c.timeline[1].message,
        "Acknowledged by Alice (answered call 2)"
    );
    // Without an open incident, an answered call changes nothing.
    assert_eq!(apply(None, &ci, t(120)), None);
}

#[test]
fn a_call_answered_on_an_every_call_line_opens_acknowledged() {
    let every = IncidentPolicy {
        open: OpenOn::EveryCall,
        ..IncidentPolicy::default()
    };
    let (call, line) = ended(Outcome::Answered, Some(1));
    let ci = on_call_end(&call, &line, &every).unwrap();
    let (inc, c) = apply(None, &ci, t(60)).unwrap();
    assert_eq!(inc.status, Status::Acknowledged);
    assert_eq!(c.notify, vec![Notify::Trigger, Notify::Acknowledge]);
}

#[test]
fn the_repeat_window_is_checked() {
    let p = IncidentPolicy {
        repeat_window_mins: 10081,
        ..IncidentPolicy::default()
    };
    assert_eq!(
        p.validate().unwrap_err().field,
        "incidents.repeat_window_mins"
    );
    let zero = IncidentPolicy {
        repeat_window_mins: 0,
        ..IncidentPolicy::default()
    };
    let (call, line) = ended(Outcome::Missed, None);
    assert_eq!(on_call_end(&call, &line, &zero).unwrap().joins_since, None);
}
