//! Every construct across the DST changes of a zone whose clocks move by half an hour (Lord
//! Howe Island: +11 in summer, +10:30 in winter; back from 02:00 to 01:30 on 5 April 2026,
//! forward from 02:00 to 02:30 on 4 October 2026) and of the southern hemisphere (Sydney:
//! back from 03:00 to 02:00 on 5 April 2026): windows every N weeks, rotations that advance
//! only on active days, temporary schedules and removals, monthly rotations on a skipped and
//! on a repeated time, and a layer with its own zone.

use super::*;

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn engine(json: serde_json::Value) -> Engine {
    Engine::new(&serde_json::from_value::<Schedule>(json).unwrap()).unwrap()
}

fn check(e: &Engine, table: &[(&str, Option<i64>)]) {
    for (at, want) in table {
        assert_eq!(e.on_call(ts(at)).first().map(|u| u.0), *want, "at {at}");
    }
}

#[test]
fn every_other_weekend_across_the_half_hour_change() {
    // Saturday 00:00 to Monday 00:00 local, every two weeks from the week of 30 March.
    let e = engine(serde_json::json!({
        "name": "p", "time_zone": "Australia/Lord_Howe",
        "layers": [{"name": "w", "participants": [1], "start": "2026-03-01T00:00", "shift": {"weeks": 1},
            "restrictions": [{"type": "every_weeks", "weeks": 2, "from": "2026-03-30",
                "start_day": "saturday", "start": "00:00", "end_day": "monday", "end": "00:00"}]}]
    }));
    check(
        &e,
        &[
            // Saturday 4 April 00:00 at +11.
            ("2026-04-03T12:59:00Z", None),
            ("2026-04-03T13:00:00Z", Some(1)),
            // Monday 6 April 00:00 at +10:30: the weekend was half an hour longer.
            ("2026-04-05T13:29:00Z", Some(1)),
            ("2026-04-05T13:30:00Z", None),
            // The next weekend is off, the one after on.
            ("2026-04-10T13:30:00Z", None),
            ("2026-04-17T13:30:00Z", Some(1)),
        ],
    );
}

fn weekday_rotation(zone: &str) -> Engine {
    engine(serde_json::json!({
        "name": "p", "time_zone": zone,
        "layers": [{"name": "weekdays", "participants": [1, 2, 3], "start": "2026-03-30T09:00",
            "shift": {"days": 1}, "advance": "active_days",
            "restrictions": [{"type": "weekly", "start_day": "monday", "start": "09:00",
                              "end_day": "friday", "end": "17:00"}]}]
    }))
}

#[test]
fn a_weekday_rotation_keeps_its_turn_over_the_weekend_the_clocks_go_back() {
    // Monday to Friday: 1, 2, 3, 1, 2; then Monday 6 April is 3's turn, at 09:00 local.
    let sydney = weekday_rotation("Australia/Sydney");
    check(
        &sydney,
        &[
            ("2026-03-29T22:00:00Z", Some(1)),
            ("2026-04-02T22:00:00Z", Some(2)),
            ("2026-04-04T00:00:00Z", None),
            ("2026-04-05T22:30:00Z", None),
            ("2026-04-05T23:00:00Z", Some(3)),
            ("2026-04-06T23:00:00Z", Some(1)),
        ],
    );
    let lord_howe = weekday_rotation("Australia/Lord_Howe");
    check(
        &lord_howe,
        &[
            ("2026-03-29T22:00:00Z", Some(1)),
            ("2026-04-05T22:15:00Z", None),
            ("2026-04-05T22:30:00Z", Some(3)),
            ("2026-04-06T22:30:00Z", Some(1)),
        ],
    );
}

#[test]
fn a_holiday_plan_and_a_removal_across_the_half_hour_change() {
    let e = engine(serde_json::json!({
        "name": "p", "time_zone": "Australia/Lord_Howe",
        "layers": [{"name": "base", "participants": [1], "start": "2026-01-05T09:00", "shift": {"weeks": 1}}],
        "temporary": [{"name": "easter", "start": "2026-04-04T00:00:00Z", "end": "2026-04-07T00:00:00Z",
            "layers": [{"name": "noon", "participants": [7, 8], "start": "2026-04-04T12:00", "shift": {"days": 1}}]}],
        "removals": [{"start": "2026-04-06T10:00:00Z", "end": "2026-04-06T11:00:00Z"}]
    }));
    check(
        &e,
        &[
            ("2026-04-03T23:59:00Z", Some(1)),
            // The plan replaces the base layer before its own first noon: nobody.
            ("2026-04-04T00:30:00Z", None),
            // Noon at +11, then noon at +10:30.
            ("2026-04-04T01:00:00Z", Some(7)),
            ("2026-04-05T01:15:00Z", Some(7)),
            ("2026-04-05T01:30:00Z", Some(8)),
            ("2026-04-06T01:30:00Z", Some(7)),
            ("2026-04-06T10:30:00Z", None),
            ("2026-04-06T11:00:00Z", Some(7)),
            ("2026-04-07T00:00:00Z", Some(1)),
        ],
    );
    assert_eq!(
        e.on_call(ts("2026-04-06T10:30:00Z")).source,
        Some(Source::Removed)
    );
}

#[test]
fn monthly_handoffs_on_a_skipped_and_a_repeated_half_hour() {
    // First Sunday at 02:15: on 4 October 02:00–02:30 does not exist; the handoff is at the
    // jump (02:00 at +10:30).
    let skipped = engine(serde_json::json!({
        "name": "p", "time_zone": "Australia/Lord_Howe",
        "layers": [{"name": "m", "participants": [1, 2], "start": "2026-09-06T02:15",
            "shift": {"monthly_weekday": {"every": 1, "nth": 1, "day": "sunday"}}}]
    }));
    check(
        &skipped,
        &[
            ("2026-09-05T15:45:00Z", Some(1)),
            ("2026-10-03T15:29:00Z", Some(1)),
            ("2026-10-03T15:30:00Z", Some(2)),
            // 1 November 02:15 at +11.
            ("2026-10-31T15:14:00Z", Some(2)),
            ("2026-10-31T15:15:00Z", Some(1)),
        ],
    );
    // First Sunday at 01:45: on 5 April 01:30–02:00 happens twice; the handoff is at the
    // first (+11).
    let repeated = engine(serde_json::json!({
        "name": "p", "time_zone": "Australia/Lord_Howe",
        "layers": [{"name": "m", "participants": [1, 2], "start": "2026-03-01T01:45",
            "shift": {"monthly_weekday": {"every": 1, "nth": 1, "day": "sunday"}}}]
    }));
    check(
        &repeated,
        &[
            ("2026-02-28T14:45:00Z", Some(1)),
            ("2026-04-04T14:44:00Z", Some(1)),
            ("2026-04-04T14:45:00Z", Some(2)),
        ],
    );
}

#[test]
fn a_lord_howe_layer_in_a_berlin_schedule_hands_off_on_lord_howe_time() {
    let e = engine(serde_json::json!({
        "name": "p", "time_zone": "Europe/Berlin",
        "layers": [{"name": "island", "participants": [1, 2], "time_zone": "Australia/Lord_Howe",
            "start": "2026-04-03T09:00", "shift": {"days": 1}}]
    }));
    check(
        &e,
        &[
            ("2026-04-02T22:00:00Z", Some(1)),
            ("2026-04-03T22:00:00Z", Some(2)),
            ("2026-04-04T22:15:00Z", Some(2)),
            ("2026-04-04T22:30:00Z", Some(1)),
        ],
    );
}
