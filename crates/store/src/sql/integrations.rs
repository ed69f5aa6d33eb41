//! The tools a team already uses, told about its incidents.

use super::driver::sql;
use super::{found, Backend, SqlStore};
use crate::codec::ms;
use crate::rows;
use jiff::Timestamp;
use switchboard_core::incident::integration::{Integration, IntegrationId, NewIntegration};
use switchboard_core::store::StoreResult;

impl<B: Backend> SqlStore<B> {
    pub(super) async fn insert_integration(
        &self,
        i: &NewIntegration,
        now: Timestamp,
    ) -> StoreResult<Integration> {
        let q = sql(
            "INSERT INTO integrations (name, kind, url, secret, team_id, created_at)
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING *",
        )
        .bind(i.name.as_str())
        .bind(i.kind.as_str())
        .bind(i.url.as_str())
        .bind(i.secret.as_str())
        .bind(i.team.map(|t| t.0))
        .bind(ms(now));
        rows::integration(&self.write_one(q).await?)
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
        let q = sql("DELETE FROM integrations WHERE id = $1 RETURNING id").bind(id.0);
        found(self.write_one(q).await)
    }
}
