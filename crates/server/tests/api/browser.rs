//! The dashboard in a real browser: Debian's headless Chromium driven by playwright-core
//! (`tools/browser/dashboard.mjs`, installed by `.ci/run`, named by
//! `SWITCHBOARD_TEST_BROWSER`). The server and its data are made here; the script logs in as a
//! person, uses the pages and checks what they would see, each page with axe-core.
//! Screenshots go to `target/screenshots`, or to `SWITCHBOARD_SCREENSHOTS` (the README's
//! pictures are regenerated with `SWITCHBOARD_SCREENSHOTS=docs/screenshots`).

use crate::helpers::{TestApp, PASSWORD};
use reqwest::Method;
use serde_json::{json, Value};
use switchboard_core::account::Role;
use switchboard_sim::{Responder, VoicemailScript};

const ALICE: &str = "+14155550101";

/// Runs `scenario` of the browser script with `params`; `false` (after saying why) when no
/// browser script is configured here.
pub(crate) async fn run(scenario: &str, params: Value) -> bool {
    let Ok(script) = std::env::var("SWITCHBOARD_TEST_BROWSER") else {
        eprintln!(
            "skipped: SWITCHBOARD_TEST_BROWSER is not set (tools/browser/dashboard.mjs after `npm ci` there, with Debian's chromium; .ci/run sets it)"
        );
        return false;
    };
    let out = tokio::process::Command::new("node")
        .arg(&script)
        .arg(scenario)
        .arg(params.to_string())
        .output()
        .await
        .expect("node runs");
    let text = String::from_utf8_lossy(&out.stdout);
    eprintln!("{text}{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "the browser found a problem:\n{text}");
    true
}

/// Runs the `setup` scenario: whenever the browser asks for a call (`PLACE-CALL voice
/// status`), places one through the simulator and tells it when the call is over.
async fn run_setup(app: &TestApp, params: Value) {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt};
    let script = std::env::var("SWITCHBOARD_TEST_BROWSER").unwrap();
    let mut child = tokio::process::Command::new("node")
        .arg(&script)
        .arg("setup")
        .arg(params.to_string())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("node runs");
    let mut stdin = child.stdin.take().unwrap();
    let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let mut out = String::new();
    while let Some(line) = lines.next_line().await.unwrap() {
        out.push_str(&line);
        out.push('\n');
        if let Some(rest) = line.strip_prefix("PLACE-CALL ") {
            let (voice, status) = rest.split_once(' ').unwrap();
            let mut spec = switchboard_sim::CallSpec::new(voice, "+14155550199", "+15005550077")
                .responder(
                    ALICE,
                    Responder::Answer {
                        after_secs: 2,
                        talk_secs: 5,
                    },
                )
                // Mia, when test mode rings only her.
                .responder(
                    "+14155550111",
                    Responder::Answer {
                        after_secs: 2,
                        talk_secs: 4,
                    },
                );
            spec.status_callback_url = Some(status.to_owned());
            spec.auth_token = Some("line-auth-token".to_owned());
            spec.recording_base_url = app.media.base_url.clone();
            let t = switchboard_sim::place_call(&app.http, &spec).await.unwrap();
            assert!(t.connected_to.is_some(), "{t}");
            app.settle().await;
            stdin.write_all(b"called\n").await.unwrap();
        }
    }
    let status = child.wait().await.unwrap();
    eprintln!("{out}");
    assert!(status.success(), "the browser found a problem:\n{out}");
}

pub(crate) fn shots() -> String {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let dir =
        std::env::var("SWITCHBOARD_SCREENSHOTS").unwrap_or_else(|_| "target/screenshots".into());
    root.join(dir).display().to_string()
}

async fn send(app: &TestApp, method: Method, path: &str, body: Value) -> Value {
    let r = app
        .http
        .request(method, app.api(path))
        .bearer_auth(&app.token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{path}: {}", r.status());
    r.json().await.unwrap_or(Value::Null)
}

/// Team Ops with a line and three calls (two answered with recordings, one voicemail), team
/// Payments with nothing; Mia in Ops, Ben in Payments.
async fn a_team_member_reviews_calls_in_a_browser_and_another_team_cannot(app: TestApp) {
    if std::env::var("SWITCHBOARD_TEST_BROWSER").is_err() {
        run("owner", json!({})).await;
        return;
    }
    let ops = send(&app, Method::POST, "/teams", json!({"name": "Ops"})).await["id"].clone();
    let pay = send(&app, Method::POST, "/teams", json!({"name": "Payments"})).await["id"].clone();
    let alice = app.user("Alice", Some(ALICE)).await;
    let mia = app
        .account("Mia", "mia@example.com", Some("+14155550111"), Role::Member)
        .await;
    let ben = app
        .account("Ben", "ben@example.com", None, Role::Member)
        .await;
    for (team, user) in [(&ops, alice), (&ops, mia), (&pay, ben)] {
        send(
            &app,
            Method::PUT,
            &format!("/teams/{team}/members/{user}"),
            Value::Null,
        )
        .await;
    }
    let line = send(
        &app,
        Method::POST,
        "/lines",
        json!({"name": "Ops hotline", "number": "+15005550006", "provider": "twilio",
               "auth_token": "line-auth-token", "team": ops,
               "routing": {"steps": [{"user": alice}], "ring_timeout_secs": 20}}),
    )
    .await;
    let mut first = None;
    for talk in [10, 6] {
        let spec = app.spec(&line).responder(
            ALICE,
            Responder::Answer {
                after_secs: 2,
                talk_secs: talk,
            },
        );
        let (_, call) = app.call(&spec).await;
        first.get_or_insert(call["id"].as_i64().unwrap());
    }
    let mut spec = app.spec(&line).responder(ALICE, Responder::NoAnswer);
    spec.caller.voicemail = VoicemailScript::Leave { secs: 8 };
    let (_, vm) = app.call(&spec).await;
    assert_eq!(vm["outcome"], "voicemail");
    let call_id = first.unwrap();
    let recs = app.stored_recordings(call_id).await;
    app.settle().await;
    let recording = format!("/api/v1/calls/{call_id}/recordings/{}/media", recs[0]["id"]);
    // How long the stored file plays (the simulator's media are short silent WAVs: 8 kHz,
    // 16-bit mono after a 44-byte header).
    let bytes = app
        .http
        .get(format!("{}{recording}", app.url))
        .bearer_auth(&app.token)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let secs = (bytes.len() - 44) as f64 / 16_000.0;
    let ran = run(
        "owner",
        json!({
            "base": app.url, "email": "mia@example.com", "password": PASSWORD,
            "call_id": call_id, "secs": secs, "total_calls": 3,
            "outcome": "answered", "outcome_calls": 2, "line_name": "Ops hotline",
            "line_id": line["id"],
            "shots": shots(),
        }),
    )
    .await;
    assert!(ran);
    run(
        "stranger",
        json!({
            "base": app.url, "email": "ben@example.com", "password": PASSWORD,
            "call_id": call_id, "recording_url": recording, "line_name": "Ops hotline",
            "line_id": line["id"],
        }),
    )
    .await;
    // Mia sets up a second line for her team through the steps; a call arrives meanwhile.
    let noah = app.user("Noah", None).await;
    send(
        &app,
        Method::PUT,
        &format!("/teams/{ops}/members/{noah}"),
        Value::Null,
    )
    .await;
    run_setup(
        &app,
        json!({"base": app.url, "email": "mia@example.com", "password": PASSWORD,
               "alice": alice, "noah": noah, "shots": shots()}),
    )
    .await;
    app.account("Ada", "ada@example.com", None, Role::Admin)
        .await;
    let receiver = crate::alerts::Receiver::start((200, "ok")).await;
    run(
        "admin",
        json!({"base": app.url, "email": "ada@example.com", "password": PASSWORD,
               "shots": shots(), "receiver": receiver.url, "line_id": line["id"]}),
    )
    .await;
    let got = receiver.got.lock().unwrap().clone();
    assert_eq!(got.len(), 1, "one test message: {got:?}");
    assert!(
        got[0].to_string().contains("A test message sent by Ada"),
        "{got:?}"
    );
}

/// One browser run is enough: the pages read through the store both backends pass.
#[tokio::test]
async fn a_team_member_reviews_calls_in_a_browser() {
    let app = TestApp::spawn(crate::helpers::Backend::Sqlite, "browser")
        .await
        .expect("SQLite is always available");
    let check = app.job_check();
    a_team_member_reviews_calls_in_a_browser_and_another_team_cannot(app).await;
    check.assert_settled().await;
}
