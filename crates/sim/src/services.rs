//! Local stand-ins for the incident tools Switchboard posts to, answering as each service
//! documents it: PagerDuty's Events API v2 (`/v2/enqueue`: 202 with the `dedup_key`, 400
//! `invalid event` with its errors, per-key state where acknowledge and resolve after a
//! resolve are dropped), an incident.io HTTP alert source (`/v2/alert_events/http/{id}`:
//! bearer token, 202, 422 `validation_error`, 429 with `rate_limit.retry_after` as an HTTP
//! date), and a Standard Webhooks receiver (checks `webhook-id`, `webhook-timestamp` within 5
//! minutes and the `v1` signature). Each records what it accepted, can be told to answer the
//! next requests with a status (rate limited, failing), and can be stopped and started on
//! the same port (down, then back).

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{json, Value};
use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

/// Which service a [`Service`] plays.
#[derive(Clone)]
pub enum Kind {
    Pagerduty,
    /// The alert source's id and token.
    IncidentIo {
        source: String,
        token: String,
    },
    /// The signing key (the secret's bytes), and the clock timestamps are checked against
    /// (the sender's, when a test moves time).
    Webhook {
        key: Vec<u8>,
        clock: Arc<dyn switchboard_core::clock::Clock>,
    },
    /// Slack's Web API (`chat.postMessage`, `chat.update`) for this bot token, and the
    /// `response_url` of button presses (`/respond`).
    SlackApi {
        token: String,
    },
}

#[derive(Default)]
struct Inner {
    /// Events accepted, in order.
    accepted: Vec<Value>,
    /// Requests refused as invalid, with the reason.
    refused: Vec<String>,
    /// Requests answered from the script (rate limited, failing).
    scripted: usize,
    /// Answers for the next requests: (status, Retry-After).
    script: VecDeque<(u16, Option<String>)>,
    /// Slack: each message by its ts, as last posted or updated.
    messages: Vec<(String, Value)>,
    /// Slack: the Web API methods called, in order, with the message's ts.
    calls: Vec<(String, String)>,
    /// Slack: what was said to button pressers through `response_url`.
    responses: Vec<Value>,
    /// PagerDuty: each dedup key's alert state (`triggered`, `acknowledged`, `resolved`).
    alerts: HashMap<String, String>,
    /// Standard Webhooks: ids seen (a repeat is acknowledged, not accepted twice).
    seen_ids: Vec<String>,
}

#[derive(Clone)]
struct Shared {
    kind: Kind,
    inner: Arc<Mutex<Inner>>,
    /// Woken whenever a button presser is told something.
    told: Arc<tokio::sync::Notify>,
}

/// A running stand-in.
pub struct Service {
    /// The URL to configure in Switchboard.
    pub url: String,
    addr: SocketAddr,
    shared: Shared,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Service {
    /// Starts on a free local port.
    pub async fn start(kind: Kind) -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let url = match &kind {
            Kind::Pagerduty => format!("http://{addr}/v2/enqueue"),
            Kind::IncidentIo { source, .. } => {
                format!("http://{addr}/v2/alert_events/http/{source}")
            }
            Kind::Webhook { .. } => format!("http://{addr}/hooks/switchboard"),
            Kind::SlackApi { .. } => format!("http://{addr}/api"),
        };
        let shared = Shared {
            kind,
            inner: Arc::default(),
            told: Arc::default(),
        };
        let mut s = Self {
            url,
            addr,
            shared,
            task: None,
        };
        s.serve(listener);
        Ok(s)
    }

    fn serve(&mut self, listener: tokio::net::TcpListener) {
        let app = Router::new()
            .route("/v2/enqueue", post(pagerduty))
            .route("/v2/alert_events/http/{source}", post(incident_io))
            .route("/hooks/switchboard", post(webhook))
            .route("/api/{method}", post(slack_api))
            .route("/respond", post(slack_respond))
            .with_state(self.shared.clone());
        self.task = Some(tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        }));
    }

    /// Stops answering: connections are refused until [`Service::restart`].
    pub async fn stop(&mut self) {
        if let Some(t) = self.task.take() {
            t.abort();
            let _ = t.await;
        }
    }

    /// Answers again, on the same port.
    pub async fn restart(&mut self) -> std::io::Result<()> {
        let listener = tokio::net::TcpListener::bind(self.addr).await?;
        self.serve(listener);
        Ok(())
    }

    /// Answers the next requests with `status` (and `Retry-After`, if given) instead of
    /// taking them.
    pub fn answer_next(&self, status: u16, retry_after: Option<&str>, times: usize) {
        let mut i = self.shared.inner.lock().unwrap();
        for _ in 0..times {
            i.script.push_back((status, retry_after.map(str::to_owned)));
        }
    }

    /// The events taken, in order.
    pub fn accepted(&self) -> Vec<Value> {
        self.shared.inner.lock().unwrap().accepted.clone()
    }

    /// Why requests were refused as invalid.
    pub fn refused(&self) -> Vec<String> {
        self.shared.inner.lock().unwrap().refused.clone()
    }

    /// How many requests were answered from the script.
    pub fn scripted(&self) -> usize {
        self.shared.inner.lock().unwrap().scripted
    }

    /// Slack: each message (ts, last body), in the order first posted.
    pub fn messages(&self) -> Vec<(String, Value)> {
        self.shared.inner.lock().unwrap().messages.clone()
    }

    /// Slack: the methods called, in order, with the ts of the message each touched.
    pub fn api_calls(&self) -> Vec<(String, String)> {
        self.shared.inner.lock().unwrap().calls.clone()
    }

    /// Slack: what button pressers were told.
    pub fn responses(&self) -> Vec<Value> {
        self.shared.inner.lock().unwrap().responses.clone()
    }

    /// Slack: waits until button pressers were told `n` things (or `within` passes), and
    /// returns what they were told.
    pub async fn wait_responses(&self, n: usize, within: std::time::Duration) -> Vec<Value> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            // Registered before the check, so a reply in between is not missed.
            let told = self.shared.told.notified();
            let now = self.responses();
            if now.len() >= n {
                return now;
            }
            if tokio::time::timeout_at(deadline, told).await.is_err() {
                return self.responses();
            }
        }
    }

    /// Where a button press's `response_url` points.
    pub fn response_url(&self) -> String {
        format!("http://{}/respond", self.addr)
    }

    /// PagerDuty: the state of the alert with `dedup_key`.
    pub fn alert(&self, dedup_key: &str) -> Option<String> {
        self.shared
            .inner
            .lock()
            .unwrap()
            .alerts
            .get(dedup_key)
            .cloned()
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        if let Some(t) = self.task.take() {
            t.abort();
        }
    }
}

/// The scripted answer for this request, if any.
fn scripted(s: &Shared) -> Option<Response> {
    let mut i = s.inner.lock().unwrap();
    let (status, retry_after) = i.script.pop_front()?;
    i.scripted += 1;
    let body = match (&s.kind, status) {
        (Kind::IncidentIo { .. }, 429) => json!({
            "type": "too_many_requests", "status": 429, "request_id": "sim",
            "errors": [{"code": "too_many_requests", "message": "Too many requests"}],
            "rate_limit": {"name": "alert_events", "limit": 1200, "remaining": 0,
                           "retry_after": retry_after.clone().unwrap_or_default()},
        }),
        (Kind::Pagerduty, 429) => {
            json!({"status": "throttle exceeded", "message": "Requests for this service are arriving too quickly.  Please retry later."})
        }
        (Kind::Pagerduty, 400) => {
            json!({"status": "invalid event", "message": "Event object is invalid",
                                          "errors": ["'payload.summary' is missing"]})
        }
        _ => json!({"status": "error", "message": "internal error"}),
    };
    let mut resp = (StatusCode::from_u16(status).unwrap(), Json(body)).into_response();
    if let (Some(r), false) = (retry_after, matches!(s.kind, Kind::IncidentIo { .. })) {
        resp.headers_mut().insert("retry-after", r.parse().unwrap());
    }
    Some(resp)
}

fn refuse(s: &Shared, why: String) {
    s.inner.lock().unwrap().refused.push(why);
}

async fn pagerduty(State(s): State<Shared>, body: Bytes) -> Response {
    if let Some(r) = scripted(&s) {
        return r;
    }
    let invalid = |s: &Shared, why: &str| {
        refuse(s, why.to_owned());
        (
            StatusCode::BAD_REQUEST,
            Json(json!({"status": "invalid event", "message": "Event object is invalid", "errors": [why]})),
        )
            .into_response()
    };
    let Ok(v) = serde_json::from_slice::<Value>(&body) else {
        return invalid(&s, "JSON parse error");
    };
    if body.len() > 512 * 1024 {
        return invalid(&s, "payload larger than 512 KB");
    }
    if v["routing_key"].as_str().is_none_or(|k| k.len() != 32) {
        return invalid(&s, "'routing_key' must be 32 characters");
    }
    let action = v["event_action"].as_str().unwrap_or("");
    let key = v["dedup_key"].as_str().map(str::to_owned);
    if key.as_ref().is_some_and(|k| k.len() > 255) {
        return invalid(&s, "'dedup_key' is longer than 255 characters");
    }
    match action {
        "trigger" => {
            let p = &v["payload"];
            for f in ["summary", "source", "severity"] {
                if p[f].as_str().is_none_or(str::is_empty) {
                    return invalid(&s, &format!("'payload.{f}' is missing"));
                }
            }
            if !["critical", "error", "warning", "info"].contains(&p["severity"].as_str().unwrap())
            {
                return invalid(&s, "'payload.severity' is invalid");
            }
            if p["summary"].as_str().unwrap().chars().count() > 1024 {
                return invalid(&s, "'payload.summary' is longer than 1024 characters");
            }
        }
        "acknowledge" | "resolve" if key.is_none() => {
            return invalid(&s, "'dedup_key' is required for acknowledge and resolve");
        }
        "acknowledge" | "resolve" => {}
        _ => return invalid(&s, "'event_action' is invalid"),
    }
    let key = key.unwrap_or_else(|| format!("generated-{}", rand::random::<u64>()));
    let mut i = s.inner.lock().unwrap();
    let state = i.alerts.get(&key).cloned();
    match (action, state.as_deref()) {
        // A trigger on a resolved (or unknown) key opens a new alert; on an open one it
        // only adds to its log.
        ("trigger", Some("triggered" | "acknowledged")) => {}
        ("trigger", _) => {
            i.alerts.insert(key.clone(), "triggered".into());
        }
        // Acknowledge and resolve are dropped for an unknown or resolved key.
        (_, None | Some("resolved")) => {}
        ("acknowledge", _) => {
            i.alerts.insert(key.clone(), "acknowledged".into());
        }
        _ => {
            i.alerts.insert(key.clone(), "resolved".into());
        }
    }
    i.accepted.push(v);
    (
        StatusCode::ACCEPTED,
        Json(json!({"status": "success", "message": "Event processed", "dedup_key": key})),
    )
        .into_response()
}

async fn incident_io(
    State(s): State<Shared>,
    Path(source): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Kind::IncidentIo {
        source: want,
        token,
    } = &s.kind
    else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let error = |status: StatusCode, kind: &str, field: &str, msg: &str| {
        (
            status,
            Json(
                json!({"type": kind, "status": status.as_u16(), "request_id": "sim",
                        "errors": [{"code": "invalid", "message": msg,
                                    "source": {"field": field, "pointer": format!("/{field}")}}]}),
            ),
        )
            .into_response()
    };
    if &source != want {
        refuse(&s, "unknown alert source".into());
        return error(
            StatusCode::NOT_FOUND,
            "not_found",
            "alert_source_config_id",
            "Not found",
        );
    }
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if auth != format!("Bearer {token}") {
        refuse(&s, "bad token".into());
        return error(
            StatusCode::UNAUTHORIZED,
            "authentication_error",
            "token",
            "Invalid token",
        );
    }
    if let Some(r) = scripted(&s) {
        return r;
    }
    let Ok(v) = serde_json::from_slice::<Value>(&body) else {
        refuse(&s, "not JSON".into());
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "body",
            "Invalid JSON",
        );
    };
    for f in ["title", "status", "deduplication_key"] {
        if v[f].as_str().is_none_or(str::is_empty) {
            refuse(&s, format!("{f} is required"));
            return error(
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_error",
                f,
                &format!("{f} is required"),
            );
        }
    }
    if !["firing", "resolved"].contains(&v["status"].as_str().unwrap()) {
        refuse(&s, "status must be firing or resolved".into());
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_error",
            "status",
            "status must be one of: firing, resolved",
        );
    }
    let key = v["deduplication_key"].as_str().unwrap().to_owned();
    s.inner.lock().unwrap().accepted.push(v);
    (
        StatusCode::ACCEPTED,
        Json(json!({"deduplication_key": key, "message": "Event accepted for processing", "status": "success"})),
    )
        .into_response()
}

async fn webhook(State(s): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    let Kind::Webhook { key, clock } = &s.kind else {
        return StatusCode::NOT_FOUND.into_response();
    };
    if let Some(r) = scripted(&s) {
        return r;
    }
    let h = |n: &str| headers.get(n).and_then(|v| v.to_str().ok()).unwrap_or("");
    let (id, ts, sig) = (
        h("webhook-id"),
        h("webhook-timestamp"),
        h("webhook-signature"),
    );
    let Ok(ts_n) = ts.parse::<i64>() else {
        refuse(&s, "webhook-timestamp is not an integer".into());
        return StatusCode::BAD_REQUEST.into_response();
    };
    let now = clock.now().as_second();
    if id.is_empty() || (now - ts_n).abs() > 300 {
        refuse(&s, "missing id, or timestamp outside 5 minutes".into());
        return StatusCode::BAD_REQUEST.into_response();
    }
    if !switchboard_providers::incidents::webhook_verify(key, id, ts_n, &body, sig) {
        refuse(&s, "bad signature".into());
        return StatusCode::UNAUTHORIZED.into_response();
    }
    let mut i = s.inner.lock().unwrap();
    if i.seen_ids.iter().any(|x| x == id) {
        return StatusCode::NO_CONTENT.into_response();
    }
    i.seen_ids.push(id.to_owned());
    match serde_json::from_slice::<Value>(&body) {
        Ok(v) => {
            i.accepted.push(v);
            StatusCode::NO_CONTENT.into_response()
        }
        Err(_) => StatusCode::BAD_REQUEST.into_response(),
    }
}

/// Slack's Web API: answers HTTP 200 with `ok` and the message's `channel` and `ts`, or `ok:
/// false` with Slack's error code (`invalid_auth`, `channel_not_found`, `no_text`,
/// `message_not_found`), as Slack does.
async fn slack_api(
    State(s): State<Shared>,
    Path(method): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Kind::SlackApi { token } = &s.kind else {
        return StatusCode::NOT_FOUND.into_response();
    };
    if let Some(r) = scripted(&s) {
        return r;
    }
    let fail = |s: &Shared, code: &str| {
        refuse(s, code.to_owned());
        Json(json!({"ok": false, "error": code})).into_response()
    };
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if auth != format!("Bearer {token}") {
        return fail(&s, "invalid_auth");
    }
    let Ok(v) = serde_json::from_slice::<Value>(&body) else {
        return fail(&s, "invalid_json");
    };
    // A channel's id, or a person's (U…, W…): Slack posts that to the app's direct
    // messages with them.
    let Some(channel) = v["channel"]
        .as_str()
        .filter(|c| c.starts_with(['C', 'G', 'D', 'U', 'W']))
    else {
        return fail(&s, "channel_not_found");
    };
    if v["text"].as_str().is_none_or(str::is_empty) {
        return fail(&s, "no_text");
    }
    if v["blocks"].as_array().is_some_and(|b| b.len() > 50) {
        return fail(&s, "invalid_blocks");
    }
    let mut i = s.inner.lock().unwrap();
    let ts = match method.as_str() {
        "chat.postMessage" => {
            let ts = format!("1700000000.{:06}", i.messages.len() + 1);
            i.messages.push((ts.clone(), v.clone()));
            ts
        }
        "chat.update" => {
            let ts = v["ts"].as_str().unwrap_or("").to_owned();
            match i.messages.iter_mut().find(|(t, _)| *t == ts) {
                Some(m) => m.1 = v.clone(),
                None => {
                    drop(i);
                    return fail(&s, "message_not_found");
                }
            }
            ts
        }
        _ => {
            drop(i);
            return fail(&s, "unknown_method");
        }
    };
    i.calls.push((method, ts.clone()));
    Json(json!({"ok": true, "channel": channel, "ts": ts, "message": {"text": v["text"]}}))
        .into_response()
}

async fn slack_respond(State(s): State<Shared>, Json(v): Json<Value>) -> Response {
    s.inner.lock().unwrap().responses.push(v);
    s.told.notify_waiters();
    (StatusCode::OK, "ok").into_response()
}
