//! The tools a team already uses, told about its incidents.

use super::driver::{sql, Driver};
use super::{found, Backend, SqlStore};
use crate::codec::ms;
use crate::rows;
use jiff::Timestamp;
use switchboard_core::incident::integration::{Integration, IntegrationId, NewIntegration};
use switchboard_core::store::StoreResult;

pub(super) async fn insert_integration<D: Driver>(
    c: &mut D::Connection,
    i: &NewIntegration,
    now: Timestamp,
) -> StoreResult<Integration> {
    let q = sql::<D>(
        "INSERT INTO integrations (name, kind, url, secret, team_id, created_at)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING *",
    )
    .bind(i.name.as_str())
    .bind(i.kind.as_str())
    .bind(i.url.as_str())
    .bind(i.secret.as_str())
    .bind(i.team.map(|t| t.0))
    .bind(ms(now));
    rows::integration(&q.one(c).await?)
}

/// Replaces everything about an integration: its kind, URL, secret, team and name.
pub(super) async fn replace_integration<D: Driver>(
    c: &mut D::Connection,
    id: IntegrationId,
    i: &NewIntegration,
) -> StoreResult<Integration> {
    let q = sql::<D>(
        "UPDATE integrations SET name = $1, kind = $2, url = $3, secret = $4, team_id = $5
         WHERE id = $6 RETURNING *",
    )
    .bind(i.name.as_str())
    .bind(i.kind.as_str())
    .bind(i.url.as_str())
    .bind(i.secret.as_str())
    .bind(i.team.map(|t| t.0))
    .bind(id.0);
    rows::integration(&q.one(c).await?)
}

pub(super) async fn remove_integration<D: Driver>(
    c: &mut D::Connection,
    id: IntegrationId,
) -> StoreResult<()> {
    let q = sql::<D>("DELETE FROM integrations WHERE id = $1 RETURNING id").bind(id.0);
    found(q.one(c).await)
}

impl<B: Backend> SqlStore<B> {
    pub(super) async fn insert_integration(
        &self,
        i: &NewIntegration,
        now: Timestamp,
    ) -> StoreResult<Integration> {
        let mut tx = self.db.begin().await?;
        let made = insert_integration::<B::Db>(&mut *tx, i, now).await?;
        B::commit(tx).await?;
        Ok(made)
    }

    pub(super) async fn integration(&self, id: IntegrationId) -> StoreResult<Integration> {
        let q = sql("SELECT * FROM integrations WHERE id = $1").bind(id.0);
        rows::integration(&self.read_one(q).await?)
    }

    pub(super) async fn integrations(&self) -> StoreResult<Vec<Integration>> {
        let q = sql("SELECT * FROM integrations ORDER BY id");
        self.read_all(q)
            .await?
            .iter()
            .map(rows::integration)
            .collect()
    }

    pub(super) async fn remove_integration(&self, id: IntegrationId) -> StoreResult<()> {
        let mut tx = self.db.begin().await?;
        remove_integration::<B::Db>(&mut *tx, id).await?;
        B::commit(tx).await
    }
}
