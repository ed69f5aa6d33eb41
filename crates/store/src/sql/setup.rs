//! A whole setup change in one transaction (see [`switchboard_core::setup`]).

use super::driver::{sql, Driver};
use super::{accounts, channels, integrations, lines, schedules, teams, users};
use super::{Backend, SqlStore};
use crate::rows;
use jiff::Timestamp;
use switchboard_core::setup::{IdMap, SetupChange};
use switchboard_core::store::{StoreError, StoreResult};

/// Runs one change on the open transaction, noting the id of what it creates.
async fn run<D: Driver>(
    c: &mut D::Connection,
    change: &SetupChange,
    ids: &mut IdMap,
    now: Timestamp,
) -> StoreResult<()> {
    match change {
        SetupChange::CreateTeam { placeholder, name } => {
            let id = teams::insert_team::<D>(c, name, now).await?;
            ids.teams.insert(placeholder.0, id.0);
        }
        SetupChange::SetMembers { team, members } => {
            teams::set_members::<D>(c, *team, members).await?
        }
        SetupChange::DeleteTeam(id) => teams::remove_team::<D>(c, *id).await?,
        SetupChange::CreateUser {
            placeholder,
            user,
            role,
        } => {
            let made = users::insert_user::<D>(&mut *c, user, now).await?;
            ids.users.insert(placeholder.0, made.id.0);
            if made.role != *role {
                set_role::<D>(c, made.id.0, role.as_str()).await?;
            }
        }
        SetupChange::ReplaceUser { id, user, role } => {
            let was = users::replace_user::<D>(&mut *c, *id, user).await?;
            if was.role != *role {
                set_role::<D>(c, id.0, role.as_str()).await?;
            }
        }
        SetupChange::DeleteUser(id) => users::remove_user::<D>(c, *id).await?,
        SetupChange::CreateSchedule {
            placeholder,
            schedule,
            team,
            feed_token,
        } => {
            let made = schedules::insert_schedule::<D>(c, schedule, feed_token, *team, now).await?;
            ids.schedules.insert(placeholder.0, made.id.0);
        }
        SetupChange::ReplaceSchedule {
            id,
            schedule,
            team,
            version,
        } => {
            schedules::replace_schedule::<D>(c, *id, schedule, *team, *version).await?;
        }
        SetupChange::DeleteSchedule(id) => schedules::remove_schedule::<D>(c, *id).await?,
        SetupChange::CreateChannel {
            placeholder,
            channel,
        } => {
            let made = channels::insert_channel::<D>(c, channel, now).await?;
            ids.channels.insert(placeholder.0, made.id.0);
        }
        SetupChange::ReplaceChannel { id, channel } => {
            channels::replace_channel::<D>(c, *id, channel).await?;
        }
        SetupChange::DeleteChannel(id) => channels::remove_channel::<D>(c, *id).await?,
        SetupChange::CreateIntegration { integration } => {
            integrations::insert_integration::<D>(c, integration, now).await?;
        }
        SetupChange::ReplaceIntegration { id, integration } => {
            integrations::replace_integration::<D>(c, *id, integration).await?;
        }
        SetupChange::DeleteIntegration(id) => integrations::remove_integration::<D>(c, *id).await?,
        SetupChange::CreateLine {
            line,
            webhook_token,
        } => {
            lines::insert_line::<D>(c, line, webhook_token, now).await?;
        }
        SetupChange::ReplaceLine { id, line } => {
            lines::replace_line::<D>(c, *id, line).await?;
        }
        SetupChange::DeleteLine(id) => lines::hide_line::<D>(c, *id).await?,
    }
    Ok(())
}

async fn set_role<D: Driver>(c: &mut D::Connection, id: i64, role: &str) -> StoreResult<()> {
    let q = sql::<D>("UPDATE users SET role = $1 WHERE id = $2 RETURNING id");
    rows::col::<_, i64>(&q.bind(role).bind(id).one(c).await?, "id").map(|_| ())
}

impl<B: Backend> SqlStore<B> {
    pub(super) async fn write_setup(
        &self,
        changes: &[SetupChange],
        now: Timestamp,
    ) -> StoreResult<()> {
        let mut tx = self.db.begin().await?;
        let owners = accounts::lock_owners::<B::Db>(&mut *tx).await?;
        let mut ids = IdMap::default();
        for change in changes {
            let mut change = change.clone();
            ids.resolve(&mut change);
            run::<B::Db>(&mut *tx, &change, &mut ids, now).await?;
        }
        if owners > 0 && accounts::count_owners::<B::Db>(&mut *tx).await? == 0 {
            return Err(StoreError::Conflict(
                "the change would leave no owner: keep at least one user with role = \"owner\""
                    .to_owned(),
            ));
        }
        B::commit(tx).await
    }
}
