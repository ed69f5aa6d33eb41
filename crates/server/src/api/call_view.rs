//! What the call log API answers: a call's summary (the list), its whole story (one call),
//! a recording with why it is not stored yet.

use serde::Serialize;
use switchboard_core::call::{
    Attempt, Call, CallEvent, CallerInfo, Medium, Outcome, Recording, RecordingKind,
    RecordingStatus, Transcript,
};
use switchboard_core::incident::Status;
use switchboard_core::line::Provider;
use switchboard_core::plan::PlanStep;
use switchboard_core::store::JobStatus;
use switchboard_core::text::Text;
use switchboard_core::{CallId, IncidentId, LineId, RecordingId, UserId};
use utoipa::ToSchema;

/// One call in the call log.
#[derive(Debug, Serialize, ToSchema)]
pub struct CallSummary {
    pub id: CallId,
    pub line_id: LineId,
    pub provider: Provider,
    /// The carrier's id for the call (Twilio's CallSid, Plivo's CallUUID).
    pub provider_call_id: String,
    pub caller: CallerInfo,
    pub started_at: jiff::Timestamp,
    pub ended_at: Option<jiff::Timestamp>,
    pub duration_secs: Option<u32>,
    pub outcome: Outcome,
    pub medium: Medium,
    /// Which of the line's numbers was called, when not its main one.
    pub called: Option<String>,
    pub answered_by: Option<AnsweredBy>,
    /// The call's story in one line ("rang Alice, Bob; voicemail").
    pub path: String,
    pub test_call: bool,
    /// Why the call was answered by the fail-safe, if it was.
    pub failsafe: Option<String>,
    pub archived: bool,
}

/// Who answered.
#[derive(Debug, Serialize, ToSchema)]
pub struct AnsweredBy {
    pub id: UserId,
    pub name: Option<String>,
}

/// `GET /calls`: a page, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct CallList {
    pub calls: Vec<CallSummary>,
    /// Pass as `before` for the next page; `null` on the last one.
    pub next_before: Option<CallId>,
}

/// One call with its whole story.
#[derive(Debug, Serialize, ToSchema)]
pub struct CallDetail {
    #[serde(flatten)]
    pub summary: CallSummary,
    pub plan: PlanView,
    pub attempts: Vec<Attempt>,
    pub texts: Vec<Text>,
    pub recordings: Vec<RecordingView>,
    /// The voicemail's transcript, if one is made or being made.
    pub transcript: Option<Transcript>,
    pub events: Vec<CallEvent>,
    /// The chat alerts about the call and how their delivery went.
    pub alerts: Vec<AlertView>,
    /// The incidents the call is part of.
    pub incidents: Vec<IncidentRef>,
}

/// Whom the call was to ring, in order.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlanView {
    /// The plan came from test mode.
    pub test_mode: bool,
    /// The call came outside business hours.
    pub after_hours: bool,
    pub steps: Vec<PlanStep>,
}

/// A recording, with why it is not stored yet when its download keeps failing.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecordingView {
    pub id: RecordingId,
    pub kind: RecordingKind,
    pub duration_secs: Option<u32>,
    pub status: RecordingStatus,
    /// Why it is pending or failed.
    pub status_detail: Option<String>,
    pub download_attempts: Option<u32>,
    pub provider_recording_id: String,
    pub provider_url: String,
    /// Where Switchboard serves its stored copy (with the API's credentials).
    pub media_url: Option<String>,
    pub created_at: jiff::Timestamp,
    pub transcript: Option<Transcript>,
}

/// A chat alert about a call.
#[derive(Debug, Serialize, ToSchema)]
pub struct AlertView {
    pub channel_id: Option<i64>,
    /// `delivered`, `queued` or `failed`.
    pub status: String,
    pub attempts: u32,
    pub last_error: Option<String>,
    pub next_attempt_at: Option<jiff::Timestamp>,
}

/// An incident a call is part of.
#[derive(Debug, Serialize, ToSchema)]
pub struct IncidentRef {
    pub id: IncidentId,
    pub title: String,
    pub status: Status,
}

/// `POST /calls/{id}/archive` and `…/unarchive`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Archived {
    pub id: CallId,
    pub archived: bool,
}

/// `POST /erasures`: what was erased.
#[derive(Debug, Serialize, ToSchema)]
pub struct Erasure {
    #[schema(value_type = String, examples("+14155550199"))]
    pub caller_number: switchboard_core::PhoneNumber,
    pub calls_deleted: u64,
    pub recordings_deleted: u64,
}

pub(crate) fn call_summary(c: &Call) -> CallSummary {
    CallSummary {
        id: c.id,
        line_id: c.line_id,
        provider: c.provider,
        provider_call_id: c.provider_call_id.clone(),
        caller: c.caller.clone(),
        started_at: c.started_at,
        ended_at: c.ended_at,
        duration_secs: c.duration_secs,
        outcome: c.outcome,
        medium: c.medium,
        called: (!c.called.is_empty()).then(|| c.called.clone()),
        answered_by: c.answered_by.map(|u| AnsweredBy {
            id: u,
            name: c.answered_by_name(),
        }),
        path: c.path(),
        test_call: c.test_call,
        failsafe: c.failsafe.clone(),
        archived: c.archived,
    }
}

/// A recording, with why it is not stored yet when its download keeps failing.
pub(crate) fn recording_json(r: &Recording, jobs: &[JobStatus]) -> RecordingView {
    let fetch = jobs.iter().rev().find(|j| {
        j.kind == switchboard_core::store::JobKind::FetchRecording.as_str()
            && j.payload["recording"] == serde_json::json!(r.id)
    });
    let detail = match (r.status, fetch) {
        (RecordingStatus::Pending, Some(j)) if j.status == "queued" => Some(match &j.last_error {
            Some(e) => format!("pending: next attempt at {}, last error: {e}", j.run_at),
            None => format!("pending: download due at {}", j.run_at),
        }),
        (RecordingStatus::Failed, Some(j)) => Some(format!(
            "failed after {} attempts: {}",
            j.attempts,
            j.last_error.as_deref().unwrap_or("unknown error")
        )),
        _ => None,
    };
    RecordingView {
        id: r.id,
        kind: r.kind,
        duration_secs: r.duration_secs,
        status: r.status,
        status_detail: detail,
        download_attempts: fetch.map(|j| j.attempts),
        provider_recording_id: r.provider_recording_id.clone(),
        provider_url: r.provider_url.clone(),
        media_url: r
            .local_path
            .as_ref()
            .map(|_| crate::urls::recording_path(r.call_id, r.id)),
        created_at: r.created_at,
        transcript: r.transcript.clone(),
    }
}

/// The transcript of a call's voicemail, if one is made or being made.
pub(crate) fn voicemail_transcript(recordings: &[Recording]) -> Option<&Transcript> {
    recordings
        .iter()
        .filter(|r| r.kind == RecordingKind::Voicemail)
        .find_map(|r| r.transcript.as_ref())
}

/// The full view of one call (its incidents left for the caller to fill in).
pub fn call_detail(
    c: &Call,
    recordings: &[Recording],
    events: &[CallEvent],
    jobs: &[JobStatus],
) -> CallDetail {
    CallDetail {
        summary: call_summary(c),
        plan: PlanView {
            test_mode: c.plan.test_mode,
            after_hours: c.plan.after_hours,
            steps: c.plan.steps.clone(),
        },
        attempts: c.attempts.clone(),
        texts: c.texts.clone(),
        recordings: recordings.iter().map(|r| recording_json(r, jobs)).collect(),
        transcript: voicemail_transcript(recordings).cloned(),
        events: events.to_vec(),
        alerts: jobs
            .iter()
            .filter(|j| j.is_call_alert())
            .map(|j| AlertView {
                channel_id: j.payload["channel"].as_i64(),
                status: if j.status == "done" {
                    "delivered".to_owned()
                } else {
                    j.status.clone()
                },
                attempts: j.attempts,
                last_error: j.last_error.clone(),
                next_attempt_at: (j.status == "queued").then_some(j.run_at),
            })
            .collect(),
        incidents: Vec::new(),
    }
}
