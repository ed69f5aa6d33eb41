//! The voicemail taken when Switchboard failed inside a voice webhook.
//!
//! The caller heard an apology and left a message; this handler tries hard to keep it: it
//! attaches the recording to the call (creating a call record if the first webhook never got
//! that far). If even that fails, the recording's URL is logged at error level so an operator
//! can recover it from the provider. The caller always hears a goodbye.

use super::calls::apply_for_failsafe;
use super::{verify, xml, Rejected};
use crate::app::AppState;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use switchboard_core::call::{Call, CallEvent, Outcome, Phase, VoicemailReason};
use switchboard_core::flow::{Event, Instruction, NO_MESSAGE_TEXT, THANKS_TEXT};
use switchboard_core::line::Message;
use switchboard_core::plan::Plan;
use switchboard_core::store::StoreError;
use switchboard_core::CallId;

/// `POST /hooks/{provider}/{token}/failsafe-voicemail`.
pub async fn failsafe_voicemail(
    State(state): State<AppState>,
    Path((provider, token)): Path<(String, String)>,
    axum::extract::OriginalUri(uri): axum::extract::OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let v = match verify(&state, &provider, &token, &uri, &headers, &body).await {
        Ok(v) => v,
        Err(Rejected::Unavailable(e)) => {
            let form: Vec<(String, String)> =
                serde_urlencoded::from_bytes(&body).unwrap_or_default();
            let get = |k: &str| {
                form.iter()
                    .find(|(n, _)| n == k)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default()
            };
            tracing::error!(
                error = %e,
                call_sid = %get("CallSid"),
                recording_url = %get("RecordingUrl"),
                "could not store a failsafe voicemail; recover it from the provider"
            );
            return goodbye(&provider, true);
        }
        Err(other) => return other.into_callback_response(),
    };
    let event = v.provider.voicemail_taken(&v.form);
    let has_message = matches!(
        &event,
        Ok(Event::VoicemailTaken { recording: Some(r), .. }) if r.has_media
    );
    let stored = async {
        let event = event.map_err(|e| StoreError::Backend(e.to_string().into()))?;
        let sid = v
            .provider
            .call_id(&v.form)
            .ok_or_else(|| StoreError::Backend("no call id in the failsafe voicemail".into()))?;
        let now = state.clock.now();
        let call_id = match state.store.find_call(v.line.id, sid).await {
            Ok(c) => c.id,
            Err(StoreError::NotFound) => {
                let incoming = v
                    .provider
                    .incoming(&v.form)
                    .map_err(|e| StoreError::Backend(e.to_string().into()))?;
                let call = Call {
                    id: CallId(0),
                    line_id: v.line.id,
                    provider: v.line.provider,
                    provider_call_id: incoming.provider_call_id,
                    account_id: incoming.account_id,
                    caller: incoming.caller,
                    started_at: now,
                    ended_at: None,
                    duration_secs: None,
                    plan: Plan {
                        steps: vec![],
                        test_mode: false,
                        after_hours: false,
                    },
                    phase: Phase::Voicemail {
                        reason: VoicemailReason::InternalError,
                    },
                    outcome: Outcome::InProgress,
                    answered_by: None,
                    attempts: vec![],
                    test_call: false,
                    archived: false,
                    version: 0,
                };
                let note = CallEvent {
                    at: now,
                    kind: "error".to_owned(),
                    message: "Switchboard failed while routing this call; the caller was offered voicemail".to_owned(),
                };
                state.store.start_call(&call, &[note]).await?.0.id
            }
            Err(e) => return Err(e),
        };
        apply_for_failsafe(
            &state,
            &v.line,
            call_id,
            event,
            "Failsafe voicemail finished".to_owned(),
        )
        .await
    }
    .await;
    if let Err(e) = stored {
        tracing::error!(
            error = %e,
            call_sid = %v.form.get("CallSid").unwrap_or(""),
            recording_url = %v.form.get("RecordingUrl").unwrap_or(""),
            "could not store a failsafe voicemail; recover it from the provider"
        );
    }
    goodbye(&provider, has_message)
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
    });
    let no_urls = |_| String::new();
    xml(switchboard_providers::voice(p).render(&[say, Instruction::Hangup], &no_urls))
}
