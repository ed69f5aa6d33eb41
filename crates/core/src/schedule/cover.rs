//! Cover requests: a responder asks someone to take a span of their time on a schedule (a
//! shift, or part of one). Accepted, it becomes an override for the coverer that records whom
//! they cover; declined or withdrawn, it changes nothing. A request is decided once.

use super::{Override, ScheduleId, SANE_YEARS};
use crate::{DomainError, UserId};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// Where a request is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CoverStatus {
    Pending,
    Accepted,
    Declined,
    Withdrawn,
}

impl CoverStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Accepted => "accepted",
            Self::Declined => "declined",
            Self::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::Pending,
            Self::Accepted,
            Self::Declined,
            Self::Withdrawn,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
    }
}

/// A request as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct CoverRequest {
    pub id: i64,
    pub schedule: ScheduleId,
    /// Who asks to be covered.
    pub requester: UserId,
    /// Who is asked to take the time.
    pub coverer: UserId,
    pub start: Timestamp,
    pub end: Timestamp,
    pub note: String,
    pub status: CoverStatus,
    pub created_at: Timestamp,
    pub decided_at: Option<Timestamp>,
}

/// A request, checked, before it is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCoverRequest {
    pub schedule: ScheduleId,
    pub requester: UserId,
    pub coverer: UserId,
    pub start: Timestamp,
    pub end: Timestamp,
    pub note: String,
}

impl NewCoverRequest {
    /// Checks the request, naming the field at fault.
    pub fn validate(self) -> Result<Self, DomainError> {
        if self.coverer == self.requester {
            return Err(DomainError::new(
                "coverer",
                "must be someone else than the person asking",
            ));
        }
        for (k, t) in [("start", self.start), ("end", self.end)] {
            let year = t.to_zoned(jiff::tz::TimeZone::UTC).year();
            if !SANE_YEARS.contains(&year) {
                return Err(DomainError::new(
                    k,
                    format!(
                        "must be between the years {} and {}",
                        SANE_YEARS.start(),
                        SANE_YEARS.end()
                    ),
                ));
            }
        }
        if self.end <= self.start {
            return Err(DomainError::new("end", "must be after the start"));
        }
        if (self.end - self.start).get_seconds() > 90 * 86_400 {
            return Err(DomainError::new("end", "a request covers at most 90 days"));
        }
        if self.note.chars().count() > 1000 {
            return Err(DomainError::new("note", "at most 1000 characters"));
        }
        Ok(self)
    }
}

impl CoverRequest {
    /// The override an accepted request becomes: the coverer, over the span, covering the
    /// requester.
    pub fn as_override(&self) -> Override {
        Override {
            id: 0,
            user: self.coverer,
            start: self.start,
            end: self.end,
            covering: Some(self.requester),
            add: false,
        }
    }

    /// Whether it can still be decided.
    pub fn decide(&self, to: CoverStatus) -> Result<(), DomainError> {
        if self.status != CoverStatus::Pending {
            return Err(DomainError::new(
                "status",
                format!("the request is {} already", self.status.as_str()),
            ));
        }
        if to == CoverStatus::Pending {
            return Err(DomainError::new("status", "a decision is needed"));
        }
        Ok(())
    }
}
