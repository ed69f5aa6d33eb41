//! The jobs table on PostgreSQL: `FOR UPDATE SKIP LOCKED` lets instances claim different
//! due jobs at once without waiting on each other.

use crate::codec::{db_err, from_json, ms, to_json};
use jiff::Timestamp;
use sqlx::{PgPool, Postgres, Transaction};
use switchboard_core::store::{Job, StoreResult};

pub(super) async fn enqueue(
    tx: &mut Transaction<'_, Postgres>,
    kind: &str,
    payload: &serde_json::Value,
    run_at: Timestamp,
    call: Option<switchboard_core::CallId>,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO jobs (kind, payload, run_at, created_at, call_id) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(kind)
    .bind(to_json(payload))
    .bind(ms(run_at))
    .bind(ms(run_at))
    .bind(call.map(|c| c.0))
    .execute(&mut **tx)
    .await
    .map_err(db_err)?;
    Ok(())
}

pub(super) async fn claim(
    pool: &PgPool,
    now: Timestamp,
    lease_secs: i64,
) -> StoreResult<Option<Job>> {
    let now_ms = ms(now);
    let row = sqlx::query(
        "UPDATE jobs SET locked_until = $1, attempts = attempts + 1
         WHERE id = (SELECT id FROM jobs
                     WHERE status = 'queued' AND run_at <= $2 AND (locked_until IS NULL OR locked_until <= $3)
                     ORDER BY run_at, id LIMIT 1
                     FOR UPDATE SKIP LOCKED)
         RETURNING id, kind, payload, attempts",
    )
    .bind(now_ms + lease_secs * 1000)
    .bind(now_ms)
    .bind(now_ms)
    .fetch_optional(pool)
    .await
    .map_err(db_err)?;
    row.map(|r| {
        Ok(Job {
            id: crate::rows::col(&r, "id")?,
            kind: crate::rows::col(&r, "kind")?,
            payload: from_json(crate::rows::col(&r, "payload")?)?,
            attempts: crate::rows::col::<_, i64>(&r, "attempts")? as u32,
        })
    })
    .transpose()
}

pub(super) async fn finish(
    pool: &PgPool,
    id: i64,
    status: &str,
    retry_at: Option<Timestamp>,
    error: Option<&str>,
) -> StoreResult<()> {
    sqlx::query(
        "UPDATE jobs SET status = $1, run_at = COALESCE($2, run_at), locked_until = NULL,
             last_error = COALESCE($3, last_error)
         WHERE id = $4",
    )
    .bind(status)
    .bind(retry_at.map(ms))
    .bind(error)
    .bind(id)
    .execute(pool)
    .await
    .map_err(db_err)?;
    Ok(())
}
