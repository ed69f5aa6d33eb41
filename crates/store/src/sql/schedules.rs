//! Schedules, written with optimistic concurrency (each update names the version it read).

use super::driver::{sql, Driver};
use super::{found, Backend, SqlStore};
use crate::codec::{ms, to_json};
use crate::rows;
use jiff::Timestamp;
use switchboard_core::schedule::{Schedule, ScheduleId};
use switchboard_core::store::{StoreError, StoreResult, StoredSchedule};
use switchboard_core::TeamId;

/// Inserts a schedule with the secret of its calendar feed.
pub(super) async fn insert_schedule<D: Driver>(
    c: &mut D::Connection,
    s: &Schedule,
    token: &str,
    team: Option<TeamId>,
    now: Timestamp,
) -> StoreResult<StoredSchedule> {
    let q = sql::<D>(
        "INSERT INTO schedules (name, time_zone, layers, overrides, feed_token, created_at,
             team_id, removals, temporary)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING *",
    );
    let q = q
        .bind(s.name.as_str())
        .bind(s.time_zone.name())
        .bind(to_json(&s.layers))
        .bind(to_json(&s.overrides))
        .bind(token)
        .bind(ms(now))
        .bind(team.map(|t| t.0))
        .bind(to_json(&s.removals))
        .bind(to_json(&s.temporary));
    rows::schedule(&q.one(c).await?)
}

/// Replaces the schedule if it is still at `version`: a conflict when someone changed it
/// since, not found when it is gone.
pub(super) async fn replace_schedule<D: Driver>(
    c: &mut D::Connection,
    id: ScheduleId,
    s: &Schedule,
    team: Option<TeamId>,
    version: i64,
) -> StoreResult<StoredSchedule> {
    let q = sql::<D>(
        "UPDATE schedules SET name = $1, time_zone = $2, layers = $3, overrides = $4,
             team_id = $7, removals = $8, temporary = $9, version = version + 1
         WHERE id = $5 AND version = $6 RETURNING *",
    );
    let q = q
        .bind(s.name.as_str())
        .bind(s.time_zone.name())
        .bind(to_json(&s.layers))
        .bind(to_json(&s.overrides))
        .bind(id.0)
        .bind(version)
        .bind(team.map(|t| t.0))
        .bind(to_json(&s.removals))
        .bind(to_json(&s.temporary));
    let Some(row) = q.optional(&mut *c).await? else {
        let exists = sql::<D>("SELECT id FROM schedules WHERE id = $1").bind(id.0);
        return Err(match exists.optional(&mut *c).await? {
            Some(_) => StoreError::Conflict(format!("schedule {id} changed concurrently")),
            None => StoreError::NotFound,
        });
    };
    rows::schedule(&row)
}

pub(super) async fn remove_schedule<D: Driver>(
    c: &mut D::Connection,
    id: ScheduleId,
) -> StoreResult<()> {
    let q = sql::<D>("DELETE FROM schedules WHERE id = $1 RETURNING id").bind(id.0);
    found(q.one(c).await)
}

impl<B: Backend> SqlStore<B> {
    pub(super) async fn insert_schedule(
        &self,
        s: &Schedule,
        token: &str,
        team: Option<TeamId>,
        now: Timestamp,
    ) -> StoreResult<StoredSchedule> {
        let mut tx = self.db.begin().await?;
        let st = insert_schedule::<B::Db>(&mut *tx, s, token, team, now).await?;
        B::commit(tx).await?;
        Ok(st)
    }

    pub(super) async fn schedule(&self, id: ScheduleId) -> StoreResult<StoredSchedule> {
        let q = sql("SELECT * FROM schedules WHERE id = $1").bind(id.0);
        rows::schedule(&self.read_one(q).await?)
    }

    /// The schedule's version (every change to what it decides bumps it), without its rules.
    pub(super) async fn schedule_version(&self, id: ScheduleId) -> StoreResult<i64> {
        let q = sql("SELECT version FROM schedules WHERE id = $1").bind(id.0);
        crate::rows::col(&self.read_one(q).await?, "version")
    }

    pub(super) async fn schedules(&self) -> StoreResult<Vec<StoredSchedule>> {
        let all = self
            .read_all(sql("SELECT * FROM schedules ORDER BY id"))
            .await?;
        all.iter().map(rows::schedule).collect()
    }

    pub(super) async fn replace_schedule(
        &self,
        id: ScheduleId,
        s: &Schedule,
        team: Option<TeamId>,
        version: i64,
    ) -> StoreResult<StoredSchedule> {
        let mut tx = self.db.begin().await?;
        let st = replace_schedule::<B::Db>(&mut *tx, id, s, team, version).await?;
        B::commit(tx).await?;
        Ok(st)
    }

    pub(super) async fn set_schedule_feed(&self, id: ScheduleId, token: &str) -> StoreResult<()> {
        let q = sql("UPDATE schedules SET feed_token = $1 WHERE id = $2 RETURNING id");
        found(self.write_one(q.bind(token).bind(id.0)).await)
    }

    pub(super) async fn schedule_by_feed(&self, token: &str) -> StoreResult<StoredSchedule> {
        let q = sql("SELECT * FROM schedules WHERE feed_token = $1").bind(token);
        rows::schedule(&self.read_one(q).await?)
    }

    pub(super) async fn remove_schedule(&self, id: ScheduleId) -> StoreResult<()> {
        let mut tx = self.db.begin().await?;
        remove_schedule::<B::Db>(&mut *tx, id).await?;
        B::commit(tx).await
    }
}
