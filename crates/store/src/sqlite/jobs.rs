//! The jobs table on SQLite. One statement claims a job, so two workers never get the same.

use super::{WriteTx, Writer};
use crate::codec::{db_err, from_json, ms, to_json};
use jiff::Timestamp;
use switchboard_core::store::{Job, StoreResult};

pub(super) async fn enqueue(
    tx: &mut WriteTx,
    kind: &str,
    payload: &serde_json::Value,
    run_at: Timestamp,
    call: Option<switchboard_core::CallId>,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO jobs (kind, payload, run_at, created_at, call_id) VALUES (?, ?, ?, ?, ?)",
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
    pool: &Writer,
    now: Timestamp,
    lease_secs: i64,
) -> StoreResult<Option<Job>> {
    let now_ms = ms(now);
    let mut tx = pool.begin().await?;
    let row = sqlx::query(
        "UPDATE jobs SET locked_until = ?, attempts = attempts + 1
         WHERE id = (SELECT id FROM jobs
                     WHERE status = 'queued' AND run_at <= ? AND (locked_until IS NULL OR locked_until <= ?)
                     ORDER BY run_at, id LIMIT 1)
         RETURNING id, kind, payload, attempts",
    )
    .bind(now_ms + lease_secs * 1000)
    .bind(now_ms)
    .bind(now_ms)
    .fetch_optional(&mut *tx)
    .await
    .map_err(db_err)?;
    tx.commit().await?;
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
    pool: &Writer,
    id: i64,
    status: &str,
    retry_at: Option<Timestamp>,
    error: Option<&str>,
) -> StoreResult<()> {
    let mut tx = pool.begin().await?;
    sqlx::query(
        "UPDATE jobs SET status = ?, run_at = COALESCE(?, run_at), locked_until = NULL,
             last_error = COALESCE(?, last_error)
         WHERE id = ?",
    )
    .bind(status)
    .bind(retry_at.map(ms))
    .bind(error)
    .bind(id)
    .execute(&mut *tx)
    .await
    .map_err(db_err)?;
    tx.commit().await
}
