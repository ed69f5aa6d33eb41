//! Chat alerts after each call, delivered to local Slack and Teams stand-ins.

use crate::helpers::{NowTs, TestApp};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use switchboard_sim::Responder;

const ALICE: &str = "+14155550101";

/// Scripted answers: (status, Retry-After, body).
type Script = Arc<Mutex<VecDeque<(u16, Option<&'static str>, &'static str)>>>;

/// A webhook receiver: records every body, answers from a script (then `default`).
#[derive(Clone)]
pub struct Receiver {
    pub url: String,
    pub got: Arc<Mutex<Vec<Value>>>,
    script: Script,
}

#[derive(Clone)]
struct ReceiverState {
    got: Arc<Mutex<Vec<Value>>>,
    script: Script,
    default: (u16, &'static str),
}

async fn receive(State(s): State<ReceiverState>, body: axum::Json<Value>) -> Response {
    s.got.lock().unwrap().push(body.0);
    let next = s.script.lock().unwrap().pop_front();
    let (status, retry_after, text) = next.unwrap_or((s.default.0, None, s.default.1));
    let mut resp = (StatusCode::from_u16(status).unwrap(), text).into_response();
    if let Some(r) = retry_after {
        resp.headers_mut().insert("retry-after", r.parse().unwrap());
    }
    resp
}

impl Receiver {
    pub async fn start(default: (u16, &'static str)) -> Receiver {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let state = ReceiverState {
            got: Arc::default(),
            script: Arc::default(),
            default,
        };
        let r = Receiver {
            url,
            got: state.got.clone(),
            script: state.script.clone(),
        };
        let app = axum::Router::new()
            .route("/hook", axum::routing::post(receive))
            .with_state(state);
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        r
    }

    pub fn count(&self) -> usize {
        self.got.lock().unwrap().len()
    }
}

pub(crate) async fn channel(app: &TestApp, kind: &str, url: &str) -> i64 {
    let (status, c) = app
        .post(
            "/channels",
            json!({ "name": format!("{kind} ops"), "kind": kind, "webhook_url": url }),
        )
        .await;
    assert_eq!(status, 201, "{c}");
    assert!(
        c.get("webhook_url").is_none(),
        "the secret URL is never shown"
    );
    c["id"].as_i64().unwrap()
}

/// Runs the due jobs; the call's alerts must then all be in `status`.
async fn alerts_become(app: &TestApp, call: i64, status: &str) -> Value {
    app.settle().await;
    let (_, c) = app.get(&format!("/calls/{call}")).await;
    let alerts = c["alerts"].as_array().unwrap();
    assert!(
        !alerts.is_empty() && alerts.iter().all(|a| a["status"] == status),
        "alerts of call {call} are not all {status}: {}",
        c["alerts"]
    );
    c["alerts"].clone()
}

async fn line_with(app: &TestApp, user: i64, channels: &[i64]) -> Value {
    let line = app.line(&[user]).await;
    let (status, line) = app
        .patch(
            &format!("/lines/{}", line["id"]),
            json!({ "channels": channels }),
        )
        .await;
    assert_eq!(status, 200, "{line}");
    line
}

async fn every_channel_gets_one_alert_after_a_call(app: TestApp) {
    let slack = Receiver::start((200, "ok")).await;
    let teams = Receiver::start((202, "")).await;
    let a = app.user("Alice", Some(ALICE)).await;
    let s = channel(&app, "slack", &slack.url).await;
    let t = channel(&app, "teams", &teams.url).await;
    let line = line_with(&app, a, &[s, t]).await;
    let spec = app.spec(&line).responder(
        ALICE,
        Responder::Answer {
            after_secs: 2,
            talk_secs: 75,
        },
    );
    let (_, call) = app.call(&spec).await;
    let id = call["id"].as_i64().unwrap();
    let alerts = alerts_become(&app, id, "delivered").await;
    assert_eq!(alerts.as_array().unwrap().len(), 2);
    assert_eq!((slack.count(), teams.count()), (1, 1));
    let body = slack.got.lock().unwrap()[0].clone();
    let text = body["text"].as_str().unwrap();
    assert!(text.contains("answered by Alice"), "{text}");
    assert!(text.contains("ACME SECURITY (+14155550199)"), "{text}");
    assert!(!text.starts_with("🚨"));
    let blocks = body["blocks"].to_string();
    assert!(
        blocks.contains(&format!("{}/calls/{id}", app.url)),
        "{blocks}"
    );
    assert!(
        !blocks.contains(&format!("/api/v1/calls/{id}\"")),
        "the page, not the API"
    );
    let card = teams.got.lock().unwrap()[0].clone();
    assert_eq!(card["attachments"][0]["content"]["type"], "AdaptiveCard");
    assert!(card.to_string().contains("Alice answered"));
}

async fn missed_calls_and_voicemails_are_urgent(app: TestApp) {
    let slack = Receiver::start((200, "ok")).await;
    let a = app.user("Alice", Some(ALICE)).await;
    let s = channel(&app, "slack", &slack.url).await;
    let line = line_with(&app, a, &[s]).await;
    let (_, call) = app.call(&app.spec(&line)).await;
    alerts_become(&app, call["id"].as_i64().unwrap(), "delivered").await;
    let text = slack.got.lock().unwrap()[0]["text"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(text.starts_with("🚨"), "{text}");
    assert!(text.contains("VOICEMAIL"), "{text}");
    assert!(slack.got.lock().unwrap()[0]
        .to_string()
        .contains("Voicemail ("));
    // The alert carries the incident the voicemail opened, and links to it.
    let (_, list) = app.get("/incidents").await;
    let id = &list["incidents"][0]["id"];
    let body = slack.got.lock().unwrap()[0].to_string();
    assert!(
        body.contains(&format!(
            "Incident #{id} (triggered): Voicemail from +14155550199"
        )) && body.contains(&format!("/incidents/{id}")),
        "{body}"
    );
}

async fn retry_after_is_honoured(app: TestApp) {
    let slack = Receiver::start((200, "ok")).await;
    slack
        .script
        .lock()
        .unwrap()
        .push_back((429, Some("30"), "rate_limited"));
    let a = app.user("Alice", Some(ALICE)).await;
    let s = channel(&app, "slack", &slack.url).await;
    let line = line_with(&app, a, &[s]).await;
    let (_, call) = app.call(&app.spec(&line)).await;
    let id = call["id"].as_i64().unwrap();
    // Refused once; the next attempt waits the 30 s Slack asked for.
    app.settle().await;
    let (_, c) = app.get(&format!("/calls/{id}")).await;
    let queued = c["alerts"][0].clone();
    assert_eq!(queued["status"], "queued", "{queued}");
    assert_eq!(
        queued["last_error"], "the channel answered HTTP 429",
        "{queued}"
    );
    let next: jiff::Timestamp = queued["next_attempt_at"].as_str().unwrap().parse().unwrap();
    assert_eq!(next.as_second() - app.clock.now_ts().as_second(), 30);
    app.clock.advance_secs(29);
    assert_eq!(app.settle().await, 0, "nothing is due before Retry-After");
    assert_eq!(slack.count(), 1, "nothing is sent before Retry-After");
    app.clock.advance_secs(2);
    alerts_become(&app, id, "delivered").await;
    assert_eq!(slack.count(), 2);
}

async fn a_revoked_webhook_fails_visibly_without_retrying(app: TestApp) {
    let slack = Receiver::start((404, "no_service")).await;
    let a = app.user("Alice", Some(ALICE)).await;
    let s = channel(&app, "slack", &slack.url).await;
    let line = line_with(&app, a, &[s]).await;
    let (_, call) = app.call(&app.spec(&line)).await;
    let alerts = alerts_become(&app, call["id"].as_i64().unwrap(), "failed").await;
    assert_eq!(alerts[0]["last_error"], "the channel answered HTTP 404");
    assert_eq!(alerts[0]["attempts"], 1);
    app.clock.advance_secs(3600);
    assert_eq!(app.settle().await, 0, "a failed alert is not tried again");
    assert_eq!(slack.count(), 1);
}

async fn alerts_survive_a_restart(app: TestApp) {
    let slack = Receiver::start((200, "ok")).await;
    slack
        .script
        .lock()
        .unwrap()
        .push_back((500, None, "rollup_error"));
    let a = app.user("Alice", Some(ALICE)).await;
    let s = channel(&app, "slack", &slack.url).await;
    let line = line_with(&app, a, &[s]).await;
    let (_, call) = app.call(&app.spec(&line)).await;
    let id = call["id"].as_i64().unwrap();
    app.settle().await;
    assert_eq!(slack.count(), 1, "the first attempt failed with a 500");
    let mut app = app;
    app.restart().await;
    app.clock.advance_secs(600);
    alerts_become(&app, id, "delivered").await;
    assert_eq!(slack.count(), 2);
}

async fn channels_are_validated_and_protected(app: TestApp) {
    let (status, err) = app
        .post(
            "/channels",
            json!({ "name": "x", "kind": "slack", "webhook_url": "https://evil.example/hook" }),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(err["error"]["field"], "webhook_url");
    assert!(err["error"]["message"]
        .as_str()
        .unwrap()
        .contains("alert_hosts"));
    let (status, err) = app
        .post(
            "/channels",
            json!({ "name": "x", "kind": "irc", "webhook_url": "http://127.0.0.1/hook" }),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(err["error"]["field"], "kind");
    let a = app.user("Alice", Some(ALICE)).await;
    let c = channel(&app, "teams", "http://127.0.0.1:9/hook").await;
    let line = app.line(&[a]).await;
    let (status, err) = app
        .patch(
            &format!("/lines/{}", line["id"]),
            json!({ "channels": [c + 100] }),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(err["error"]["field"], "channels[0]");
    line_with(&app, a, &[c]).await;
    assert_eq!(app.delete(&format!("/channels/{c}")).await, 409);
}

crate::on_both!(
    every_channel_gets_one_alert_after_a_call,
    missed_calls_and_voicemails_are_urgent,
    retry_after_is_honoured,
    a_revoked_webhook_fails_visibly_without_retrying,
    alerts_survive_a_restart,
    channels_are_validated_and_protected,
);
