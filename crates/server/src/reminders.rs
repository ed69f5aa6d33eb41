//! The `reminder` job: when a line opens again, a voicemail or text left while it was closed
//! is alerted again (a new chat message per channel, its incident triggered again), unless
//! someone handled it meanwhile: the call archived, a text replied to, or its incident
//! acknowledged or resolved.

use crate::app::AppState;
use crate::jobs::JobError;
use switchboard_core::call::{CallEvent, EventKind, Medium, Outcome};
use switchboard_core::incident::Status;
use switchboard_core::store::{Job, NewJob, StoreError};
use switchboard_core::CallId;

fn retry(e: StoreError) -> JobError {
    JobError::Retry(e.to_string())
}

/// Runs one `reminder` job.
pub async fn send(state: &AppState, job: &Job) -> Result<(), JobError> {
    let id = job
        .payload
        .get("call")
        .and_then(serde_json::Value::as_i64)
        .map(CallId)
        .ok_or_else(|| JobError::Permanent("payload has no call id".into()))?;
    let now = state.clock.now();
    for _ in 0..8 {
        let call = match state.store.get_call(id).await {
            Ok(c) => c,
            Err(StoreError::NotFound) => return Ok(()),
            Err(e) => return Err(retry(e)),
        };
        let line = match state.store.get_line(call.line_id).await {
            Ok(l) => l,
            Err(StoreError::NotFound) => return Ok(()),
            Err(e) => return Err(retry(e)),
        };
        let incidents = state.store.call_incidents(id).await.map_err(retry)?;
        let what = match call.medium {
            Medium::Text => "text",
            Medium::Voice => "voicemail",
        };
        let handled = if call.archived {
            Some("it was archived".to_owned())
        } else if call.outcome == Outcome::Answered {
            Some("a responder replied".to_owned())
        } else {
            incidents
                .iter()
                .find(|i| i.status != Status::Triggered)
                .map(|i| format!("incident {} was {}", i.id, i.status.as_str()))
        };
        let (message, jobs) = match handled {
            Some(why) => (
                format!(
                    "The line opened again; the {what} was handled already ({why}): no reminder"
                ),
                vec![],
            ),
            None => (
                format!("The line opened again and nobody has handled the {what}: alerting again"),
                line.channels
                    .iter()
                    .map(|c| NewJob::reminder_alert(id, *c))
                    .collect(),
            ),
        };
        let event = CallEvent {
            at: now,
            kind: EventKind::Decision,
            message,
        };
        match state
            .store
            .save_call(&call, &[event], &[], &jobs, None, now)
            .await
        {
            Ok(_) => {}
            Err(StoreError::Conflict(_)) => continue,
            Err(e) => return Err(retry(e)),
        }
        if jobs.is_empty() {
            return Ok(());
        }
        // Its open incident is triggered again, so the integrations page once more.
        for inc in incidents.iter().filter(|i| i.status == Status::Triggered) {
            let why = format!(
                "The line opened again and nobody has handled the {what} of call {id}: triggered again"
            );
            if let Some(change) = inc.remind(&why, now) {
                if let Err(e) = state.store.save_incident(inc, &change).await {
                    tracing::warn!(incident = %inc.id, error = %e, "could not trigger an incident again");
                }
            }
        }
        return Ok(());
    }
    Err(JobError::Retry(format!("call {id} kept changing")))
}
