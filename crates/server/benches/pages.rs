//! The dashboard's pages and the API's call list over a growing call log: 1,000, then 10,000,
//! then 100,000 calls on one line in the embedded SQLite, the real server on loopback, a
//! logged-in admin, a team member and an API token. Prints the median and 95th percentile of
//! each answer time (loopback HTTP included), over 100 requests after 10 to warm up. `cargo bench -p switchboard --bench pages` (BENCHMARKS.md).

mod common;

use common::{api, login, time, Server};
use serde_json::json;
use std::time::Instant;
use switchboard_core::account::Role;

/// The sizes of the call log measured, in turn.
const SIZES: [i64; 3] = [1_000, 10_000, 100_000];

#[tokio::main]
async fn main() {
    let server = Server::start().await;
    let (base, http, token, store, db) = (
        &server.base,
        &server.http,
        &server.token,
        &server.store,
        &server.db,
    );
    let now = jiff::Timestamp::now();
    let hash = switchboard::accounts::password::hash("plum kettle orbit 9")
        .await
        .unwrap();
    for (name, email, role) in [
        ("Ada", "ada@example.com", Role::Admin),
        ("Mia", "mia@example.com", Role::Member),
    ] {
        let u = switchboard_core::user::NewUser::validate(
            name,
            email,
            Some("+14155550111"),
            "Europe/Berlin",
        )
        .unwrap();
        store.create_account(&u, role, &hash, now).await.unwrap();
    }
    let team = api(http, base, token, "/teams", json!({"name": "Ops"})).await;
    let alice = api(
        http,
        base,
        token,
        "/users",
        json!({"name": "Alice", "email": "alice@example.com", "phone": "+14155550101"}),
    )
    .await;
    for user in [alice["id"].as_i64().unwrap(), 2] {
        http.put(format!("{base}/api/v1/teams/{}/members/{user}", team["id"]))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
    }
    let line = api(
        http,
        base,
        token,
        "/lines",
        json!({
        "name": "Ops hotline", "number": "+15005550006", "provider": "twilio", "team": team["id"],
        "routing": {"steps": [{"user": alice["id"]}]}}),
    )
    .await;
    // One real call through the engine, then its row copied to 100,000 calls spread over the
    // last 70 days, with every outcome and many callers.
    let spec = switchboard_sim::CallSpec::new(
        line["webhook_url"].as_str().unwrap(),
        "+14155550199",
        "+15005550006",
    )
    .responder(
        "+14155550101",
        switchboard_sim::Responder::Answer {
            after_secs: 3,
            talk_secs: 40,
        },
    );
    let mut spec = spec;
    spec.status_callback_url = Some(line["status_callback_url"].as_str().unwrap().to_owned());
    switchboard_sim::place_call(&switchboard_sim::client(), &spec)
        .await
        .unwrap();
    // Copies of that row up to each size in turn (spread a minute apart over the past, with
    // every outcome and 5,000 callers), and every page and API list timed at each size.
    let pool = sqlx::SqlitePool::connect(db).await.unwrap();
    let mut have = 1;
    println!("| calls | page | who | median | p95 |\n|---|---|---|---|---|");
    for size in SIZES {
        let started = Instant::now();
        sqlx::query(&format!(
            "WITH RECURSIVE seq(n) AS (SELECT {from} UNION ALL SELECT n + 1 FROM seq WHERE n < {to})
             INSERT INTO calls (line_id, provider, provider_call_id, account_id, caller, caller_number,
                 started_at, ended_at, duration_secs, plan, phase, outcome, answered_by, attempts,
                 test_call, failsafe, archived, version)
             SELECT c.line_id, c.provider, 'CA' || seq.n, c.account_id, c.caller,
                 '+1415555' || printf('%04d', seq.n % 5000), c.started_at - seq.n * 60000,
                 c.ended_at - seq.n * 60000, c.duration_secs, c.plan, c.phase,
                 CASE seq.n % 5 WHEN 0 THEN 'missed' WHEN 1 THEN 'voicemail' WHEN 2 THEN 'abandoned' ELSE 'answered' END,
                 c.answered_by, c.attempts, c.test_call, c.failsafe, c.archived, 0
             FROM seq, calls c WHERE c.id = 1",
            from = have,
            to = size - 1
        ))
        .execute(&pool)
        .await
        .unwrap();
        have = size;
        eprintln!(
            "{size} calls ({:.1} s to add)",
            started.elapsed().as_secs_f64()
        );
        let middle = format!("/calls?before={}", size / 2);
        let api_middle = format!("/api/v1/calls?before={}&limit=50", size / 2);
        for (who, email) in [("admin", "ada@example.com"), ("member", "mia@example.com")] {
            let cookie = login(http, base, email).await;
            let pages = [
                "/calls",
                "/calls?outcome=missed",
                "/calls?caller=5550042",
                middle.as_str(),
                "/calls/1",
                "/",
            ];
            for path in pages {
                let (p50, p95) = time(http, &format!("{base}{path}"), &cookie).await;
                println!(
                    "| {size} | `{path}` | {who} | {:.1} ms | {:.1} ms |",
                    p50.as_secs_f64() * 1000.0,
                    p95.as_secs_f64() * 1000.0
                );
            }
        }
        // The API, with the owner-level token.
        for path in [
            "/api/v1/calls?limit=50",
            "/api/v1/calls?q=5550042&limit=50",
            api_middle.as_str(),
        ] {
            let (p50, p95) = time(http, &format!("{base}{path}"), token).await;
            println!(
                "| {size} | `{path}` | API token | {:.1} ms | {:.1} ms |",
                p50.as_secs_f64() * 1000.0,
                p95.as_secs_f64() * 1000.0
            );
        }
    }
    pool.close().await;
}
