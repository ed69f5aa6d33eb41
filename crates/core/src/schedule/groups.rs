//! Several people on call at once: a layer's turn can be a group (on call in the order it is
//! written), an override can add a person beside whoever is on call, and a cover stands in for
//! the one person it covers within a group.

use super::*;

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn schedule(zone: &str, participants: serde_json::Value, start: &str, shift: &str) -> Schedule {
    serde_json::from_value(serde_json::json!({
        "name": "Primary", "time_zone": zone,
        "layers": [{"name": "pairs", "participants": participants, "start": start,
                    "shift": serde_json::from_str::<serde_json::Value>(shift).unwrap()}]
    }))
    .unwrap()
}

fn on_call(e: &Engine, at: &str) -> Vec<i64> {
    e.on_call(ts(at)).users.iter().map(|u| u.0).collect()
}

fn check(e: &Engine, table: &[(&str, &[i64])]) {
    for (at, want) in table {
        assert_eq!(on_call(e, at), *want, "at {at}");
    }
}

#[test]
fn a_group_hands_off_at_the_wall_clock_time_across_dst_in_three_zones() {
    // A pair, then one person, daily at 09:00 local.
    let pairs = serde_json::json!([[1, 2], 3]);
    // Sydney (southern hemisphere): clocks go back from +11 to +10 on Sunday 5 April 2026.
    let e = Engine::new(&schedule(
        "Australia/Sydney",
        pairs.clone(),
        "2026-04-03T09:00",
        r#"{"days": 1}"#,
    ))
    .unwrap();
    check(
        &e,
        &[
            ("2026-04-02T22:00:00Z", &[1, 2]),
            ("2026-04-03T22:00:00Z", &[3]),
            // 09:00 on the 5th is 23:00 UTC now: at 22:30 it is still 08:30.
            ("2026-04-04T22:30:00Z", &[3]),
            ("2026-04-04T23:00:00Z", &[1, 2]),
        ],
    );
    // Lord Howe Island: a half-hour change, +11 to +10:30, the same night.
    let e = Engine::new(&schedule(
        "Australia/Lord_Howe",
        pairs.clone(),
        "2026-04-03T09:00",
        r#"{"days": 1}"#,
    ))
    .unwrap();
    check(
        &e,
        &[
            ("2026-04-02T22:00:00Z", &[1, 2]),
            ("2026-04-03T22:00:00Z", &[3]),
            ("2026-04-04T22:15:00Z", &[3]),
            ("2026-04-04T22:30:00Z", &[1, 2]),
        ],
    );
    // New York: clocks go back on Sunday 1 November 2026.
    let e = Engine::new(&schedule(
        "America/New_York",
        pairs,
        "2026-10-30T09:00",
        r#"{"days": 1}"#,
    ))
    .unwrap();
    check(
        &e,
        &[
            ("2026-10-30T13:00:00Z", &[1, 2]),
            ("2026-10-31T13:00:00Z", &[3]),
            ("2026-11-01T13:30:00Z", &[3]),
            ("2026-11-01T14:00:00Z", &[1, 2]),
        ],
    );
}

#[test]
fn groups_keep_their_turn_when_spring_forward_empties_an_hour() {
    // Hourly in Chicago: 02:00 does not exist on 8 March 2020, so the 02:00 turn is empty and
    // the third group is next at 03:00 CDT.
    let e = Engine::new(&schedule(
        "America/Chicago",
        serde_json::json!([[1, 2], 3, [4, 5]]),
        "2020-03-08T00:00",
        r#"{"hours": 1}"#,
    ))
    .unwrap();
    check(
        &e,
        &[
            ("2020-03-08T06:00:00Z", &[1, 2]),
            ("2020-03-08T07:00:00Z", &[3]),
            ("2020-03-08T08:00:00Z", &[4, 5]),
            ("2020-03-08T09:00:00Z", &[1, 2]),
        ],
    );
}

fn over(user: i64, start: &str, end: &str, add: bool, covering: Option<i64>) -> Override {
    Override {
        id: 0,
        user: UserId(user),
        start: ts(start),
        end: ts(end),
        covering: covering.map(UserId),
        add,
    }
}

#[test]
fn an_added_person_is_on_call_beside_whoever_else_is() {
    let mut s = schedule(
        "UTC",
        serde_json::json!([1]),
        "2026-06-01T00:00",
        r#"{"weeks": 1}"#,
    );
    s.overrides = vec![
        over(
            2,
            "2026-06-02T10:00:00Z",
            "2026-06-02T12:00:00Z",
            true,
            None,
        ),
        over(
            3,
            "2026-06-02T11:00:00Z",
            "2026-06-02T11:30:00Z",
            false,
            None,
        ),
        // Adding someone already on call lists them once.
        over(
            1,
            "2026-06-02T10:00:00Z",
            "2026-06-02T10:30:00Z",
            true,
            None,
        ),
    ];
    s.removals = vec![Removal {
        id: 0,
        start: ts("2026-06-02T11:45:00Z"),
        end: ts("2026-06-02T12:30:00Z"),
    }];
    let e = Engine::new(&s).unwrap();
    let source = |at: &str| e.on_call(ts(at)).source.map(|s| s.label());
    check(
        &e,
        &[
            ("2026-06-02T09:59:59Z", &[1]),
            ("2026-06-02T10:00:00Z", &[1, 2]),
            // A replacing override replaces the layer, not the added person.
            ("2026-06-02T11:15:00Z", &[3, 2]),
            ("2026-06-02T11:30:00Z", &[1, 2]),
            // A removal takes the schedule's people; the added person stays.
            ("2026-06-02T11:50:00Z", &[2]),
            ("2026-06-02T12:15:00Z", &[]),
            ("2026-06-02T12:30:00Z", &[1]),
        ],
    );
    assert_eq!(
        source("2026-06-02T10:15:00Z").as_deref(),
        Some("layer:pairs")
    );
    assert_eq!(source("2026-06-02T11:50:00Z").as_deref(), Some("override"));
    assert_eq!(source("2026-06-02T12:15:00Z").as_deref(), Some("removed"));
    // The timeline names each stretch's people, in order; the gap is the removal's.
    let t: Vec<(String, Vec<i64>)> = e
        .timeline(ts("2026-06-02T09:00:00Z"), ts("2026-06-02T13:00:00Z"))
        .into_iter()
        .map(|s| (s.start.to_string(), s.users.iter().map(|u| u.0).collect()))
        .collect();
    let want: Vec<(String, Vec<i64>)> = [
        ("2026-06-02T09:00:00Z", vec![1]),
        ("2026-06-02T10:00:00Z", vec![1, 2]),
        ("2026-06-02T11:00:00Z", vec![3, 2]),
        ("2026-06-02T11:30:00Z", vec![1, 2]),
        ("2026-06-02T11:45:00Z", vec![2]),
        ("2026-06-02T12:00:00Z", vec![]),
        ("2026-06-02T12:30:00Z", vec![1]),
    ]
    .into_iter()
    .map(|(a, b)| (a.to_owned(), b))
    .collect();
    assert_eq!(t, want);
}

#[test]
fn a_cover_stands_in_for_one_member_of_a_group() {
    let mut s = schedule(
        "Europe/Berlin",
        serde_json::json!([[1, 2], 4]),
        "2026-06-01T09:00",
        r#"{"days": 1}"#,
    );
    s.overrides = vec![
        // Carol covers Bob during the pair's day; Alice stays.
        over(
            3,
            "2026-06-01T08:00:00Z",
            "2026-06-01T10:00:00Z",
            false,
            Some(2),
        ),
        // Carol covers Dan, alone on his day: she replaces him.
        over(
            3,
            "2026-06-02T08:00:00Z",
            "2026-06-02T10:00:00Z",
            false,
            Some(4),
        ),
        // Bob covers Alice: he is already in the pair, so he is listed once.
        over(
            2,
            "2026-06-03T08:00:00Z",
            "2026-06-03T10:00:00Z",
            false,
            Some(1),
        ),
        // A cover for someone not on call then puts the coverer on call alone.
        over(
            3,
            "2026-06-03T12:00:00Z",
            "2026-06-03T13:00:00Z",
            false,
            Some(4),
        ),
    ];
    let e = Engine::new(&s).unwrap();
    check(
        &e,
        &[
            ("2026-06-01T07:30:00Z", &[1, 2]),
            ("2026-06-01T08:30:00Z", &[1, 3]),
            ("2026-06-01T10:00:00Z", &[1, 2]),
            ("2026-06-02T08:30:00Z", &[3]),
            ("2026-06-03T08:30:00Z", &[2]),
            ("2026-06-03T12:30:00Z", &[3]),
        ],
    );
}

#[test]
fn groups_are_checked_and_read_as_written() {
    let s = schedule(
        "UTC",
        serde_json::json!([1, [3, 2]]),
        "2026-06-01T00:00",
        r#"{"days": 1}"#,
    );
    assert_eq!(
        s.layers[0].participants,
        vec![
            Participant::User(UserId(1)),
            Participant::Group(vec![UserId(3), UserId(2)])
        ]
    );
    assert_eq!(s.users(), vec![UserId(1), UserId(2), UserId(3)]);
    // Written back as read.
    assert_eq!(
        serde_json::to_value(&s.layers[0].participants).unwrap(),
        serde_json::json!([1, [3, 2]])
    );
    for (bad, why) in [
        (serde_json::json!([1, []]), "empty"),
        (serde_json::json!([[1, 1]]), "twice"),
        (
            serde_json::json!([[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]]),
            "eleven",
        ),
    ] {
        let s = schedule("UTC", bad, "2026-06-01T00:00", r#"{"days": 1}"#);
        let err = s.validate().unwrap_err();
        assert!(err.field.starts_with("layers[0].participants["), "{why}");
        assert_eq!(err.message, "a group must have 1 to 10 different people");
    }
    let err = serde_json::from_value::<Schedule>(serde_json::json!({
        "name": "P", "time_zone": "UTC",
        "layers": [{"name": "l", "participants": ["alice"], "start": "2026-06-01T00:00",
                    "shift": {"days": 1}}]
    }))
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("a user id, or a list of user ids on call together"),
        "{err}"
    );
}

#[test]
fn the_next_handoffs_follow_the_wall_clock_and_skip_empty_shifts() {
    let e = Engine::new(&schedule(
        "America/Chicago",
        serde_json::json!([1, 2, 3]),
        "2020-03-08T00:00",
        r#"{"hours": 1}"#,
    ))
    .unwrap();
    // 01:00 CST, then the jump (02:00 and 03:00 are one instant), then 04:00 CDT.
    let got: Vec<String> = e
        .next_handoffs(0, ts("2020-03-08T06:30:00Z"), 3)
        .iter()
        .map(|t| t.to_string())
        .collect();
    assert_eq!(
        got,
        [
            "2020-03-08T07:00:00Z",
            "2020-03-08T08:00:00Z",
            "2020-03-08T09:00:00Z"
        ]
    );
    // Before the start, the start is the first handoff; a missing layer has none.
    assert_eq!(
        e.next_handoffs(0, ts("2020-01-01T00:00:00Z"), 1),
        vec![ts("2020-03-08T06:00:00Z")]
    );
    assert!(e.next_handoffs(5, ts("2020-01-01T00:00:00Z"), 3).is_empty());
}
