//! The persistence port. `switchboard-store` implements it for SQLite (and PostgreSQL); the
//! server only ever sees `dyn Store`.
//!
//! The trait is shaped around what the application does (start a call, save a call's step
//! with its log, claim a job), not generic CRUD, so each operation is one transaction.

use crate::account::{Role, Session};
use crate::call::{Call, CallEvent, Outcome, Recording, RecordingReport};
use crate::channel::{Channel, ChannelId, NewChannel};
use crate::line::{Line, NewLine, TestMode};
use crate::schedule::{Schedule, ScheduleId};
use crate::user::{NewUser, User};
use crate::{CallId, LineId, RecordingId, TeamId, UserId};
use async_trait::async_trait;
use jiff::Timestamp;

/// What can go wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The row does not exist.
    #[error("not found")]
    NotFound,
    /// Another row already has this unique value (`field`: `email`, `number`, …).
    #[error("another row already has this {field}")]
    Duplicate { field: &'static str },
    /// The row changed since it was read (optimistic concurrency); read it again and retry.
    #[error("conflict: {0}")]
    Conflict(String),
    /// The database failed or is unreachable.
    #[error("database error: {0}")]
    Backend(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// Result alias for store operations.
pub type StoreResult<T> = Result<T, StoreError>;

/// Filters for listing calls.
#[derive(Debug, Clone, Default)]
pub struct CallFilter {
    pub line: Option<LineId>,
    /// Only calls to lines of the teams this user is in (a member's view).
    pub member: Option<UserId>,
    pub outcome: Option<Outcome>,
    /// Only calls whose caller number contains this text.
    pub caller: Option<String>,
    /// Only calls whose caller number or name, or voicemail transcript, contains this text
    /// (any case).
    pub text: Option<String>,
    pub since: Option<Timestamp>,
    pub until: Option<Timestamp>,
    pub include_archived: bool,
    /// Leave out calls made in test mode.
    pub exclude_test: bool,
    /// Only calls this responder answered.
    pub answered_by: Option<UserId>,
    /// Only calls with an id higher than this (what came since a page was drawn).
    pub after: Option<CallId>,
    /// Only calls with an id lower than this (for paging, newest first).
    pub before: Option<CallId>,
    pub limit: u32,
}

/// One recorded stretch of a schedule's history: who was on call (`None`: nobody) and why
/// (the source's label, such as `layer:weekly`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryShift {
    pub start: Timestamp,
    pub end: Timestamp,
    /// Who was on call, in order; empty for a gap.
    pub users: Vec<UserId>,
    pub source: Option<String>,
}

/// Which incidents to list, newest first.
#[derive(Debug, Clone, Default)]
pub struct IncidentFilter {
    pub status: Option<crate::incident::Status>,
    /// Leave out resolved incidents.
    pub open_only: bool,
    pub team: Option<TeamId>,
    pub line: Option<LineId>,
    /// Only incidents of the teams this user is in (a member's view).
    pub member: Option<UserId>,
    /// Opened at or after this instant.
    pub since: Option<Timestamp>,
    /// Opened before this instant.
    pub until: Option<Timestamp>,
    /// Only incidents with a lower id (for paging).
    pub before: Option<crate::IncidentId>,
    pub limit: u32,
}

/// A queued background job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    pub id: i64,
    pub kind: String,
    pub payload: serde_json::Value,
    pub attempts: u32,
}

/// What a background job does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JobKind {
    /// Download a recording's media into our storage.
    FetchRecording,
    /// Post a call's chat alert to one channel.
    Alert,
    /// Tell one integration about a status change of an incident.
    IncidentEvent,
    /// Tell a person, by a Slack direct message, about a cover request (asked, or decided).
    CoverNotice,
    /// Make a voicemail's transcript (or wait for the carrier's).
    Transcribe,
    /// When a line opens again: alert again about a message left after hours, unless someone
    /// handled it meanwhile.
    Reminder,
}

impl JobKind {
    /// The name stored in the jobs table.
    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::FetchRecording => "fetch_recording",
            JobKind::Alert => "alert",
            JobKind::IncidentEvent => "incident_event",
            JobKind::CoverNotice => "cover_notice",
            JobKind::Transcribe => "transcribe",
            JobKind::Reminder => "reminder",
        }
    }

    /// Parses a stored name (`None` for a kind this version does not know).
    pub fn parse(s: &str) -> Option<Self> {
        [
            JobKind::FetchRecording,
            JobKind::Alert,
            JobKind::IncidentEvent,
            JobKind::CoverNotice,
            JobKind::Transcribe,
            JobKind::Reminder,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// A job to queue together with a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewJob {
    pub kind: JobKind,
    pub payload: serde_json::Value,
    /// The call the job is about, so its delivery shows in the call log.
    pub call: Option<CallId>,
    /// Jobs of one queue run one at a time, in the order they were queued: a later one waits
    /// while an earlier one is queued or retrying (not once it failed for good).
    pub queue: Option<String>,
    /// Not before this instant (`None`: as soon as it is queued).
    pub run_at: Option<Timestamp>,
}

impl NewJob {
    /// At `at`, when the line of `call` opens again: alert again about the message left
    /// after hours, unless it was handled.
    pub fn reminder(call: CallId, at: Timestamp) -> Self {
        NewJob {
            kind: JobKind::Reminder,
            payload: serde_json::json!({ "call": call }),
            call: Some(call),
            queue: None,
            run_at: Some(at),
        }
    }

    /// The reminder alert of `call` for `channel` (a new message, never an edit).
    pub fn reminder_alert(call: CallId, channel: ChannelId) -> Self {
        NewJob {
            kind: JobKind::Alert,
            payload: serde_json::json!({ "call": call, "channel": channel, "reminder": true }),
            call: Some(call),
            queue: Some(format!("alert/{channel}/{call}")),
            run_at: None,
        }
    }

    /// The chat alert of `call` for `channel`, after the call. A Slack app channel updates
    /// the message its ringing notice became, so both run in order.
    pub fn alert(call: CallId, channel: ChannelId) -> Self {
        NewJob {
            kind: JobKind::Alert,
            payload: serde_json::json!({ "call": call, "channel": channel }),
            call: Some(call),
            queue: Some(format!("alert/{channel}/{call}")),
            run_at: None,
        }
    }

    /// The "ringing now" notice of a new call for `channel` (Slack app channels post it;
    /// the others wait for the call's end), queued with the call itself.
    pub fn ringing(channel: ChannelId) -> Self {
        NewJob {
            kind: JobKind::Alert,
            payload: serde_json::json!({ "channel": channel, "ringing": true }),
            call: None,
            queue: Some(format!("alert/{channel}/{{call}}")),
            run_at: None,
        }
    }

    /// The "ringing now" notice of `call`, stored already, for `channel` (a call let through
    /// a PIN gate).
    pub fn ringing_of(call: CallId, channel: ChannelId) -> Self {
        NewJob {
            kind: JobKind::Alert,
            payload: serde_json::json!({ "call": call, "channel": channel, "ringing": true }),
            call: Some(call),
            queue: Some(format!("alert/{channel}/{call}")),
            run_at: None,
        }
    }

    /// Redraws a Slack app channel's message of `call` (its incident changed).
    pub fn refresh(call: CallId, channel: ChannelId) -> Self {
        NewJob {
            kind: JobKind::Alert,
            payload: serde_json::json!({ "call": call, "channel": channel, "refresh": true }),
            call: Some(call),
            queue: Some(format!("alert/{channel}/{call}")),
            run_at: None,
        }
    }

    /// Telling `to` about cover request `request`: `asked` (to the person asked), `accepted`
    /// or `declined` (to the one who asked).
    pub fn cover_notice(request: i64, to: crate::UserId, what: &str) -> Self {
        NewJob {
            kind: JobKind::CoverNotice,
            payload: serde_json::json!({ "request": request, "to": to, "what": what }),
            call: None,
            queue: Some(format!("cover/{request}")),
            run_at: None,
        }
    }

    /// The transcript of voicemail `recording` of `call`.
    pub fn transcribe(call: CallId, recording: RecordingId) -> Self {
        NewJob {
            kind: JobKind::Transcribe,
            payload: serde_json::json!({ "recording": recording }),
            call: Some(call),
            queue: None,
            run_at: None,
        }
    }

    /// The download of recording `recording` of `call`.
    pub fn fetch_recording(call: CallId, recording: RecordingId) -> Self {
        NewJob {
            kind: JobKind::FetchRecording,
            payload: serde_json::json!({ "recording": recording }),
            call: Some(call),
            queue: None,
            run_at: None,
        }
    }

    /// Telling `integration` that `incident` was triggered, acknowledged or resolved. The
    /// events of one incident reach one integration in order.
    pub fn incident_event(
        incident: crate::IncidentId,
        integration: crate::incident::integration::IntegrationId,
        action: crate::incident::Notify,
    ) -> Self {
        NewJob {
            kind: JobKind::IncidentEvent,
            payload: serde_json::json!({
                "incident": incident, "integration": integration, "action": action,
            }),
            call: None,
            queue: Some(format!("incident/{incident}/integration/{integration}")),
            run_at: None,
        }
    }
}

/// What became of a job (for the call log).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobStatus {
    pub id: i64,
    pub kind: String,
    pub payload: serde_json::Value,
    /// `queued`, `done` or `failed`.
    pub status: String,
    pub attempts: u32,
    pub last_error: Option<String>,
    /// When it runs next (queued) or last became due.
    pub run_at: Timestamp,
}

impl JobStatus {
    /// Whether this is a call's alert after it ended (not a ringing notice or the redraw of
    /// a Slack app message).
    pub fn is_call_alert(&self) -> bool {
        self.kind == JobKind::Alert.as_str()
            && self.payload.get("ringing").is_none()
            && self.payload.get("refresh").is_none()
    }
}

/// An API token as stored (the secret itself is never stored, only its hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiToken {
    pub id: i64,
    pub name: String,
    /// Whose rights it carries; `None`: a token made with `switchboard token create` (or before
    /// accounts existed), with an owner's rights.
    pub user_id: Option<UserId>,
    /// Refused for any request that changes something.
    pub read_only: bool,
    pub expires_at: Option<Timestamp>,
    /// When it was last used (to the minute).
    pub last_used_at: Option<Timestamp>,
    pub created_at: Timestamp,
}

/// A token to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewApiToken {
    pub name: String,
    pub user_id: Option<UserId>,
    pub read_only: bool,
    pub expires_at: Option<Timestamp>,
}

impl NewApiToken {
    /// An owner-level token without expiry (the `token create` command).
    pub fn owner_level(name: &str) -> Self {
        NewApiToken {
            name: name.to_owned(),
            user_id: None,
            read_only: false,
            expires_at: None,
        }
    }

    /// Whether `t` (this token, stored) admits a request at `now`.
    pub fn live(t: &ApiToken, now: Timestamp) -> bool {
        t.expires_at.is_none_or(|e| now < e)
    }
}

/// A schedule as stored, with its feed secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSchedule {
    /// The schedule; its `id` is always set.
    pub schedule: Schedule,
    pub id: ScheduleId,
    pub feed_token: String,
    /// The team that owns the schedule; `None`: no team, only admins see it.
    pub team: Option<crate::TeamId>,
    pub created_at: Timestamp,
    /// Bumped by every update; an update must name the version it started from.
    pub version: i64,
}

/// A line being set up, as stored: whose it is, and the line it became once created.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredDraft {
    pub id: i64,
    pub user: UserId,
    pub draft: crate::draft::LineDraft,
    pub line: Option<LineId>,
}

/// Everything Switchboard stores.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Checks that the database answers and can take a write (what `/readyz` reports).
    async fn ping(&self) -> StoreResult<()>;

    async fn create_user(&self, user: &NewUser, now: Timestamp) -> StoreResult<User>;
    async fn get_user(&self, id: UserId) -> StoreResult<User>;
    async fn list_users(&self) -> StoreResult<Vec<User>>;
    async fn update_user(&self, id: UserId, user: &NewUser) -> StoreResult<User>;
    /// The hash of the PIN a user calls back as a hotline with, if they set one.
    async fn callback_pin(&self, id: UserId) -> StoreResult<Option<String>>;
    /// The caller of `line`'s most recent call nobody answered, not a call back.
    async fn last_unanswered_caller(&self, line: LineId) -> StoreResult<Option<String>>;
    async fn delete_user(&self, id: UserId) -> StoreResult<()>;

    /// Creates an account: a user with a role and a password hash.
    async fn create_account(
        &self,
        user: &NewUser,
        role: Role,
        password_hash: &str,
        now: Timestamp,
    ) -> StoreResult<User>;
    /// The first owner, through a first-run setup link, in one transaction: the link is used
    /// up (not found when unknown, used or expired at `now`), no account may exist yet
    /// (conflict otherwise), and a user with the same email becomes the owner.
    async fn setup_owner(
        &self,
        link_hash: &str,
        user: &NewUser,
        password_hash: &str,
        now: Timestamp,
    ) -> StoreResult<User>;
    /// The user with this email (case-insensitive) and their password hash, if any.
    async fn user_login(&self, email: &str) -> StoreResult<(User, Option<String>)>;
    async fn set_password(&self, id: UserId, password_hash: Option<&str>) -> StoreResult<()>;
    /// Changes a user's role; a conflict (and nothing changed) when it would leave no owner
    /// while owners exist.
    async fn set_role(&self, id: UserId, role: Role) -> StoreResult<User>;
    /// How many users can log in.
    async fn count_accounts(&self) -> StoreResult<u64>;
    async fn create_setup_link(&self, hash: &str, expires_at: Timestamp) -> StoreResult<()>;

    /// Stores a new session under the hash of its id.
    async fn create_session(&self, id_hash: &str, session: &Session) -> StoreResult<()>;
    async fn get_session(&self, id_hash: &str) -> StoreResult<Session>;
    async fn touch_session(&self, id_hash: &str, now: Timestamp) -> StoreResult<()>;
    async fn delete_session(&self, id_hash: &str) -> StoreResult<()>;
    /// Removes sessions idle since before `idle_since` or made before `made_since`.
    async fn delete_expired_sessions(
        &self,
        idle_since: Timestamp,
        made_since: Timestamp,
    ) -> StoreResult<u64>;
    /// A user's sessions with the hashes of their ids, newest first.
    async fn list_user_sessions(&self, id: UserId) -> StoreResult<Vec<(String, Session)>>;
    /// Ends every session of a user; returns how many there were.
    async fn delete_user_sessions(&self, id: UserId) -> StoreResult<u64>;
    /// Counts a failed login against each of `keys` (an account, an address), and forgets
    /// failures from before `forget_before`.
    async fn note_login_failure(
        &self,
        keys: &[String],
        at: Timestamp,
        forget_before: Timestamp,
    ) -> StoreResult<()>;
    async fn count_login_failures(&self, key: &str, since: Timestamp) -> StoreResult<u64>;
    async fn clear_login_failures(&self, key: &str) -> StoreResult<()>;

    async fn create_team(&self, name: &str, now: Timestamp) -> StoreResult<crate::account::Team>;
    async fn get_team(&self, id: crate::TeamId) -> StoreResult<crate::account::Team>;
    async fn list_teams(&self) -> StoreResult<Vec<crate::account::Team>>;
    async fn rename_team(&self, id: crate::TeamId, name: &str)
        -> StoreResult<crate::account::Team>;
    /// Deletes a team that owns nothing; `Conflict` naming what it still owns otherwise.
    async fn delete_team(&self, id: crate::TeamId) -> StoreResult<()>;
    /// Adds a member (nothing changes when they are one already).
    async fn add_team_member(&self, team: crate::TeamId, user: UserId) -> StoreResult<()>;
    /// Removes a member; `NotFound` when they were not one.
    async fn remove_team_member(&self, team: crate::TeamId, user: UserId) -> StoreResult<()>;
    /// Keeps a single sign-on login under way (the hash of its state, its PKCE verifier and
    /// nonce), forgetting those started before `forget_before`.
    async fn create_sso_login(
        &self,
        state_hash: &str,
        verifier: &str,
        nonce: &str,
        now: Timestamp,
        forget_before: Timestamp,
    ) -> StoreResult<()>;
    /// Takes (removes and returns) the verifier and nonce of a login started at or after
    /// `not_before`; `NotFound` when there is none (unknown, used or expired).
    async fn take_sso_login(
        &self,
        state_hash: &str,
        not_before: Timestamp,
    ) -> StoreResult<(String, String)>;

    async fn create_draft(
        &self,
        user: UserId,
        draft: &crate::draft::LineDraft,
        now: Timestamp,
    ) -> StoreResult<i64>;
    async fn get_draft(&self, id: i64) -> StoreResult<StoredDraft>;
    async fn save_draft(
        &self,
        id: i64,
        draft: &crate::draft::LineDraft,
        line: Option<LineId>,
    ) -> StoreResult<()>;

    /// Appends an entry to the audit trail (which nothing changes or removes).
    async fn append_audit(&self, entry: &crate::audit::AuditEntry) -> StoreResult<()>;
    /// Audit entries with their ids, newest first.
    async fn list_audit(
        &self,
        filter: &crate::audit::AuditFilter,
    ) -> StoreResult<Vec<(i64, crate::audit::AuditEntry)>>;

    /// The team owning a line, deleted or not (its calls stay visible to that team).
    async fn line_team(&self, id: LineId) -> StoreResult<Option<crate::TeamId>>;
    /// The teams a user is in.
    async fn user_teams(&self, user: UserId) -> StoreResult<Vec<crate::TeamId>>;

    /// Sets (or rotates) the secret of a user's calendar feed.
    async fn set_user_feed_token(&self, id: UserId, token: &str) -> StoreResult<()>;
    async fn user_by_feed_token(&self, token: &str) -> StoreResult<User>;

    async fn create_schedule(
        &self,
        schedule: &Schedule,
        feed_token: &str,
        team: Option<crate::TeamId>,
        now: Timestamp,
    ) -> StoreResult<StoredSchedule>;
    async fn get_schedule(&self, id: ScheduleId) -> StoreResult<StoredSchedule>;
    /// The schedule's [`StoredSchedule::version`] alone (a cache's check that it is current).
    async fn schedule_version(&self, id: ScheduleId) -> StoreResult<i64>;
    async fn list_schedules(&self) -> StoreResult<Vec<StoredSchedule>>;
    /// Replaces a schedule's name, zone, layers and overrides if it is still at `version`;
    /// otherwise `Conflict` and nothing changes.
    async fn update_schedule(
        &self,
        id: ScheduleId,
        schedule: &Schedule,
        team: Option<crate::TeamId>,
        version: i64,
    ) -> StoreResult<StoredSchedule>;
    async fn set_schedule_feed_token(&self, id: ScheduleId, token: &str) -> StoreResult<()>;
    async fn schedule_by_feed_token(&self, token: &str) -> StoreResult<StoredSchedule>;
    async fn delete_schedule(&self, id: ScheduleId) -> StoreResult<()>;

    async fn create_line(
        &self,
        line: &NewLine,
        webhook_token: &str,
        now: Timestamp,
    ) -> StoreResult<Line>;
    async fn get_line(&self, id: LineId) -> StoreResult<Line>;
    async fn get_line_by_token(&self, webhook_token: &str) -> StoreResult<Line>;
    /// A number that changes in the same transaction as any change to a line, a user or a
    /// schedule (what routes a call), made through this store or any other process: what a
    /// cache of them checks to be current.
    async fn config_version(&self) -> StoreResult<i64>;
    async fn list_lines(&self) -> StoreResult<Vec<Line>>;
    /// The lines (not deleted) that have had at least one call, archived or not.
    async fn called_lines(&self) -> StoreResult<Vec<LineId>>;
    async fn update_line(&self, id: LineId, line: &NewLine) -> StoreResult<Line>;
    async fn set_test_mode(&self, id: LineId, test_mode: Option<TestMode>) -> StoreResult<Line>;
    async fn delete_line(&self, id: LineId) -> StoreResult<()>;

    /// Inserts a new call (its `id` and `version` are ignored) with its first log lines and
    /// `jobs` about it (each gets the new call's id: as its call, as `call` in its payload,
    /// and for `{call}` in its queue). When the line already has a call with the same
    /// provider call id (a retried webhook), nothing is written and the stored call is
    /// returned with `false`.
    async fn start_call(
        &self,
        call: &Call,
        events: &[CallEvent],
        jobs: &[NewJob],
    ) -> StoreResult<(Call, bool)>;
    async fn get_call(&self, id: CallId) -> StoreResult<Call>;
    /// Stores a new text conversation once (a repeated first text finds it: `false`), with
    /// its log lines, jobs and what it asks of incidents, in one transaction.
    async fn start_conversation(
        &self,
        call: &Call,
        events: &[CallEvent],
        jobs: &[NewJob],
        incident: Option<&crate::incident::auto::CallIncident>,
    ) -> StoreResult<(Call, bool)>;
    /// Text conversations of `line` started since `since`, newest first, at most `limit`;
    /// only `sender`'s when given.
    async fn conversations(
        &self,
        line: LineId,
        sender: Option<&str>,
        since: Timestamp,
        limit: i64,
    ) -> StoreResult<Vec<Call>>;
    /// How many calls `caller_number` made to `line` since `since` (for flood protection).
    async fn count_calls_from(
        &self,
        line: LineId,
        caller_number: &str,
        since: Timestamp,
    ) -> StoreResult<u64>;
    /// The call of `line` with the provider's call id.
    async fn find_call(&self, line: LineId, provider_call_id: &str) -> StoreResult<Call>;
    async fn list_calls(&self, filter: &CallFilter) -> StoreResult<Vec<Call>>;
    /// How many calls ended how in each span between consecutive `edges` (ascending; span
    /// `i` is `[edges[i], edges[i + 1])`, e.g. the days of a chart in the viewer's zone), test
    /// calls left out: what charts count, without reading the calls, as one row per span and
    /// outcome. `member`: as in [`CallFilter::member`].
    async fn call_counts(
        &self,
        edges: &[Timestamp],
        member: Option<UserId>,
    ) -> StoreResult<Vec<(usize, Outcome, u64)>>;
    /// Saves a changed call, its new log lines and reported recordings in one transaction,
    /// if the stored version is still `call.version`; otherwise `Conflict` and nothing is
    /// written. Recordings are upserted by provider recording id; a newly reported recording
    /// with media queues a `fetch_recording` job in the same transaction. Returns the new
    /// version. `jobs` are queued in the same transaction.
    /// `incident`: what the call asks of incidents when it ended (core's decision), carried
    /// out in the same transaction: the caller's open incident on the line within the window
    /// is read there and changed, or a new one opened.
    async fn save_call(
        &self,
        call: &Call,
        events: &[CallEvent],
        recordings: &[RecordingReport],
        jobs: &[NewJob],
        incident: Option<&crate::incident::auto::CallIncident>,
        now: Timestamp,
    ) -> StoreResult<i64>;
    /// Stores a new incident (from [`crate::incident::open`]) with its change; the stored
    /// incident, with its id.
    async fn create_incident(
        &self,
        incident: &crate::incident::Incident,
        change: &crate::incident::Change,
    ) -> StoreResult<crate::incident::Incident>;
    /// Saves a changed incident with its change if it is still at the version it was read
    /// at; otherwise `Conflict` and nothing is written.
    async fn save_incident(
        &self,
        incident: &crate::incident::Incident,
        change: &crate::incident::Change,
    ) -> StoreResult<crate::incident::Incident>;
    async fn get_incident(&self, id: crate::IncidentId) -> StoreResult<crate::incident::Incident>;
    async fn list_incidents(
        &self,
        filter: &IncidentFilter,
    ) -> StoreResult<Vec<crate::incident::Incident>>;
    /// Every change of an incident, oldest first.
    async fn incident_timeline(
        &self,
        id: crate::IncidentId,
    ) -> StoreResult<Vec<crate::incident::TimelineEntry>>;
    /// The calls linked to an incident, newest first.
    async fn incident_calls(&self, id: crate::IncidentId) -> StoreResult<Vec<CallId>>;
    async fn create_integration(
        &self,
        i: &crate::incident::integration::NewIntegration,
        now: Timestamp,
    ) -> StoreResult<crate::incident::integration::Integration>;
    async fn get_integration(
        &self,
        id: crate::incident::integration::IntegrationId,
    ) -> StoreResult<crate::incident::integration::Integration>;
    async fn list_integrations(
        &self,
    ) -> StoreResult<Vec<crate::incident::integration::Integration>>;
    /// Deletes an integration; its queued events are then dropped when they run.
    async fn delete_integration(
        &self,
        id: crate::incident::integration::IntegrationId,
    ) -> StoreResult<()>;
    /// The deliveries of an incident's events to its integrations, oldest first.
    async fn incident_jobs(&self, id: crate::IncidentId) -> StoreResult<Vec<JobStatus>>;
    /// The Slack message (channel, ts) a call's alert became in a Slack app channel.
    async fn slack_message(
        &self,
        channel: ChannelId,
        call: CallId,
    ) -> StoreResult<Option<(String, String)>>;
    async fn save_slack_message(
        &self,
        channel: ChannelId,
        call: CallId,
        slack_channel: &str,
        ts: &str,
    ) -> StoreResult<()>;
    /// The user whose Slack user id is `slack_user`.
    async fn user_by_slack_id(&self, slack_user: &str) -> StoreResult<User>;
    async fn create_cover_request(
        &self,
        r: &crate::schedule::cover::NewCoverRequest,
        now: Timestamp,
    ) -> StoreResult<crate::schedule::cover::CoverRequest>;
    async fn get_cover_request(&self, id: i64)
        -> StoreResult<crate::schedule::cover::CoverRequest>;
    /// The pending cover requests asking `coverer`, oldest first (what waits for them).
    async fn cover_requests_waiting_for(
        &self,
        coverer: UserId,
    ) -> StoreResult<Vec<crate::schedule::cover::CoverRequest>>;
    /// A schedule's cover requests, newest first.
    async fn list_cover_requests(
        &self,
        schedule: ScheduleId,
    ) -> StoreResult<Vec<crate::schedule::cover::CoverRequest>>;
    /// Declines or withdraws a pending request (`Conflict` when it was decided already).
    async fn close_cover_request(
        &self,
        id: i64,
        to: crate::schedule::cover::CoverStatus,
        now: Timestamp,
    ) -> StoreResult<crate::schedule::cover::CoverRequest>;
    /// Accepts a pending request and saves the schedule's overrides (with its override) over
    /// `version`, in one transaction; `Conflict` (and nothing written) when the request was
    /// decided already or the schedule changed since.
    async fn accept_cover_request(
        &self,
        id: i64,
        schedule: &Schedule,
        version: i64,
        now: Timestamp,
    ) -> StoreResult<(crate::schedule::cover::CoverRequest, StoredSchedule)>;
    /// Where a schedule's recorded history stops (`None`: nothing recorded yet).
    async fn history_until(&self, id: ScheduleId) -> StoreResult<Option<Timestamp>>;
    /// Appends `shifts` (from `after`, where the record stopped, to `until`) in one
    /// transaction; `Conflict` and nothing written when the record moved meanwhile.
    async fn append_history(
        &self,
        id: ScheduleId,
        after: Option<Timestamp>,
        until: Timestamp,
        shifts: &[HistoryShift],
    ) -> StoreResult<()>;
    /// The recorded stretches overlapping `[from, to)`, in order.
    async fn schedule_history(
        &self,
        id: ScheduleId,
        from: Timestamp,
        to: Timestamp,
    ) -> StoreResult<Vec<HistoryShift>>;
    /// The incidents a call is linked to, newest first.
    async fn call_incidents(&self, call: CallId) -> StoreResult<Vec<crate::incident::Incident>>;
    /// The jobs queued about a call, oldest first.
    async fn list_call_jobs(&self, call: CallId) -> StoreResult<Vec<JobStatus>>;
    /// The newest chat alerts that failed for good, up to `limit`.
    async fn failed_alerts(&self, limit: u32) -> StoreResult<Vec<JobStatus>>;

    async fn create_channel(&self, channel: &NewChannel, now: Timestamp) -> StoreResult<Channel>;
    async fn get_channel(&self, id: ChannelId) -> StoreResult<Channel>;
    /// Renames a channel and sets whether it gets "ringing now" notices.
    async fn update_channel(
        &self,
        id: ChannelId,
        name: &str,
        live_notices: bool,
    ) -> StoreResult<Channel>;
    async fn list_channels(&self) -> StoreResult<Vec<Channel>>;
    async fn delete_channel(&self, id: ChannelId) -> StoreResult<()>;
    /// Writes a whole setup change in one transaction, in order, putting the ids of what it
    /// creates in place of their placeholders (see [`crate::setup`]): all of it is stored, or
    /// none of it and an error. A change that would leave no owner is a conflict.
    async fn apply_setup(
        &self,
        changes: &[crate::setup::SetupChange],
        now: Timestamp,
    ) -> StoreResult<()>;
    /// Appends log lines without changing the call.
    async fn append_events(&self, call: CallId, events: &[CallEvent]) -> StoreResult<()>;
    async fn list_events(&self, call: CallId) -> StoreResult<Vec<CallEvent>>;
    async fn set_call_archived(&self, id: CallId, archived: bool) -> StoreResult<()>;
    /// Deletes a call with its log and recordings; returns the recordings it had, so their
    /// stored media can be removed.
    async fn delete_call(&self, id: CallId) -> StoreResult<Vec<Recording>>;

    async fn list_recordings(&self, call: CallId) -> StoreResult<Vec<Recording>>;
    async fn get_recording(&self, id: RecordingId) -> StoreResult<Recording>;
    /// Recordings of `line`'s calls made before `before` and not deleted yet, oldest first.
    async fn recordings_due(
        &self,
        line: LineId,
        before: Timestamp,
        limit: u32,
    ) -> StoreResult<Vec<Recording>>;
    /// Marks a recording deleted (our copy is gone) with a line in its call's log, once:
    /// `false` when it was deleted already.
    async fn mark_recording_deleted(&self, id: RecordingId, event: &CallEvent)
        -> StoreResult<bool>;
    /// Records the fate of a recording's media: stored at `local_path`, or failed.
    async fn set_recording_media(
        &self,
        id: RecordingId,
        local_path: Option<&str>,
    ) -> StoreResult<()>;
    /// Records a voicemail's transcript as it stands, with `event` in its call's log (in the
    /// same transaction) when given.
    async fn set_transcript(
        &self,
        id: RecordingId,
        transcript: &crate::call::Transcript,
        event: Option<&crate::call::CallEvent>,
    ) -> StoreResult<()>;

    /// Stores an uploaded audio message under `token`.
    async fn put_audio(
        &self,
        token: &str,
        content_type: &str,
        bytes: &[u8],
        now: Timestamp,
    ) -> StoreResult<()>;
    /// An audio message: its content type and bytes.
    async fn get_audio(&self, token: &str) -> StoreResult<(String, Vec<u8>)>;
    async fn delete_audio(&self, token: &str) -> StoreResult<()>;

    async fn create_api_token(
        &self,
        token: &NewApiToken,
        hash: &str,
        now: Timestamp,
    ) -> StoreResult<ApiToken>;
    /// Notes that a token was used at `now`.
    async fn touch_api_token(&self, id: i64, now: Timestamp) -> StoreResult<()>;
    async fn find_api_token(&self, hash: &str) -> StoreResult<ApiToken>;
    async fn list_api_tokens(&self) -> StoreResult<Vec<ApiToken>>;
    /// Revokes a token: requests carrying it are refused from now on.
    async fn delete_api_token(&self, id: i64) -> StoreResult<()>;

    /// Queues a job to run at or after `run_at`.
    async fn enqueue_job(&self, job: &NewJob, run_at: Timestamp) -> StoreResult<()>;
    /// Claims the oldest due job for `lease_secs`; no other worker gets it in that time.
    async fn claim_job(&self, now: Timestamp, lease_secs: i64) -> StoreResult<Option<Job>>;
    async fn complete_job(&self, id: i64) -> StoreResult<()>;
    /// Puts a failed job back to run at `retry_at`, keeping `error` for inspection.
    async fn retry_job(&self, id: i64, retry_at: Timestamp, error: &str) -> StoreResult<()>;
    /// Gives up on a job for good, keeping `error` for inspection.
    async fn fail_job(&self, id: i64, error: &str) -> StoreResult<()>;
    /// Puts a job back to run at `at` because it waits for something (not a failure: the
    /// claim does not count as an attempt), keeping `note`.
    async fn defer_job(&self, id: i64, at: Timestamp, note: &str) -> StoreResult<()>;
}
