//! Cover requests. Accepting one marks it and saves the schedule with its override in one
//! transaction, over the versions read: it is decided once, and never lost to a concurrent
//! edit of the schedule.

use super::driver::sql;
use super::{Backend, SqlStore};
use crate::codec::{ms, to_json};
use crate::rows;
use jiff::Timestamp;
use switchboard_core::schedule::cover::{CoverRequest, CoverStatus, NewCoverRequest};
use switchboard_core::schedule::{Schedule, ScheduleId};
use switchboard_core::store::{StoreError, StoreResult, StoredSchedule};

impl<B: Backend> SqlStore<B> {
    pub(super) async fn insert_cover(
        &self,
        r: &NewCoverRequest,
        now: Timestamp,
    ) -> StoreResult<CoverRequest> {
        let q = sql(
            "INSERT INTO cover_requests (schedule_id, requester, coverer, start_at, end_at, note,
                 status, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7) RETURNING *",
        )
        .bind(r.schedule.0)
        .bind(r.requester.0)
        .bind(r.coverer.0)
        .bind(ms(r.start))
        .bind(ms(r.end))
        .bind(r.note.as_str())
        .bind(ms(now));
        rows::cover_request(&self.write_one(q).await?)
    }

    pub(super) async fn cover(&self, id: i64) -> StoreResult<CoverRequest> {
        let q = sql("SELECT * FROM cover_requests WHERE id = $1").bind(id);
        rows::cover_request(&self.read_one(q).await?)
    }

    pub(super) async fn covers(&self, schedule: ScheduleId) -> StoreResult<Vec<CoverRequest>> {
        let q = sql("SELECT * FROM cover_requests WHERE schedule_id = $1 ORDER BY id DESC")
            .bind(schedule.0);
        self.read_all(q)
            .await?
            .iter()
            .map(rows::cover_request)
            .collect()
    }

    pub(super) async fn covers_waiting(
        &self,
        coverer: switchboard_core::UserId,
    ) -> StoreResult<Vec<CoverRequest>> {
        let q = sql(
            "SELECT * FROM cover_requests WHERE coverer = $1 AND status = 'pending'
             ORDER BY id",
        )
        .bind(coverer.0);
        self.read_all(q)
            .await?
            .iter()
            .map(rows::cover_request)
            .collect()
    }

    /// Declines or withdraws a pending request; a conflict when it was decided already.
    pub(super) async fn close_cover(
        &self,
        id: i64,
        to: CoverStatus,
        now: Timestamp,
    ) -> StoreResult<CoverRequest> {
        let q = sql("UPDATE cover_requests SET status = $1, decided_at = $2
             WHERE id = $3 AND status = 'pending' RETURNING *")
        .bind(to.as_str())
        .bind(ms(now))
        .bind(id);
        match self.write_one(q).await {
            Ok(r) => rows::cover_request(&r),
            Err(StoreError::NotFound) => Err(StoreError::Conflict(format!(
                "cover request {id} was decided already"
            ))),
            Err(e) => Err(e),
        }
    }

    /// Accepts a pending request and saves `schedule` (with the override) over `version`.
    pub(super) async fn accept_cover_with(
        &self,
        id: i64,
        schedule: &Schedule,
        version: i64,
        now: Timestamp,
    ) -> StoreResult<(CoverRequest, StoredSchedule)> {
        let Some(sid) = schedule.id else {
            return Err(StoreError::Backend("the schedule has no id".into()));
        };
        let mut tx = self.db.begin().await?;
        let marked = sql::<B::Db>(
            "UPDATE cover_requests SET status = 'accepted', decided_at = $1
             WHERE id = $2 AND status = 'pending' RETURNING *",
        )
        .bind(ms(now))
        .bind(id)
        .optional(&mut *tx)
        .await?
        .ok_or_else(|| StoreError::Conflict(format!("cover request {id} was decided already")))?;
        let saved = sql::<B::Db>(
            "UPDATE schedules SET overrides = $1, version = version + 1
             WHERE id = $2 AND version = $3 RETURNING *",
        )
        .bind(to_json(&schedule.overrides))
        .bind(sid.0)
        .bind(version)
        .optional(&mut *tx)
        .await?
        .ok_or_else(|| StoreError::Conflict(format!("schedule {sid} changed concurrently")))?;
        B::commit(tx).await?;
        Ok((rows::cover_request(&marked)?, rows::schedule(&saved)?))
    }
}
