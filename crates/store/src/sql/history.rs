//! What was on call, as it happened: appended after the last recorded instant, never
//! changed. Two instances recording at once: the second finds the record moved and writes
//! nothing.

use super::driver::sql;
use super::{Backend, SqlStore};
use crate::codec::{ms, ts};
use crate::rows::col;
use jiff::Timestamp;
use switchboard_core::schedule::ScheduleId;
use switchboard_core::store::{HistoryShift, StoreError, StoreResult};
use switchboard_core::UserId;

impl<B: Backend> SqlStore<B> {
    pub(super) async fn recorded_until(&self, id: ScheduleId) -> StoreResult<Option<Timestamp>> {
        let q = sql("SELECT history_until FROM schedules WHERE id = $1").bind(id.0);
        col::<_, Option<i64>>(&self.read_one(q).await?, "history_until")?
            .map(ts)
            .transpose()
    }

    pub(super) async fn add_history(
        &self,
        id: ScheduleId,
        after: Option<Timestamp>,
        until: Timestamp,
        shifts: &[HistoryShift],
    ) -> StoreResult<()> {
        let mut tx = self.db.begin().await?;
        let moved = sql::<B::Db>(
            "UPDATE schedules SET history_until = $1
             WHERE id = $2 AND COALESCE(history_until, -1) = $3 RETURNING id",
        )
        .bind(ms(until))
        .bind(id.0)
        .bind(after.map_or(-1, ms))
        .optional(&mut *tx)
        .await?;
        if moved.is_none() {
            return Err(StoreError::Conflict(format!(
                "schedule {id}'s history moved meanwhile"
            )));
        }
        for s in shifts {
            sql::<B::Db>(
                "INSERT INTO schedule_history (schedule_id, start_at, end_at, user_id, source)
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(id.0)
            .bind(ms(s.start))
            .bind(ms(s.end))
            .bind(s.user.map(|u| u.0))
            .bind(s.source.as_deref())
            .run(&mut *tx)
            .await?;
        }
        B::commit(tx).await
    }

    pub(super) async fn history_between(
        &self,
        id: ScheduleId,
        from: Timestamp,
        to: Timestamp,
    ) -> StoreResult<Vec<HistoryShift>> {
        let q = sql(
            "SELECT * FROM schedule_history WHERE schedule_id = $1 AND end_at > $2
                 AND start_at < $3 ORDER BY start_at",
        )
        .bind(id.0)
        .bind(ms(from))
        .bind(ms(to));
        self.read_all(q)
            .await?
            .iter()
            .map(|r| {
                Ok(HistoryShift {
                    start: ts(col(r, "start_at")?)?,
                    end: ts(col(r, "end_at")?)?,
                    user: col::<_, Option<i64>>(r, "user_id")?.map(UserId),
                    source: col(r, "source")?,
                })
            })
            .collect()
    }
}
