//! What the incidents API answers: an incident, and one with its calls, timeline and
//! deliveries to integrations.

use serde::Serialize;
use switchboard_core::call::Outcome;
use switchboard_core::incident::{Incident, Severity, Status};
use switchboard_core::{CallId, IncidentId, LineId, TeamId, UserId};
use utoipa::ToSchema;

/// An incident.
#[derive(Debug, Serialize, ToSchema)]
pub struct IncidentView {
    pub id: IncidentId,
    #[schema(examples("Vendor reports a breach"))]
    pub title: String,
    pub status: Status,
    pub severity: Severity,
    pub team: Option<TeamId>,
    /// The line whose calls opened or joined it.
    pub line: Option<LineId>,
    pub caller_number: Option<String>,
    pub assignee: Option<UserId>,
    pub created_at: jiff::Timestamp,
    pub acknowledged_at: Option<jiff::Timestamp>,
    pub resolved_at: Option<jiff::Timestamp>,
}

/// `GET /incidents`: a page, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct IncidentList {
    pub incidents: Vec<IncidentView>,
    /// Pass as `before` for the next page; `null` on the last one.
    pub next_before: Option<IncidentId>,
}

/// `GET /incidents/{id}`: the incident with its calls (newest first), timeline and the
/// events sent to integrations.
#[derive(Debug, Serialize, ToSchema)]
pub struct IncidentDetail {
    #[serde(flatten)]
    pub incident: IncidentView,
    pub calls: Vec<LinkedCall>,
    pub timeline: Vec<TimelineView>,
    pub deliveries: Vec<Delivery>,
}

/// A call linked to an incident.
#[derive(Debug, Serialize, ToSchema)]
pub struct LinkedCall {
    pub id: CallId,
    pub started_at: jiff::Timestamp,
    pub caller_number: String,
    pub outcome: Outcome,
    pub line: LineId,
}

/// One line of an incident's timeline.
#[derive(Debug, Serialize, ToSchema)]
pub struct TimelineView {
    pub at: jiff::Timestamp,
    #[schema(examples("acknowledged"))]
    pub kind: String,
    pub message: String,
    pub actor: ActorView,
}

/// Who did something: a user, or Switchboard itself (`user` null).
#[derive(Debug, Serialize, ToSchema)]
pub struct ActorView {
    pub user: Option<UserId>,
    pub name: String,
}

/// An event sent (or being sent) to an integration.
#[derive(Debug, Serialize, ToSchema)]
pub struct Delivery {
    pub integration: Option<i64>,
    /// `trigger`, `acknowledge` or `resolve`.
    pub action: Option<String>,
    /// `queued`, `done` or `failed`.
    pub status: String,
    pub attempts: u32,
    pub last_error: Option<String>,
    pub next_attempt_at: Option<jiff::Timestamp>,
}

/// The API's view of an incident.
pub fn incident_json(i: &Incident) -> IncidentView {
    IncidentView {
        id: i.id,
        title: i.title.clone(),
        status: i.status,
        severity: i.severity,
        team: i.team,
        line: i.line,
        caller_number: i.caller_number.clone(),
        assignee: i.assignee,
        created_at: i.created_at,
        acknowledged_at: i.acknowledged_at,
        resolved_at: i.resolved_at,
    }
}
