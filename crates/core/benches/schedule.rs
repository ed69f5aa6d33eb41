//! On-call lookup and 90 days of final shifts for a realistic schedule: three layers with
//! restrictions and 1,000 or 10,000 overrides, in a zone with daylight saving time.

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use jiff::{SignedDuration, Timestamp};
use switchboard_core::schedule::{
    Day, Engine, Layer, Override, Restriction, Schedule, ShiftLength,
};
use switchboard_core::UserId;

fn schedule(n: i64) -> Schedule {
    let users = |r: std::ops::Range<i64>| r.map(|u| UserId(u).into()).collect::<Vec<_>>();
    let base = Layer {
        time_zone: None,
        advance: Default::default(),
        id: 1,
        name: "weekly".into(),
        participants: users(1..7),
        start: "2026-01-05T09:00".parse().unwrap(),
        shift: ShiftLength::Weeks(1),
        end: None,
        restrictions: vec![],
    };
    let business = Layer {
        time_zone: None,
        advance: Default::default(),
        id: 2,
        name: "business".into(),
        participants: users(7..12),
        start: "2026-01-05T00:00".parse().unwrap(),
        shift: ShiftLength::Days(1),
        end: None,
        restrictions: vec![Restriction::Daily {
            start: "09:00".parse().unwrap(),
            end: "17:30".parse().unwrap(),
        }],
    };
    let weekend = Layer {
        time_zone: None,
        advance: Default::default(),
        id: 3,
        name: "weekend".into(),
        participants: users(12..15),
        start: "2026-01-02T18:00".parse().unwrap(),
        shift: ShiftLength::Hours(12),
        end: None,
        restrictions: vec![Restriction::Weekly {
            start_day: Day::Friday,
            start: "18:00".parse().unwrap(),
            end_day: Day::Monday,
            end: "08:00".parse().unwrap(),
        }],
    };
    let t0: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
    let overrides = (0..n)
        .map(|i| {
            let start = t0
                .checked_add(SignedDuration::from_secs(i * 31_357))
                .unwrap();
            Override {
                covering: None,
                add: false,
                id: i as u32 + 1,
                user: UserId(1 + i % 14),
                start,
                end: start.checked_add(SignedDuration::from_hours(3)).unwrap(),
            }
        })
        .collect();
    Schedule {
        removals: vec![],
        temporary: vec![],
        id: None,
        name: "bench".into(),
        time_zone: switchboard_core::Zone::parse("Europe/Berlin").unwrap(),
        layers: vec![base, business, weekend],
        overrides,
    }
}

fn bench(c: &mut Criterion) {
    for n in [1_000, 10_000] {
        let engine = Engine::new(&schedule(n)).unwrap();
        let at: Timestamp = "2026-03-29T10:15:00Z".parse().unwrap();
        let beyond: Timestamp = "2040-12-20T10:15:00Z".parse().unwrap();
        c.bench_function(
            &format!("on_call (3 layers, {n} overrides, inside override span)"),
            |b| b.iter(|| engine.on_call(black_box(at))),
        );
        c.bench_function(
            &format!("on_call (3 layers, {n} overrides, after every override)"),
            |b| b.iter(|| engine.on_call(black_box(beyond))),
        );
        let from: Timestamp = "2026-03-01T00:00:00Z".parse().unwrap();
        let to = from
            .checked_add(SignedDuration::from_hours(24 * 90))
            .unwrap();
        c.bench_function(&format!("shifts over 90 days ({n} overrides)"), |b| {
            b.iter(|| engine.shifts(black_box(from), black_box(to)))
        });
        let sched = schedule(n);
        c.bench_function(
            &format!("compile the schedule (Engine::new, {n} overrides)"),
            |b| b.iter(|| Engine::new(black_box(&sched)).unwrap()),
        );
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
