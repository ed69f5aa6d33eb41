//! The voicemail taken when Switchboard failed inside a voice webhook.
//!
//! The caller heard an apology and left a message; this handler tries hard to keep it: it
//! attaches the recording to the call (creating a call record if the first webhook never got
//! that far). When the store cannot take it, the request goes to the local spool and is
//! replayed when the store answers again; only if even that fails is it logged at error level
//! for an operator to recover from the provider. The caller always hears a goodbye.

use super::calls::apply_for_failsafe;
use super::failure::Failure;
use super::{
    queued_behind_spool, spool_request, verify, xml, Hook, Rejected, Verified, STORE_UNAVAILABLE,
};
use crate::app::AppState;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use switchboard_core::call::CallEvent;
use switchboard_core::flow::{Event, Instruction, NO_MESSAGE_TEXT, THANKS_TEXT};
use switchboard_core::line::Message;
use switchboard_core::store::StoreError;
use switchboard_core::CallId;
use switchboard_providers::Form;

/// `POST /hooks/{provider}/{token}/failsafe-voicemail`.
pub async fn failsafe_voicemail(State(state): State<AppState>, hook: Hook) -> Response {
    let (provider, token, body) = (&hook.provider, &hook.token, &hook.body);
    let spool = |cause: &'static str| {
        let (state, hook) = (&state, &hook);
        async move { spool_request(state, hook, cause).await }
    };
    let v = match verify(&state, &hook).await {
        Ok(v) => v,
        Err(Rejected::Unavailable(e)) => {
            tracing::error!(error = %crate::errors::chain(&e), "store unavailable for a failsafe voicemail");
            spool(STORE_UNAVAILABLE).await;
            return goodbye(provider, raw_has_message(provider, body));
        }
        Err(other) => return other.into_callback_response(),
    };
    let has_message = has_message(&v);
    if queued_behind_spool(&state, token, &v) {
        spool(STORE_UNAVAILABLE).await;
        return goodbye(provider, has_message);
    }
    match store_voicemail(&state, &v, state.clock.now(), STORE_UNAVAILABLE).await {
        Ok(()) => {}
        Err(Failure::Internal(e)) => {
            tracing::error!(error = %crate::errors::chain(&*e), "could not store a failsafe voicemail; keeping it in the spool");
            spool(super::STORE_FAILED).await;
        }
        Err(Failure::Unavailable(e)) => {
            tracing::error!(error = %crate::errors::chain(&e), "could not store a failsafe voicemail; keeping it in the spool");
            spool(STORE_UNAVAILABLE).await;
        }
        Err(Failure::Malformed(m) | Failure::BadRequest(m)) => {
            tracing::warn!(message = %m, "malformed failsafe voicemail request; nothing to keep")
        }
        Err(Failure::NotFound | Failure::Forbidden | Failure::Queued) => {}
    }
    goodbye(provider, has_message)
}

fn has_message(v: &Verified) -> bool {
    matches!(
        v.provider.voicemail_taken(&v.form),
        Ok(Event::VoicemailTaken { recording: Some(r), .. }) if r.has_media
    )
}

/// Whether an unverified failsafe voicemail request carries a message (for the goodbye only).
fn raw_has_message(provider: &str, body: &[u8]) -> bool {
    let Some(p) = super::provider_of(provider) else {
        return false;
    };
    let form = Form(serde_urlencoded::from_bytes(body).unwrap_or_default());
    matches!(
        switchboard_providers::voice(p).voicemail_taken(&form),
        Ok(Event::VoicemailTaken { recording: Some(r), .. }) if r.has_media
    )
}

/// The call a failsafe request is about: found by the provider's call id, or created when
/// the first webhook never got that far (`cause` then says why, at `now`).
pub(super) async fn call_for(
    state: &AppState,
    v: &Verified,
    now: Timestamp,
    cause: &str,
) -> Result<(CallId, bool), Failure> {
    let sid = v
        .provider
        .call_id(&v.form)
        .ok_or_else(|| Failure::Malformed("no call id in the request".into()))?;
    match state.store.find_call(v.line.id, sid).await {
        Ok(c) => Ok((c.id, false)),
        Err(StoreError::NotFound) => {
            let incoming = v
                .provider
                .incoming(&v.form)
                .map_err(|e| Failure::Malformed(e.to_string()))?;
            let new = switchboard_core::flow::NewCall {
                provider: v.line.provider,
                provider_call_id: incoming.provider_call_id,
                account_id: incoming.account_id,
                caller: incoming.caller.clone(),
                to: incoming.to.clone(),
            };
            let call = switchboard_core::flow::failsafe_call(&v.line, new, now, cause);
            let notes = [
                CallEvent {
                    at: now,
                    kind: switchboard_core::call::EventKind::Webhook,
                    message: format!(
                        "Incoming {} call from {} to {}",
                        v.provider.name(),
                        incoming.caller.number,
                        incoming.to
                    ),
                },
                CallEvent {
                    at: now,
                    kind: switchboard_core::call::EventKind::Error,
                    message: format!(
                        "Switchboard could not route this call ({cause}); the caller heard the apology and was offered voicemail"
                    ),
                },
            ];
            let (stored, created) = state.store.start_call(&call, &notes, &[]).await?;
            Ok((stored.id, created))
        }
        Err(e) => Err(e.into()),
    }
}

/// Attaches a failsafe voicemail to its call (created if need be), as of `now`.
pub(super) async fn store_voicemail(
    state: &AppState,
    v: &Verified,
    now: Timestamp,
    cause: &str,
) -> Result<(), Failure> {
    let event = v
        .provider
        .voicemail_taken(&v.form)
        .map_err(|e| Failure::Malformed(e.to_string()))?;
    let (call_id, _) = call_for(state, v, now, cause).await?;
    apply_for_failsafe(
        state,
        &v.line,
        call_id,
        event,
        format!("Failsafe voicemail finished: {}", super::summarize(&v.form)),
        now,
    )
    .await
    .map_err(Failure::from)
}

fn goodbye(provider: &str, has_message: bool) -> Response {
    let Some(p) = super::provider_of(provider) else {
        return axum::http::StatusCode::NOT_FOUND.into_response();
    };
    let say = Instruction::Say(Message {
        text: if has_message {
            THANKS_TEXT
        } else {
            NO_MESSAGE_TEXT
        }
        .to_owned(),
        voice: None,
        language: "en-US".to_owned(),
        audio: None,
        audio_url: None,
    });
    let no_urls = |_| String::new();
    xml(switchboard_providers::voice(p).render(&[say, Instruction::Hangup], &no_urls))
}
