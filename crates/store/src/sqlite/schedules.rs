//! Schedules and calendar-feed secrets on SQLite.

use super::Writer;
use crate::codec::{db_err, ms, to_json};
use jiff::Timestamp;
use sqlx::SqlitePool;
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

pub(super) async fn set_user_feed_token(pool: &Writer, id: UserId, token: &str) -> StoreResult<()> {
    let mut tx = pool.begin().await?;
    let r = sqlx::query("UPDATE users SET feed_token = ? WHERE id = ?")
        .bind(token)
        .bind(id.0)
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
    one(r.rows_affected())?;
    tx.commit().await
}

pub(super) async fn user_by_feed_token(pool: &SqlitePool, token: &str) -> StoreResult<User> {
    let row = sqlx::query("SELECT * FROM users WHERE feed_token = ?")
        .bind(token)
        .fetch_one(pool)
        .await
        .map_err(db_err)?;
    crate::rows::user(&row)
}

pub(super) async fn create(
    pool: &Writer,
    s: &Schedule,
    token: &str,
    now: Timestamp,
) -> StoreResult<StoredSchedule> {
    let mut tx = pool.begin().await?;
    let row = sqlx::query(
        "INSERT INTO schedules (name, time_zone, layers, overrides, feed_token, created_at)
         VALUES (?, ?, ?, ?, ?, ?) RETURNING *",
    )
    .bind(&s.name)
    .bind(&s.time_zone)
    .bind(to_json(&s.layers))
    .bind(to_json(&s.overrides))
    .bind(token)
    .bind(ms(now))
    .fetch_one(&mut *tx)
    .await
    .map_err(db_err)?;
    tx.commit().await?;
    crate::rows::schedule(&row)
}

pub(super) async fn get(pool: &SqlitePool, id: ScheduleId) -> StoreResult<StoredSchedule> {
    let row = sqlx::query("SELECT * FROM schedules WHERE id = ?")
        .bind(id.0)
        .fetch_one(pool)
        .await
        .map_err(db_err)?;
    crate::rows::schedule(&row)
}

pub(super) async fn list(pool: &SqlitePool) -> StoreResult<Vec<StoredSchedule>> {
    let rows = sqlx::query("SELECT * FROM schedules ORDER BY id")
        .fetch_all(pool)
        .await
        .map_err(db_err)?;
    rows.iter().map(crate::rows::schedule).collect()
}

pub(super) async fn update(
    pool: &Writer,
    id: ScheduleId,
    s: &Schedule,
    version: i64,
) -> StoreResult<StoredSchedule> {
    let mut tx = pool.begin().await?;
    let row = sqlx::query(
        "UPDATE schedules SET name = ?, time_zone = ?, layers = ?, overrides = ?, version = version + 1
         WHERE id = ? AND version = ? RETURNING *",
    )
    .bind(&s.name)
    .bind(&s.time_zone)
    .bind(to_json(&s.layers))
    .bind(to_json(&s.overrides))
    .bind(id.0)
    .bind(version)
    .fetch_optional(&mut *tx)
    .await
    .map_err(db_err)?;
    let Some(row) = row else {
        let exists = sqlx::query("SELECT 1 FROM schedules WHERE id = ?")
            .bind(id.0)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db_err)?;
        return Err(match exists {
            Some(_) => StoreError::Conflict(format!("schedule {id} changed concurrently")),
            None => StoreError::NotFound,
        });
    };
    tx.commit().await?;
    crate::rows::schedule(&row)
}

pub(super) async fn set_feed_token(pool: &Writer, id: ScheduleId, token: &str) -> StoreResult<()> {
    let mut tx = pool.begin().await?;
    let r = sqlx::query("UPDATE schedules SET feed_token = ? WHERE id = ?")
        .bind(token)
        .bind(id.0)
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
    one(r.rows_affected())?;
    tx.commit().await
}

pub(super) async fn by_feed_token(pool: &SqlitePool, token: &str) -> StoreResult<StoredSchedule> {
    let row = sqlx::query("SELECT * FROM schedules WHERE feed_token = ?")
        .bind(token)
        .fetch_one(pool)
        .await
        .map_err(db_err)?;
    crate::rows::schedule(&row)
}

pub(super) async fn delete(pool: &Writer, id: ScheduleId) -> StoreResult<()> {
    let mut tx = pool.begin().await?;
    let r = sqlx::query("DELETE FROM schedules WHERE id = ?")
        .bind(id.0)
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
    one(r.rows_affected())?;
    tx.commit().await
}
