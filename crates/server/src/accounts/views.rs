//! What the accounts API answers: who is logged in, their sessions, their API tokens, and the
//! audit trail.

use crate::api::users::UserView;
use serde::Serialize;
use switchboard_core::{TeamId, UserId};
use utoipa::ToSchema;

/// A login or the first owner's setup: the user, and the CSRF token a browser sends back in
/// `X-CSRF-Token` with every change (the session itself is the `Set-Cookie`).
#[derive(Debug, Serialize, ToSchema)]
pub struct LoggedIn {
    pub user: UserView,
    pub csrf_token: String,
}

/// `GET /me`: who the request is from.
#[derive(Debug, Serialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Me {
    /// A logged-in person, with the teams they belong to.
    Session { user: UserView, teams: Vec<TeamId> },
    /// An API token (`user_id` null: an owner-level token made on the command line).
    Token {
        token_id: i64,
        user_id: Option<UserId>,
        read_only: bool,
    },
}

/// One of the requester's live sessions.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionView {
    /// A name for the session, for ending it (not the session's secret).
    pub id: String,
    pub created_at: jiff::Timestamp,
    pub last_seen_at: jiff::Timestamp,
    /// Whether it is the session this request came with.
    pub current: bool,
}

/// `{"sessions": [...]}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionList {
    pub sessions: Vec<SessionView>,
}

/// An API token (never its secret, but once, when made).
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenView {
    pub id: i64,
    pub name: String,
    /// Whose rights it carries (`null`: an owner-level token made on the command line).
    pub user_id: Option<UserId>,
    pub read_only: bool,
    pub expires_at: Option<jiff::Timestamp>,
    pub last_used_at: Option<jiff::Timestamp>,
    pub created_at: jiff::Timestamp,
    /// The token itself: in the answer that makes it only. Send it as
    /// `Authorization: Bearer …`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(examples("sb_…"))]
    pub token: Option<String>,
}

/// `{"tokens": [...]}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenList {
    pub tokens: Vec<TokenView>,
}

/// One audited action.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntryView {
    pub id: i64,
    pub at: jiff::Timestamp,
    /// Who acted, in words.
    pub actor: String,
    pub actor_user: Option<UserId>,
    pub address: Option<String>,
    /// A route (`PATCH /lines/{id}`) or a named action (`login`, `download recording`…).
    pub action: String,
    /// What it was done to (`lines/3`).
    pub target: Option<String>,
    /// The answer's HTTP status.
    pub status: u16,
    /// The resource before the change, secrets masked.
    pub before: Option<serde_json::Value>,
    /// The resource after the change, secrets masked.
    pub after: Option<serde_json::Value>,
}

/// `GET /audit`: a page, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditList {
    pub entries: Vec<AuditEntryView>,
    /// Pass as `before` for the next page; `null` on the last one.
    pub next_before: Option<i64>,
}
