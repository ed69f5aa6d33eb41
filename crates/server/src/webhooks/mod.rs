//! Provider webhooks under `/hooks/{provider}/{token}/…`.
//!
//! Every request is checked against the line's auth token (when it has one) before anything
//! is read or written. Voice documents (the incoming call, the dial result, the voicemail)
//! always answer with provider XML, even when Switchboard itself fails: the caller then hears
//! an apology and can leave a message, never the provider's error tone.

mod calls;
mod extract;
mod failsafe;
mod failure;
mod guard;
mod replay;
mod texts;

pub use extract::{signed_path, verify, verify_parts, Hook, OnCall, Rejected, Verified};
pub use guard::{failure_document, queued_behind_spool, spool_request};
pub use replay::{replay_now, run_replay};

use crate::app::AppState;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use std::time::Duration;
use switchboard_core::line::Provider;
use switchboard_providers::Form;

/// Work inside a voice webhook must finish well before the provider's 15 s read timeout.
pub const VOICE_DEADLINE: Duration = Duration::from_secs(8);

/// Webhook routes, each under the guard of what it owes the provider.
pub fn router(state: AppState) -> Router<AppState> {
    let callbacks = Router::new()
        .route("/{provider}/{token}/status", post(calls::call_status))
        .route("/{provider}/{token}/sms", post(texts::incoming_text))
        .route(
            "/{provider}/{token}/failsafe-voicemail",
            post(failsafe::failsafe_voicemail),
        )
        .route(
            "/{provider}/{token}/calls/{call}/recording/{kind}",
            post(calls::recording_ready),
        )
        .route(
            "/{provider}/{token}/calls/{call}/transcript",
            post(calls::transcript),
        )
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            guard::callback,
        ));
    Router::new()
        .route("/{provider}/{token}/voice", post(calls::incoming_call))
        .route(
            "/{provider}/{token}/calls/{call}/dial/{step}",
            post(calls::dial_ended),
        )
        .route(
            "/{provider}/{token}/calls/{call}/voicemail",
            post(calls::voicemail_taken),
        )
        .route(
            "/{provider}/{token}/calls/{call}/screen/{step}",
            post(calls::screen_prompt),
        )
        .route(
            "/{provider}/{token}/calls/{call}/screen/{step}/result",
            post(calls::screen_result),
        )
        .route(
            "/{provider}/{token}/calls/{call}/menu",
            post(calls::menu_answered),
        )
        .route(
            "/{provider}/{token}/calls/{call}/pin",
            post(calls::pin_entered),
        )
        .route(
            "/{provider}/{token}/calls/{call}/callback",
            post(calls::callback_keys),
        )
        .route_layer(axum::middleware::from_fn_with_state(state, guard::voice))
        .merge(callbacks)
}

/// The kind of webhook a path is, for metrics: `voice`, `dial`, `voicemail`, `recording`,
/// `status`, `sms`, `failsafe` or `other`.
fn kind_of(path: &str) -> &'static str {
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match parts.as_slice() {
        [_, _, "voice"] => "voice",
        [_, _, "status"] => "status",
        [_, _, "sms"] => "sms",
        [_, _, "failsafe-voicemail"] => "failsafe",
        [_, _, "calls", _, "dial", _] => "dial",
        [_, _, "calls", _, "voicemail"] => "voicemail",
        [_, _, "calls", _, "recording", _] => "recording",
        [_, _, "calls", _, "screen", _] => "screen",
        [_, _, "calls", _, "menu"] => "menu",
        [_, _, "calls", _, "pin"] => "pin",
        [_, _, "calls", _, "callback"] => "callback",
        [_, _, "calls", _, "transcript"] => "transcript",
        [_, _, "calls", _, "screen", _, "result"] => "screen_result",
        _ => "other",
    }
}

/// Middleware counting and timing every webhook.
pub async fn measure(
    axum::extract::State(state): axum::extract::State<AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let path = req.uri().path().to_owned();
    let provider = match path.trim_start_matches('/').split('/').next() {
        Some("twilio") => "twilio",
        Some("plivo") => "plivo",
        _ => "unknown",
    };
    let kind = kind_of(&path);
    let started = std::time::Instant::now();
    let resp = next.run(req).await;
    state
        .metrics
        .observe_webhook(provider, kind, started.elapsed());
    state.metrics.inc(
        "switchboard_webhooks_total",
        &[
            ("provider", provider),
            ("kind", kind),
            ("status", resp.status().as_str()),
        ],
    );
    resp
}

/// A webhook path for the log: the line's secret token (the segment after the provider) is
/// masked, and the query dropped.
pub fn redacted(path: &str) -> String {
    let path = path.split('?').next().unwrap_or("");
    let mut parts: Vec<&str> = path.split('/').collect();
    let at = parts.iter().position(|p| *p == "twilio" || *p == "plivo");
    if let Some(token) = at.and_then(|i| parts.get_mut(i + 1)) {
        *token = "…";
    }
    parts.join("/")
}

/// The provider named in the path.
pub fn provider_of(name: &str) -> Option<Provider> {
    Provider::parse(name)
}

/// An XML document response.
pub fn xml(body: String) -> Response {
    ([(header::CONTENT_TYPE, "text/xml; charset=utf-8")], body).into_response()
}

/// What went wrong, for the call log, when the store could not be reached.
pub const STORE_UNAVAILABLE: &str = "the database was unavailable";
/// What went wrong, for the call log, when the store answered with an error.
pub const STORE_FAILED: &str = "the database failed";

/// The parameters worth keeping in the activity log, as `Key=value` pairs.
pub fn summarize(form: &Form) -> String {
    const KEYS: [&str; 14] = [
        "CallStatus",
        "DialCallStatus",
        "DialStatus",
        "DialHangupCause",
        "HangupCause",
        "Duration",
        "RecordingID",
        "DialCallDuration",
        "DialBridged",
        "RecordingStatus",
        "RecordingDuration",
        "Digits",
        "CallDuration",
        "RecordingSid",
    ];
    KEYS.iter()
        .filter_map(|k| form.non_empty(k).map(|v| format!("{k}={v}")))
        .collect::<Vec<_>>()
        .join(" ")
}
