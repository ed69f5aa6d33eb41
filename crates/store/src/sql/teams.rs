//! Teams and their members. A team that still owns a line, schedule, channel or integration is not
//! deleted: the conflict names what it owns.

use super::driver::{sql, Driver};
use super::{found, Backend, SqlStore};
use crate::codec::{ms, ts};
use crate::rows::col;
use jiff::Timestamp;
use switchboard_core::account::Team;
use switchboard_core::store::{StoreError, StoreResult};
use switchboard_core::{TeamId, UserId};

pub(super) async fn insert_team<D: Driver>(
    c: &mut D::Connection,
    name: &str,
    now: Timestamp,
) -> StoreResult<TeamId> {
    let q = sql::<D>("INSERT INTO teams (name, created_at) VALUES ($1, $2) RETURNING id");
    Ok(TeamId(col(
        &q.bind(name).bind(ms(now)).one(c).await?,
        "id",
    )?))
}

pub(super) async fn rename_team<D: Driver>(
    c: &mut D::Connection,
    id: TeamId,
    name: &str,
) -> StoreResult<()> {
    let q = sql::<D>("UPDATE teams SET name = $1 WHERE id = $2 RETURNING id");
    found(q.bind(name).bind(id.0).one(c).await)
}

/// Deletes the team, unless it still owns something: the conflict names what.
pub(super) async fn remove_team<D: Driver>(c: &mut D::Connection, id: TeamId) -> StoreResult<()> {
    for (table, what) in [
        ("lines", "lines"),
        ("schedules", "schedules"),
        ("channels", "chat channels"),
        ("integrations", "incident integrations"),
    ] {
        let deleted = if table == "lines" {
            " AND deleted_at IS NULL"
        } else {
            ""
        };
        let text = format!("SELECT COUNT(*) AS n FROM {table} WHERE team_id = $1{deleted}");
        let n: i64 = col(&sql::<D>(&text).bind(id.0).one(&mut *c).await?, "n")?;
        if n > 0 {
            return Err(StoreError::Conflict(format!(
                "team {id} still owns {n} {what}: move them to another team first"
            )));
        }
    }
    // A deleted line keeps its row (its calls name it) but no longer its team.
    sql::<D>("UPDATE lines SET team_id = NULL WHERE team_id = $1")
        .bind(id.0)
        .run(&mut *c)
        .await?;
    sql::<D>("DELETE FROM teams WHERE id = $1 RETURNING id")
        .bind(id.0)
        .one(&mut *c)
        .await?;
    Ok(())
}

/// Makes the team's members exactly `members`.
pub(super) async fn set_members<D: Driver>(
    c: &mut D::Connection,
    team: TeamId,
    members: &[UserId],
) -> StoreResult<()> {
    sql::<D>("DELETE FROM team_members WHERE team_id = $1")
        .bind(team.0)
        .run(&mut *c)
        .await?;
    for u in members {
        sql::<D>("INSERT INTO team_members (team_id, user_id) VALUES ($1, $2)")
            .bind(team.0)
            .bind(u.0)
            .run(&mut *c)
            .await?;
    }
    Ok(())
}

impl<B: Backend> SqlStore<B> {
    pub(super) async fn insert_team(&self, name: &str, now: Timestamp) -> StoreResult<Team> {
        let mut tx = self.db.begin().await?;
        let id = insert_team::<B::Db>(&mut *tx, name, now).await?;
        B::commit(tx).await?;
        self.team(id).await
    }

    pub(super) async fn team(&self, id: TeamId) -> StoreResult<Team> {
        let row = self
            .read_one(sql("SELECT * FROM teams WHERE id = $1").bind(id.0))
            .await?;
        let members = self
            .read_all(
                sql("SELECT user_id FROM team_members WHERE team_id = $1 ORDER BY user_id")
                    .bind(id.0),
            )
            .await?
            .iter()
            .map(|r| col(r, "user_id").map(UserId))
            .collect::<StoreResult<_>>()?;
        Ok(Team {
            id,
            name: col(&row, "name")?,
            members,
            created_at: ts(col(&row, "created_at")?)?,
        })
    }

    pub(super) async fn teams(&self) -> StoreResult<Vec<Team>> {
        let teams = self
            .read_all(sql("SELECT * FROM teams ORDER BY id"))
            .await?;
        let members = self
            .read_all(sql(
                "SELECT team_id, user_id FROM team_members ORDER BY user_id",
            ))
            .await?;
        let mut out = Vec::with_capacity(teams.len());
        for row in &teams {
            let id = TeamId(col(row, "id")?);
            let mut m = Vec::new();
            for r in &members {
                if col::<_, i64>(r, "team_id")? == id.0 {
                    m.push(UserId(col(r, "user_id")?));
                }
            }
            out.push(Team {
                id,
                name: col(row, "name")?,
                members: m,
                created_at: ts(col(row, "created_at")?)?,
            });
        }
        Ok(out)
    }

    pub(super) async fn rename_team(&self, id: TeamId, name: &str) -> StoreResult<Team> {
        let mut tx = self.db.begin().await?;
        rename_team::<B::Db>(&mut *tx, id, name).await?;
        B::commit(tx).await?;
        self.team(id).await
    }

    pub(super) async fn remove_team(&self, id: TeamId) -> StoreResult<()> {
        let mut tx = self.db.begin().await?;
        remove_team::<B::Db>(&mut *tx, id).await?;
        B::commit(tx).await
    }

    pub(super) async fn put_member(&self, team: TeamId, user: UserId) -> StoreResult<()> {
        let q = sql("INSERT INTO team_members (team_id, user_id) VALUES ($1, $2)
             ON CONFLICT (team_id, user_id) DO NOTHING");
        self.write(q.bind(team.0).bind(user.0)).await
    }

    pub(super) async fn remove_member(&self, team: TeamId, user: UserId) -> StoreResult<()> {
        let q =
            sql("DELETE FROM team_members WHERE team_id = $1 AND user_id = $2 RETURNING team_id");
        found(self.write_one(q.bind(team.0).bind(user.0)).await)
    }

    pub(super) async fn team_of_line(
        &self,
        id: switchboard_core::LineId,
    ) -> StoreResult<Option<TeamId>> {
        let q = sql("SELECT team_id FROM lines WHERE id = $1").bind(id.0);
        Ok(col::<_, Option<i64>>(&self.read_one(q).await?, "team_id")?.map(TeamId))
    }

    pub(super) async fn teams_of(&self, user: UserId) -> StoreResult<Vec<TeamId>> {
        let q = sql("SELECT team_id FROM team_members WHERE user_id = $1 ORDER BY team_id");
        self.read_all(q.bind(user.0))
            .await?
            .iter()
            .map(|r| col(r, "team_id").map(TeamId))
            .collect()
    }
}
