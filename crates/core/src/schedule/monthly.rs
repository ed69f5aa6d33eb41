//! Monthly rotations: on the start's day of the month (clamped to the month's length) or on
//! the Nth weekday of the month, at the start's wall-clock time, across DST in three zones.

use super::*;
use crate::Zone;

fn engine(zone: &str, who: &[i64], start: &str, shift: ShiftLength) -> Engine {
    Engine::new(&Schedule {
        removals: vec![],
        temporary: vec![],
        id: None,
        name: "Monthly".into(),
        time_zone: Zone::parse(zone).unwrap(),
        layers: vec![Layer {
            time_zone: None,
            advance: Default::default(),
            id: 0,
            name: "monthly".into(),
            participants: who.iter().map(|u| UserId(*u).into()).collect(),
            start: start.parse().unwrap(),
            shift,
            end: None,
            restrictions: vec![],
        }],
        overrides: vec![],
    })
    .unwrap()
}

fn check(e: &Engine, table: &[(&str, i64)]) {
    for (at, user) in table {
        assert_eq!(
            e.on_call(at.parse().unwrap()).first(),
            Some(UserId(*user)),
            "at {at}"
        );
    }
}

#[test]
fn the_31st_is_clamped_to_short_months_and_comes_back() {
    let e = engine(
        "UTC",
        &[1, 2, 3, 4, 5],
        "2026-01-31T09:00",
        ShiftLength::Months(1),
    );
    check(
        &e,
        &[
            ("2026-02-28T08:59:59Z", 1),
            ("2026-02-28T09:00:00Z", 2), // February has 28 days in 2026
            ("2026-03-31T09:00:00Z", 3), // the 31st again, not the 28th
            ("2026-04-30T09:00:00Z", 4),
            ("2026-05-31T08:59:59Z", 4),
            ("2026-05-31T09:00:00Z", 5),
        ],
    );
    // Every two months, from a leap day.
    let e = engine("UTC", &[1, 2], "2028-02-29T00:00", ShiftLength::Months(2));
    check(
        &e,
        &[("2028-04-28T23:59:59Z", 1), ("2028-04-29T00:00:00Z", 2)],
    );
}

#[test]
fn the_first_monday_at_nine_stays_at_nine_across_dst_in_berlin() {
    let shift = ShiftLength::MonthlyWeekday {
        every: 1,
        nth: 1,
        day: Day::Monday,
    };
    let e = engine("Europe/Berlin", &[1, 2, 3], "2026-02-02T09:00", shift);
    check(
        &e,
        &[
            ("2026-03-02T07:59:59Z", 1), // 08:59:59 CET
            ("2026-03-02T08:00:00Z", 2), // Monday 2 March, 09:00 CET
            ("2026-04-06T06:59:59Z", 2),
            ("2026-04-06T07:00:00Z", 3), // Monday 6 April, 09:00 CEST
            ("2026-05-04T07:00:00Z", 1),
        ],
    );
}

#[test]
fn the_last_friday_in_sydney_and_a_half_hour_zone() {
    let last_friday = ShiftLength::MonthlyWeekday {
        every: 1,
        nth: -1,
        day: Day::Friday,
    };
    // Southern hemisphere: AEDT until 5 April 2026, AEST after, AEDT again from 4 October.
    let e = engine("Australia/Sydney", &[1, 2], "2026-03-27T17:00", last_friday);
    check(
        &e,
        &[
            ("2026-04-24T06:59:59Z", 1),
            ("2026-04-24T07:00:00Z", 2), // Friday 24 April, 17:00 AEST
            ("2026-10-30T05:59:59Z", 1), // September's handoff passed: 1 again
            ("2026-10-30T06:00:00Z", 2), // Friday 30 October, 17:00 AEDT
        ],
    );
    // India (+05:30, no DST): the 15th of each month at 10:00.
    let e = engine(
        "Asia/Kolkata",
        &[1, 2],
        "2026-01-15T10:00",
        ShiftLength::Months(1),
    );
    check(
        &e,
        &[("2026-02-15T04:29:59Z", 1), ("2026-02-15T04:30:00Z", 2)],
    );
}

#[test]
fn monthly_shifts_are_checked() {
    let bad = |shift: ShiftLength| {
        Schedule {
            removals: vec![],
            temporary: vec![],
            id: None,
            name: "x".into(),
            time_zone: Zone::parse("UTC").unwrap(),
            layers: vec![Layer {
                time_zone: None,
                advance: Default::default(),
                id: 0,
                name: "m".into(),
                participants: vec![UserId(1).into()],
                start: "2026-01-01T00:00".parse().unwrap(),
                shift,
                end: None,
                restrictions: vec![],
            }],
            overrides: vec![],
        }
        .validate()
        .unwrap_err()
        .field
    };
    assert_eq!(bad(ShiftLength::Months(13)), "layers[0].shift");
    assert_eq!(bad(ShiftLength::Months(0)), "layers[0].shift");
    assert_eq!(
        bad(ShiftLength::MonthlyWeekday {
            every: 1,
            nth: 5,
            day: Day::Monday
        }),
        "layers[0].shift.monthly_weekday.nth"
    );
    // As the API and the CLI write them.
    let parsed: ShiftLength = serde_json::from_value(
        serde_json::json!({"monthly_weekday": {"every": 1, "nth": -1, "day": "friday"}}),
    )
    .unwrap();
    assert_eq!(
        parsed,
        ShiftLength::MonthlyWeekday {
            every: 1,
            nth: -1,
            day: Day::Friday
        }
    );
    let months: ShiftLength = serde_json::from_value(serde_json::json!({"months": 3})).unwrap();
    assert_eq!(months, ShiftLength::Months(3));
}

#[test]
fn shifts_of_a_monthly_rotation_tile_a_year() {
    let e = engine(
        "Europe/Berlin",
        &[1, 2, 3],
        "2026-01-31T09:00",
        ShiftLength::Months(1),
    );
    let from: Timestamp = "2026-02-01T00:00:00Z".parse().unwrap();
    let to: Timestamp = "2027-02-01T00:00:00Z".parse().unwrap();
    let shifts = e.shifts(from, to);
    assert_eq!(shifts.len(), 13, "{shifts:?}");
    for w in shifts.windows(2) {
        assert_eq!(w[0].end, w[1].start);
        assert_ne!(w[0].users, w[1].users);
    }
    let ends: Vec<String> = shifts[..3]
        .iter()
        .map(|s| {
            s.end
                .to_zoned(jiff::tz::TimeZone::get("Europe/Berlin").unwrap())
                .to_string()
        })
        .collect();
    assert_eq!(
        ends,
        [
            "2026-02-28T09:00:00+01:00[Europe/Berlin]",
            "2026-03-31T09:00:00+02:00[Europe/Berlin]",
            "2026-04-30T09:00:00+02:00[Europe/Berlin]"
        ]
    );
}
