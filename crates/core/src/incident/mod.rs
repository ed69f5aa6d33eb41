//! Incidents: something being handled, with a status that only moves forward
//! (`triggered` → `acknowledged` → `resolved`), a severity, an owning team, an assignee, the
//! calls linked to it and a timeline of every change and who made it.
//!
//! Every change is a pure function here: it takes the stored incident, changes it in place
//! and returns the [`Change`] to store with it in one transaction (its timeline lines, and
//! what the tools the team already uses must be told). [`auto`] decides the incidents calls
//! open by themselves.

use crate::{CallId, DomainError, IncidentId, LineId, TeamId, UserId};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

pub mod auto;
pub mod integration;
#[cfg(test)]
mod tests;

/// Where an incident is in its life. It only moves forward.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Triggered,
    Acknowledged,
    Resolved,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Triggered => "triggered",
            Self::Acknowledged => "acknowledged",
            Self::Resolved => "resolved",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Triggered, Self::Acknowledged, Self::Resolved]
            .into_iter()
            .find(|x| x.as_str() == s)
    }
}

/// How bad it is (PagerDuty's `critical`, `error`, `warning`, `info`).
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Critical,
    #[default]
    High,
    Medium,
    Low,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Critical => "critical",
            Self::High => "high",
            Self::Medium => "medium",
            Self::Low => "low",
        }
    }

    pub fn parse(s: &str) -> Result<Self, DomainError> {
        [Self::Critical, Self::High, Self::Medium, Self::Low]
            .into_iter()
            .find(|x| x.as_str() == s)
            .ok_or_else(|| {
                DomainError::new(
                    "severity",
                    format!("'{s}' is not one of: critical, high, medium, low"),
                )
            })
    }
}

/// Who made a change: a person, or Switchboard itself (a call that opened or acknowledged
/// an incident names the responder in the message).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Actor {
    pub user: Option<UserId>,
    /// As the timeline shows it: "Alice", "Alice (from Slack)", "Switchboard".
    pub name: String,
}

impl Actor {
    pub fn user(id: UserId, name: &str) -> Self {
        Self {
            user: Some(id),
            name: name.to_owned(),
        }
    }

    pub fn system() -> Self {
        Self {
            user: None,
            name: "Switchboard".to_owned(),
        }
    }
}

/// One line of an incident's timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TimelineEntry {
    pub at: Timestamp,
    pub actor: Actor,
    pub kind: EntryKind,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    Opened,
    Acknowledged,
    Resolved,
    Assigned,
    Severity,
    Title,
    Note,
    Linked,
    Unlinked,
}

impl EntryKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Opened => "opened",
            Self::Acknowledged => "acknowledged",
            Self::Resolved => "resolved",
            Self::Assigned => "assigned",
            Self::Severity => "severity",
            Self::Title => "title",
            Self::Note => "note",
            Self::Linked => "linked",
            Self::Unlinked => "unlinked",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        use EntryKind::*;
        [
            Opened,
            Acknowledged,
            Resolved,
            Assigned,
            Severity,
            Title,
            Note,
            Linked,
            Unlinked,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
    }
}

/// An incident as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Incident {
    pub id: IncidentId,
    pub title: String,
    pub status: Status,
    pub severity: Severity,
    /// The owning team (`None`: only admins see it), taken from the line it came from.
    pub team: Option<TeamId>,
    /// The line whose call opened it, if one did.
    pub line: Option<LineId>,
    /// The caller it is about, for linking their next call to it.
    pub caller_number: Option<String>,
    pub assignee: Option<UserId>,
    pub created_at: Timestamp,
    pub acknowledged_at: Option<Timestamp>,
    pub resolved_at: Option<Timestamp>,
    /// When a call was last linked to it (a repeat caller within the line's window joins it).
    pub last_call_at: Option<Timestamp>,
    /// Optimistic concurrency: a change is stored only over the version it was read at.
    pub version: i64,
}

/// What the tools the team already uses must be told about a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Notify {
    Trigger,
    Acknowledge,
    Resolve,
}

impl Notify {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Trigger => "trigger",
            Self::Acknowledge => "acknowledge",
            Self::Resolve => "resolve",
        }
    }
}

/// What one change produced, stored with the incident in one transaction.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Change {
    pub timeline: Vec<TimelineEntry>,
    /// Calls to link (`true`) or unlink (`false`).
    pub links: Vec<(CallId, bool)>,
    /// In order: an incident opened and acknowledged at once is triggered, then acknowledged.
    pub notify: Vec<Notify>,
}

impl Change {
    fn entry(&mut self, at: Timestamp, actor: &Actor, kind: EntryKind, message: String) {
        self.timeline.push(TimelineEntry {
            at,
            actor: actor.clone(),
            kind,
            message,
        });
    }
}

/// A title: 1 to 200 characters, not blank.
pub fn check_title(title: &str) -> Result<String, DomainError> {
    let t = title.trim();
    if t.is_empty() || t.chars().count() > 200 {
        return Err(DomainError::new("title", "must be 1 to 200 characters"));
    }
    Ok(t.to_owned())
}

/// A new incident, not yet stored (its `id` and `version` are set by the store).
pub struct Opening {
    pub title: String,
    pub severity: Severity,
    pub team: Option<TeamId>,
    pub line: Option<LineId>,
    pub caller_number: Option<String>,
    pub assignee: Option<UserId>,
    /// Calls linked from the start.
    pub calls: Vec<CallId>,
}

/// Opens an incident by `by` at `now`: triggered, with its first timeline line.
pub fn open(o: Opening, by: &Actor, now: Timestamp) -> Result<(Incident, Change), DomainError> {
    let title = check_title(&o.title)?;
    let inc = Incident {
        id: IncidentId(0),
        title: title.clone(),
        status: Status::Triggered,
        severity: o.severity,
        team: o.team,
        line: o.line,
        caller_number: o.caller_number,
        assignee: o.assignee,
        created_at: now,
        acknowledged_at: None,
        resolved_at: None,
        last_call_at: (!o.calls.is_empty()).then_some(now),
        version: 0,
    };
    let mut c = Change {
        notify: vec![Notify::Trigger],
        ..Change::default()
    };
    c.entry(now, by, EntryKind::Opened, format!("Opened: {title}"));
    for call in o.calls {
        c.links.push((call, true));
        c.entry(now, by, EntryKind::Linked, format!("Linked call {call}"));
    }
    Ok((inc, c))
}

impl Incident {
    pub fn is_open(&self) -> bool {
        self.status != Status::Resolved
    }

    /// Acknowledged by `by`: someone is on it. Only a triggered incident can be.
    pub fn acknowledge(&mut self, by: &Actor, now: Timestamp) -> Result<Change, DomainError> {
        match self.status {
            Status::Triggered => {}
            Status::Acknowledged => {
                return Err(DomainError::new("status", "is acknowledged already"))
            }
            Status::Resolved => return Err(DomainError::new("status", "is resolved already")),
        }
        self.status = Status::Acknowledged;
        self.acknowledged_at = Some(now);
        let mut c = Change {
            notify: vec![Notify::Acknowledge],
            ..Change::default()
        };
        c.entry(
            now,
            by,
            EntryKind::Acknowledged,
            format!("Acknowledged by {}", by.name),
        );
        Ok(c)
    }

    /// Resolved by `by`: handled. A triggered incident may be resolved directly.
    pub fn resolve(&mut self, by: &Actor, now: Timestamp) -> Result<Change, DomainError> {
        if self.status == Status::Resolved {
            return Err(DomainError::new("status", "is resolved already"));
        }
        self.status = Status::Resolved;
        self.resolved_at = Some(now);
        let mut c = Change {
            notify: vec![Notify::Resolve],
            ..Change::default()
        };
        c.entry(
            now,
            by,
            EntryKind::Resolved,
            format!("Resolved by {}", by.name),
        );
        Ok(c)
    }

    /// A new status through the API: forward only, one step or two.
    pub fn set_status(
        &mut self,
        to: Status,
        by: &Actor,
        now: Timestamp,
    ) -> Result<Change, DomainError> {
        match (self.status, to) {
            (a, b) if a == b => Ok(Change::default()),
            (_, Status::Triggered) | (Status::Resolved, _) => Err(DomainError::new(
                "status",
                format!(
                    "cannot go from {} back to {}; open a new incident instead",
                    self.status.as_str(),
                    to.as_str()
                ),
            )),
            (_, Status::Acknowledged) => self.acknowledge(by, now),
            (_, Status::Resolved) => self.resolve(by, now),
        }
    }

    /// Assigned to `to` (`None`: nobody), named `to_name`.
    pub fn assign(
        &mut self,
        to: Option<UserId>,
        to_name: &str,
        by: &Actor,
        now: Timestamp,
    ) -> Change {
        let mut c = Change::default();
        if self.assignee != to {
            self.assignee = to;
            let msg = match to {
                Some(_) => format!("Assigned to {to_name}"),
                None => "Unassigned".to_owned(),
            };
            c.entry(now, by, EntryKind::Assigned, msg);
        }
        c
    }

    pub fn set_severity(&mut self, to: Severity, by: &Actor, now: Timestamp) -> Change {
        let mut c = Change::default();
        if self.severity != to {
            let msg = format!("Severity {} → {}", self.severity.as_str(), to.as_str());
            self.severity = to;
            c.entry(now, by, EntryKind::Severity, msg);
        }
        c
    }

    pub fn retitle(&mut self, to: &str, by: &Actor, now: Timestamp) -> Result<Change, DomainError> {
        let to = check_title(to)?;
        let mut c = Change::default();
        if self.title != to {
            c.entry(now, by, EntryKind::Title, format!("Title: {to}"));
            self.title = to;
        }
        Ok(c)
    }

    /// Triggered again, with `why` on the timeline: the integrations are told once more (a
    /// message left after hours that nobody handled by the time the line opened). Only a
    /// triggered incident is: an acknowledged or resolved one was handled.
    pub fn remind(&self, why: &str, now: Timestamp) -> Option<Change> {
        if self.status != Status::Triggered {
            return None;
        }
        let mut c = Change {
            notify: vec![Notify::Trigger],
            ..Change::default()
        };
        c.entry(now, &Actor::system(), EntryKind::Note, why.to_owned());
        Some(c)
    }

    /// A note on the timeline (1 to 5,000 characters).
    pub fn note(&self, text: &str, by: &Actor, now: Timestamp) -> Result<Change, DomainError> {
        let t = text.trim();
        if t.is_empty() || t.chars().count() > 5000 {
            return Err(DomainError::new("note", "must be 1 to 5000 characters"));
        }
        let mut c = Change::default();
        c.entry(now, by, EntryKind::Note, t.to_owned());
        Ok(c)
    }

    /// Links `call` (a call may be linked to an open incident only).
    pub fn link(
        &mut self,
        call: CallId,
        by: &Actor,
        now: Timestamp,
    ) -> Result<Change, DomainError> {
        if !self.is_open() {
            return Err(DomainError::new(
                "incident",
                "is resolved: link the call to an open incident, or open a new one",
            ));
        }
        self.last_call_at = Some(now);
        let mut c = Change::default();
        c.links.push((call, true));
        c.entry(now, by, EntryKind::Linked, format!("Linked call {call}"));
        Ok(c)
    }

    pub fn unlink(&mut self, call: CallId, by: &Actor, now: Timestamp) -> Change {
        let mut c = Change::default();
        c.links.push((call, false));
        c.entry(
            now,
            by,
            EntryKind::Unlinked,
            format!("Unlinked call {call}"),
        );
        c
    }
}

impl Change {
    /// Both changes, in order.
    pub fn and(mut self, other: Change) -> Change {
        self.timeline.extend(other.timeline);
        self.links.extend(other.links);
        self.notify.extend(other.notify);
        self
    }
}
