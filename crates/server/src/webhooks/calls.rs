//! The call's webhooks: incoming call, dial result, voicemail, recordings, end of call.

use super::{
    failure_document, queued_behind_spool, spool_request, summarize, verify, xml, Hook, Rejected,
    Verified, STORE_UNAVAILABLE, VOICE_DEADLINE,
};
use crate::app::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use switchboard_core::call::{Call, CallEvent, RecordingKind};
use switchboard_core::flow::{self, Event, Instruction, Transition};
use switchboard_core::line::Line;
use switchboard_core::plan::Plan;
use switchboard_core::store::StoreError;
use switchboard_core::CallId;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Failure inside a voice webhook, after the request was verified.
pub(super) enum Failure {
    /// The request does not belong to this line, or the call does not exist.
    NotFound,
    /// Parameters are missing or wrong.
    Malformed(String),
    /// Switchboard failed: the caller gets the failure document.
    Internal(BoxError),
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => Failure::NotFound,
            other => Failure::Internal(Box::new(other)),
        }
    }
}

pub(super) fn events(now: Timestamp, first: String, t: &Transition) -> Vec<CallEvent> {
    let mut out = vec![CallEvent {
        at: now,
        kind: switchboard_core::call::EventKind::Webhook,
        message: first,
    }];
    out.extend(t.log.iter().map(|(kind, message)| CallEvent {
        at: now,
        kind: *kind,
        message: message.clone(),
    }));
    out
}

fn render(state: &AppState, v: &Verified, call: CallId, instructions: &[Instruction]) -> Response {
    let urls = crate::urls::Urls::new(&state.config.public_url);
    let url_for = |c| urls.callback(&v.line, call, c);
    xml(v.provider.render(instructions, &url_for))
}

/// Runs a voice webhook's work under the deadline and turns every failure into something the
/// caller can hear.
async fn voice_response<F>(
    state: &AppState,
    hook: &Hook,
    work: impl FnOnce(Verified) -> F,
) -> Response
where
    F: std::future::Future<Output = Result<Response, Failure>>,
{
    let kind = super::kind_of(hook.uri.path().trim_start_matches("/hooks"));
    // One deadline for the whole webhook, the line's lookup included.
    let deadline = tokio::time::Instant::now() + VOICE_DEADLINE;
    let verified = match tokio::time::timeout_at(deadline, verify(state, hook)).await {
        Ok(r) => r,
        Err(_) => Err(Rejected::Unavailable(StoreError::Backend(
            format!(
                "the line could not be read within the {} s deadline",
                VOICE_DEADLINE.as_secs()
            )
            .into(),
        ))),
    };
    let v = match verified {
        Ok(v) => v,
        Err(Rejected::Unavailable(e)) => {
            tracing::error!(error = %crate::errors::chain(&e), kind, "store unavailable in a voice webhook; answering with the failure document");
            return match super::provider_of(&hook.provider) {
                Some(p) => {
                    spool_request(state, hook, STORE_UNAVAILABLE).await;
                    failure_document(state, p, &hook.token)
                }
                None => StatusCode::NOT_FOUND.into_response(),
            };
        }
        Err(other) => return other.into_callback_response(),
    };
    let line_provider = v.line.provider;
    let cause = match tokio::time::timeout_at(deadline, work(v)).await {
        Ok(Ok(resp)) => return resp,
        Ok(Err(Failure::NotFound)) => {
            return (StatusCode::NOT_FOUND, "unknown call").into_response()
        }
        Ok(Err(Failure::Malformed(m))) => {
            tracing::warn!(kind, message = %m, "malformed voice webhook; answering with the failure document");
            format!("the provider's request was malformed: {m}")
        }
        Ok(Err(Failure::Internal(e))) => {
            tracing::error!(error = %crate::errors::chain(&*e), kind, "voice webhook failed; answering with the failure document");
            cause_of(&e).to_owned()
        }
        Err(_) => {
            tracing::error!(
                kind,
                deadline_secs = VOICE_DEADLINE.as_secs(),
                "voice webhook missed its deadline; answering with the failure document"
            );
            format!("the {} s deadline was missed", VOICE_DEADLINE.as_secs())
        }
    };
    // The call log must say what the caller heard: the failure is replayed into it.
    spool_request(state, hook, &cause).await;
    failure_document(state, line_provider, &hook.token)
}

/// The cause of a failure, in words for the call log.
fn cause_of(e: &BoxError) -> &'static str {
    if e.downcast_ref::<StoreError>().is_some() {
        super::STORE_FAILED
    } else {
        "an internal error"
    }
}

/// `POST /hooks/{provider}/{token}/voice`: a new call.
pub async fn incoming_call(State(state): State<AppState>, hook: Hook) -> Response {
    let st = state.clone();
    voice_response(&state, &hook, |v| async move {
        let incoming = v.provider.incoming(&v.form).map_err(malformed)?;
        let now = st.clock.now();
        let number = &incoming.caller.number;
        let recent = match flow::flood_window(&v.line, number, now) {
            Some(since) => st.store.count_calls_from(v.line.id, number, since).await?,
            None => 0,
        };
        let refused = flow::refusal(&v.line, number, recent);
        let plan = match refused {
            Some(_) => Plan::nobody(),
            None => {
                let dir =
                    crate::directory::load(&st, &v.line, crate::directory::Users::At(now)).await?;
                switchboard_core::routing::plan_at(&v.line, &dir, now)
            }
        };
        let new = flow::NewCall {
            provider: v.line.provider,
            provider_call_id: incoming.provider_call_id.clone(),
            account_id: incoming.account_id.clone(),
            caller: incoming.caller.clone(),
        };
        let (call, t) = flow::incoming(&v.line, new, plan, refused.as_deref(), now);
        let first = format!(
            "Incoming {} call from {} to {}",
            v.provider.name(),
            incoming.caller.number,
            incoming.to
        );
        let (stored, created) = st.store.start_call(&call, &events(now, first, &t)).await?;
        tracing::Span::current().record("call", stored.id.0);
        let instructions = if created {
            st.metrics.inc(
                "switchboard_calls_started_total",
                &[("provider", v.provider.name())],
            );
            t.instructions
        } else {
            // The provider retried the first webhook: answer for where the call is now.
            flow::answer_again(&stored, &v.line)
        };
        Ok(render(&st, &v, stored.id, &instructions))
    })
    .await
}

/// Loads the call, applies `event`, saves; retries when another request changed the call
/// in between. Returns the instructions for the provider.
pub(super) async fn apply(
    state: &AppState,
    line: &Line,
    call_id: CallId,
    event: Event,
    webhook: String,
    at: Option<Timestamp>,
) -> Result<Vec<Instruction>, Failure> {
    let call = state.store.get_call(call_id).await?;
    apply_to(state, line, call, event, webhook, at).await
}

/// [`apply`] to a call the handler already read (one read per webhook); it is read again
/// only when another request changed it in between.
pub(super) async fn apply_to(
    state: &AppState,
    line: &Line,
    loaded: Call,
    event: Event,
    webhook: String,
    at: Option<Timestamp>,
) -> Result<Vec<Instruction>, Failure> {
    let call_id = loaded.id;
    let mut next = Some(loaded);
    for _ in 0..8 {
        let mut call = match next.take() {
            Some(c) => c,
            None => state.store.get_call(call_id).await?,
        };
        if call.line_id != line.id {
            return Err(Failure::NotFound);
        }
        // `at`: when the provider sent it, for a webhook replayed from the spool.
        let now = at.unwrap_or_else(|| state.clock.now());
        let t = flow::handle(&mut call, line, event.clone(), now);
        match state
            .store
            .save_call(
                &call,
                &events(now, webhook.clone(), &t),
                &t.recordings,
                &t.jobs,
                now,
            )
            .await
        {
            Ok(_) => return Ok(t.instructions),
            Err(StoreError::Conflict(_)) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(Failure::Internal(
        format!("call {call_id} kept changing concurrently").into(),
    ))
}

pub(super) fn parse_call(raw: &str) -> Result<CallId, Failure> {
    raw.parse().map_err(|_| Failure::NotFound)
}

/// Checks that a callback is about the call in its URL.
pub(super) fn same_call(v: &Verified, call: &Call) -> bool {
    // A request that does not name its call cannot prove it is about this one.
    v.provider
        .call_id(&v.form)
        .is_some_and(|id| id == call.provider_call_id)
}

/// The parts of a webhook request every handler passes on.
type Request = (AppState, Hook);

/// A voice webhook about a running call: parse its event, apply it, answer with the call's
/// next document. `caller_leg` requests must carry the caller's own call id; the screening
/// requests come from the responder's leg, where the secret URL and the signature vouch.
async fn call_event(
    (state, hook): Request,
    call: String,
    caller_leg: bool,
    parse: impl FnOnce(&Verified) -> Result<(Event, String), Failure> + Send,
) -> Response {
    let st = state.clone();
    voice_response(&state, &hook, |v| async move {
        let call_id = parse_call(&call)?;
        tracing::Span::current().record("call", call_id.0);
        let stored = st.store.get_call(call_id).await?;
        if caller_leg && !same_call(&v, &stored) {
            return Err(Failure::NotFound);
        }
        let (event, what) = parse(&v)?;
        let instructions = apply_to(&st, &v.line, stored, event, what, None).await?;
        Ok(render(&st, &v, call_id, &instructions))
    })
    .await
}

fn malformed(e: switchboard_providers::ParseError) -> Failure {
    Failure::Malformed(e.to_string())
}

pub(super) fn parse_step(raw: &str) -> Result<usize, Failure> {
    raw.parse().map_err(|_| Failure::NotFound)
}

/// `POST …/calls/{call}/dial/{step}`: a dial ended.
pub async fn dial_ended(
    State(state): State<AppState>,
    Path((_, _, call, step)): Path<(String, String, String, String)>,
    hook: Hook,
) -> Response {
    let req = (state, hook);
    call_event(req, call, true, |v| {
        let step = parse_step(&step)?;
        let event = v.provider.dial_ended(&v.form, step).map_err(malformed)?;
        let what = format!("Dial result for step {}: {}", step + 1, summarize(&v.form));
        Ok((event, what))
    })
    .await
}

/// `POST …/calls/{call}/screen/{step}`: a screened responder picked up; tell them who calls
/// and ask for the key.
pub async fn screen_prompt(
    State(state): State<AppState>,
    Path((_, _, call, step)): Path<(String, String, String, String)>,
    hook: Hook,
) -> Response {
    let req = (state, hook);
    call_event(req, call, false, |_| {
        let step = parse_step(&step)?;
        let what = format!("Screening: the responder of step {} picked up", step + 1);
        Ok((Event::ScreenPrompted { step }, what))
    })
    .await
}

/// `POST …/calls/{call}/screen/{step}/result`: what the screened responder pressed.
pub async fn screen_result(
    State(state): State<AppState>,
    Path((_, _, call, step)): Path<(String, String, String, String)>,
    hook: Hook,
) -> Response {
    let req = (state, hook);
    call_event(req, call, false, |v| {
        let step = parse_step(&step)?;
        let event = v.provider.screen_result(&v.form, step).map_err(malformed)?;
        let what = format!(
            "Screening answer for step {}: {}",
            step + 1,
            summarize(&v.form)
        );
        Ok((event, what))
    })
    .await
}

/// `POST …/calls/{call}/voicemail`: the voicemail recording finished.
pub async fn voicemail_taken(
    State(state): State<AppState>,
    Path((_, _, call)): Path<(String, String, String)>,
    hook: Hook,
) -> Response {
    let req = (state, hook);
    call_event(req, call, true, |v| {
        let event = v.provider.voicemail_taken(&v.form).map_err(malformed)?;
        Ok((event, format!("Voicemail finished: {}", summarize(&v.form))))
    })
    .await
}

/// `POST …/calls/{call}/recording/{kind}`: a recording is ready (or absent).
pub async fn recording_ready(
    State(state): State<AppState>,
    Path((_, _, call, kind)): Path<(String, String, String, String)>,
    hook: Hook,
) -> Response {
    let req = (state, hook);
    callback(req, |state, v, at| async move {
        recording_event(&state, &v, &call, &kind, at).await
    })
    .await
}

/// Applies a recording callback of `call` (sent at `at` when replayed).
pub(super) async fn recording_event(
    state: &AppState,
    v: &Verified,
    call: &str,
    kind: &str,
    at: Option<Timestamp>,
) -> Result<(), Failure> {
    let call_id = parse_call(call)?;
    let kind = RecordingKind::parse(kind).ok_or(Failure::NotFound)?;
    let stored = state.store.get_call(call_id).await?;
    if !same_call(v, &stored) {
        return Err(Failure::NotFound);
    }
    let event = v.provider.recording(&v.form, kind).map_err(malformed)?;
    if let Some(event) = event {
        let what = format!(
            "Recording callback ({}): {}",
            kind.as_str(),
            summarize(&v.form)
        );
        apply_to(state, &v.line, stored, event, what, at).await?;
    }
    Ok(())
}

/// A callback no caller listens to (status, recording): verified, then handled; when the
/// store cannot take it now (or earlier webhooks of its call wait in the spool), it is kept
/// in the spool and acknowledged, so the provider's one report is not lost.
async fn callback<F>(
    (state, hook): Request,
    handle: impl FnOnce(AppState, Verified, Option<Timestamp>) -> F,
) -> Response
where
    F: std::future::Future<Output = Result<(), Failure>>,
{
    let v = match verify(&state, &hook).await {
        Ok(v) => v,
        Err(Rejected::Unavailable(e)) => {
            tracing::error!(error = %crate::errors::chain(&e), "store unavailable during a callback");
            return spooled_or_503(&state, &hook, STORE_UNAVAILABLE).await;
        }
        Err(r) => return r.into_callback_response(),
    };
    if queued_behind_spool(&state, &hook.token, &v) {
        return spooled_or_503(&state, &hook, STORE_UNAVAILABLE).await;
    }
    match handle(state.clone(), v, None).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(Failure::NotFound) => (StatusCode::NOT_FOUND, "unknown call").into_response(),
        Err(Failure::Malformed(m)) => {
            let path = super::redacted(hook.uri.path());
            tracing::warn!(%path, message = %m, "malformed callback");
            (StatusCode::BAD_REQUEST, m).into_response()
        }
        Err(Failure::Internal(e)) => {
            tracing::error!(error = %crate::errors::chain(&*e), "callback failed");
            spooled_or_503(&state, &hook, cause_of(&e)).await
        }
    }
}

async fn spooled_or_503(state: &AppState, hook: &Hook, cause: &str) -> Response {
    if spool_request(state, hook, cause).await {
        StatusCode::NO_CONTENT.into_response()
    } else {
        // 503 makes a provider that retries callbacks try again.
        (StatusCode::SERVICE_UNAVAILABLE, "temporarily unavailable").into_response()
    }
}

/// `POST /hooks/{provider}/{token}/status`: the provider's call-status callback.
pub async fn call_status(State(state): State<AppState>, hook: Hook) -> Response {
    let req = (state, hook);
    callback(req, |state, v, at| async move {
        status_event(&state, &v, at).await
    })
    .await
}

/// Applies a call-status callback (sent at `at` when replayed).
pub(super) async fn status_event(
    state: &AppState,
    v: &Verified,
    at: Option<Timestamp>,
) -> Result<(), Failure> {
    let event = v.provider.call_ended(&v.form).map_err(malformed)?;
    let Some(event) = event else {
        return Ok(());
    };
    let sid = v.provider.call_id(&v.form).unwrap_or_default();
    let call = match state.store.find_call(v.line.id, sid).await {
        Ok(c) => c,
        // A call Switchboard never answered (for example, rejected): nothing to update.
        Err(StoreError::NotFound) => return Ok(()),
        Err(e) => return Err(e.into()),
    };
    let what = format!("Call status: {}", summarize(&v.form));
    apply_to(state, &v.line, call, event, what, at).await?;
    Ok(())
}

/// Used by the failsafe voicemail: applies an event with the shared retry loop.
pub(super) async fn apply_for_failsafe(
    state: &AppState,
    line: &Line,
    call_id: CallId,
    event: Event,
    webhook: String,
    at: Timestamp,
) -> Result<(), StoreError> {
    match apply(state, line, call_id, event, webhook, Some(at)).await {
        Ok(_) => Ok(()),
        Err(Failure::Internal(e)) => Err(StoreError::Backend(e)),
        Err(Failure::NotFound) => Err(StoreError::NotFound),
        Err(Failure::Malformed(m)) => Err(StoreError::Backend(m.into())),
    }
}
