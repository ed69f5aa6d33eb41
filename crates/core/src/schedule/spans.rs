//! Removals ("nobody from this schedule between…") and temporary schedules (a span whose
//! layers replace all the others, such as a holiday plan), and how they stack: overrides, then
//! removals, then the temporary schedule covering the instant (the later listed of two), then
//! the layers.

use super::*;
use crate::Zone;

fn layer(name: &str, who: &[i64], start: &str, shift: ShiftLength) -> Layer {
    Layer {
        time_zone: None,
        advance: Default::default(),
        id: 0,
        name: name.into(),
        participants: who.iter().map(|u| UserId(*u).into()).collect(),
        start: start.parse().unwrap(),
        shift,
        end: None,
        restrictions: vec![],
    }
}

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn base(zone: &str) -> Schedule {
    Schedule {
        id: None,
        name: "Primary".into(),
        time_zone: Zone::parse(zone).unwrap(),
        layers: vec![layer(
            "weekly",
            &[1, 2],
            "2026-01-05T09:00",
            ShiftLength::Weeks(1),
        )],
        overrides: vec![],
        removals: vec![],
        temporary: vec![],
    }
}

fn on_call(s: &Schedule, at: &str) -> (Option<i64>, Option<String>) {
    let oc = Engine::new(s).unwrap().on_call(ts(at));
    (oc.first().map(|u| u.0), oc.source.map(|x| x.label()))
}

#[test]
fn a_removal_leaves_nobody_unless_an_override_puts_someone_there() {
    let mut s = base("Europe/Berlin");
    s.removals.push(Removal {
        id: 1,
        start: ts("2026-12-24T17:00:00Z"),
        end: ts("2026-12-26T08:00:00Z"),
    });
    assert_eq!(
        on_call(&s, "2026-12-24T16:59:59Z").1.as_deref(),
        Some("layer:weekly")
    );
    assert_eq!(
        on_call(&s, "2026-12-25T12:00:00Z"),
        (None, Some("removed".into()))
    );
    s.overrides.push(Override {
        covering: None,
        add: false,
        id: 1,
        user: UserId(3),
        start: ts("2026-12-25T10:00:00Z"),
        end: ts("2026-12-25T14:00:00Z"),
    });
    assert_eq!(
        on_call(&s, "2026-12-25T12:00:00Z"),
        (Some(3), Some("override".into()))
    );
    // The timeline marks the removal as a gap, the override inside it as a shift.
    let e = Engine::new(&s).unwrap();
    let gaps = e.gaps(ts("2026-12-24T00:00:00Z"), ts("2026-12-27T00:00:00Z"));
    assert_eq!(
        gaps,
        vec![
            (ts("2026-12-24T17:00:00Z"), ts("2026-12-25T10:00:00Z")),
            (ts("2026-12-25T14:00:00Z"), ts("2026-12-26T08:00:00Z")),
        ]
    );
}

#[test]
fn a_temporary_schedule_replaces_the_layers_with_handoffs_on_the_wall_clock() {
    // Sydney's clocks go forward on 4 October 2026 (02:00 AEST → 03:00 AEDT). A holiday plan
    // from 1 to 10 October hands off daily at 08:00 local, before and after the change.
    let mut s = base("Australia/Sydney");
    s.temporary.push(Temporary {
        id: 1,
        name: "Holiday".into(),
        start: ts("2026-09-30T22:00:00Z"), // 1 October 08:00 AEST
        end: ts("2026-10-09T21:00:00Z"),   // 10 October 08:00 AEDT
        layers: vec![layer(
            "daily",
            &[7, 8],
            "2026-10-01T08:00",
            ShiftLength::Days(1),
        )],
    });
    // Daily handoffs at 08:00 local: 22:00Z while AEST (+10), 21:00Z once AEDT (+11).
    let table = [
        ("2026-09-30T22:00:00Z", 7), // 1 October 08:00 AEST
        ("2026-10-01T22:00:00Z", 8), // 2 October
        ("2026-10-02T22:00:00Z", 7), // 3 October
        ("2026-10-03T20:59:59Z", 7),
        ("2026-10-03T21:00:00Z", 8), // 4 October 08:00 AEDT, after the change
        ("2026-10-04T21:00:00Z", 7), // 5 October
    ];
    assert_eq!(
        on_call(&s, "2026-09-30T21:59:59Z").1.as_deref(),
        Some("layer:weekly")
    );
    for (at, user) in table {
        assert_eq!(
            on_call(&s, at),
            (Some(user), Some("layer:Holiday/daily".to_owned())),
            "at {at}"
        );
    }
    // After the span, the regular layers again.
    assert_eq!(
        on_call(&s, "2026-10-09T21:00:00Z").1.as_deref(),
        Some("layer:weekly")
    );
    // Overrides and removals still win over it.
    s.overrides.push(Override {
        covering: None,
        add: false,
        id: 1,
        user: UserId(3),
        start: ts("2026-10-02T00:00:00Z"),
        end: ts("2026-10-02T01:00:00Z"),
    });
    assert_eq!(on_call(&s, "2026-10-02T00:30:00Z").0, Some(3));
}

#[test]
fn the_later_of_two_overlapping_temporary_schedules_wins_and_an_empty_one_leaves_nobody() {
    let mut s = base("America/New_York");
    s.temporary = vec![
        Temporary {
            id: 1,
            name: "A".into(),
            start: ts("2026-11-01T00:00:00Z"),
            end: ts("2026-11-30T00:00:00Z"),
            layers: vec![layer("a", &[5], "2026-11-01T00:00", ShiftLength::Weeks(1))],
        },
        Temporary {
            id: 2,
            name: "B".into(),
            start: ts("2026-11-10T00:00:00Z"),
            end: ts("2026-11-12T00:00:00Z"),
            layers: vec![],
        },
    ];
    assert_eq!(on_call(&s, "2026-11-05T00:00:00Z").0, Some(5));
    assert_eq!(
        on_call(&s, "2026-11-11T00:00:00Z"),
        (None, None),
        "B has nobody"
    );
    assert_eq!(on_call(&s, "2026-11-13T00:00:00Z").0, Some(5));
}

#[test]
fn spans_are_checked() {
    let mut s = base("UTC");
    s.removals.push(Removal {
        id: 1,
        start: ts("2026-12-02T00:00:00Z"),
        end: ts("2026-12-01T00:00:00Z"),
    });
    assert_eq!(s.validate().unwrap_err().field, "removals[0].end");
    s.removals.clear();
    s.temporary.push(Temporary {
        id: 1,
        name: " ".into(),
        start: ts("2026-12-01T00:00:00Z"),
        end: ts("2026-12-02T00:00:00Z"),
        layers: vec![],
    });
    assert_eq!(s.validate().unwrap_err().field, "temporary[0].name");
    s.temporary[0].name = "Holiday".into();
    s.temporary[0]
        .layers
        .push(layer("x", &[1], "2026-12-01T00:00", ShiftLength::Hours(0)));
    assert_eq!(
        s.validate().unwrap_err().field,
        "temporary[0].layers[0].shift"
    );
    s.temporary[0].layers[0].shift = ShiftLength::Days(1);
    assert!(s.validate().is_ok());
    assert_eq!(s.users(), vec![UserId(1), UserId(2)]);
}
