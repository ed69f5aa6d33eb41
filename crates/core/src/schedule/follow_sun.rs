//! A time zone per layer (follow-the-sun teams) and restrictions that repeat every N weeks,
//! across DST changes in Europe, Australia (southern hemisphere) and India (+05:30).

use super::*;
use crate::Zone;

fn layer(
    name: &str,
    who: &[i64],
    zone: Option<&str>,
    start: &str,
    restrictions: Vec<Restriction>,
) -> Layer {
    Layer {
        id: 0,
        name: name.into(),
        participants: who.iter().map(|u| UserId(*u).into()).collect(),
        time_zone: zone.map(|z| Zone::parse(z).unwrap()),
        advance: Default::default(),
        start: start.parse().unwrap(),
        shift: ShiftLength::Weeks(1),
        end: None,
        restrictions,
    }
}

fn daily(start: &str, end: &str) -> Restriction {
    Restriction::Daily {
        start: start.parse().unwrap(),
        end: end.parse().unwrap(),
    }
}

fn engine(layers: Vec<Layer>) -> Engine {
    Engine::new(&Schedule {
        id: None,
        name: "Follow the sun".into(),
        time_zone: Zone::parse("UTC").unwrap(),
        layers,
        overrides: vec![],
        removals: vec![],
        temporary: vec![],
    })
    .unwrap()
}

fn check(e: &Engine, table: &[(&str, Option<i64>)]) {
    for (at, user) in table {
        assert_eq!(
            e.on_call(at.parse().unwrap()).first(),
            user.map(UserId),
            "at {at}"
        );
    }
}

#[test]
fn each_office_covers_its_own_working_day_in_its_own_zone() {
    // Sydney 08:00–17:00 Sydney time, Berlin 08:00–17:00 Berlin time, in a UTC schedule.
    let e = engine(vec![
        layer(
            "sydney",
            &[1],
            Some("Australia/Sydney"),
            "2026-01-05T08:00",
            vec![daily("08:00", "17:00")],
        ),
        layer(
            "berlin",
            &[2],
            Some("Europe/Berlin"),
            "2026-01-05T08:00",
            vec![daily("08:00", "17:00")],
        ),
    ]);
    check(
        &e,
        &[
            // January: Sydney +11 (AEDT), Berlin +1 (CET).
            ("2026-01-06T21:00:00Z", Some(1)), // 08:00 Sydney
            ("2026-01-07T05:59:59Z", Some(1)), // 16:59:59 Sydney
            ("2026-01-07T06:00:00Z", None),
            ("2026-01-07T07:00:00Z", Some(2)), // 08:00 Berlin
            ("2026-01-07T15:59:59Z", Some(2)),
            ("2026-01-07T16:00:00Z", None),
            // July: Sydney +10 (AEST), Berlin +2 (CEST): both move by an hour, opposite ways.
            ("2026-07-06T21:59:59Z", None),
            ("2026-07-06T22:00:00Z", Some(1)), // 08:00 Sydney
            ("2026-07-07T06:00:00Z", Some(2)), // 08:00 Berlin
            ("2026-07-07T14:59:59Z", Some(2)),
            ("2026-07-07T15:00:00Z", None),
        ],
    );
}

#[test]
fn a_layer_hands_off_on_its_own_zones_wall_clock() {
    // Kolkata (+05:30, no DST): weekly handoffs at 09:00 IST are 03:30Z all year.
    let e = engine(vec![layer(
        "india",
        &[1, 2],
        Some("Asia/Kolkata"),
        "2026-03-02T09:00",
        vec![],
    )]);
    check(
        &e,
        &[
            ("2026-03-09T03:29:59Z", Some(1)),
            ("2026-03-09T03:30:00Z", Some(2)),
            ("2026-03-30T03:30:00Z", Some(1)), // after Europe's change: still 03:30Z
        ],
    );
}

#[test]
fn every_other_weekend() {
    // Alice covers every other weekend (Friday 18:00 to Monday 08:00, Berlin time) from the
    // week of 2 March 2026; Bob the others.
    let alternate = |weeks_from: &str| Restriction::EveryWeeks {
        weeks: 2,
        from: weeks_from.parse().unwrap(),
        start_day: Day::Friday,
        start: "18:00".parse().unwrap(),
        end_day: Day::Monday,
        end: "08:00".parse().unwrap(),
    };
    let e = engine(vec![
        layer(
            "bob",
            &[2],
            Some("Europe/Berlin"),
            "2026-01-05T00:00",
            vec![alternate("2026-03-09")],
        ),
        layer(
            "alice",
            &[1],
            Some("Europe/Berlin"),
            "2026-01-05T00:00",
            vec![alternate("2026-03-02")],
        ),
    ]);
    check(
        &e,
        &[
            ("2026-03-06T16:59:59Z", None),    // Friday 17:59:59 CET
            ("2026-03-06T17:00:00Z", Some(1)), // Friday 6 March 18:00: Alice's weekend
            ("2026-03-09T06:59:59Z", Some(1)), // Monday 07:59:59, the window began last week
            ("2026-03-09T07:00:00Z", None),
            ("2026-03-13T17:00:00Z", Some(2)), // the next weekend: Bob's
            ("2026-03-20T17:00:00Z", Some(1)),
            // 27 March: Bob's; the clocks change on Sunday 29 March: Monday 08:00 is CEST.
            ("2026-03-30T05:59:59Z", Some(2)),
            ("2026-03-30T06:00:00Z", None),
            ("2026-04-03T16:00:00Z", Some(1)), // Friday 18:00 CEST
            ("2026-02-27T17:00:00Z", None),    // before Alice's first week: nobody
        ],
    );
    // The timeline's edges fall where the windows open and close.
    let shifts = e.shifts(
        "2026-03-06T00:00:00Z".parse().unwrap(),
        "2026-03-21T00:00:00Z".parse().unwrap(),
    );
    let spans: Vec<(String, i64)> = shifts
        .iter()
        .map(|s| (s.start.to_string(), s.users[0].0))
        .collect();
    assert_eq!(
        spans,
        [
            ("2026-03-06T17:00:00Z".to_owned(), 1),
            ("2026-03-13T17:00:00Z".to_owned(), 2),
            ("2026-03-20T17:00:00Z".to_owned(), 1),
        ]
    );
}

#[test]
fn every_n_weeks_is_checked_and_read_from_json() {
    let mut s = Schedule {
        id: None,
        name: "x".into(),
        time_zone: Zone::parse("UTC").unwrap(),
        layers: vec![layer(
            "l",
            &[1],
            None,
            "2026-01-05T00:00",
            vec![Restriction::EveryWeeks {
                weeks: 0,
                from: "2026-01-05".parse().unwrap(),
                start_day: Day::Monday,
                start: "00:00".parse().unwrap(),
                end_day: Day::Tuesday,
                end: "00:00".parse().unwrap(),
            }],
        )],
        overrides: vec![],
        removals: vec![],
        temporary: vec![],
    };
    assert_eq!(
        s.validate().unwrap_err().field,
        "layers[0].restrictions[0].weeks"
    );
    s.layers[0].restrictions.clear();
    assert!(s.validate().is_ok());
    let parsed: Restriction = serde_json::from_value(serde_json::json!({
        "type": "every_weeks", "weeks": 2, "from": "2026-03-02", "start_day": "friday",
        "start": "18:00", "end_day": "monday", "end": "08:00"
    }))
    .unwrap();
    assert!(matches!(parsed, Restriction::EveryWeeks { weeks: 2, .. }));
}

#[test]
fn business_hours_refuse_windows_every_n_weeks() {
    let mut l =
        crate::test_support::line(vec![crate::line::RoutingStep::User(UserId(1))]).settings();
    l.business_hours = Some(
        serde_json::from_value(serde_json::json!({
            "time_zone": "UTC",
            "open": [{"type": "every_weeks", "weeks": 2, "from": "2026-03-02",
                      "start_day": "monday", "start": "09:00", "end_day": "friday", "end": "17:00"}],
            "after_hours": {"action": "voicemail"},
        }))
        .unwrap(),
    );
    assert_eq!(l.validate().unwrap_err().field, "business_hours.open[0]");
}

fn weekday_rotation(advance: Advance) -> Engine {
    // A, B, C hand off daily at 09:00, on call Monday 00:00 to Saturday 00:00 only.
    let mut l = layer(
        "weekdays",
        &[1, 2, 3],
        Some("Europe/Berlin"),
        "2026-03-02T09:00",
        vec![Restriction::Weekly {
            start_day: Day::Monday,
            start: "00:00".parse().unwrap(),
            end_day: Day::Saturday,
            end: "00:00".parse().unwrap(),
        }],
    );
    l.shift = ShiftLength::Days(1);
    l.advance = advance;
    engine(vec![l])
}

#[test]
fn a_weekday_rotation_can_keep_its_turn_over_the_weekend() {
    let active = weekday_rotation(Advance::ActiveDays);
    check(
        &active,
        &[
            ("2026-03-05T09:00:00Z", Some(1)), // Thursday 10:00 CET: A (Mon A, Tue B, Wed C)
            ("2026-03-06T09:00:00Z", Some(2)), // Friday: B
            ("2026-03-07T11:00:00Z", None),    // Saturday: nobody, and no turn used
            ("2026-03-09T07:00:00Z", Some(3)), // Monday 08:00, Sunday's shift: C
            ("2026-03-09T09:00:00Z", Some(1)), // Monday 10:00: A, as if no weekend
            ("2026-03-16T09:00:00Z", Some(1)), // two weeks on: 12 turns, A again
            ("2026-03-30T07:59:59Z", Some(1)), // after the change to CEST (29 March)
        ],
    );
    // Today's behaviour, beside it: the turn moves every day, weekend included.
    let every = weekday_rotation(Advance::EveryShift);
    check(
        &every,
        &[
            ("2026-03-09T07:00:00Z", Some(1)),
            ("2026-03-09T09:00:00Z", Some(2)),
        ],
    );
}

#[test]
fn active_days_needs_daily_shifts_and_weekly_windows() {
    let mut s = Schedule {
        id: None,
        name: "x".into(),
        time_zone: Zone::parse("UTC").unwrap(),
        layers: vec![layer("l", &[1], None, "2026-03-02T09:00", vec![])],
        overrides: vec![],
        removals: vec![],
        temporary: vec![],
    };
    s.layers[0].advance = Advance::ActiveDays;
    assert_eq!(s.validate().unwrap_err().field, "layers[0].advance");
    s.layers[0].shift = ShiftLength::Days(1);
    s.layers[0].restrictions = vec![Restriction::Daily {
        start: "09:00".parse().unwrap(),
        end: "17:00".parse().unwrap(),
    }];
    assert!(s.validate().is_ok());
    let parsed: Layer = serde_json::from_value(serde_json::json!({
        "name": "l", "participants": [1], "start": "2026-03-02T09:00", "shift": {"days": 1},
        "advance": "active_days",
        "restrictions": [{"type": "daily", "start": "09:00", "end": "17:00"}]
    }))
    .unwrap();
    assert_eq!(parsed.advance, Advance::ActiveDays);
}
