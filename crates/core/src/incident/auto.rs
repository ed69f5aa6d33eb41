//! The incidents calls open by themselves, per line: for every missed call, voicemail and
//! unanswered text (the default), for every call, or never. A caller who calls again while their incident is open
//! (and was last linked within the line's window) joins it instead of opening a second one; a
//! call that was answered acknowledges it in the answering responder's name.
//!
//! [`on_call_end`] decides what an ended call asks for; the store, in the transaction that
//! saves the call, reads the caller's open incident and lets [`apply`] decide the change.

use super::{open, Actor, Change, Incident, Opening, Severity, Status};
use crate::call::{Call, Outcome};
use crate::line::Line;
use crate::{CallId, DomainError, LineId, TeamId};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// Which calls open an incident by themselves.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OpenOn {
    /// Calls nobody answered: missed, abandoned while ringing, or ending in a voicemail.
    #[default]
    MissedAndVoicemail,
    EveryCall,
    Never,
}

fn default_window() -> u32 {
    60
}

/// A line's rules for incidents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IncidentPolicy {
    #[serde(default)]
    pub open: OpenOn,
    /// A caller's open incident last linked within this many minutes takes their next call
    /// (0: every call opens its own).
    #[serde(default = "default_window")]
    pub repeat_window_mins: u32,
    /// The severity of the incidents the line's calls open.
    #[serde(default)]
    pub severity: Severity,
}

impl Default for IncidentPolicy {
    fn default() -> Self {
        Self {
            open: OpenOn::default(),
            repeat_window_mins: default_window(),
            severity: Severity::default(),
        }
    }
}

impl IncidentPolicy {
    pub fn validate(&self) -> Result<(), DomainError> {
        if self.repeat_window_mins > 7 * 24 * 60 {
            return Err(DomainError::new(
                "incidents.repeat_window_mins",
                "must be 0 to 10080 (a week)",
            ));
        }
        Ok(())
    }
}

/// What an ended call asks of incidents, carried out in the transaction that saves the call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallIncident {
    pub call: CallId,
    pub line: LineId,
    pub team: Option<TeamId>,
    pub caller_number: String,
    /// The title of an incident it opens.
    pub title: String,
    pub severity: Severity,
    /// Whether it opens an incident when the caller has no open one within the window.
    pub open_new: bool,
    /// The responder who answered: acknowledges the incident.
    pub answered_by: Option<Actor>,
    /// The caller's open incident joins the call if a call was linked to it since this.
    pub joins_since: Option<Timestamp>,
}

/// What the ended `call` of `line` asks of incidents (nothing for a refused, test or
/// simulated call, or when the line opens none).
pub fn on_call_end(call: &Call, line: &Line, policy: &IncidentPolicy) -> Option<CallIncident> {
    // A responder's call back is no call for help.
    if call.test_call
        || call.simulated
        || policy.open == OpenOn::Never
        || call.plan.callback.is_some()
    {
        return None;
    }
    let number = call.caller.number.clone();
    let (title, open_new, answered_by) = match call.outcome {
        Outcome::Answered => {
            let who = call.answered_by.map(|u| {
                let name = call
                    .answered_by_name()
                    .unwrap_or_else(|| format!("user {u}"));
                Actor::user(u, &name)
            });
            (
                format!("Call from {number} to {}", line.name),
                policy.open == OpenOn::EveryCall,
                who,
            )
        }
        Outcome::Voicemail => (
            format!("Voicemail from {number} on {}", line.name),
            true,
            None,
        ),
        // A text waits for a reply as a voicemail does.
        Outcome::Texted => (format!("Text from {number} to {}", line.name), true, None),
        Outcome::Missed | Outcome::Abandoned => (
            format!("Missed call from {number} to {}", line.name),
            true,
            None,
        ),
        Outcome::Rejected | Outcome::InProgress => return None,
    };
    let at = call.ended_at.unwrap_or(call.started_at);
    Some(CallIncident {
        call: call.id,
        line: line.id,
        team: line.team,
        caller_number: number,
        title,
        severity: policy.severity,
        open_new,
        answered_by,
        joins_since: (policy.repeat_window_mins > 0)
            .then(|| at - jiff::SignedDuration::from_mins(i64::from(policy.repeat_window_mins))),
    })
}

/// The change `ci` makes, given the caller's open incident within the window (`existing`):
/// the incident (new when `existing` is `None`) and what to store with it; `None` when it
/// changes nothing.
pub fn apply(
    existing: Option<Incident>,
    ci: &CallIncident,
    now: Timestamp,
) -> Option<(Incident, Change)> {
    let system = Actor::system();
    let (mut inc, change) = match existing {
        Some(mut inc) => {
            let c = inc.link(ci.call, &system, now).ok()?;
            (inc, c)
        }
        None if ci.open_new => open(
            Opening {
                title: ci.title.clone(),
                severity: ci.severity,
                team: ci.team,
                line: Some(ci.line),
                caller_number: Some(ci.caller_number.clone()),
                assignee: None,
                calls: vec![ci.call],
            },
            &system,
            now,
        )
        .ok()?,
        None => return None,
    };
    let change = match &ci.answered_by {
        Some(by) if inc.status == Status::Triggered => {
            let answered = Actor {
                user: by.user,
                name: format!("{} (answered call {})", by.name, ci.call),
            };
            let ack = inc.acknowledge(&answered, now).ok()?;
            if inc.assignee.is_none() {
                inc.assignee = by.user;
            }
            change.and(ack)
        }
        _ => change,
    };
    Some((inc, change))
}
