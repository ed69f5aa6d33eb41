//! Tests of `plan`.

use super::*;

fn responder(id: i64, name: &str, phone: &str) -> Resolved {
    Resolved::Responder(Responder {
        user_id: UserId(id),
        name: name.into(),
        phone: PhoneNumber::parse(phone).unwrap(),
    })
}

fn routing(ids: &[i64]) -> Routing {
    Routing {
        steps: ids.iter().map(|i| RoutingStep::User(UserId(*i))).collect(),
        ring_timeout_secs: 20,
    }
}

fn lookup(step: &RoutingStep) -> Resolved {
    let RoutingStep::User(UserId(id)) = step else {
        return Resolved::Nobody {
            label: "empty schedule".into(),
        };
    };
    match id {
        1 => responder(1, "Alice", "+14155550101"),
        2 => responder(2, "Bob", "+14155550102"),
        3 => Resolved::NoPhone {
            name: "Carol".into(),
        },
        4 => responder(4, "Alice's twin phone", "+14155550101"),
        _ => Resolved::Unknown,
    }
}

#[test]
fn a_responder_listed_twice_is_dialed_once() {
    let plan = Plan::resolve(&routing(&[1, 2, 1]), None, lookup);
    assert_eq!(plan.steps[2].skipped, Some(SkipReason::AlreadyInPlan));
    assert_eq!(plan.next_dialable(2), None);
}

#[test]
fn the_same_number_under_another_user_is_dialed_once() {
    let plan = Plan::resolve(&routing(&[1, 4]), None, lookup);
    assert_eq!(plan.steps[1].skipped, Some(SkipReason::AlreadyInPlan));
}

#[test]
fn steps_without_a_phone_or_user_are_skipped() {
    let plan = Plan::resolve(&routing(&[3, 9, 2]), None, lookup);
    assert_eq!(plan.steps[0].skipped, Some(SkipReason::NoPhone));
    assert_eq!(plan.steps[1].skipped, Some(SkipReason::UnknownUser));
    assert_eq!(plan.next_dialable(0).unwrap().1.name, "Bob");
}

#[test]
fn test_mode_replaces_the_routing() {
    let t = TestMode {
        user: UserId(2),
        until: jiff::Timestamp::UNIX_EPOCH,
    };
    let plan = Plan::resolve(&routing(&[1]), Some(t), lookup);
    assert!(plan.test_mode);
    assert_eq!(plan.steps.len(), 1);
    assert_eq!(plan.steps[0].responder.as_ref().unwrap().name, "Bob");
    assert!(plan.steps[0].target.starts_with("test mode"));
}
