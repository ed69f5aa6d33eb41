//! Calls, their activity log and their recordings on SQLite.

use super::{WriteTx, Writer};
use crate::codec::{db_err, ms, to_json};
use jiff::Timestamp;
use sqlx::{QueryBuilder, Sqlite, SqlitePool};
use switchboard_core::call::{Call, CallEvent, Recording, RecordingReport, RecordingStatus};
use switchboard_core::store::{CallFilter, NewJob, StoreError, StoreResult};
use switchboard_core::{CallId, LineId, RecordingId};

pub(super) async fn insert_events(
    tx: &mut WriteTx,
    call: CallId,
    events: &[CallEvent],
) -> StoreResult<()> {
    for e in events {
        sqlx::query("INSERT INTO call_events (call_id, at, kind, message) VALUES (?, ?, ?, ?)")
            .bind(call.0)
            .bind(ms(e.at))
            .bind(e.kind.as_str())
            .bind(&e.message)
            .execute(&mut **tx)
            .await
            .map_err(db_err)?;
    }
    Ok(())
}

pub(super) async fn start_call(
    pool: &Writer,
    c: &Call,
    events: &[CallEvent],
) -> StoreResult<(Call, bool)> {
    let mut tx = pool.begin().await?;
    let inserted = sqlx::query(
        "INSERT INTO calls (line_id, provider, provider_call_id, account_id, caller, caller_number, started_at,
             ended_at, duration_secs, plan, phase, outcome, answered_by, attempts, test_call, failsafe, archived, version)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, FALSE, 0)
         ON CONFLICT (line_id, provider_call_id) DO NOTHING
         RETURNING id",
    )
    .bind(c.line_id.0)
    .bind(c.provider.as_str())
    .bind(&c.provider_call_id)
    .bind(&c.account_id)
    .bind(to_json(&c.caller))
    .bind(&c.caller.number)
    .bind(ms(c.started_at))
    .bind(c.ended_at.map(ms))
    .bind(c.duration_secs.map(i64::from))
    .bind(to_json(&c.plan))
    .bind(to_json(&c.phase))
    .bind(c.outcome.as_str())
    .bind(c.answered_by.map(|u| u.0))
    .bind(to_json(&c.attempts))
    .bind(c.test_call)
    .bind(&c.failsafe)
    .fetch_optional(&mut *tx)
    .await
    .map_err(db_err)?;
    match inserted {
        Some(row) => {
            let id = CallId(crate::rows::col(&row, "id")?);
            insert_events(&mut tx, id, events).await?;
            tx.commit().await?;
            Ok((
                Call {
                    id,
                    version: 0,
                    archived: false,
                    ..c.clone()
                },
                true,
            ))
        }
        None => {
            let row = sqlx::query("SELECT * FROM calls WHERE line_id = ? AND provider_call_id = ?")
                .bind(c.line_id.0)
                .bind(&c.provider_call_id)
                .fetch_one(&mut *tx)
                .await
                .map_err(db_err)?;
            tx.commit().await?;
            Ok((crate::rows::call(&row)?, false))
        }
    }
}

pub(super) async fn get_call(pool: &SqlitePool, id: CallId) -> StoreResult<Call> {
    let row = sqlx::query("SELECT * FROM calls WHERE id = ?")
        .bind(id.0)
        .fetch_one(pool)
        .await
        .map_err(db_err)?;
    crate::rows::call(&row)
}

pub(super) async fn find_call(
    pool: &SqlitePool,
    line: LineId,
    provider_call_id: &str,
) -> StoreResult<Call> {
    let row = sqlx::query("SELECT * FROM calls WHERE line_id = ? AND provider_call_id = ?")
        .bind(line.0)
        .bind(provider_call_id)
        .fetch_one(pool)
        .await
        .map_err(db_err)?;
    crate::rows::call(&row)
}

pub(super) async fn list_calls(pool: &SqlitePool, f: &CallFilter) -> StoreResult<Vec<Call>> {
    let mut q: QueryBuilder<Sqlite> = QueryBuilder::new("SELECT * FROM calls WHERE 1 = 1");
    if let Some(l) = f.line {
        q.push(" AND line_id = ").push_bind(l.0);
    }
    if let Some(o) = f.outcome {
        q.push(" AND outcome = ").push_bind(o.as_str());
    }
    if let Some(c) = &f.caller {
        q.push(" AND instr(caller_number, ")
            .push_bind(c.clone())
            .push(") > 0");
    }
    if let Some(s) = f.since {
        q.push(" AND started_at >= ").push_bind(ms(s));
    }
    if let Some(u) = f.until {
        q.push(" AND started_at < ").push_bind(ms(u));
    }
    if !f.include_archived {
        q.push(" AND NOT archived");
    }
    if let Some(b) = f.before {
        q.push(" AND id < ").push_bind(b.0);
    }
    q.push(" ORDER BY id DESC LIMIT ")
        .push_bind(i64::from(f.limit.max(1)));
    let rows = q.build().fetch_all(pool).await.map_err(db_err)?;
    rows.iter().map(crate::rows::call).collect()
}

pub(super) async fn save_call(
    pool: &Writer,
    c: &Call,
    events: &[CallEvent],
    recordings: &[RecordingReport],
    jobs: &[NewJob],
    now: Timestamp,
) -> StoreResult<i64> {
    let mut tx = pool.begin().await?;
    // The write comes first so the transaction takes SQLite's write lock at once and never
    // has to upgrade from a read lock (which could deadlock under concurrent webhooks).
    let updated = sqlx::query(
        "UPDATE calls SET ended_at = ?, duration_secs = ?, phase = ?, outcome = ?, answered_by = ?,
             attempts = ?, account_id = COALESCE(account_id, ?), failsafe = ?, version = version + 1
         WHERE id = ? AND version = ?",
    )
    .bind(c.ended_at.map(ms))
    .bind(c.duration_secs.map(i64::from))
    .bind(to_json(&c.phase))
    .bind(c.outcome.as_str())
    .bind(c.answered_by.map(|u| u.0))
    .bind(to_json(&c.attempts))
    .bind(&c.account_id)
    .bind(&c.failsafe)
    .bind(c.id.0)
    .bind(c.version)
    .execute(&mut *tx)
    .await
    .map_err(db_err)?;
    if updated.rows_affected() == 0 {
        return Err(StoreError::Conflict(format!(
            "call {} changed concurrently",
            c.id
        )));
    }
    insert_events(&mut tx, c.id, events).await?;
    for r in recordings {
        upsert_recording(&mut tx, c.id, r, now).await?;
    }
    for j in jobs {
        super::jobs::enqueue(&mut tx, j.kind.as_str(), &j.payload, now, j.call).await?;
    }
    tx.commit().await?;
    Ok(c.version + 1)
}

async fn upsert_recording(
    tx: &mut WriteTx,
    call: CallId,
    r: &RecordingReport,
    now: Timestamp,
) -> StoreResult<()> {
    let existing = sqlx::query(
        "SELECT id, status FROM recordings WHERE call_id = ? AND provider_recording_id = ?",
    )
    .bind(call.0)
    .bind(&r.provider_recording_id)
    .fetch_optional(&mut **tx)
    .await
    .map_err(db_err)?;
    match existing {
        Some(row) => {
            let id: i64 = crate::rows::col(&row, "id")?;
            let status: String = crate::rows::col(&row, "status")?;
            let stored = RecordingStatus::parse(&status);
            let (new_status, _) = r.apply_to(stored);
            let new_status = new_status.as_str();
            sqlx::query(
                "UPDATE recordings SET provider_url = ?, duration_secs = COALESCE(?, duration_secs), status = ? WHERE id = ?",
            )
            .bind(&r.provider_url)
            .bind(r.duration_secs.map(i64::from))
            .bind(new_status)
            .bind(id)
            .execute(&mut **tx)
            .await
            .map_err(db_err)?;
        }
        None => {
            let (status, fetch) = r.apply_to(None);
            let status = status.as_str();
            let row = sqlx::query(
                "INSERT INTO recordings (call_id, kind, provider_recording_id, provider_url, duration_secs, status, created_at)
                 VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
            )
            .bind(call.0)
            .bind(r.kind.as_str())
            .bind(&r.provider_recording_id)
            .bind(&r.provider_url)
            .bind(r.duration_secs.map(i64::from))
            .bind(status)
            .bind(ms(now))
            .fetch_one(&mut **tx)
            .await
            .map_err(db_err)?;
            if fetch {
                let id: i64 = crate::rows::col(&row, "id")?;
                let job = NewJob::fetch_recording(call, RecordingId(id));
                super::jobs::enqueue(tx, job.kind.as_str(), &job.payload, now, job.call).await?;
            }
        }
    }
    Ok(())
}

pub(super) async fn list_events(pool: &SqlitePool, call: CallId) -> StoreResult<Vec<CallEvent>> {
    let rows =
        sqlx::query("SELECT at, kind, message FROM call_events WHERE call_id = ? ORDER BY id")
            .bind(call.0)
            .fetch_all(pool)
            .await
            .map_err(db_err)?;
    rows.iter().map(crate::rows::event).collect()
}

pub(super) async fn delete_call(pool: &Writer, id: CallId) -> StoreResult<Vec<Recording>> {
    let mut tx = pool.begin().await?;
    // Read the recordings first: their rows go with the call (ON DELETE CASCADE), and the
    // caller needs them to remove the stored media.
    let rows = sqlx::query("SELECT * FROM recordings WHERE call_id = ? ORDER BY id")
        .bind(id.0)
        .fetch_all(&mut *tx)
        .await
        .map_err(db_err)?;
    let recordings = rows
        .iter()
        .map(crate::rows::recording)
        .collect::<StoreResult<Vec<_>>>()?;
    let r = sqlx::query("DELETE FROM calls WHERE id = ?")
        .bind(id.0)
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
    if r.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    tx.commit().await?;
    Ok(recordings)
}

pub(super) async fn list_recordings(
    pool: &SqlitePool,
    call: CallId,
) -> StoreResult<Vec<Recording>> {
    let rows = sqlx::query("SELECT * FROM recordings WHERE call_id = ? ORDER BY id")
        .bind(call.0)
        .fetch_all(pool)
        .await
        .map_err(db_err)?;
    rows.iter().map(crate::rows::recording).collect()
}

pub(super) async fn get_recording(pool: &SqlitePool, id: RecordingId) -> StoreResult<Recording> {
    let row = sqlx::query("SELECT * FROM recordings WHERE id = ?")
        .bind(id.0)
        .fetch_one(pool)
        .await
        .map_err(db_err)?;
    crate::rows::recording(&row)
}
