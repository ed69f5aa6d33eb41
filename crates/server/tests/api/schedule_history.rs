//! History never changes once written, as a property: over random sequences of clock moves
//! and edits (participants reordered, groups, shift lengths, overrides added), what the shifts
//! API said about any stretch of the past is what it says later. Several fixed seeds, both
//! backends.

use crate::helpers::{NowTs, TestApp};
use jiff::{SignedDuration, Timestamp};
use serde_json::{json, Value};

/// A stretch: start, end, who (none: a gap).
type Stretch = (Timestamp, Timestamp, Vec<i64>);

/// A small deterministic generator (xorshift), so a failing seed can be run again.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// Every stretch (shifts and gaps) over `[from, to)`, as (start, end, user ids), in order,
/// merged where one set of people runs on.
async fn past(app: &TestApp, id: i64, from: Timestamp, to: Timestamp) -> Vec<Stretch> {
    let (status, v) = app
        .get(&format!("/schedules/{id}/shifts?from={from}&to={to}"))
        .await;
    assert_eq!(status, 200, "{v}");
    let ts = |x: &Value| x.as_str().unwrap().parse::<Timestamp>().unwrap();
    let mut all: Vec<Stretch> = v["shifts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            let users = x["users"]
                .as_array()
                .unwrap()
                .iter()
                .map(|u| u["id"].as_i64().unwrap())
                .collect();
            (ts(&x["start"]), ts(&x["end"]), users)
        })
        .chain(
            v["gaps"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| (ts(&x["start"]), ts(&x["end"]), vec![])),
        )
        .collect();
    all.sort();
    clip(all, to)
}

/// `stretches` cut at `to`, merged where the same people run on.
fn clip(stretches: Vec<Stretch>, to: Timestamp) -> Vec<Stretch> {
    let mut out: Vec<Stretch> = Vec::new();
    for (a, b, u) in stretches.into_iter().filter(|s| s.0 < to) {
        let b = b.min(to);
        match out.last_mut() {
            Some(last) if last.1 == a && last.2 == u => last.1 = b,
            _ => out.push((a, b, u)),
        }
    }
    out
}

async fn the_recorded_past_never_changes_under_random_edits(app: TestApp) {
    let people = [
        app.user("Ann", None).await,
        app.user("Bob", None).await,
        app.user("Cat", None).await,
        app.user("Dan", None).await,
    ];
    for seed in [7u64, 1234, 99_991] {
        let mut rng = Rng(seed);
        let (status, s) = app
            .post(
                "/schedules",
                json!({"name": format!("Seed {seed}"), "time_zone": "America/New_York",
                       "layers": [{"name": "l", "participants": people, "start": "2026-10-25T09:00",
                                   "shift": {"hours": 8}}]}),
            )
            .await;
        assert_eq!(status, 201, "{s}");
        let id = s["id"].as_i64().unwrap();
        let created: Timestamp = s["created_at"].as_str().unwrap().parse().unwrap();
        let mut said: Vec<(Timestamp, Vec<Stretch>)> = vec![];
        for step in 0..10 {
            app.clock.advance_secs(3600 * (1 + rng.below(40)) as i64);
            let now = app.clock.now_ts();
            match rng.below(3) {
                0 => {
                    // New turns (one of them a group) and a new shift length.
                    let mut turns: Vec<Value> = people.iter().map(|p| json!(p)).collect();
                    turns.rotate_left(rng.below(4) as usize);
                    let pair = json!([
                        people[rng.below(2) as usize],
                        people[2 + rng.below(2) as usize]
                    ]);
                    turns.truncate(1 + rng.below(3) as usize);
                    turns.push(pair);
                    let (status, v) = app
                        .patch(
                            &format!("/schedules/{id}"),
                            json!({"layers": [{"name": "l", "participants": turns, "start": "2026-10-25T09:00",
                                               "shift": {"hours": 1 + rng.below(30)}}]}),
                        )
                        .await;
                    assert_eq!(status, 200, "seed {seed} step {step}: {v}");
                }
                1 => {
                    // An override reaching back into the past and on into the future.
                    let from = now - SignedDuration::from_hours(rng.below(30) as i64 + 1);
                    let (status, v) = app
                        .post(
                            &format!("/schedules/{id}/overrides"),
                            json!({"user": people[rng.below(4) as usize], "start": from,
                                   "end": now + SignedDuration::from_hours(5), "add": rng.below(2) == 0}),
                        )
                        .await;
                    assert_eq!(status, 201, "seed {seed} step {step}: {v}");
                }
                _ => {}
            }
            let now = app.clock.now_ts();
            let seen = past(&app, id, created, now).await;
            for (then, earlier) in &said {
                assert_eq!(
                    &clip(seen.clone(), *then),
                    earlier,
                    "seed {seed} step {step}: the past up to {then} changed"
                );
            }
            said.push((now, seen));
        }
    }
}

crate::on_both!(the_recorded_past_never_changes_under_random_edits,);
