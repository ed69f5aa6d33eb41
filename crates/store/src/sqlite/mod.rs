//! The embedded SQLite store: WAL journal, a busy timeout, foreign keys on.

mod calls;
mod jobs;
mod schedules;
mod writer;

pub use writer::{WriteTx, Writer};

use crate::codec::{db_err, ms, to_json};
use crate::OpenError;
use async_trait::async_trait;
use jiff::Timestamp;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::SqlitePool;
use std::str::FromStr;
use std::time::Duration;
use switchboard_core::call::{Call, CallEvent, Recording, RecordingReport};
use switchboard_core::channel::{Channel, ChannelId, NewChannel};
use switchboard_core::line::{Line, NewLine, TestMode};
use switchboard_core::schedule::{Schedule, ScheduleId};
use switchboard_core::store::{
    ApiToken, CallFilter, Job, JobStatus, NewJob, Store, StoreError, StoreResult, StoredSchedule,
};
use switchboard_core::user::{NewUser, User};
use switchboard_core::{CallId, LineId, RecordingId, UserId};

/// SQLite behind the [`Store`] trait.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    /// Readers: WAL lets them run beside the writer.
    pool: SqlitePool,
    /// The one writer. SQLite allows a single writer at a time; queueing writes on one
    /// connection (a fair async queue) replaces SQLite's sleeping busy-retry, which made the
    /// slowest writes wait far longer than the queue ahead of them.
    writer: Writer,
}

impl SqliteStore {
    /// Opens `url` (`sqlite:PATH`), creating the file if missing, and migrates it.
    pub async fn open(url: &str) -> Result<Self, OpenError> {
        let opts = SqliteConnectOptions::from_str(url)
            .map_err(|e| OpenError::BadUrl(e.to_string()))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true);
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(opts.clone())
            .await
            .map_err(|source| OpenError::Connect {
                target: url.trim_start_matches("sqlite:").to_owned(),
                source,
            })?;
        sqlx::migrate!("./migrations/sqlite")
            .run(&writer)
            .await
            .map_err(OpenError::Migrate)?;
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(opts)
            .await
            .map_err(|source| OpenError::Connect {
                target: url.trim_start_matches("sqlite:").to_owned(),
                source,
            })?;
        Ok(Self {
            pool,
            writer: Writer(writer),
        })
    }

    /// The pool, for tests that need to reach under the store.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }
}

fn not_found_if_none(rows: u64) -> StoreResult<()> {
    if rows == 0 {
        Err(StoreError::NotFound)
    } else {
        Ok(())
    }
}

#[async_trait]
impl Store for SqliteStore {
    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        self.writer.probe().await
    }

    async fn create_user(&self, u: &NewUser, now: Timestamp) -> StoreResult<User> {
        let mut tx = self.writer.begin().await?;
        let row = sqlx::query(
            "INSERT INTO users (name, email, phone, time_zone, created_at) VALUES (?, ?, ?, ?, ?) RETURNING *",
        )
        .bind(&u.name)
        .bind(&u.email)
        .bind(u.phone.as_ref().map(|p| p.to_string()))
        .bind(&u.time_zone)
        .bind(ms(now))
        .fetch_one(&mut *tx)
        .await
        .map_err(db_err)?;
        tx.commit().await?;
        crate::rows::user(&row)
    }

    async fn get_user(&self, id: UserId) -> StoreResult<User> {
        let row = sqlx::query("SELECT * FROM users WHERE id = ?")
            .bind(id.0)
            .fetch_one(&self.pool)
            .await
            .map_err(db_err)?;
        crate::rows::user(&row)
    }

    async fn list_users(&self) -> StoreResult<Vec<User>> {
        let rows = sqlx::query("SELECT * FROM users ORDER BY id")
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?;
        rows.iter().map(crate::rows::user).collect()
    }

    async fn update_user(&self, id: UserId, u: &NewUser) -> StoreResult<User> {
        let mut tx = self.writer.begin().await?;
        let row = sqlx::query(
            "UPDATE users SET name = ?, email = ?, phone = ?, time_zone = ? WHERE id = ? RETURNING *",
        )
        .bind(&u.name)
        .bind(&u.email)
        .bind(u.phone.as_ref().map(|p| p.to_string()))
        .bind(&u.time_zone)
        .bind(id.0)
        .fetch_one(&mut *tx)
        .await
        .map_err(db_err)?;
        tx.commit().await?;
        crate::rows::user(&row)
    }

    async fn delete_user(&self, id: UserId) -> StoreResult<()> {
        let mut tx = self.writer.begin().await?;
        let r = sqlx::query("DELETE FROM users WHERE id = ?")
            .bind(id.0)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        tx.commit().await?;
        not_found_if_none(r.rows_affected())
    }

    async fn set_user_feed_token(&self, id: UserId, token: &str) -> StoreResult<()> {
        schedules::set_user_feed_token(&self.writer, id, token).await
    }

    async fn user_by_feed_token(&self, token: &str) -> StoreResult<User> {
        schedules::user_by_feed_token(&self.pool, token).await
    }

    async fn create_schedule(
        &self,
        schedule: &Schedule,
        feed_token: &str,
        now: Timestamp,
    ) -> StoreResult<StoredSchedule> {
        schedules::create(&self.writer, schedule, feed_token, now).await
    }

    async fn get_schedule(&self, id: ScheduleId) -> StoreResult<StoredSchedule> {
        schedules::get(&self.pool, id).await
    }

    async fn list_schedules(&self) -> StoreResult<Vec<StoredSchedule>> {
        schedules::list(&self.pool).await
    }

    async fn update_schedule(
        &self,
        id: ScheduleId,
        schedule: &Schedule,
        version: i64,
    ) -> StoreResult<StoredSchedule> {
        schedules::update(&self.writer, id, schedule, version).await
    }

    async fn set_schedule_feed_token(&self, id: ScheduleId, token: &str) -> StoreResult<()> {
        schedules::set_feed_token(&self.writer, id, token).await
    }

    async fn schedule_by_feed_token(&self, token: &str) -> StoreResult<StoredSchedule> {
        schedules::by_feed_token(&self.pool, token).await
    }

    async fn delete_schedule(&self, id: ScheduleId) -> StoreResult<()> {
        schedules::delete(&self.writer, id).await
    }

    async fn create_line(&self, l: &NewLine, token: &str, now: Timestamp) -> StoreResult<Line> {
        let mut tx = self.writer.begin().await?;
        let row = sqlx::query(
            "INSERT INTO lines (name, number, provider, webhook_token, auth_token, routing, messages, recording, voicemail_max_secs, created_at, channels, screening,
                blocked_callers, allowed_callers, flood_calls, flood_window_secs, business_hours)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *",
        )
        .bind(&l.name)
        .bind(l.number.as_str())
        .bind(l.provider.as_str())
        .bind(token)
        .bind(&l.auth_token)
        .bind(to_json(&l.routing))
        .bind(to_json(&l.messages))
        .bind(l.recording)
        .bind(l.voicemail_max_secs as i64)
        .bind(ms(now))
        .bind(to_json(&l.channels))
        .bind(l.screening)
        .bind(to_json(&l.caller_rules.blocked))
        .bind(to_json(&l.caller_rules.allowed))
        .bind(l.caller_rules.flood_limit.map(|f| i64::from(f.calls)))
        .bind(l.caller_rules.flood_limit.map(|f| i64::from(f.window_secs)))
        .bind(l.business_hours.as_ref().map(to_json))
        .fetch_one(&mut *tx)
        .await
        .map_err(db_err)?;
        tx.commit().await?;
        crate::rows::line(&row)
    }

    async fn get_line(&self, id: LineId) -> StoreResult<Line> {
        let row = sqlx::query("SELECT * FROM lines WHERE id = ? AND deleted_at IS NULL")
            .bind(id.0)
            .fetch_one(&self.pool)
            .await
            .map_err(db_err)?;
        crate::rows::line(&row)
    }

    async fn get_line_by_token(&self, token: &str) -> StoreResult<Line> {
        let row = sqlx::query("SELECT * FROM lines WHERE webhook_token = ? AND deleted_at IS NULL")
            .bind(token)
            .fetch_one(&self.pool)
            .await
            .map_err(db_err)?;
        crate::rows::line(&row)
    }

    async fn list_lines(&self) -> StoreResult<Vec<Line>> {
        let rows = sqlx::query("SELECT * FROM lines WHERE deleted_at IS NULL ORDER BY id")
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?;
        rows.iter().map(crate::rows::line).collect()
    }

    async fn update_line(&self, id: LineId, l: &NewLine) -> StoreResult<Line> {
        let mut tx = self.writer.begin().await?;
        let row = sqlx::query(
            "UPDATE lines SET name = ?, number = ?, provider = ?, auth_token = ?, routing = ?, messages = ?,
                recording = ?, voicemail_max_secs = ?, channels = ?, screening = ?,
                blocked_callers = ?, allowed_callers = ?, flood_calls = ?, flood_window_secs = ?,
                business_hours = ?
             WHERE id = ? AND deleted_at IS NULL RETURNING *",
        )
        .bind(&l.name)
        .bind(l.number.as_str())
        .bind(l.provider.as_str())
        .bind(&l.auth_token)
        .bind(to_json(&l.routing))
        .bind(to_json(&l.messages))
        .bind(l.recording)
        .bind(l.voicemail_max_secs as i64)
        .bind(to_json(&l.channels))
        .bind(l.screening)
        .bind(to_json(&l.caller_rules.blocked))
        .bind(to_json(&l.caller_rules.allowed))
        .bind(l.caller_rules.flood_limit.map(|f| i64::from(f.calls)))
        .bind(l.caller_rules.flood_limit.map(|f| i64::from(f.window_secs)))
        .bind(l.business_hours.as_ref().map(to_json))
        .bind(id.0)
        .fetch_one(&mut *tx)
        .await
        .map_err(db_err)?;
        tx.commit().await?;
        crate::rows::line(&row)
    }

    async fn set_test_mode(&self, id: LineId, t: Option<TestMode>) -> StoreResult<Line> {
        let mut tx = self.writer.begin().await?;
        let row = sqlx::query(
            "UPDATE lines SET test_mode_user = ?, test_mode_until = ? WHERE id = ? AND deleted_at IS NULL RETURNING *",
        )
        .bind(t.map(|t| t.user.0))
        .bind(t.map(|t| ms(t.until)))
        .bind(id.0)
        .fetch_one(&mut *tx)
        .await
        .map_err(db_err)?;
        tx.commit().await?;
        crate::rows::line(&row)
    }

    async fn delete_line(&self, id: LineId) -> StoreResult<()> {
        let mut tx = self.writer.begin().await?;
        let now = ms(Timestamp::now());
        let r = sqlx::query("UPDATE lines SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL")
            .bind(now)
            .bind(id.0)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        tx.commit().await?;
        not_found_if_none(r.rows_affected())
    }

    async fn start_call(&self, call: &Call, events: &[CallEvent]) -> StoreResult<(Call, bool)> {
        calls::start_call(&self.writer, call, events).await
    }

    async fn get_call(&self, id: CallId) -> StoreResult<Call> {
        calls::get_call(&self.pool, id).await
    }

    async fn count_calls_from(
        &self,
        line: LineId,
        caller_number: &str,
        since: Timestamp,
    ) -> StoreResult<u64> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM calls WHERE line_id = ? AND caller_number = ? AND started_at >= ?")
            .bind(line.0)
            .bind(caller_number)
            .bind(ms(since))
            .fetch_one(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(crate::rows::col::<_, i64>(&row, "n")? as u64)
    }

    async fn find_call(&self, line: LineId, provider_call_id: &str) -> StoreResult<Call> {
        calls::find_call(&self.pool, line, provider_call_id).await
    }

    async fn list_calls(&self, f: &CallFilter) -> StoreResult<Vec<Call>> {
        calls::list_calls(&self.pool, f).await
    }

    async fn save_call(
        &self,
        call: &Call,
        events: &[CallEvent],
        recordings: &[RecordingReport],
        jobs: &[NewJob],
        now: Timestamp,
    ) -> StoreResult<i64> {
        calls::save_call(&self.writer, call, events, recordings, jobs, now).await
    }

    async fn list_call_jobs(&self, call: CallId) -> StoreResult<Vec<JobStatus>> {
        let rows = sqlx::query("SELECT * FROM jobs WHERE call_id = ? ORDER BY id")
            .bind(call.0)
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?;
        rows.iter().map(crate::rows::job_status).collect()
    }

    async fn create_channel(&self, c: &NewChannel, now: Timestamp) -> StoreResult<Channel> {
        let mut tx = self.writer.begin().await?;
        let row = sqlx::query(
            "INSERT INTO channels (name, kind, webhook_url, created_at) VALUES (?, ?, ?, ?) RETURNING *",
        )
        .bind(&c.name)
        .bind(c.kind.as_str())
        .bind(&c.webhook_url)
        .bind(ms(now))
        .fetch_one(&mut *tx)
        .await
        .map_err(db_err)?;
        tx.commit().await?;
        crate::rows::channel(&row)
    }

    async fn get_channel(&self, id: ChannelId) -> StoreResult<Channel> {
        let row = sqlx::query("SELECT * FROM channels WHERE id = ?")
            .bind(id.0)
            .fetch_one(&self.pool)
            .await
            .map_err(db_err)?;
        crate::rows::channel(&row)
    }

    async fn list_channels(&self) -> StoreResult<Vec<Channel>> {
        let rows = sqlx::query("SELECT * FROM channels ORDER BY id")
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?;
        rows.iter().map(crate::rows::channel).collect()
    }

    async fn delete_channel(&self, id: ChannelId) -> StoreResult<()> {
        let mut tx = self.writer.begin().await?;
        let r = sqlx::query("DELETE FROM channels WHERE id = ?")
            .bind(id.0)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        tx.commit().await?;
        not_found_if_none(r.rows_affected())
    }

    async fn append_events(&self, call: CallId, events: &[CallEvent]) -> StoreResult<()> {
        let mut tx = self.writer.begin().await?;
        calls::insert_events(&mut tx, call, events).await?;
        tx.commit().await
    }

    async fn list_events(&self, call: CallId) -> StoreResult<Vec<CallEvent>> {
        calls::list_events(&self.pool, call).await
    }

    async fn set_call_archived(&self, id: CallId, archived: bool) -> StoreResult<()> {
        let mut tx = self.writer.begin().await?;
        let r = sqlx::query("UPDATE calls SET archived = ? WHERE id = ?")
            .bind(archived)
            .bind(id.0)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        tx.commit().await?;
        not_found_if_none(r.rows_affected())
    }

    async fn delete_call(&self, id: CallId) -> StoreResult<Vec<Recording>> {
        calls::delete_call(&self.writer, id).await
    }

    async fn list_recordings(&self, call: CallId) -> StoreResult<Vec<Recording>> {
        calls::list_recordings(&self.pool, call).await
    }

    async fn get_recording(&self, id: RecordingId) -> StoreResult<Recording> {
        calls::get_recording(&self.pool, id).await
    }

    async fn set_recording_media(
        &self,
        id: RecordingId,
        local_path: Option<&str>,
    ) -> StoreResult<()> {
        let mut tx = self.writer.begin().await?;
        let status = if local_path.is_some() {
            "stored"
        } else {
            "failed"
        };
        let r = sqlx::query("UPDATE recordings SET status = ?, local_path = ? WHERE id = ?")
            .bind(status)
            .bind(local_path)
            .bind(id.0)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        tx.commit().await?;
        not_found_if_none(r.rows_affected())
    }

    async fn put_audio(
        &self,
        token: &str,
        content_type: &str,
        bytes: &[u8],
        now: Timestamp,
    ) -> StoreResult<()> {
        let mut tx = self.writer.begin().await?;
        sqlx::query(
            "INSERT INTO audio (token, content_type, bytes, created_at) VALUES (?, ?, ?, ?)",
        )
        .bind(token)
        .bind(content_type)
        .bind(bytes)
        .bind(ms(now))
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        tx.commit().await?;
        Ok(())
    }

    async fn get_audio(&self, token: &str) -> StoreResult<(String, Vec<u8>)> {
        let row = sqlx::query("SELECT content_type, bytes FROM audio WHERE token = ?")
            .bind(token)
            .fetch_one(&self.pool)
            .await
            .map_err(db_err)?;
        Ok((
            crate::rows::col(&row, "content_type")?,
            crate::rows::col(&row, "bytes")?,
        ))
    }

    async fn delete_audio(&self, token: &str) -> StoreResult<()> {
        let mut tx = self.writer.begin().await?;
        let r = sqlx::query("DELETE FROM audio WHERE token = ?")
            .bind(token)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        tx.commit().await?;
        not_found_if_none(r.rows_affected())
    }

    async fn create_api_token(
        &self,
        name: &str,
        hash: &str,
        now: Timestamp,
    ) -> StoreResult<ApiToken> {
        let mut tx = self.writer.begin().await?;
        let row = sqlx::query(
            "INSERT INTO api_tokens (name, hash, created_at) VALUES (?, ?, ?) RETURNING id, name, created_at",
        )
        .bind(name)
        .bind(hash)
        .bind(ms(now))
        .fetch_one(&mut *tx)
        .await
        .map_err(db_err)?;
        tx.commit().await?;
        crate::rows::api_token(&row)
    }

    async fn find_api_token(&self, hash: &str) -> StoreResult<ApiToken> {
        let row = sqlx::query("SELECT id, name, created_at FROM api_tokens WHERE hash = ?")
            .bind(hash)
            .fetch_one(&self.pool)
            .await
            .map_err(db_err)?;
        crate::rows::api_token(&row)
    }

    async fn list_api_tokens(&self) -> StoreResult<Vec<ApiToken>> {
        let rows = sqlx::query("SELECT id, name, created_at FROM api_tokens ORDER BY id")
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?;
        rows.iter().map(crate::rows::api_token).collect()
    }

    async fn delete_api_token(&self, id: i64) -> StoreResult<()> {
        let mut tx = self.writer.begin().await?;
        let r = sqlx::query("DELETE FROM api_tokens WHERE id = ?")
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        tx.commit().await?;
        not_found_if_none(r.rows_affected())
    }

    async fn enqueue_job(
        &self,
        kind: &str,
        payload: &serde_json::Value,
        run_at: Timestamp,
    ) -> StoreResult<()> {
        let mut tx = self.writer.begin().await?;
        jobs::enqueue(&mut tx, kind, payload, run_at, None).await?;
        tx.commit().await
    }

    async fn claim_job(&self, now: Timestamp, lease_secs: i64) -> StoreResult<Option<Job>> {
        jobs::claim(&self.writer, now, lease_secs).await
    }

    async fn complete_job(&self, id: i64) -> StoreResult<()> {
        jobs::finish(&self.writer, id, "done", None, None).await
    }

    async fn retry_job(&self, id: i64, retry_at: Timestamp, error: &str) -> StoreResult<()> {
        jobs::finish(&self.writer, id, "queued", Some(retry_at), Some(error)).await
    }

    async fn fail_job(&self, id: i64, error: &str) -> StoreResult<()> {
        jobs::finish(&self.writer, id, "failed", None, Some(error)).await
    }
}
