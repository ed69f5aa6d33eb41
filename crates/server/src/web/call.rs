//! `/calls/{id}`: one call's whole story (the sentence, the facts, players for its
//! recordings, the route taken, the alerts sent, the activity log), refreshing itself while
//! the call is in progress; archive, and delete after a confirmation that says the
//! recordings go too.

use super::view::{self, Pill, Time};
use super::{html, Chrome, PageError, Viewer};
use crate::api::scope;
use crate::app::AppState;
use askama::Template;
use axum::extract::{Form, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use std::collections::HashMap;
use switchboard_core::call::{AttemptOutcome, Outcome, RecordingKind, RecordingStatus, Transcript};

use switchboard_core::{CallId, LineId};

pub struct Head {
    pub id: i64,
    pub caller: String,
    pub number: String,
    pub location: String,
    pub line: String,
    /// The line's number that was called (empty in calls stored before it was kept).
    pub called: String,
    pub outcome: Pill,
    pub sentence: String,
    pub answered_by: String,
    pub started: Time,
    pub ended: Option<Time>,
    pub duration: String,
    pub archived: bool,
    pub test: bool,
    pub failsafe: Option<String>,
    pub no_attempts: String,
    /// Still going (or its voicemail being transcribed): the page refreshes itself.
    pub in_progress: bool,
    pub simulated: bool,
}

pub struct RecView {
    pub kind: &'static str,
    pub duration: String,
    pub src: Option<String>,
    pub state: String,
    /// A voicemail's transcript: (done | pending | failed, what to show).
    pub transcript: Option<(&'static str, String)>,
}

pub struct AttemptView {
    pub name: String,
    pub number: String,
    pub result: &'static str,
    pub rang: String,
    pub at: Time,
}

pub struct EventView {
    pub at: Time,
    pub kind: &'static str,
    pub message: String,
}

/// One text of a conversation.
pub struct TextView {
    pub who: String,
    pub body: String,
    pub sent_to: String,
    pub at: Time,
    /// Written by a responder (shown on the other side of the thread).
    pub reply: bool,
}

pub struct AlertView {
    pub channel: String,
    pub state: String,
}

#[derive(Template)]
#[template(path = "call.html")]
pub struct CallPage {
    pub chrome: Chrome,
    pub head: Head,
    pub recordings: Vec<RecView>,
    pub attempts: Vec<AttemptView>,
    /// A conversation by text: its texts (empty for a phone call).
    pub texts: Vec<TextView>,
    pub is_text: bool,
    pub events: Vec<EventView>,
    pub alerts: Vec<AlertView>,
    pub incidents: super::incidents::CallIncidents,
}

fn attempt_result(o: AttemptOutcome) -> &'static str {
    match o {
        AttemptOutcome::Ringing => "ringing",
        AttemptOutcome::Answered => "answered",
        AttemptOutcome::NoAnswer => "did not answer",
        AttemptOutcome::Busy => "was busy",
        AttemptOutcome::Failed => "could not be reached",
        AttemptOutcome::Canceled => "call canceled",
        AttemptOutcome::CallerHungUp => "the caller hung up while it rang",
        AttemptOutcome::NotAccepted => "picked up but did not accept the call",
        AttemptOutcome::Passed => "passed the call on",
    }
}

async fn line_name(s: &AppState, id: LineId) -> String {
    match s.store.get_line(id).await {
        Ok(l) => l.name,
        Err(_) => format!("Line {id} (deleted)"),
    }
}

/// `GET /calls/{id}`.
pub async fn show(
    State(s): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let id: CallId = crate::api::parse_id(&id, "call")?;
    let c = scope::call(&s, &v.access, id).await?;
    let store = crate::api::error::ApiError::store("call");
    let recordings = s.store.list_recordings(id).await.map_err(&store)?;
    let events = s.store.list_events(id).await.map_err(&store)?;
    let jobs = s.store.list_call_jobs(id).await.map_err(&store)?;
    let zone = v.local();
    let row = view::row(&c, &HashMap::new(), &zone, String::new());
    let head = Head {
        id: c.id.0,
        caller: c
            .caller
            .name
            .clone()
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| c.caller.number.clone()),
        number: c.caller.number.clone(),
        location: view::location(&c),
        line: line_name(&s, c.line_id).await,
        called: c.called.clone(),
        outcome: view::outcome(c.outcome),
        sentence: format!("{}.", c.path()),
        answered_by: row.answered_by,
        started: view::time(c.started_at, &zone),
        ended: c.ended_at.map(|t| view::time(t, &zone)),
        duration: view::duration(c.duration_secs),
        archived: c.archived,
        test: c.test_call,
        failsafe: c.failsafe.clone(),
        // A call still going, or a voicemail still being transcribed, redraws itself.
        in_progress: c.outcome == Outcome::InProgress
            || recordings
                .iter()
                .any(|r| r.transcript.as_ref().is_some_and(Transcript::pending)),
        simulated: c.simulated,
        no_attempts: if c.plan.has_anyone() {
            "Nobody was rung.".to_owned()
        } else {
            "Nobody could be rung: nobody was on call, or no responder had a phone number."
                .to_owned()
        },
    };
    let recordings = recordings
        .iter()
        .map(|r| {
            let json = crate::api::calls::recording_json(r, &jobs);
            let detail = json.status_detail.unwrap_or_default();
            let state = match r.status {
                RecordingStatus::Stored => String::new(),
                RecordingStatus::Pending => {
                    format!("Fetching the recording from the provider… {detail}")
                }
                RecordingStatus::Failed => {
                    format!("The recording could not be downloaded: {detail}")
                }
                RecordingStatus::Absent if c.simulated => {
                    "A simulated call keeps no audio.".to_owned()
                }
                RecordingStatus::Absent => "The provider made no recording.".to_owned(),
                RecordingStatus::Deleted => {
                    "Deleted: the line keeps recordings for a limited time.".to_owned()
                }
            };
            RecView {
                kind: match r.kind {
                    RecordingKind::Call => "Recording of the conversation",
                    RecordingKind::Voicemail => "Voicemail",
                },
                duration: r
                    .duration_secs
                    .map(|d| view::duration(Some(d)))
                    .unwrap_or_default(),
                src: (r.status == RecordingStatus::Stored && r.local_path.is_some())
                    .then(|| crate::urls::recording_path(r.call_id, r.id)),
                state,
                transcript: r.transcript.as_ref().map(|t| match t {
                    Transcript::Done { text } if text.is_empty() => (
                        "done",
                        "The transcript is empty: no words were recognised.".to_owned(),
                    ),
                    Transcript::Done { text } => ("done", text.clone()),
                    Transcript::Transcribing { note: None } => {
                        ("pending", "Transcribing…".to_owned())
                    }
                    Transcript::Transcribing { note: Some(n) } => (
                        "pending",
                        format!("Transcribing… the last try did not finish: {n}; trying again."),
                    ),
                    Transcript::Failed { reason } => {
                        ("failed", format!("No transcript: {reason}."))
                    }
                }),
            }
        })
        .collect();
    let attempts = c
        .attempts
        .iter()
        .map(|a| AttemptView {
            name: a.name.clone(),
            number: a.number.clone(),
            result: attempt_result(a.outcome),
            rang: a
                .duration_secs
                .filter(|_| a.outcome == AttemptOutcome::Answered)
                .map(|d| format!("talked {}", view::duration(Some(d))))
                .unwrap_or_default(),
            at: view::time(a.started_at, &zone),
        })
        .collect();
    let texts = c
        .texts
        .iter()
        .map(|t| TextView {
            who: t
                .by
                .as_ref()
                .map_or_else(|| c.caller.number.clone(), |a| a.name.clone()),
            body: t.body.clone(),
            sent_to: match t.sent_to.is_empty() {
                true => "not sent on to anyone".to_owned(),
                false => format!("sent to {}", t.sent_to.join(", ")),
            },
            at: view::time(t.at, &zone),
            reply: t.by.is_some(),
        })
        .collect();
    let events = events
        .iter()
        .map(|e| EventView {
            at: view::time(e.at, &zone),
            kind: e.kind.as_str(),
            message: e.message.clone(),
        })
        .collect();
    let mut alerts = Vec::new();
    for j in jobs.iter().filter(|j| j.is_call_alert()) {
        let channel = match j.payload["channel"].as_i64() {
            Some(ch) => match s
                .store
                .get_channel(switchboard_core::channel::ChannelId(ch))
                .await
            {
                Ok(c) => c.name,
                Err(_) => format!("channel {ch} (deleted)"),
            },
            None => "a channel".to_owned(),
        };
        let at = view::time(j.run_at, &zone).text;
        let state = match j.status.as_str() {
            "done" => format!("delivered ({at})"),
            "queued" => match &j.last_error {
                Some(e) => format!("retrying, attempt {} failed: {e}; next at {at}", j.attempts),
                None => format!("queued, due {at}"),
            },
            _ => format!(
                "failed after {} attempts: {}",
                j.attempts,
                j.last_error.as_deref().unwrap_or("unknown error")
            ),
        };
        alerts.push(AlertView { channel, state });
    }
    html(&CallPage {
        chrome: v.chrome(&s, "calls").await,
        head,
        recordings,
        attempts,
        is_text: c.medium == switchboard_core::call::Medium::Text,
        texts,
        events,
        alerts,
        incidents: super::incidents::for_call(&s, &v, id).await?,
    })
}

#[derive(Debug, Deserialize)]
pub struct ArchiveForm {
    #[serde(default)]
    csrf: String,
    archived: String,
}

/// `POST /calls/{id}/archive` (`archived=true|false`).
pub async fn archive(
    State(s): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
    Form(f): Form<ArchiveForm>,
) -> Result<Response, PageError> {
    v.check_csrf(&f.csrf)?;
    let id: CallId = crate::api::parse_id(&id, "call")?;
    scope::call(&s, &v.access, id).await?;
    s.store
        .set_call_archived(id, f.archived == "true")
        .await
        .map_err(crate::api::error::ApiError::store("call"))?;
    Ok(Redirect::to(&format!("/calls/{id}")).into_response())
}

#[derive(Template)]
#[template(path = "confirm_delete.html")]
pub struct ConfirmDelete {
    pub chrome: Chrome,
    pub id: i64,
    pub caller: String,
    pub started: Time,
    pub recordings: usize,
}

/// `GET /calls/{id}/delete`: what deleting takes with it, and the button.
pub async fn confirm_delete(
    State(s): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let id: CallId = crate::api::parse_id(&id, "call")?;
    let c = scope::call(&s, &v.access, id).await?;
    let recordings = s
        .store
        .list_recordings(id)
        .await
        .map_err(crate::api::error::ApiError::store("call"))?
        .iter()
        .filter(|r| r.local_path.is_some() || r.status != RecordingStatus::Deleted)
        .count();
    html(&ConfirmDelete {
        chrome: v.chrome(&s, "calls").await,
        id: id.0,
        caller: format!("{} ({})", view::caller_name(&c), c.caller.number),
        started: view::time(c.started_at, &v.local()),
        recordings,
    })
}

/// `POST /calls/{id}/delete`: the call, its log and its recordings go.
pub async fn delete(
    State(s): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
    Form(f): Form<super::CsrfForm>,
) -> Result<Response, PageError> {
    v.check_csrf(&f.csrf)?;
    let id: CallId = crate::api::parse_id(&id, "call")?;
    scope::call(&s, &v.access, id).await?;
    crate::api::calls::erase_call(&s, id).await?;
    Ok(Redirect::to("/calls").into_response())
}
