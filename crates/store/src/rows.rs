//! Decoding rows into domain values, generic over the backend: both databases use the same
//! column names and the same Rust types (i64, bool, text, bytes), so one decoder serves both.

use crate::codec::{from_json, ts};
use crate::sql::driver::{Driver, Read};
use sqlx::Row;
use switchboard_core::account::{Role, Session};
use switchboard_core::call::{
    Call, CallEvent, EventKind, Medium, Outcome, Recording, RecordingKind, RecordingStatus,
};
use switchboard_core::line::{Line, Provider, TestMode};
use switchboard_core::store::{StoreError, StoreResult};
use switchboard_core::user::User;
use switchboard_core::{CallId, LineId, PhoneNumber, RecordingId, UserId, Zone};

fn bad(what: &str) -> StoreError {
    StoreError::Backend(format!("stored value is invalid: {what}").into())
}

/// Reads one column.
pub(crate) fn col<R: Row, T>(r: &R, name: &str) -> StoreResult<T>
where
    R::Database: Read<T>,
{
    <R::Database as Read<T>>::read(r, name).map_err(|e| StoreError::Backend(Box::new(e)))
}

fn zone<R: Row>(r: &R) -> StoreResult<Zone>
where
    R::Database: Driver,
{
    Zone::parse(&col::<R, String>(r, "time_zone")?).map_err(|_| bad("time_zone"))
}

pub fn user<R: Row>(r: &R) -> StoreResult<User>
where
    R::Database: Driver,
{
    let phone: Option<String> = col(r, "phone")?;
    Ok(User {
        id: UserId(col(r, "id")?),
        name: col(r, "name")?,
        email: col(r, "email")?,
        phone: phone
            .map(|p| PhoneNumber::parse(&p))
            .transpose()
            .map_err(|_| bad("phone"))?,
        other_phones: from_json(&col::<R, String>(r, "other_phones")?)?,
        ring_phones: switchboard_core::user::RingPhones::parse(&col::<R, String>(
            r,
            "ring_phones",
        )?)
        .map_err(|_| bad("ring_phones"))?,
        time_zone: zone(r)?,
        clock: switchboard_core::user::Clock::parse(&col::<R, String>(r, "clock")?)
            .map_err(|_| bad("clock"))?,
        slack_user_id: col(r, "slack_user_id")?,
        role: Role::parse(&col::<R, String>(r, "role")?).ok_or_else(|| bad("role"))?,
        has_password: col::<R, Option<String>>(r, "password_hash")?.is_some(),
        has_callback_pin: col::<R, Option<String>>(r, "callback_pin")?.is_some(),
        created_at: ts(col(r, "created_at")?)?,
    })
}

pub fn line<R: Row>(r: &R) -> StoreResult<Line>
where
    R::Database: Driver,
{
    let provider: String = col(r, "provider")?;
    let number: String = col(r, "number")?;
    let test_user: Option<i64> = col(r, "test_mode_user")?;
    let test_until: Option<i64> = col(r, "test_mode_until")?;
    let routing: String = col(r, "routing")?;
    let messages: String = col(r, "messages")?;
    Ok(Line {
        id: LineId(col(r, "id")?),
        name: col(r, "name")?,
        number: PhoneNumber::parse(&number).map_err(|_| bad("number"))?,
        provider: Provider::parse(&provider).ok_or_else(|| bad("provider"))?,
        webhook_token: col(r, "webhook_token")?,
        auth_token: col(r, "auth_token")?,
        routing: from_json(&routing)?,
        messages: from_json(&messages)?,
        recording: col(r, "recording")?,
        voicemail_max_secs: col::<R, i64>(r, "voicemail_max_secs")? as u32,
        channels: from_json(&col::<R, String>(r, "channels")?)?,
        screening: col(r, "screening")?,
        business_hours: col::<R, Option<String>>(r, "business_hours")?
            .map(|j| from_json(&j))
            .transpose()?,
        menu: col::<R, Option<String>>(r, "menu")?
            .map(|j| from_json(&j))
            .transpose()?,
        other_numbers: from_json(&col::<R, String>(r, "other_numbers")?)?,
        pins: from_json(&col::<R, String>(r, "pins")?)?,
        caller_id: switchboard_core::line::CallerIdMode::parse(&col::<R, String>(r, "caller_id")?)
            .ok_or_else(|| bad("caller_id"))?,
        caller_rules: switchboard_core::line::CallerRules {
            blocked: from_json(&col::<R, String>(r, "blocked_callers")?)?,
            allowed: from_json(&col::<R, String>(r, "allowed_callers")?)?,
            flood_limit: match (
                col::<R, Option<i64>>(r, "flood_calls")?,
                col::<R, Option<i64>>(r, "flood_window_secs")?,
            ) {
                (Some(c), Some(w)) => Some(switchboard_core::line::FloodLimit {
                    calls: c as u32,
                    window_secs: w as u32,
                }),
                _ => None,
            },
        },
        retention_days: col::<R, Option<i64>>(r, "retention_days")?
            .map(|d| d.clamp(0, i64::from(u32::MAX)) as u32),
        incidents: col::<R, Option<String>>(r, "incident_policy")?
            .map(|j| from_json(&j))
            .transpose()?
            .unwrap_or_default(),
        team: team(r)?,
        test_mode: match (test_user, test_until) {
            (Some(u), Some(t)) => Some(TestMode {
                user: UserId(u),
                until: ts(t)?,
            }),
            _ => None,
        },
        created_at: ts(col(r, "created_at")?)?,
    })
}

pub fn call<R: Row>(r: &R) -> StoreResult<Call>
where
    R::Database: Driver,
{
    let provider: String = col(r, "provider")?;
    let outcome: String = col(r, "outcome")?;
    let ended: Option<i64> = col(r, "ended_at")?;
    let duration: Option<i64> = col(r, "duration_secs")?;
    let answered: Option<i64> = col(r, "answered_by")?;
    let caller: String = col(r, "caller")?;
    let plan: String = col(r, "plan")?;
    let phase: String = col(r, "phase")?;
    let attempts: String = col(r, "attempts")?;
    let medium: String = col(r, "medium")?;
    let texts: String = col(r, "texts")?;
    Ok(Call {
        id: CallId(col(r, "id")?),
        line_id: LineId(col(r, "line_id")?),
        provider: Provider::parse(&provider).ok_or_else(|| bad("provider"))?,
        provider_call_id: col(r, "provider_call_id")?,
        account_id: col(r, "account_id")?,
        caller: from_json(&caller)?,
        started_at: ts(col(r, "started_at")?)?,
        ended_at: ended.map(ts).transpose()?,
        duration_secs: duration.map(|d| d as u32),
        plan: from_json(&plan)?,
        phase: from_json(&phase)?,
        outcome: Outcome::parse(&outcome).ok_or_else(|| bad("outcome"))?,
        answered_by: answered.map(UserId),
        attempts: from_json(&attempts)?,
        test_call: col(r, "test_call")?,
        simulated: col(r, "simulated")?,
        failsafe: col(r, "failsafe")?,
        called: col(r, "called")?,
        medium: Medium::parse(&medium).ok_or_else(|| bad("medium"))?,
        texts: from_json(&texts)?,
        archived: col(r, "archived")?,
        version: col(r, "version")?,
    })
}

pub fn recording<R: Row>(r: &R) -> StoreResult<Recording>
where
    R::Database: Driver,
{
    let kind: String = col(r, "kind")?;
    let status: String = col(r, "status")?;
    let duration: Option<i64> = col(r, "duration_secs")?;
    Ok(Recording {
        id: RecordingId(col(r, "id")?),
        call_id: CallId(col(r, "call_id")?),
        kind: RecordingKind::parse(&kind).ok_or_else(|| bad("recording kind"))?,
        provider_recording_id: col(r, "provider_recording_id")?,
        provider_url: col(r, "provider_url")?,
        duration_secs: duration.map(|d| d as u32),
        status: RecordingStatus::parse(&status).ok_or_else(|| bad("recording status"))?,
        local_path: col(r, "local_path")?,
        created_at: ts(col(r, "created_at")?)?,
        transcript: col::<_, Option<String>>(r, "transcript")?
            .map(|j| serde_json::from_str(&j))
            .transpose()
            .map_err(|_| bad("recording transcript"))?,
    })
}

pub fn schedule<R: Row>(r: &R) -> StoreResult<switchboard_core::store::StoredSchedule>
where
    R::Database: Driver,
{
    use switchboard_core::schedule::{Schedule, ScheduleId};
    let id = ScheduleId(col(r, "id")?);
    let layers: String = col(r, "layers")?;
    let overrides: String = col(r, "overrides")?;
    Ok(switchboard_core::store::StoredSchedule {
        schedule: Schedule {
            removals: from_json(&col::<R, String>(r, "removals")?)?,
            temporary: from_json(&col::<R, String>(r, "temporary")?)?,
            id: Some(id),
            name: col(r, "name")?,
            time_zone: zone(r)?,
            layers: from_json(&layers)?,
            overrides: from_json(&overrides)?,
        },
        id,
        feed_token: col(r, "feed_token")?,
        team: team(r)?,
        created_at: ts(col(r, "created_at")?)?,
        version: col(r, "version")?,
    })
}

pub fn channel<R: Row>(r: &R) -> StoreResult<switchboard_core::channel::Channel>
where
    R::Database: Driver,
{
    use switchboard_core::channel::{Channel, ChannelId, ChannelKind};
    let kind: String = col(r, "kind")?;
    Ok(Channel {
        id: ChannelId(col(r, "id")?),
        name: col(r, "name")?,
        kind: ChannelKind::parse(&kind).ok_or_else(|| bad("channel kind"))?,
        webhook_url: col(r, "webhook_url")?,
        live_notices: col(r, "live_notices")?,
        email_to: col::<R, Option<String>>(r, "email_to")?
            .map(|s| s.split(',').map(str::to_owned).collect())
            .unwrap_or_default(),
        team: team(r)?,
        slack: match (
            col::<R, Option<String>>(r, "slack_channel")?,
            col::<R, Option<String>>(r, "bot_token")?,
            col::<R, Option<String>>(r, "signing_secret")?,
        ) {
            (Some(channel), Some(bot_token), Some(signing_secret)) => {
                Some(switchboard_core::channel::SlackApp {
                    channel,
                    bot_token,
                    signing_secret,
                })
            }
            _ => None,
        },
        created_at: ts(col(r, "created_at")?)?,
    })
}

/// The team that owns a line, schedule or channel row.
fn team<R: Row>(r: &R) -> StoreResult<Option<switchboard_core::TeamId>>
where
    R::Database: Driver,
{
    Ok(col::<R, Option<i64>>(r, "team_id")?.map(switchboard_core::TeamId))
}

pub fn job_status<R: Row>(r: &R) -> StoreResult<switchboard_core::store::JobStatus>
where
    R::Database: Driver,
{
    let payload: String = col(r, "payload")?;
    Ok(switchboard_core::store::JobStatus {
        id: col(r, "id")?,
        kind: col(r, "kind")?,
        payload: from_json(&payload)?,
        status: col(r, "status")?,
        attempts: col::<R, i64>(r, "attempts")? as u32,
        last_error: col(r, "last_error")?,
        run_at: ts(col(r, "run_at")?)?,
    })
}

pub fn api_token<R: Row>(r: &R) -> StoreResult<switchboard_core::store::ApiToken>
where
    R::Database: Driver,
{
    Ok(switchboard_core::store::ApiToken {
        id: col(r, "id")?,
        name: col(r, "name")?,
        user_id: col::<R, Option<i64>>(r, "user_id")?.map(UserId),
        read_only: col(r, "read_only")?,
        expires_at: col::<R, Option<i64>>(r, "expires_at")?
            .map(ts)
            .transpose()?,
        last_used_at: col::<R, Option<i64>>(r, "last_used_at")?
            .map(ts)
            .transpose()?,
        created_at: ts(col(r, "created_at")?)?,
    })
}

/// One line of a call's activity log.
pub fn event<R: Row>(r: &R) -> StoreResult<CallEvent>
where
    R::Database: Driver,
{
    let kind: String = col(r, "kind")?;
    Ok(CallEvent {
        at: ts(col(r, "at")?)?,
        kind: EventKind::parse(&kind)
            .ok_or_else(|| StoreError::Backend(format!("unknown event kind '{kind}'").into()))?,
        message: col(r, "message")?,
    })
}

/// A stored session.
pub fn session<R: Row>(r: &R) -> StoreResult<Session>
where
    R::Database: Driver,
{
    Ok(Session {
        user_id: UserId(col(r, "user_id")?),
        csrf: col(r, "csrf")?,
        created_at: ts(col(r, "created_at")?)?,
        last_seen_at: ts(col(r, "last_seen_at")?)?,
    })
}

pub fn incident<R: Row>(r: &R) -> StoreResult<switchboard_core::incident::Incident>
where
    R::Database: Driver,
{
    use switchboard_core::incident::{Severity, Status};
    let opt_ts = |name: &str| -> StoreResult<Option<jiff::Timestamp>> {
        col::<R, Option<i64>>(r, name)?.map(ts).transpose()
    };
    Ok(switchboard_core::incident::Incident {
        id: switchboard_core::IncidentId(col(r, "id")?),
        title: col(r, "title")?,
        status: Status::parse(&col::<R, String>(r, "status")?).ok_or_else(|| bad("status"))?,
        severity: Severity::parse(&col::<R, String>(r, "severity")?)
            .map_err(|_| bad("severity"))?,
        team: team(r)?,
        line: col::<R, Option<i64>>(r, "line_id")?.map(LineId),
        caller_number: col(r, "caller_number")?,
        assignee: col::<R, Option<i64>>(r, "assignee")?.map(UserId),
        created_at: ts(col(r, "created_at")?)?,
        acknowledged_at: opt_ts("acknowledged_at")?,
        resolved_at: opt_ts("resolved_at")?,
        last_call_at: opt_ts("last_call_at")?,
        version: col(r, "version")?,
    })
}

pub fn timeline_entry<R: Row>(r: &R) -> StoreResult<switchboard_core::incident::TimelineEntry>
where
    R::Database: Driver,
{
    use switchboard_core::incident::{Actor, EntryKind, TimelineEntry};
    Ok(TimelineEntry {
        at: ts(col(r, "at")?)?,
        actor: Actor {
            user: col::<R, Option<i64>>(r, "actor_user_id")?.map(UserId),
            name: col(r, "actor")?,
        },
        kind: EntryKind::parse(&col::<R, String>(r, "kind")?).ok_or_else(|| bad("kind"))?,
        message: col(r, "message")?,
    })
}

pub fn integration<R: Row>(
    r: &R,
) -> StoreResult<switchboard_core::incident::integration::Integration>
where
    R::Database: Driver,
{
    use switchboard_core::incident::integration::{Integration, IntegrationId, Kind};
    Ok(Integration {
        id: IntegrationId(col(r, "id")?),
        name: col(r, "name")?,
        kind: Kind::parse(&col::<R, String>(r, "kind")?).map_err(|_| bad("integration kind"))?,
        url: col(r, "url")?,
        secret: col(r, "secret")?,
        team: team(r)?,
        created_at: ts(col(r, "created_at")?)?,
    })
}

pub fn cover_request<R: Row>(r: &R) -> StoreResult<switchboard_core::schedule::cover::CoverRequest>
where
    R::Database: Driver,
{
    use switchboard_core::schedule::cover::{CoverRequest, CoverStatus};
    Ok(CoverRequest {
        id: col(r, "id")?,
        schedule: switchboard_core::schedule::ScheduleId(col(r, "schedule_id")?),
        requester: UserId(col(r, "requester")?),
        coverer: UserId(col(r, "coverer")?),
        start: ts(col(r, "start_at")?)?,
        end: ts(col(r, "end_at")?)?,
        note: col(r, "note")?,
        status: CoverStatus::parse(&col::<R, String>(r, "status")?).ok_or_else(|| bad("status"))?,
        created_at: ts(col(r, "created_at")?)?,
        decided_at: col::<R, Option<i64>>(r, "decided_at")?
            .map(ts)
            .transpose()?,
    })
}
