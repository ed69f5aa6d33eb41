//! Accounts: who may log in, with which rights, and the rules of their sessions.
//!
//! A user is a responder; a user with a password (or, later, a single-sign-on identity) is
//! also an account. Everything here is pure: hashing the password and reading the clock are
//! the server's, deciding what is allowed is here.

mod access;
mod password;
mod team;

pub use access::{Access, Denied};
pub use password::{check_password, MIN_PASSWORD_CHARS};
pub use team::{team_name, Team};

use crate::UserId;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

/// What an account may do.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Acts on their teams' lines, calls and schedules.
    Member,
    /// Sees and changes everything except admins and single sign-on.
    Admin,
    /// Everything, including who is an admin.
    Owner,
}

impl Role {
    /// The stored and shown name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Member => "member",
            Role::Admin => "admin",
            Role::Owner => "owner",
        }
    }

    /// Parses a stored or given name.
    pub fn parse(s: &str) -> Option<Role> {
        [Role::Member, Role::Admin, Role::Owner]
            .into_iter()
            .find(|r| r.as_str() == s)
    }
}

/// How long a session lasts without a request.
pub const SESSION_IDLE: SignedDuration = SignedDuration::from_hours(12);
/// How long a session lasts at most, however busy.
pub const SESSION_ABSOLUTE: SignedDuration = SignedDuration::from_hours(24 * 7);
/// How long a first-run setup link stays valid.
pub const SETUP_LINK_VALID: SignedDuration = SignedDuration::from_hours(1);

/// A logged-in browser, as stored (its id only as a hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub user_id: UserId,
    /// The token a state-changing request made with this session must carry.
    pub csrf: String,
    pub created_at: Timestamp,
    pub last_seen_at: Timestamp,
}

impl Session {
    /// Whether the session still admits a request at `now`: neither idle too long nor too old.
    pub fn is_live(&self, now: Timestamp) -> bool {
        now < self.last_seen_at + SESSION_IDLE && now < self.created_at + SESSION_ABSOLUTE
    }
}

/// Failed logins that close the door for a while.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Throttle {
    /// Failures counted…
    pub limit: u64,
    /// …within this window.
    pub window: SignedDuration,
}

/// Per account: five wrong passwords in fifteen minutes.
pub const ACCOUNT_THROTTLE: Throttle = Throttle {
    limit: 5,
    window: SignedDuration::from_mins(15),
};
/// Per address: twenty failures in fifteen minutes, whatever the accounts tried.
pub const ADDRESS_THROTTLE: Throttle = Throttle {
    limit: 20,
    window: SignedDuration::from_mins(15),
};

impl Throttle {
    /// Since when failures count at `now`.
    pub fn since(&self, now: Timestamp) -> Timestamp {
        now - self.window
    }

    /// Whether `failures` in the window close the door.
    pub fn closed(&self, failures: u64) -> bool {
        failures >= self.limit
    }
}

#[cfg(test)]
#[path = "account_tests.rs"]
mod tests;
