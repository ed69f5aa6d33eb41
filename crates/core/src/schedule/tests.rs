use super::*;
use crate::Zone;
use proptest::prelude::*;

const ALICE: UserId = UserId(1);
const BOB: UserId = UserId(2);
const CAROL: UserId = UserId(3);

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn dt(s: &str) -> DateTime {
    s.parse().unwrap()
}

fn layer(name: &str, who: &[UserId], start: &str, shift: ShiftLength) -> Layer {
    Layer {
        time_zone: None,
        advance: Default::default(),
        id: 0,
        name: name.into(),
        participants: who.iter().map(|u| (*u).into()).collect(),
        start: dt(start),
        shift,
        end: None,
        restrictions: vec![],
    }
}

fn schedule(zone: &str, layers: Vec<Layer>, overrides: Vec<Override>) -> Engine {
    Engine::new(&Schedule {
        removals: vec![],
        temporary: vec![],
        id: None,
        name: "Primary".into(),
        time_zone: Zone::parse(zone).unwrap(),
        layers,
        overrides,
    })
    .unwrap()
}

fn who(e: &Engine, at: &str) -> Option<UserId> {
    e.on_call(ts(at)).first()
}

#[test]
fn a_morning_handoff_stays_at_nine_across_spring_forward_in_berlin() {
    // Clocks go 02:00 -> 03:00 on 2026-03-29 in Europe/Berlin.
    let e = schedule(
        "Europe/Berlin",
        vec![layer(
            "day",
            &[ALICE, BOB],
            "2026-03-23T09:00",
            ShiftLength::Days(1),
        )],
        vec![],
    );
    // Before the change 09:00 local is 08:00Z; after it, 07:00Z.
    assert_eq!(who(&e, "2026-03-28T07:59:59Z"), Some(ALICE));
    assert_eq!(who(&e, "2026-03-28T08:00:00Z"), Some(BOB));
    assert_eq!(who(&e, "2026-03-30T06:59:59Z"), Some(ALICE));
    assert_eq!(who(&e, "2026-03-30T07:00:00Z"), Some(BOB));
}

#[test]
fn a_handoff_in_the_skipped_hour_happens_when_the_clocks_jump() {
    let e = schedule(
        "Europe/Berlin",
        vec![layer(
            "night",
            &[ALICE, BOB],
            "2026-03-27T02:30",
            ShiftLength::Days(1),
        )],
        vec![],
    );
    // 2026-03-29T02:30 does not exist; the jump is at 01:00Z (02:00 CET = 03:00 CEST).
    assert_eq!(who(&e, "2026-03-29T00:59:59Z"), Some(BOB));
    assert_eq!(who(&e, "2026-03-29T01:00:00Z"), Some(ALICE));
    // The next day is back to 02:30 local (00:30Z in summer time).
    assert_eq!(who(&e, "2026-03-30T00:29:59Z"), Some(ALICE));
    assert_eq!(who(&e, "2026-03-30T00:30:00Z"), Some(BOB));
}

#[test]
fn a_handoff_in_the_repeated_hour_happens_at_its_first_occurrence() {
    // 2026-10-25: 03:00 CEST -> 02:00 CET; 02:30 happens at 00:30Z and again at 01:30Z.
    let e = schedule(
        "Europe/Berlin",
        vec![layer(
            "night",
            &[ALICE, BOB],
            "2026-10-24T02:30",
            ShiftLength::Days(1),
        )],
        vec![],
    );
    assert_eq!(who(&e, "2026-10-25T00:29:59Z"), Some(ALICE));
    assert_eq!(who(&e, "2026-10-25T00:30:00Z"), Some(BOB));
    assert_eq!(who(&e, "2026-10-25T01:45:00Z"), Some(BOB));
}

#[test]
fn weekly_handoffs_follow_the_wall_clock_in_sydney() {
    // Australia/Sydney leaves summer time on 2026-04-05 (03:00 AEDT -> 02:00 AEST).
    let e = schedule(
        "Australia/Sydney",
        vec![layer(
            "week",
            &[ALICE, BOB],
            "2026-03-30T09:00",
            ShiftLength::Weeks(1),
        )],
        vec![],
    );
    // Monday 2026-03-30 09:00 AEDT = 22:00Z the day before.
    assert_eq!(who(&e, "2026-03-29T22:00:00Z"), Some(ALICE));
    // Monday 2026-04-06 09:00 AEST = 23:00Z on Sunday.
    assert_eq!(who(&e, "2026-04-05T22:59:59Z"), Some(ALICE));
    assert_eq!(who(&e, "2026-04-05T23:00:00Z"), Some(BOB));
    // And it moves again in October (02:00 -> 03:00 on 2026-10-04).
    let monday = e.on_call(ts("2026-10-04T23:00:00Z")).first();
    let before = e.on_call(ts("2026-10-04T21:59:59Z")).first();
    let after = e.on_call(ts("2026-10-04T22:00:00Z")).first();
    assert_eq!(monday, after);
    assert_ne!(before, after);
}

#[test]
fn twelve_hour_shifts_in_tokyo() {
    let e = schedule(
        "Asia/Tokyo",
        vec![layer(
            "half",
            &[ALICE, BOB, CAROL],
            "2026-01-01T08:00",
            ShiftLength::Hours(12),
        )],
        vec![],
    );
    assert_eq!(who(&e, "2025-12-31T23:00:00Z"), Some(ALICE)); // 08:00 JST
    assert_eq!(who(&e, "2026-01-01T11:00:00Z"), Some(BOB)); // 20:00 JST
    assert_eq!(who(&e, "2026-01-01T23:00:00Z"), Some(CAROL));
    assert_eq!(who(&e, "2026-01-02T11:00:00Z"), Some(ALICE));
}

#[test]
fn a_layer_starting_in_the_future_has_nobody_yet() {
    let e = schedule(
        "UTC",
        vec![layer(
            "l",
            &[ALICE],
            "2027-01-01T00:00",
            ShiftLength::Days(1),
        )],
        vec![],
    );
    assert_eq!(
        e.on_call(ts("2026-12-31T23:59:59Z")),
        OnCall {
            users: vec![],
            source: None
        }
    );
    assert_eq!(who(&e, "2027-01-01T00:00:00Z"), Some(ALICE));
    assert_eq!(
        who(&e, "2030-06-01T00:00:00Z"),
        Some(ALICE),
        "a single participant always"
    );
}

#[test]
fn an_empty_layer_lets_the_layer_below_answer() {
    let e = schedule(
        "UTC",
        vec![
            layer("base", &[ALICE], "2026-01-01T00:00", ShiftLength::Days(1)),
            layer("empty", &[], "2026-01-01T00:00", ShiftLength::Days(1)),
        ],
        vec![],
    );
    let oc = e.on_call(ts("2026-05-01T12:00:00Z"));
    assert_eq!(oc.first(), Some(ALICE));
    assert_eq!(oc.source.unwrap().label(), "layer:base");
}

#[test]
fn higher_layers_win_only_inside_their_restrictions() {
    let mut business = layer(
        "business",
        &[BOB],
        "2026-01-05T00:00",
        ShiftLength::Weeks(1),
    );
    business.restrictions = vec![Restriction::Daily {
        start: "09:00".parse().unwrap(),
        end: "17:00".parse().unwrap(),
    }];
    let e = schedule(
        "UTC",
        vec![
            layer("base", &[ALICE], "2026-01-01T00:00", ShiftLength::Days(1)),
            business,
        ],
        vec![],
    );
    assert_eq!(who(&e, "2026-02-02T08:59:00Z"), Some(ALICE));
    assert_eq!(who(&e, "2026-02-02T09:00:00Z"), Some(BOB));
    assert_eq!(who(&e, "2026-02-02T16:59:00Z"), Some(BOB));
    assert_eq!(who(&e, "2026-02-02T17:00:00Z"), Some(ALICE));
}

#[test]
fn restrictions_can_leave_nobody_and_cross_midnight_or_the_weekend() {
    let mut nights = layer("nights", &[ALICE], "2026-01-01T00:00", ShiftLength::Days(1));
    nights.restrictions = vec![Restriction::Daily {
        start: "22:00".parse().unwrap(),
        end: "06:00".parse().unwrap(),
    }];
    let mut weekend = layer("weekend", &[BOB], "2026-01-01T00:00", ShiftLength::Weeks(1));
    weekend.restrictions = vec![Restriction::Weekly {
        start_day: Day::Friday,
        start: "18:00".parse().unwrap(),
        end_day: Day::Monday,
        end: "08:00".parse().unwrap(),
    }];
    let e = schedule("Europe/Berlin", vec![nights, weekend], vec![]);
    // Wednesday 2026-02-04 (CET, UTC+1).
    assert_eq!(who(&e, "2026-02-04T22:00:00Z"), Some(ALICE)); // 23:00
    assert_eq!(who(&e, "2026-02-05T04:00:00Z"), Some(ALICE)); // 05:00
    assert_eq!(who(&e, "2026-02-05T06:00:00Z"), None); // 07:00: a gap
                                                       // Friday 18:00 to Monday 08:00 local.
    assert_eq!(who(&e, "2026-02-06T16:59:00Z"), None);
    assert_eq!(who(&e, "2026-02-06T17:00:00Z"), Some(BOB));
    assert_eq!(who(&e, "2026-02-08T12:00:00Z"), Some(BOB)); // Sunday noon
    assert_eq!(who(&e, "2026-02-09T06:59:00Z"), Some(BOB)); // Monday 07:59
    assert_eq!(who(&e, "2026-02-09T07:00:00Z"), None); // Monday 08:00
    let gaps = e.gaps(ts("2026-02-05T00:00:00Z"), ts("2026-02-06T00:00:00Z"));
    assert_eq!(
        gaps,
        vec![(ts("2026-02-05T05:00:00Z"), ts("2026-02-05T21:00:00Z"))]
    );
}

#[test]
fn overrides_win_and_the_later_of_two_overlapping_ones_wins() {
    let e = schedule(
        "UTC",
        vec![layer(
            "base",
            &[ALICE],
            "2026-01-01T00:00",
            ShiftLength::Days(1),
        )],
        vec![
            Override {
                covering: None,
                add: false,
                id: 1,
                user: BOB,
                start: ts("2026-03-01T10:00:00Z"),
                end: ts("2026-03-01T14:00:00Z"),
            },
            Override {
                covering: None,
                add: false,
                id: 2,
                user: CAROL,
                start: ts("2026-03-01T12:00:00Z"),
                end: ts("2026-03-01T16:00:00Z"),
            },
        ],
    );
    let oc = e.on_call(ts("2026-03-01T11:00:00Z"));
    assert_eq!(
        (oc.first(), oc.source.unwrap().label()),
        (Some(BOB), "override".into())
    );
    assert_eq!(who(&e, "2026-03-01T13:00:00Z"), Some(CAROL));
    let shifts = e.shifts(ts("2026-03-01T09:00:00Z"), ts("2026-03-01T17:00:00Z"));
    let got: Vec<_> = shifts
        .iter()
        .map(|s| {
            (
                s.start.to_string(),
                s.end.to_string(),
                s.users.first().copied(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (
                "2026-03-01T09:00:00Z".into(),
                "2026-03-01T10:00:00Z".into(),
                Some(ALICE)
            ),
            (
                "2026-03-01T10:00:00Z".into(),
                "2026-03-01T12:00:00Z".into(),
                Some(BOB)
            ),
            (
                "2026-03-01T12:00:00Z".into(),
                "2026-03-01T16:00:00Z".into(),
                Some(CAROL)
            ),
            (
                "2026-03-01T16:00:00Z".into(),
                "2026-03-01T17:00:00Z".into(),
                Some(ALICE)
            ),
        ]
    );
}

#[test]
fn a_layer_end_stops_it() {
    let mut l = layer("temp", &[ALICE], "2026-01-01T00:00", ShiftLength::Days(1));
    l.end = Some(dt("2026-01-10T00:00"));
    let e = schedule("Asia/Tokyo", vec![l], vec![]);
    assert_eq!(who(&e, "2026-01-09T14:59:59Z"), Some(ALICE));
    assert_eq!(who(&e, "2026-01-09T15:00:00Z"), None);
}

#[test]
fn invalid_schedules_name_the_field() {
    // A zone that does not exist is refused as the schedule is read, and says why.
    crate::refusal::take();
    let bad = serde_json::from_str::<Schedule>(r#"{"name": "x", "time_zone": "Nowhere/City"}"#);
    assert!(bad.is_err());
    assert_eq!(
        crate::refusal::take().as_deref(),
        Some("'Nowhere/City' is not an IANA time zone name (e.g. Europe/Berlin)")
    );
    let mut s = Schedule {
        removals: vec![],
        temporary: vec![],
        id: None,
        name: "x".into(),
        time_zone: Zone::utc(),
        layers: vec![],
        overrides: vec![],
    };
    s.layers = vec![layer(
        "l",
        &[ALICE],
        "2026-01-01T00:00",
        ShiftLength::Hours(0),
    )];
    assert_eq!(s.validate().unwrap_err().field, "layers[0].shift");
    s.layers.clear();
    s.overrides = vec![Override {
        covering: None,
        add: false,
        id: 0,
        user: ALICE,
        start: ts("2026-01-02T00:00:00Z"),
        end: ts("2026-01-01T00:00:00Z"),
    }];
    assert_eq!(s.validate().unwrap_err().field, "overrides[0].end");
}

const ZONES: [&str; 4] = [
    "Europe/Berlin",
    "Australia/Sydney",
    "Asia/Tokyo",
    "America/New_York",
];

fn arb_layer() -> impl Strategy<Value = Layer> {
    (
        // Each turn one person or a group of two or three.
        prop::collection::vec(prop::collection::btree_set(1i64..6, 1..4), 0..4),
        0i64..400,
        0u32..24,
        prop_oneof![
            (1u32..48).prop_map(ShiftLength::Hours),
            (1u32..8).prop_map(ShiftLength::Days),
            (1u32..3).prop_map(ShiftLength::Weeks)
        ],
        prop::option::of((0u32..24, 0u32..24)),
    )
        .prop_map(|(who, day, hour, shift, window)| Layer {
            time_zone: None,
            advance: Default::default(),
            id: 0,
            name: format!("l{day}"),
            participants: who
                .into_iter()
                .map(|g| match g.len() {
                    1 => UserId(*g.first().unwrap()).into(),
                    _ => Participant::Group(g.into_iter().map(UserId).collect()),
                })
                .collect(),
            start: jiff::civil::date(2026, 1, 1)
                .checked_add(jiff::Span::new().days(day))
                .unwrap()
                .at(hour as i8, 30, 0, 0),
            shift,
            end: None,
            restrictions: window
                .map(|(a, b)| {
                    vec![Restriction::Daily {
                        start: Time::new(a as i8, 0, 0, 0).unwrap(),
                        end: Time::new(b as i8, 15, 0, 0).unwrap(),
                    }]
                })
                .unwrap_or_default(),
        })
}

fn arb_override() -> impl Strategy<Value = Override> {
    (
        1i64..6,
        0i64..(400 * 86400),
        60i64..(5 * 86400),
        0u8..4,
        1i64..6,
    )
        .prop_map(|(u, s, len, kind, other)| {
            let start = ts("2026-01-01T00:00:00Z")
                .checked_add(jiff::SignedDuration::from_secs(s))
                .unwrap();
            Override {
                // Plain, adding, or covering someone (who may be in a group then).
                covering: (kind == 2).then_some(UserId(other)),
                add: kind == 3,
                id: 0,
                user: UserId(u),
                start,
                end: start
                    .checked_add(jiff::SignedDuration::from_secs(len))
                    .unwrap(),
            }
        })
}

fn arb_schedule() -> impl Strategy<Value = Schedule> {
    (
        0usize..ZONES.len(),
        prop::collection::vec(arb_layer(), 0..4),
        prop::collection::vec(arb_override(), 0..6),
        prop::collection::vec(arb_override(), 0..3),
        prop::collection::vec(
            (arb_override(), prop::collection::vec(arb_layer(), 0..3)),
            0..3,
        ),
    )
        .prop_map(|(z, layers, overrides, removals, temporary)| Schedule {
            removals: removals
                .into_iter()
                .map(|o| Removal {
                    id: 0,
                    start: o.start,
                    end: o.end,
                })
                .collect(),
            temporary: temporary
                .into_iter()
                .map(|(o, layers)| Temporary {
                    id: 0,
                    name: "t".into(),
                    start: o.start,
                    end: o.end,
                    layers,
                })
                .collect(),
            id: None,
            name: "p".into(),
            time_zone: Zone::parse(ZONES[z]).unwrap(),
            layers,
            overrides,
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn shifts_tile_the_range_and_agree_with_on_call(
        s in arb_schedule(),
        from_off in 0i64..(300 * 86400),
        len in 3600i64..(20 * 86400),
        probes in prop::collection::vec(0.0f64..1.0, 20),
    ) {
        let e = Engine::new(&s).unwrap();
        let from = ts("2026-01-01T00:00:00Z").checked_add(jiff::SignedDuration::from_secs(from_off)).unwrap();
        let to = from.checked_add(jiff::SignedDuration::from_secs(len)).unwrap();
        let timeline = e.timeline(from, to);
        // Contiguous from `from` to `to`, no overlaps, no empty pieces.
        prop_assert_eq!(timeline.first().unwrap().start, from);
        prop_assert_eq!(timeline.last().unwrap().end, to);
        for w in timeline.windows(2) {
            prop_assert_eq!(w[0].end, w[1].start);
            prop_assert!(w[0].users != w[1].users, "adjacent shifts of one user are merged");
        }
        for piece in &timeline {
            prop_assert!(piece.start < piece.end);
        }
        // Shifts plus gaps cover exactly the range.
        let covered: i64 = e.shifts(from, to).iter().map(|s| s.end.as_second() - s.start.as_second()).sum();
        let gaps: i64 = e.gaps(from, to).iter().map(|(a, b)| b.as_second() - a.as_second()).sum();
        prop_assert_eq!(covered + gaps, len);
        // The answer at any instant is the shift containing it.
        for p in probes {
            let at = from.checked_add(jiff::SignedDuration::from_secs((p * len as f64) as i64)).unwrap();
            let piece = timeline.iter().find(|x| x.start <= at && at < x.end).unwrap();
            prop_assert_eq!(&e.on_call(at).users, &piece.users, "at {}", at);
        }
    }

    #[test]
    fn a_plain_rotation_gives_everyone_equal_time_without_dst(
        n in 1usize..6,
        shift in prop_oneof![
            (1u32..48).prop_map(ShiftLength::Hours),
            (1u32..8).prop_map(ShiftLength::Days),
            (1u32..3).prop_map(ShiftLength::Weeks)
        ],
        cycles in 1i64..4,
        zone in prop::sample::select(vec!["Asia/Tokyo", "UTC", "Asia/Kolkata"]),
    ) {
        let who: Vec<UserId> = (1..=n as i64).map(UserId).collect();
        let l = Layer {
            time_zone: None,
            advance: Default::default(),
            id: 0,
            name: "r".into(),
            participants: who.iter().map(|u| (*u).into()).collect(),
            start: dt("2026-02-01T09:00"),
            shift,
            end: None,
            restrictions: vec![],
        };
        let e = schedule(zone, vec![l.clone()], vec![]);
        let from = instant(&jiff::tz::TimeZone::get(zone).unwrap(), l.start);
        let total = shift.civil_secs() * n as i64 * cycles;
        let to = from.checked_add(jiff::SignedDuration::from_secs(total)).unwrap();
        let mut time = std::collections::HashMap::new();
        for s in e.timeline(from, to) {
            *time.entry(s.users.first().copied()).or_insert(0i64) += s.end.as_second() - s.start.as_second();
        }
        for u in who {
            prop_assert_eq!(time.get(&Some(u)).copied(), Some(shift.civil_secs() * cycles));
        }
    }
}
