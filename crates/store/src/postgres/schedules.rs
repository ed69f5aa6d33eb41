//! Schedules and calendar-feed secrets on PostgreSQL.

use crate::codec::{db_err, ms, to_json};
use jiff::Timestamp;
use sqlx::PgPool;
use switchboard_core::schedule::{Schedule, ScheduleId};
use switchboard_core::store::{StoreError, StoreResult, StoredSchedule};
use switchboard_core::user::User;
use switchboard_core::UserId;

fn one(rows: u64) -> StoreResult<()> {
    if rows == 0 {
        Err(StoreError::NotFound)
    } else {
        Ok(())
    }
}

pub(super) async fn set_user_feed_token(pool: &PgPool, id: UserId, token: &str) -> StoreResult<()> {
    let r = sqlx::query("UPDATE users SET feed_token = $1 WHERE id = $2")
        .bind(token)
        .bind(id.0)
        .execute(pool)
        .await
        .map_err(db_err)?;
    one(r.rows_affected())
}

pub(super) async fn user_by_feed_token(pool: &PgPool, token: &str) -> StoreResult<User> {
    let row = sqlx::query("SELECT * FROM users WHERE feed_token = $1")
        .bind(token)
        .fetch_one(pool)
        .await
        .map_err(db_err)?;
    crate::rows::user(&row)
}

pub(super) async fn create(
    pool: &PgPool,
    s: &Schedule,
    token: &str,
    now: Timestamp,
) -> StoreResult<StoredSchedule> {
    let row = sqlx::query(
        "INSERT INTO schedules (name, time_zone, layers, overrides, feed_token, created_at)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING *",
    )
    .bind(&s.name)
    .bind(&s.time_zone)
    .bind(to_json(&s.layers))
    .bind(to_json(&s.overrides))
    .bind(token)
    .bind(ms(now))
    .fetch_one(pool)
    .await
    .map_err(db_err)?;
    crate::rows::schedule(&row)
}

pub(super) async fn get(pool: &PgPool, id: ScheduleId) -> StoreResult<StoredSchedule> {
    let row = sqlx::query("SELECT * FROM schedules WHERE id = $1")
        .bind(id.0)
        .fetch_one(pool)
        .await
        .map_err(db_err)?;
    crate::rows::schedule(&row)
}

pub(super) async fn list(pool: &PgPool) -> StoreResult<Vec<StoredSchedule>> {
    let rows = sqlx::query("SELECT * FROM schedules ORDER BY id")
        .fetch_all(pool)
        .await
        .map_err(db_err)?;
    rows.iter().map(crate::rows::schedule).collect()
}

pub(super) async fn update(
    pool: &PgPool,
    id: ScheduleId,
    s: &Schedule,
    version: i64,
) -> StoreResult<StoredSchedule> {
    let row = sqlx::query(
        "UPDATE schedules SET name = $1, time_zone = $2, layers = $3, overrides = $4, version = version + 1
         WHERE id = $5 AND version = $6 RETURNING *",
    )
    .bind(&s.name)
    .bind(&s.time_zone)
    .bind(to_json(&s.layers))
    .bind(to_json(&s.overrides))
    .bind(id.0)
    .bind(version)
    .fetch_optional(pool)
    .await
    .map_err(db_err)?;
    match row {
        Some(row) => crate::rows::schedule(&row),
        None => {
            get(pool, id).await?;
            Err(StoreError::Conflict(format!(
                "schedule {id} changed concurrently"
            )))
        }
    }
}

pub(super) async fn set_feed_token(pool: &PgPool, id: ScheduleId, token: &str) -> StoreResult<()> {
    let r = sqlx::query("UPDATE schedules SET feed_token = $1 WHERE id = $2")
        .bind(token)
        .bind(id.0)
        .execute(pool)
        .await
        .map_err(db_err)?;
    one(r.rows_affected())
}

pub(super) async fn by_feed_token(pool: &PgPool, token: &str) -> StoreResult<StoredSchedule> {
    let row = sqlx::query("SELECT * FROM schedules WHERE feed_token = $1")
        .bind(token)
        .fetch_one(pool)
        .await
        .map_err(db_err)?;
    crate::rows::schedule(&row)
}

pub(super) async fn delete(pool: &PgPool, id: ScheduleId) -> StoreResult<()> {
    let r = sqlx::query("DELETE FROM schedules WHERE id = $1")
        .bind(id.0)
        .execute(pool)
        .await
        .map_err(db_err)?;
    one(r.rows_affected())
}
