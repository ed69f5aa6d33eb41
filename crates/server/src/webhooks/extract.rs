//! What every webhook handler starts from: the request as it arrived ([`Hook`]), checked
//! against its line's signature ([`Verified`]), and for a running call the call it is about
//! ([`OnCall`]). Each is an extractor whose rejection is a [`Failure`], so a handler is
//! verify → load → core → save → render with nothing else in front.

use super::failure::Failure;
use super::guard::{Owed, Progress};
use super::{provider_of, redacted};
use crate::app::AppState;
use axum::body::Bytes;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use switchboard_core::call::Call;
use switchboard_core::line::Line;
use switchboard_core::store::StoreError;
use switchboard_core::CallId;
use switchboard_providers::{Form, VoiceProvider};

/// A provider request as it arrived: the provider and the line's token from the path, the URL
/// it was sent to, its headers and its body. The route's guard keeps
/// one in the request's extensions; the extractors below start from it.
#[derive(Clone)]
pub struct Hook {
    pub provider: String,
    pub token: String,
    pub uri: Uri,
    pub headers: HeaderMap,
    pub body: Bytes,
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
    /// The lines, users and schedules it was verified against (see [`crate::snapshot`]).
    pub snapshot: std::sync::Arc<crate::snapshot::Snapshot>,
    pub provider: &'static dyn VoiceProvider,
    pub form: Form,
}

impl FromRequestParts<AppState> for Hook {
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Failure> {
        parts
            .extensions
            .get::<Hook>()
            .cloned()
            .ok_or_else(|| Failure::Internal("a webhook route runs without its guard".into()))
    }
}

impl FromRequestParts<AppState> for Verified {
    type Rejection = Failure;

    /// Verifies the request; a callback whose call has earlier webhooks waiting in the spool
    /// is kept behind them ([`Failure::Queued`]), so the log is replayed in order.
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Failure> {
        let hook = parts
            .extensions
            .get::<Hook>()
            .ok_or_else(|| Failure::Internal("a webhook route runs without its guard".into()))?;
        let v = verify(state, hook).await.map_err(|r| match r {
            Rejected::NotFound => Failure::NotFound,
            Rejected::Forbidden => Failure::Forbidden,
            Rejected::Malformed(m) => Failure::BadRequest(m),
            Rejected::Unavailable(e) => Failure::Unavailable(e),
        })?;
        if let Some(p) = parts.extensions.get::<Progress>() {
            p.verified();
        }
        let owed = parts.extensions.get::<Owed>().copied();
        if owed == Some(Owed::Callback) && super::queued_behind_spool(state, &hook.token, &v) {
            return Err(Failure::Queued);
        }
        Ok(v)
    }
}

/// A verified webhook about a running call, with the call it is about. With `CALLER_LEG`, the
/// request must carry the caller's own call id; the screening requests come from the
/// responder's leg, where the secret URL and the signature vouch.
pub struct OnCall<const CALLER_LEG: bool> {
    pub v: Verified,
    pub call: Call,
}

impl<const CALLER_LEG: bool> FromRequestParts<AppState> for OnCall<CALLER_LEG> {
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Failure> {
        let v = Verified::from_request_parts(parts, state).await?;
        let params = axum::extract::RawPathParams::from_request_parts(parts, state)
            .await
            .map_err(|_| Failure::NotFound)?;
        let raw = params
            .iter()
            .find_map(|(k, v)| (k == "call").then_some(v))
            .ok_or(Failure::NotFound)?;
        let call = load_call(state, &v, raw, CALLER_LEG).await?;
        Ok(OnCall { v, call })
    }
}

/// The call `raw` (from a webhook's URL) names, checked to belong to the request's line and,
/// with `caller_leg`, to be the call the request is about.
pub async fn load_call(
    state: &AppState,
    v: &Verified,
    raw: &str,
    caller_leg: bool,
) -> Result<Call, Failure> {
    let id: CallId = raw.parse().map_err(|_| Failure::NotFound)?;
    tracing::Span::current().record("call", id.0);
    let call = state.store.get_call(id).await?;
    if call.line_id != v.line.id || (caller_leg && !same_call(v, &call)) {
        return Err(Failure::NotFound);
    }
    Ok(call)
}

/// Whether a request is about `call`. One that does not name its call cannot prove it is.
pub fn same_call(v: &Verified, call: &Call) -> bool {
    v.provider
        .call_id(&v.form)
        .is_some_and(|id| id == call.provider_call_id)
}

/// Path and query of a webhook request, as the provider signed it (below the public URL).
pub fn signed_path(uri: &Uri) -> &str {
    uri.path_and_query().map_or("/", |pq| pq.as_str())
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
    let snapshot = (state.routing.snapshot(&*state.store).await).map_err(Rejected::Unavailable)?;
    let line = match snapshot.line(&*state.store, token).await {
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
        snapshot,
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
