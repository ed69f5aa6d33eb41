//! The durable job queue. One statement claims a job, so two workers never hold the same.

use super::driver::{sql, Driver};
use super::{Backend, SqlStore};
use crate::codec::{from_json, ms, to_json};
use crate::rows::col;
use jiff::Timestamp;
use switchboard_core::store::{Job, NewJob, StoreResult};

/// Queues `job` to run from `run_at`, inside the caller's transaction.
pub(super) async fn enqueue<D: Driver>(
    c: &mut D::Connection,
    job: &NewJob,
    run_at: Timestamp,
) -> StoreResult<()> {
    enqueue_many::<D>(c, &[(job, run_at)]).await
}

/// Columns bound per job by [`enqueue_many`].
const JOB_COLUMNS: usize = 6;

/// Queues each job to run from its instant, in order, inside the caller's transaction: one
/// statement per hundred jobs (each statement is a round trip, and on SQLite a hop to its
/// connection's thread). Rows keep their order, so their ids, and with them each queue's
/// order, do.
pub(super) async fn enqueue_many<D: Driver>(
    c: &mut D::Connection,
    jobs: &[(&NewJob, Timestamp)],
) -> StoreResult<()> {
    for chunk in jobs.chunks(100) {
        let text = format!(
            "INSERT INTO jobs (kind, payload, run_at, created_at, call_id, queue) VALUES {}",
            super::driver::values::<D>(chunk.len(), JOB_COLUMNS)
        );
        let mut q = sql::<D>(&text);
        for (job, run_at) in chunk {
            // A job that must wait (a reminder for when a line opens) runs at its own instant.
            let due = job.run_at.map_or(*run_at, |at| at.max(*run_at));
            q = q
                .bind(job.kind.as_str())
                .bind(to_json(&job.payload))
                .bind(ms(due))
                .bind(ms(*run_at))
                .bind(job.call.map(|c| c.0))
                .bind(job.queue.as_deref());
        }
        q.run(&mut *c).await?;
    }
    Ok(())
}

/// What a finished attempt leaves a job as.
pub(super) enum Finish<'a> {
    Done,
    Retry {
        at: Timestamp,
        error: &'a str,
    },
    Failed {
        error: &'a str,
    },
    /// Not a failure: the job waits for something, and the claim is not counted.
    Wait {
        at: Timestamp,
        note: &'a str,
    },
}

impl<B: Backend> SqlStore<B> {
    pub(super) async fn add_job(&self, job: &NewJob, run_at: Timestamp) -> StoreResult<()> {
        let mut tx = self.db.begin().await?;
        enqueue::<B::Db>(&mut *tx, job, run_at).await?;
        B::commit(tx).await
    }

    /// Leases the job due first for `lease_secs`; an expired lease (a worker that died) makes
    /// the job claimable again.
    pub(super) async fn claim(&self, now: Timestamp, lease_secs: i64) -> StoreResult<Option<Job>> {
        let text = format!(
            "UPDATE jobs SET locked_until = $1, attempts = attempts + 1
             WHERE id = (SELECT id FROM jobs j
                         WHERE status = 'queued' AND run_at <= $2
                             AND (locked_until IS NULL OR locked_until <= $2)
                             AND (queue IS NULL OR NOT EXISTS (
                                 SELECT 1 FROM jobs e WHERE e.queue = j.queue AND e.id < j.id
                                     AND e.status = 'queued'))
                         ORDER BY run_at, id LIMIT 1 {})
             RETURNING id, kind, payload, attempts",
            B::CLAIM_LOCK
        );
        let now_ms = ms(now);
        // Whether anything is due, asked of a reader first: the worker asks every half
        // second, and on SQLite an empty claim would still take the one write lock and queue
        // webhooks' writes behind it.
        let due = sql::<B::Db>(
            "SELECT id FROM jobs WHERE status = 'queued' AND run_at <= $1
                 AND (locked_until IS NULL OR locked_until <= $1) LIMIT 1",
        )
        .bind(now_ms);
        if self.read_all(due).await?.is_empty() {
            return Ok(None);
        }
        let q = sql::<B::Db>(&text)
            .bind(now_ms + lease_secs * 1000)
            .bind(now_ms);
        let mut tx = self.db.begin().await?;
        let row = q.optional(&mut *tx).await?;
        B::commit(tx).await?;
        let Some(r) = row else { return Ok(None) };
        Ok(Some(Job {
            id: col(&r, "id")?,
            kind: col(&r, "kind")?,
            payload: from_json(&col::<_, String>(&r, "payload")?)?,
            attempts: col::<_, i64>(&r, "attempts")?.max(0) as u32,
        }))
    }

    pub(super) async fn finish(&self, id: i64, how: Finish<'_>) -> StoreResult<()> {
        let (status, retry_at, error, uncount) = match how {
            Finish::Done => ("done", None, None, 0),
            Finish::Retry { at, error } => ("queued", Some(ms(at)), Some(error), 0),
            Finish::Failed { error } => ("failed", None, Some(error), 0),
            Finish::Wait { at, note } => ("queued", Some(ms(at)), Some(note), 1),
        };
        let q = sql(
            "UPDATE jobs SET status = $1, run_at = COALESCE($2, run_at), locked_until = NULL,
                 last_error = COALESCE($3, last_error), attempts = attempts - $4
             WHERE id = $5",
        );
        self.write(
            q.bind(status)
                .bind(retry_at)
                .bind(error)
                .bind(uncount)
                .bind(id),
        )
        .await
    }
}
