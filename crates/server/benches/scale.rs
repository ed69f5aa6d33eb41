//! How answers grow with a schedule's overrides and with the number of lines: one schedule
//! with 100, 1,000 and 10,000 overrides (the most a schedule may hold), then 10, 100 and
//! 1,000 lines, in the embedded SQLite, the real server on loopback. Prints the median and
//! 95th percentile of each answer time (loopback HTTP included): the on-call and shifts API,
//! the schedule's page, an incoming call to a line that rings the schedule, adding an
//! override; the lines API and page, the home page and an incoming call to the newest line.
//! `cargo bench -p switchboard --bench scale` (BENCHMARKS.md).

mod common;

use common::{login, time, Server};
use jiff::{SignedDuration, Timestamp};
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use switchboard_core::account::Role;

const OVERRIDES: [i64; 3] = [100, 1_000, 10_000];
const LINES: [usize; 3] = [10, 100, 1_000];

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// Median and 95th percentile of `n` incoming-call webhooks to `url` (after 10), each a new
/// call from one of 1,000 callers.
async fn time_calls(http: &reqwest::Client, url: &str, n: usize) -> (Duration, Duration) {
    let mut times = Vec::new();
    for i in 0..n + 10 {
        let sid = format!("CA{:032x}", rand::random::<u128>());
        let form = [
            ("CallSid", sid.as_str()),
            ("AccountSid", "AC00000000000000000000000000000001"),
            ("From", &format!("+1415555{:04}", i % 1000)),
            ("To", "+15005550006"),
            ("CallStatus", "ringing"),
            ("Direction", "inbound"),
        ];
        let start = Instant::now();
        let r = http.post(url).form(&form).send().await.unwrap();
        assert_eq!(r.status(), 200, "{url}");
        let body = r.text().await.unwrap();
        assert!(body.contains("<Dial"), "{body}");
        if i >= 10 {
            times.push(start.elapsed());
        }
    }
    times.sort();
    (times[times.len() / 2], times[times.len() * 95 / 100])
}

/// `n` overrides of four hours each (one short of a size, so that adding one reaches it), spread over the two years around now, turn by turn.
fn overrides(n: i64, users: &[i64], now: Timestamp) -> Value {
    let span = 2 * 365 * 86_400;
    let from = now - SignedDuration::from_secs(span / 2);
    let list: Vec<Value> = (0..n)
        .map(|i| {
            let start = from + SignedDuration::from_secs(span * i / n);
            json!({
                "id": i + 1,
                "user": users[i as usize % users.len()],
                "start": start,
                "end": start + SignedDuration::from_hours(4),
            })
        })
        .collect();
    Value::Array(list)
}

#[tokio::main]
async fn main() {
    let s = Server::start().await;
    let now = Timestamp::now();
    let hash = switchboard::accounts::password::hash("plum kettle orbit 9")
        .await
        .unwrap();
    let admin = switchboard_core::user::NewUser::validate(
        "Ada",
        "ada@example.com",
        Some("+14155550111"),
        "Europe/Berlin",
    )
    .unwrap();
    s.store
        .create_account(&admin, Role::Admin, &hash, now)
        .await
        .unwrap();
    let cookie = login(&s.http, &s.base, "ada@example.com").await;
    let mut users = Vec::new();
    for (i, name) in ["Alice", "Bob", "Carol"].iter().enumerate() {
        let u = s
            .post(
                "/users",
                json!({"name": name, "email": format!("{name}@example.com"), "phone": format!("+1415555010{i}")}),
            )
            .await;
        users.push(u["id"].as_i64().unwrap());
    }
    let schedule = s
        .post(
            "/schedules",
            json!({
                "name": "Primary", "time_zone": "Europe/Berlin",
                "layers": [{"name": "weekly", "participants": users, "start": "2026-01-05T09:00", "shift": {"weeks": 1}}],
            }),
        )
        .await;
    let sid = schedule["id"].as_i64().unwrap();
    let line = s
        .post(
            "/lines",
            json!({"name": "Primary line", "number": "+15005550006", "provider": "twilio",
                   "routing": {"steps": [{"schedule": sid}]}}),
        )
        .await;
    let webhook = line["webhook_url"].as_str().unwrap().to_owned();
    let pool = sqlx::SqlitePool::connect(&s.db).await.unwrap();
    let to = now + SignedDuration::from_hours(30 * 24);
    let api = |p: &str| format!("{}/api/v1/schedules/{sid}{p}", s.base);
    println!("| overrides | request | median | p95 |\n|---|---|---|---|");
    for n in OVERRIDES {
        sqlx::query("UPDATE schedules SET overrides = $1 WHERE id = $2")
            .bind(overrides(n - 1, &users, now).to_string())
            .bind(sid)
            .execute(&pool)
            .await
            .unwrap();
        let shifts = api(&format!("/shifts?from={now}&to={to}"));
        for (what, url, auth) in [
            ("on-call API", api("/on-call"), s.token.as_str()),
            ("shifts API, 30 days", shifts, s.token.as_str()),
            (
                "schedule page",
                format!("{}/schedules/{sid}", s.base),
                cookie.as_str(),
            ),
        ] {
            let (p50, p95) = time(&s.http, &url, auth).await;
            println!("| {n} | {what} | {} | {} |", ms(p50), ms(p95));
        }
        let (p50, p95) = time_calls(&s.http, &webhook, 100).await;
        println!(
            "| {n} | incoming call to a line ringing it | {} | {} |",
            ms(p50),
            ms(p95)
        );
        // Adding one more override (then removing it again), 20 times.
        let mut adds = Vec::new();
        for i in 0..20 {
            let start = now + SignedDuration::from_hours(24 * (400 + i));
            let t = Instant::now();
            let o = s
                .post(
                    &format!("/schedules/{sid}/overrides"),
                    json!({"user": users[0], "start": start, "end": start + SignedDuration::from_hours(2)}),
                )
                .await;
            adds.push(t.elapsed());
            let id = o["overrides"]
                .as_array()
                .and_then(|l| l.last())
                .map_or_else(|| o["id"].clone(), |l| l["id"].clone());
            s.http
                .delete(api(&format!("/overrides/{id}")))
                .bearer_auth(&s.token)
                .send()
                .await
                .unwrap();
        }
        adds.sort();
        println!(
            "| {n} | adding an override | {} | {} |",
            ms(adds[adds.len() / 2]),
            ms(adds[adds.len() * 95 / 100])
        );
    }

    println!("\n| lines | request | median | p95 |\n|---|---|---|---|");
    let mut have = 1;
    let mut newest = webhook;
    for n in LINES {
        let started = Instant::now();
        while have < n {
            let l = s
                .post(
                    "/lines",
                    json!({"name": format!("Line {have}"), "number": format!("+1500555{:04}", 1000 + have),
                           "provider": "twilio", "routing": {"steps": [{"user": users[have % 3]}]}}),
                )
                .await;
            newest = l["webhook_url"].as_str().unwrap().to_owned();
            have += 1;
        }
        eprintln!(
            "{n} lines ({:.1} s to add)",
            started.elapsed().as_secs_f64()
        );
        for (what, url, auth) in [
            (
                "lines API",
                format!("{}/api/v1/lines", s.base),
                s.token.as_str(),
            ),
            ("lines page", format!("{}/lines", s.base), cookie.as_str()),
            ("home page", format!("{}/", s.base), cookie.as_str()),
        ] {
            let (p50, p95) = time(&s.http, &url, auth).await;
            println!("| {n} | {what} | {} | {} |", ms(p50), ms(p95));
        }
        let (p50, p95) = time_calls(&s.http, &newest, 100).await;
        println!(
            "| {n} | incoming call to the newest line | {} | {} |",
            ms(p50),
            ms(p95)
        );
    }
    pool.close().await;
}
