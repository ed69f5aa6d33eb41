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
                "INSERT INTO schedule_history
                     (schedule_id, start_at, end_at, user_id, source, others)
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(id.0)
            .bind(ms(s.start))
            .bind(ms(s.end))
            .bind(s.users.first().map(|u| u.0))
            .bind(s.source.as_deref())
            .bind(others(&s.users))
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
                    users: users(
                        col::<_, Option<i64>>(r, "user_id")?,
                        col::<_, Option<String>>(r, "others")?,
                    )?,
                    source: col(r, "source")?,
                })
            })
            .collect()
    }
}

/// Everyone after the first, as the `others` column keeps them.
fn others(users: &[UserId]) -> Option<String> {
    (users.len() > 1).then(|| {
        users[1..]
            .iter()
            .map(|u| u.0.to_string())
            .collect::<Vec<_>>()
            .join(",")
    })
}

/// The users of a recorded stretch, from its columns.
fn users(first: Option<i64>, others: Option<String>) -> StoreResult<Vec<UserId>> {
    let mut out: Vec<UserId> = first.map(UserId).into_iter().collect();
    for part in others.iter().flat_map(|o| o.split(',')) {
        let id = part.parse().map_err(|_| {
            StoreError::Backend(format!("stored value is invalid: {part:?}").into())
        })?;
        out.push(UserId(id));
    }
    Ok(out)
}
