//! The guard every webhook route runs under: it keeps the request as it arrived (for the
//! extractors and for the spool), holds a voice webhook to its deadline, and turns a failure a
//! handler reported ([`Failed`]) into what the provider is owed.

use super::extract::Hook;
use super::failure::Failed;
use super::{kind_of, provider_of, signed_path, xml, Verified, VOICE_DEADLINE};
use crate::app::AppState;
use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, FromRequestParts, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use switchboard_core::line::Provider;
use switchboard_providers::Form;

/// What a route owes its provider when Switchboard fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owed {
    /// A voice document, within the deadline: the caller must hear something.
    Voice,
    /// An acknowledgement: nobody listens, but the provider reports once (or retries on 5xx).
    Callback,
}

/// How far a webhook got, for a deadline missed: before its line was read, the store was
/// unavailable; after, the work took too long.
#[derive(Debug, Clone, Default)]
pub struct Progress(Arc<AtomicBool>);

impl Progress {
    /// Notes that the line was read and the request verified.
    pub fn verified(&self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// The guard of voice webhooks.
pub async fn voice(State(state): State<AppState>, req: Request, next: Next) -> Response {
    guard(state, req, next, Owed::Voice).await
}

/// The guard of callbacks.
pub async fn callback(State(state): State<AppState>, req: Request, next: Next) -> Response {
    guard(state, req, next, Owed::Callback).await
}

async fn guard(state: AppState, req: Request, next: Next, owed: Owed) -> Response {
    let progress = Progress::default();
    let (hook, req) = match keep(&state, req, owed, &progress).await {
        Ok(kept) => kept,
        Err(resp) => return resp,
    };
    let kind = super::kind_of(hook.uri.path().trim_start_matches("/hooks"));
    let resp = match owed {
        Owed::Voice => match tokio::time::timeout(VOICE_DEADLINE, next.run(req)).await {
            Ok(resp) => resp,
            Err(_) => {
                let verified = progress.0.load(Ordering::Relaxed);
                tracing::error!(
                    kind,
                    deadline_secs = VOICE_DEADLINE.as_secs(),
                    line_read = verified,
                    "voice webhook missed its deadline; answering with the failure document"
                );
                let cause = match verified {
                    true => format!("the {} s deadline was missed", VOICE_DEADLINE.as_secs()),
                    false => super::STORE_UNAVAILABLE.to_owned(),
                };
                let mut resp = StatusCode::INTERNAL_SERVER_ERROR.into_response();
                resp.extensions_mut().insert(Failed {
                    cause,
                    malformed: None,
                });
                resp
            }
        },
        Owed::Callback => next.run(req).await,
    };
    let Some(failed) = resp.extensions().get::<Failed>().cloned() else {
        return resp;
    };
    match (owed, failed.malformed) {
        (Owed::Voice, _) => match provider_of(&hook.provider) {
            Some(p) => {
                // The call log must say what the caller heard: the failure is replayed into it.
                spool_request(&state, &hook, &failed.cause).await;
                failure_document(&state, p, &hook.token)
            }
            None => StatusCode::NOT_FOUND.into_response(),
        },
        (Owed::Callback, Some(m)) => (StatusCode::BAD_REQUEST, m).into_response(),
        (Owed::Callback, None) => spooled_or_503(&state, &hook, &failed.cause).await,
    }
}

/// Reads the request into a [`Hook`], kept in the request's extensions with what is owed.
async fn keep(
    state: &AppState,
    req: Request,
    owed: Owed,
    progress: &Progress,
) -> Result<(Hook, Request), Response> {
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
    // Read under the body limit the app sets (kept in the extensions).
    let mut limited = Request::new(body);
    *limited.extensions_mut() = parts.extensions.clone();
    let body = Bytes::from_request(limited, state)
        .await
        .map_err(IntoResponse::into_response)?;
    let hook = Hook {
        provider,
        token,
        uri,
        headers: parts.headers.clone(),
        body: body.clone(),
    };
    parts.extensions.insert(hook.clone());
    parts.extensions.insert(owed);
    parts.extensions.insert(progress.clone());
    Ok((hook, Request::from_parts(parts, Body::from(body))))
}

async fn spooled_or_503(state: &AppState, hook: &Hook, cause: &str) -> Response {
    if spool_request(state, hook, cause).await {
        StatusCode::NO_CONTENT.into_response()
    } else {
        // 503 makes a provider that retries callbacks try again.
        (StatusCode::SERVICE_UNAVAILABLE, "temporarily unavailable").into_response()
    }
}

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
