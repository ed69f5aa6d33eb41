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

fn phones(together: bool) -> Resolved {
    let r = |name: &str, phone: &str| Responder {
        user_id: UserId(5),
        name: name.into(),
        phone: PhoneNumber::parse(phone).unwrap(),
    };
    Resolved::Phones {
        together,
        each: vec![
            r("Dana", "+14155550105"),
            r("Dana (desk)", "+14155550115"),
            r("Dana (number 3)", "+14155550125"),
        ],
    }
}

#[test]
fn several_numbers_in_order_share_the_ring_time_and_the_person_is_not_rung_twice() {
    let lookup = |step: &RoutingStep| match step {
        RoutingStep::User(UserId(5)) => phones(false),
        other => lookup(other),
    };
    let plan = Plan::resolve(&routing(&[5, 2, 5]), None, lookup);
    let named: Vec<(&str, Option<u32>)> = plan
        .steps
        .iter()
        .map(|s| (s.target.as_str(), s.ring_secs))
        .collect();
    assert_eq!(
        named,
        [
            ("Dana", Some(10)),
            ("Dana (desk)", Some(10)),
            ("Dana (number 3)", Some(10)),
            ("Bob", None),
            ("Dana", None),
        ]
    );
    assert_eq!(plan.steps[4].skipped, Some(SkipReason::AlreadyInPlan));
}

#[test]
fn several_numbers_together_are_one_step_with_a_leg_each() {
    let lookup = |step: &RoutingStep| match step {
        RoutingStep::User(UserId(5)) => phones(true),
        other => lookup(other),
    };
    let plan = Plan::resolve(&routing(&[5]), None, lookup);
    assert_eq!(plan.steps.len(), 1);
    let legs: Vec<&str> = plan.steps[0].legs().map(|r| r.phone.as_str()).collect();
    assert_eq!(legs, ["+14155550105", "+14155550115", "+14155550125"]);
    // In a step that rings people together, all of Dana's numbers ring with Bob's.
    let plan = Plan::resolve(
        &Routing {
            steps: vec![RoutingStep::Users(vec![UserId(2), UserId(5)])],
            ring_timeout_secs: 20,
        },
        None,
        |step: &RoutingStep| match step {
            RoutingStep::Users(_) => {
                Resolved::Together(vec![lookup(&RoutingStep::User(UserId(2))), phones(false)])
            }
            other => lookup(other),
        },
    );
    let legs: Vec<&str> = plan.steps[0].legs().map(|r| r.name.as_str()).collect();
    assert_eq!(legs, ["Bob", "Dana", "Dana (desk)", "Dana (number 3)"]);
}
