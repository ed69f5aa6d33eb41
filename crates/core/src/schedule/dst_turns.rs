//! Every participant keeps their turn when the clocks skip a handoff: table tests across
//! spring-forward in three zones (northern, southern hemisphere, and a 30-minute change).

use super::*;
use crate::Zone;
use jiff::SignedDuration;

const P: [UserId; 3] = [UserId(1), UserId(2), UserId(3)];

fn engine(zone: &str, who: &[UserId], start: &str, shift: ShiftLength) -> Engine {
    Engine::new(&Schedule {
        removals: vec![],
        temporary: vec![],
        id: None,
        name: "Primary".into(),
        time_zone: Zone::parse(zone).unwrap(),
        layers: vec![Layer {
            time_zone: None,
            advance: Default::default(),
            id: 0,
            name: "hourly".into(),
            participants: who.iter().map(|u| (*u).into()).collect(),
            start: start.parse().unwrap(),
            shift,
            end: None,
            restrictions: vec![],
        }],
        overrides: vec![],
    })
    .unwrap()
}

/// Who is on call at each instant (`(instant, user id)`), checked in order.
fn check(e: &Engine, table: &[(&str, i64)]) {
    for (at, user) in table {
        let got = e.on_call(at.parse().unwrap()).first();
        assert_eq!(got, Some(UserId(*user)), "at {at}");
    }
}

#[test]
fn chicago_hourly_rotation_keeps_every_turn_at_spring_forward() {
    // 2020-03-08: 02:00 CST does not exist (the clocks go from 01:59:59 CST to 03:00 CDT).
    let e = engine(
        "America/Chicago",
        &P,
        "2020-03-08T00:00",
        ShiftLength::Hours(1),
    );
    check(
        &e,
        &[
            ("2020-03-08T06:00:00Z", 1), // 00:00 CST
            ("2020-03-08T07:00:00Z", 2), // 01:00 CST
            ("2020-03-08T07:59:59Z", 2),
            ("2020-03-08T08:00:00Z", 3), // 03:00 CDT: 3's turn, not 1's again
            ("2020-03-08T09:00:00Z", 1), // 04:00 CDT
            ("2020-03-08T10:00:00Z", 2),
            ("2020-03-08T11:00:00Z", 3),
        ],
    );
    // With two participants nobody covers two real hours in a row.
    let two = engine(
        "America/Chicago",
        &P[..2],
        "2020-03-08T00:00",
        ShiftLength::Hours(1),
    );
    check(
        &two,
        &[
            ("2020-03-08T07:00:00Z", 2),
            ("2020-03-08T08:00:00Z", 1),
            ("2020-03-08T09:00:00Z", 2),
        ],
    );
    // A year on, after a fall-back and the next spring-forward, the turns still add up:
    // every real hour since the start went to the next person, except the repeated hour at
    // fall-back (its handoff is at the first occurrence: that shift lasts two real hours).
    let e2 = engine(
        "America/Chicago",
        &P,
        "2020-03-08T00:00",
        ShiftLength::Hours(1),
    );
    let start: Timestamp = "2020-03-08T06:00:00Z".parse().unwrap();
    let mut counts = [0i64; 3];
    for h in 0..(24 * 400) {
        let at = start + SignedDuration::from_hours(h);
        let u = e2.on_call(at).first().unwrap();
        counts[(u.0 - 1) as usize] += 1;
    }
    let (min, max) = (counts.iter().min().unwrap(), counts.iter().max().unwrap());
    assert!(max - min <= 3, "real hours each over 400 days: {counts:?}");
}

#[test]
fn sydney_hourly_rotation_keeps_every_turn_at_spring_forward() {
    // Southern hemisphere: 2026-10-04 02:00 AEST does not exist (jump to 03:00 AEDT at
    // 2026-10-03T16:00Z).
    let e = engine(
        "Australia/Sydney",
        &P,
        "2026-10-04T00:00",
        ShiftLength::Hours(1),
    );
    check(
        &e,
        &[
            ("2026-10-03T14:00:00Z", 1), // 00:00 AEST
            ("2026-10-03T15:00:00Z", 2), // 01:00 AEST
            ("2026-10-03T16:00:00Z", 3), // 03:00 AEDT
            ("2026-10-03T17:00:00Z", 1),
        ],
    );
}

#[test]
fn lord_howe_half_hour_change_shortens_a_shift_without_skipping_a_turn() {
    // Lord Howe moves its clocks by 30 minutes: 2026-10-04 02:00 +10:30 becomes 02:30 +11.
    // The 02:00 handoff happens at the jump (15:30Z) and its shift lasts half an hour.
    let e = engine(
        "Australia/Lord_Howe",
        &P,
        "2026-10-04T00:00",
        ShiftLength::Hours(1),
    );
    check(
        &e,
        &[
            ("2026-10-03T13:30:00Z", 1), // 00:00 +10:30
            ("2026-10-03T14:30:00Z", 2), // 01:00 +10:30
            ("2026-10-03T15:29:59Z", 2),
            ("2026-10-03T15:30:00Z", 3), // 02:30 +11, the jump: 3's (short) turn
            ("2026-10-03T16:00:00Z", 1), // 03:00 +11
            ("2026-10-03T17:00:00Z", 2),
        ],
    );
}

#[test]
fn longer_shifts_are_unaffected() {
    // A daily rotation handing off in the skipped hour still hands off at the jump, and
    // nobody loses a turn (the rule only ever drops empty shifts).
    let e = engine(
        "America/Chicago",
        &P,
        "2020-03-06T02:30",
        ShiftLength::Days(1),
    );
    check(
        &e,
        &[
            ("2020-03-06T08:30:00Z", 1),
            ("2020-03-07T08:30:00Z", 2),
            ("2020-03-08T08:00:00Z", 3), // 02:30 does not exist: the jump, 03:00 CDT
            ("2020-03-09T07:30:00Z", 1),
        ],
    );
}
