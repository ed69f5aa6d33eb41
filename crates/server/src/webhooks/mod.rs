//! Provider webhooks under `/hooks/{provider}/{token}/…`.
//!
//! Every request is checked against the line's auth token (when it has one) before anything
//! is read or written. Voice documents (the incoming call, the dial result, the voicemail)
//! always answer with provider XML, even when Switchboard itself fails: the caller then hears
//! an apology and can leave a message, never the provider's error tone.

mod calls;
mod failsafe;
mod replay;

pub use replay::{replay_now, run_replay};

use crate::app::AppState;
use axum::body::Bytes;
use axum::http::{header, HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use std::time::Duration;
use switchboard_core::line::{Line, Provider};
use switchboard_core::store::StoreError;
use switchboard_providers::{Form, VoiceProvider};

/// Work inside a voice webhook must finish well before the provider's 15 s read timeout.
pub const VOICE_DEADLINE: Duration = Duration::from_secs(8);

/// Webhook routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/{provider}/{token}/voice", post(calls::incoming_call))
        .route("/{provider}/{token}/status", post(calls::call_status))
        .route(
            "/{provider}/{token}/failsafe-voicemail",
            post(failsafe::failsafe_voicemail),
        )
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
            "/{provider}/{token}/calls/{call}/recording/{kind}",
            post(calls::recording_ready),
        )
}

/// The kind of webhook a path is, for metrics: `voice`, `dial`, `voicemail`, `recording`,
/// `status`, `failsafe` or `other`.
fn kind_of(path: &str) -> &'static str {
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match parts.as_slice() {
        [_, _, "voice"] => "voice",
        [_, _, "status"] => "status",
        [_, _, "failsafe-voicemail"] => "failsafe",
        [_, _, "calls", _, "dial", _] => "dial",
        [_, _, "calls", _, "voicemail"] => "voicemail",
        [_, _, "calls", _, "recording", _] => "recording",
        [_, _, "calls", _, "screen", _] => "screen",
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

/// Why a webhook was turned away before any work.
pub enum Rejected {
    /// Unknown provider, token or call: 404.
    NotFound,
    /// The body is not a form, or misses what it must have: 400.
    Malformed(String),
    /// Missing or wrong signature: 403.
    Forbidden,
    /// The store failed while looking up the line.
    Unavailable(StoreError),
}

/// A webhook that passed the checks: its line and parameters.
pub struct Verified {
    pub line: Line,
    pub provider: &'static dyn VoiceProvider,
    pub form: Form,
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

/// Path and query of a webhook request, as the provider signed it (below the public URL).
fn signed_path(uri: &Uri) -> &str {
    uri.path_and_query().map_or("/", |pq| pq.as_str())
}

/// The provider named in the path.
pub fn provider_of(name: &str) -> Option<Provider> {
    Provider::parse(name)
}

/// A provider request as it arrived: the provider and the line's token from the path, the URL
/// it was sent to, its headers and its body. Every webhook handler starts from one.
pub struct Hook {
    pub provider: String,
    pub token: String,
    pub uri: Uri,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl<S: Send + Sync> axum::extract::FromRequest<S> for Hook {
    type Rejection = Response;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, Response> {
        use axum::extract::FromRequestParts;
        let (mut parts, body) = req.into_parts();
        let params = axum::extract::RawPathParams::from_request_parts(&mut parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let param = |name: &str| {
            params
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_owned())
                .unwrap_or_default()
        };
        let (provider, token) = (param("provider"), param("token"));
        let uri = parts
            .extensions
            .get::<axum::extract::OriginalUri>()
            .map_or_else(|| parts.uri.clone(), |o| o.0.clone());
        let headers = parts.headers.clone();
        let req = axum::extract::Request::from_parts(parts, body);
        let body = Bytes::from_request(req, state)
            .await
            .map_err(IntoResponse::into_response)?;
        Ok(Hook {
            provider,
            token,
            uri,
            headers,
            body,
        })
    }
}

/// Logs a refused signature, saying so when the request came to another origin than
/// `public_url` (a proxy, another host name): the usual cause of a valid signature failing,
/// since the provider signs the URL it requested.
fn log_rejected_signature(
    state: &AppState,
    line: switchboard_core::LineId,
    path: &str,
    header: &(dyn Fn(&str) -> Option<String> + Sync),
) {
    let public = &state.config.public_url;
    let signed = header("x-twilio-signature").is_some() || header("x-plivo-signature-v3").is_some();
    let expected = format!("{public}{}", redacted(path));
    let public_host = url::Url::parse(public).ok().map(|u| match u.port() {
        Some(p) => format!("{}:{p}", u.host_str().unwrap_or("")),
        None => u.host_str().unwrap_or("").to_owned(),
    });
    let came_to = header("x-forwarded-host")
        .or_else(|| header("host"))
        .filter(|h| Some(h.to_ascii_lowercase()) != public_host);
    match came_to {
        Some(host) if signed => {
            let proto = header("x-forwarded-proto").unwrap_or_else(|| "http".to_owned());
            let origin = format!("{proto}://{host}");
            tracing::warn!(
                %line,
                expected_url = %expected,
                received_url = %format!("{origin}{}", redacted(path)),
                "rejected a webhook whose signature does not match: it came to {origin} but public_url is {public}; the provider signs the URL it requested, so public_url must be that URL's origin"
            )
        }
        _ => tracing::warn!(
            %line,
            signed,
            expected_url = %expected,
            "rejected a webhook with a missing or invalid signature"
        ),
    }
}

/// Parses the form and checks the line and the signature.
pub async fn verify(state: &AppState, hook: &Hook) -> Result<Verified, Rejected> {
    let header = |name: &str| {
        hook.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let path = signed_path(&hook.uri);
    verify_parts(
        state,
        &hook.provider,
        &hook.token,
        path,
        &header,
        &hook.body,
    )
    .await
}

/// [`verify`] over the parts of a request (a live one, or one kept in the spool).
pub async fn verify_parts(
    state: &AppState,
    provider_name: &str,
    token: &str,
    path: &str,
    header: &(dyn Fn(&str) -> Option<String> + Sync),
    body: &[u8],
) -> Result<Verified, Rejected> {
    let provider = provider_of(provider_name).ok_or(Rejected::NotFound)?;
    let form: Vec<(String, String)> = serde_urlencoded::from_bytes(body).map_err(|e| {
        Rejected::Malformed(format!("the body is not form-encoded parameters: {e}"))
    })?;
    let form = Form(form);
    let line = match state.store.get_line_by_token(token).await {
        Ok(l) if l.provider == provider => l,
        Ok(_) | Err(StoreError::NotFound) => return Err(Rejected::NotFound),
        Err(e) => return Err(Rejected::Unavailable(e)),
    };
    tracing::Span::current().record("line", line.id.0);
    let module = switchboard_providers::voice(provider);
    if line.auth_token.is_none() && state.metrics.note_unsigned(line.id, provider.as_str()) {
        tracing::warn!(
            line = %line.id,
            "accepted a webhook without checking its signature: the line has no auth_token, so anyone who learns its webhook URL can forge calls (further ones are counted in switchboard_unsigned_webhooks_total)"
        );
    }
    if let Some(auth_token) = &line.auth_token {
        let url = format!("{}{path}", state.config.public_url);
        if !module.verify(auth_token, &url, &form, header) {
            log_rejected_signature(state, line.id, path, header);
            state.metrics.inc(
                "switchboard_webhook_rejections_total",
                &[("provider", provider.as_str())],
            );
            return Err(Rejected::Forbidden);
        }
    }
    // Checked as signed; what is kept loses NUL characters (no store takes them in text).
    let form = Form(
        form.0
            .into_iter()
            .map(|(k, v)| (k.replace('\0', ""), v.replace('\0', "")))
            .collect(),
    );
    Ok(Verified {
        line: crate::api::audio::with_audio_urls(line, &state.config.public_url),
        provider: module,
        form,
    })
}

impl Rejected {
    /// The response for a rejected status or recording callback (no caller listens).
    pub fn into_callback_response(self) -> Response {
        match self {
            Rejected::NotFound => (StatusCode::NOT_FOUND, "unknown webhook").into_response(),
            Rejected::Malformed(m) => (StatusCode::BAD_REQUEST, m).into_response(),
            Rejected::Forbidden => {
                (StatusCode::FORBIDDEN, "invalid webhook signature").into_response()
            }
            Rejected::Unavailable(e) => {
                tracing::error!(error = %crate::errors::chain(&e), "store unavailable during a callback");
                // 503 makes the provider retry status and recording callbacks.
                (StatusCode::SERVICE_UNAVAILABLE, "temporarily unavailable").into_response()
            }
        }
    }
}

/// An XML document response.
pub fn xml(body: String) -> Response {
    ([(header::CONTENT_TYPE, "text/xml; charset=utf-8")], body).into_response()
}

/// What went wrong, for the call log, when the store could not be reached.
pub const STORE_UNAVAILABLE: &str = "the database was unavailable";
/// What went wrong, for the call log, when the store answered with an error.
pub const STORE_FAILED: &str = "the database failed";

/// Keeps a webhook that cannot be handled now in the local spool, to be replayed into the
/// call log when the store answers again; `false` when even that failed (it is then logged
/// with what an operator needs to recover it from the provider).
pub async fn spool_request(state: &AppState, hook: &Hook, cause: &str) -> bool {
    let Hook {
        provider,
        token,
        uri,
        headers,
        body,
    } = hook;
    use base64::Engine as _;
    let form: Vec<(String, String)> = serde_urlencoded::from_bytes(body).unwrap_or_default();
    let call_sid = provider_of(provider).and_then(|p| {
        switchboard_providers::voice(p)
            .call_id(&Form(form.clone()))
            .map(str::to_owned)
    });
    let entry = crate::spool::Entry {
        id: String::new(),
        received_at: state.clock.now(),
        provider: provider.to_owned(),
        token: token.to_owned(),
        path: signed_path(uri).to_owned(),
        headers: crate::spool::SIGNATURE_HEADERS
            .iter()
            .filter_map(|h| {
                let v = headers.get(*h)?.to_str().ok()?;
                Some(((*h).to_owned(), v.to_owned()))
            })
            .collect(),
        body: base64::engine::general_purpose::STANDARD.encode(body),
        call_sid: call_sid.clone(),
        cause: cause.to_owned(),
    };
    let kind = kind_of(uri.path().trim_start_matches("/hooks"));
    let spool = state.spool.clone();
    let kept = tokio::task::spawn_blocking(move || spool.append(entry))
        .await
        .map_err(|e| e.to_string())
        .and_then(|r| r.map_err(|e| e.to_string()));
    match kept {
        Ok(id) => {
            tracing::warn!(spooled = %id, kind, %cause, "kept a webhook in the local spool; it is replayed when the database answers");
            state
                .metrics
                .inc("switchboard_spooled_webhooks_total", &[("kind", kind)]);
            true
        }
        Err(e) => {
            let get = |k: &str| {
                form.iter()
                    .find(|(n, _)| n == k)
                    .map_or("", |(_, v)| v.as_str())
                    .to_owned()
            };
            tracing::error!(
                error = %e,
                kind,
                call = %call_sid.unwrap_or_default(),
                caller = %get("From"),
                recording_url = %[get("RecordingUrl"), get("RecordUrl")].concat(),
                "could not keep a webhook, not even in the spool; recover it from the provider"
            );
            false
        }
    }
}

/// Whether earlier webhooks of this request's call wait in the spool: then this one must be
/// kept behind them, so the call log is replayed in the order things happened.
pub fn queued_behind_spool(state: &AppState, token: &str, v: &Verified) -> bool {
    v.provider
        .call_id(&v.form)
        .is_some_and(|sid| state.spool.has_pending(token, sid))
}

/// The document for when Switchboard failed inside a voice webhook.
pub fn failure_document(state: &AppState, provider: Provider, token: &str) -> Response {
    state.metrics.inc(
        "switchboard_failsafe_documents_total",
        &[("provider", provider.as_str())],
    );
    let url = crate::urls::Urls::new(&state.config.public_url).failsafe_voicemail(provider, token);
    xml(switchboard_providers::voice(provider).render_failure(&url, 180))
}

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
