//! Teams: a name, and the people in it. A team owns lines, schedules and chat channels.

use crate::{DomainError, TeamId, UserId};
use jiff::Timestamp;

/// A team as stored, with its members.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Team {
    pub id: TeamId,
    pub name: String,
    pub members: Vec<UserId>,
    pub created_at: Timestamp,
}

/// A team's validated name.
pub fn team_name(raw: &str) -> Result<String, DomainError> {
    crate::name::checked("name", raw).map(str::to_owned)
}
