use super::*;
use crate::line::{BusinessHours, TestMode};
use crate::plan::SkipReason;
use crate::schedule::Schedule;
use crate::PhoneNumber;

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn user(id: i64, name: &str, phone: Option<&str>) -> (UserId, User) {
    (
        UserId(id),
        User {
            id: UserId(id),
            name: name.into(),
            email: format!("{name}@example.com"),
            phone: phone.map(|p| PhoneNumber::parse(p).unwrap()),
            other_phones: vec![],
            ring_phones: crate::user::RingPhones::InOrder,
            time_zone: crate::Zone::utc(),
            clock: crate::user::Clock::H24,
            slack_user_id: None,
            role: crate::account::Role::Member,
            has_password: false,
            has_callback_pin: false,
            created_at: Timestamp::UNIX_EPOCH,
        },
    )
}

use crate::test_support::line;

/// Alice (phone), Bob (phone), Carol (no phone); schedule 7: Bob from 09:00 to 17:00 UTC
/// every day, nobody otherwise.
fn directory() -> Directory {
    let schedule: Schedule = serde_json::from_value(serde_json::json!({
        "name": "Days", "time_zone": "UTC",
        "layers": [{"name": "days", "participants": [2], "start": "2026-11-23T00:00",
                    "shift": {"weeks": 1},
                    "restrictions": [{"type": "daily", "start": "09:00", "end": "17:00"}]}]
    }))
    .unwrap();
    Directory {
        users: [
            user(1, "Alice", Some("+14155550101")),
            user(2, "Bob", Some("+14155550102")),
            user(3, "Carol", None),
        ]
        .into(),
        schedules: [(
            ScheduleId(7),
            ScheduleEntry {
                name: "Days".into(),
                engine: Some(std::sync::Arc::new(Engine::new(&schedule).unwrap())),
            },
        )]
        .into(),
    }
}

fn business_hours(after_hours: AfterHours) -> BusinessHours {
    serde_json::from_value::<BusinessHours>(serde_json::json!({
        "time_zone": "UTC",
        "open": [{"type": "daily", "start": "08:00", "end": "18:00"}],
        "after_hours": {"action": "voicemail"}
    }))
    .map(|mut b| {
        b.after_hours = after_hours;
        b
    })
    .unwrap()
}

#[test]
fn test_mode_wins_over_business_hours_which_win_over_routing() {
    let mut l = line(vec![RoutingStep::User(UserId(1))]);
    l.business_hours = Some(business_hours(AfterHours::Route {
        steps: vec![RoutingStep::User(UserId(2))],
    }));
    let dir = directory();
    let night = ts("2026-11-24T22:00:00Z");
    let day = ts("2026-11-24T10:00:00Z");
    let first = |p: &Plan| p.next_dialable(0).map(|(_, r)| r.name.clone());
    assert_eq!(first(&plan_at(&l, &dir, day)).as_deref(), Some("Alice"));
    let p = plan_at(&l, &dir, night);
    assert!(p.after_hours);
    assert_eq!(first(&p).as_deref(), Some("Bob"));
    l.test_mode = Some(TestMode {
        user: UserId(1),
        until: ts("2026-11-24T23:00:00Z"),
    });
    let p = plan_at(&l, &dir, night);
    assert!(p.test_mode && !p.after_hours);
    assert_eq!(first(&p).as_deref(), Some("Alice"));
}

#[test]
fn steps_resolve_through_schedules_and_skip_who_cannot_be_rung() {
    let l = line(vec![
        RoutingStep::Schedule(ScheduleId(7)),
        RoutingStep::User(UserId(3)),
        RoutingStep::Schedule(ScheduleId(99)),
        RoutingStep::User(UserId(2)),
    ]);
    let dir = directory();
    let p = plan_at(&l, &dir, ts("2026-11-24T10:00:00Z"));
    assert_eq!(p.steps[0].responder.as_ref().unwrap().name, "Bob");
    assert_eq!(p.steps[1].skipped, Some(SkipReason::NoPhone));
    assert_eq!(p.steps[2].skipped, Some(SkipReason::UnknownUser));
    assert_eq!(p.steps[3].skipped, Some(SkipReason::AlreadyInPlan));
    let p = plan_at(&l, &dir, ts("2026-11-24T20:00:00Z"));
    assert_eq!(p.steps[0].skipped, Some(SkipReason::NobodyOnCall));
    assert_eq!(p.steps[0].target, "Days (schedule)");
    assert_eq!(p.next_dialable(0).unwrap().1.name, "Bob");
}

#[test]
fn reach_follows_the_schedule_to_the_minute() {
    let l = line(vec![RoutingStep::Schedule(ScheduleId(7))]);
    let r = reach(
        &l,
        &directory(),
        ts("2026-11-24T00:00:00Z"),
        ts("2026-11-25T00:00:00Z"),
    );
    assert_eq!(
        r.nobody,
        vec![
            (ts("2026-11-24T00:00:00Z"), ts("2026-11-24T09:00:00Z")),
            (ts("2026-11-24T17:00:00Z"), ts("2026-11-25T00:00:00Z")),
        ]
    );
    assert!(r.closed.is_empty());
}

#[test]
fn after_hours_routing_is_checked_and_a_voicemail_closing_is_not_a_hole() {
    // Open 08:00-18:00; after hours ring the schedule, which has nobody after 17:00.
    let mut l = line(vec![RoutingStep::User(UserId(1))]);
    l.business_hours = Some(business_hours(AfterHours::Route {
        steps: vec![RoutingStep::Schedule(ScheduleId(7))],
    }));
    let (from, to) = (ts("2026-11-24T00:00:00Z"), ts("2026-11-25T00:00:00Z"));
    let r = reach(&l, &directory(), from, to);
    assert_eq!(
        r.nobody,
        vec![
            (from, ts("2026-11-24T08:00:00Z")),
            (ts("2026-11-24T18:00:00Z"), to)
        ]
    );
    // Closed with a voicemail: by design, not a hole.
    l.business_hours = Some(business_hours(AfterHours::Voicemail));
    let r = reach(&l, &directory(), from, to);
    assert!(r.nobody.is_empty(), "{r:?}");
    assert_eq!(
        r.closed,
        vec![
            (from, ts("2026-11-24T08:00:00Z")),
            (ts("2026-11-24T18:00:00Z"), to)
        ]
    );
}

#[test]
fn every_step_a_call_can_take_is_listed_once() {
    let mut l = line(vec![
        RoutingStep::User(UserId(1)),
        RoutingStep::User(UserId(1)),
    ]);
    l.business_hours = Some(business_hours(AfterHours::Route {
        steps: vec![RoutingStep::Schedule(ScheduleId(7))],
    }));
    l.test_mode = Some(TestMode {
        user: UserId(3),
        until: Timestamp::UNIX_EPOCH,
    });
    assert_eq!(
        reachable_steps(&l),
        vec![
            RoutingStep::User(UserId(1)),
            RoutingStep::User(UserId(3)),
            RoutingStep::Schedule(ScheduleId(7))
        ]
    );
}

#[test]
fn a_call_rings_whoever_a_monthly_rotation_has_on_call() {
    // Schedule 8: Alice, then Bob, handing off on the first Monday of each month at 09:00
    // Berlin time.
    let monthly: Schedule = serde_json::from_value(serde_json::json!({
        "name": "Monthly", "time_zone": "Europe/Berlin",
        "layers": [{"name": "month", "participants": [1, 2], "start": "2026-11-02T09:00",
                    "shift": {"monthly_weekday": {"every": 1, "nth": 1, "day": "monday"}}}]
    }))
    .unwrap();
    let mut dir = directory();
    dir.schedules.insert(
        ScheduleId(8),
        ScheduleEntry {
            name: "Monthly".into(),
            engine: Some(std::sync::Arc::new(Engine::new(&monthly).unwrap())),
        },
    );
    let l = line(vec![RoutingStep::Schedule(ScheduleId(8))]);
    let rings = |at: &str| {
        plan_at(&l, &dir, ts(at)).steps[0]
            .responder
            .as_ref()
            .map(|r| r.name.clone())
    };
    assert_eq!(rings("2026-12-07T07:59:59Z").as_deref(), Some("Alice"));
    // Monday 7 December 2026, 09:00 CET: Bob's month begins.
    assert_eq!(rings("2026-12-07T08:00:00Z").as_deref(), Some("Bob"));
    assert_eq!(rings("2027-01-04T08:00:00Z").as_deref(), Some("Alice"));
    // The plan changes exactly at the handoff.
    let changes = changes(
        &l,
        &dir,
        ts("2026-12-01T00:00:00Z"),
        ts("2027-01-01T00:00:00Z"),
    );
    assert!(changes.contains(&ts("2026-12-07T08:00:00Z")), "{changes:?}");
}

#[test]
fn a_call_rings_everyone_a_schedule_has_on_call_together_in_order() {
    // Schedule 9: Bob and Carol (no phone) and Alice on call together, and Alice again on
    // the line's own next step.
    let pair: Schedule = serde_json::from_value(serde_json::json!({
        "name": "Pair", "time_zone": "UTC",
        "layers": [{"name": "pair", "participants": [[2, 3, 1]], "start": "2026-11-02T09:00",
                    "shift": {"weeks": 1}}],
        "overrides": [{"user": 1, "start": "2026-11-10T00:00:00Z",
                       "end": "2026-11-11T00:00:00Z", "add": true}]
    }))
    .unwrap();
    let mut dir = directory();
    dir.schedules.insert(
        ScheduleId(9),
        ScheduleEntry {
            name: "Pair".into(),
            engine: Some(std::sync::Arc::new(Engine::new(&pair).unwrap())),
        },
    );
    let l = line(vec![
        RoutingStep::Schedule(ScheduleId(9)),
        RoutingStep::User(UserId(1)),
    ]);
    let plan = plan_at(&l, &dir, ts("2026-11-09T12:00:00Z"));
    let steps: Vec<(&str, Option<SkipReason>)> = plan
        .steps
        .iter()
        .map(|s| (s.target.as_str(), s.skipped))
        .collect();
    assert_eq!(
        steps,
        vec![
            ("Bob", None),
            ("Carol", Some(SkipReason::NoPhone)),
            ("Alice", None),
            ("Alice", Some(SkipReason::AlreadyInPlan)),
        ]
    );
    // Each member is dialled in turn: Bob first, then Alice.
    assert_eq!(plan.next_dialable(0).unwrap().1.name, "Bob");
    assert_eq!(plan.next_dialable(1).unwrap().1.name, "Alice");
    // An added person already in the group changes nothing.
    let again = plan_at(&l, &dir, ts("2026-11-10T12:00:00Z"));
    assert_eq!(again.steps.len(), 4);
}

#[test]
fn each_menu_option_is_checked_for_when_it_would_reach_nobody() {
    // Option 1 rings schedule 7 (Bob, 09:00–17:00 UTC); option 2 rings Alice.
    let mut l = line(vec![RoutingStep::User(UserId(1))]);
    let option = |key, name: &str, step| crate::line::MenuOption {
        key,
        name: name.into(),
        routing: crate::line::Routing {
            steps: vec![step],
            ring_timeout_secs: 20,
        },
        no_one_on_call: None,
        no_answer: None,
    };
    l.menu = Some(crate::line::Menu {
        prompt: crate::line::Message::spoken("Press 1 or 2."),
        options: vec![
            option(1, "Days", RoutingStep::Schedule(ScheduleId(7))),
            option(2, "Alice", RoutingStep::User(UserId(1))),
        ],
        default_key: 2,
        timeout_secs: 5,
    });
    let dir = directory();
    let got = menu_reach(
        &l,
        &dir,
        ts("2026-11-24T00:00:00Z"),
        ts("2026-11-25T00:00:00Z"),
    );
    assert_eq!(
        got[0],
        (
            1,
            "Days".to_owned(),
            vec![
                (ts("2026-11-24T00:00:00Z"), ts("2026-11-24T09:00:00Z")),
                (ts("2026-11-24T17:00:00Z"), ts("2026-11-25T00:00:00Z"))
            ]
        )
    );
    assert!(got[1].2.is_empty());
    // The plan of a call that presses nothing is the default option's.
    let plan = plan_at(&l, &dir, ts("2026-11-24T03:00:00Z"));
    assert_eq!(plan.steps[0].responder.as_ref().unwrap().name, "Alice");
    assert_eq!(plan.choice.as_ref().map(|c| c.key), Some(2));
}
