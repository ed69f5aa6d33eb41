//! Chat channels alerts are posted to.

use super::driver::sql;
use super::{found, Backend, SqlStore};
use crate::codec::ms;
use crate::rows;
use jiff::Timestamp;
use switchboard_core::channel::{Channel, ChannelId, NewChannel};
use switchboard_core::store::StoreResult;

impl<B: Backend> SqlStore<B> {
    pub(super) async fn insert_channel(
        &self,
        c: &NewChannel,
        now: Timestamp,
    ) -> StoreResult<Channel> {
        let q = sql(
            "INSERT INTO channels (name, kind, webhook_url, team_id, created_at)
             VALUES ($1, $2, $3, $4, $5) RETURNING *",
        );
        let q = q
            .bind(c.name.as_str())
            .bind(c.kind.as_str())
            .bind(c.webhook_url.as_str())
            .bind(c.team.map(|t| t.0))
            .bind(ms(now));
        rows::channel(&self.write_one(q).await?)
    }

    pub(super) async fn channel(&self, id: ChannelId) -> StoreResult<Channel> {
        let q = sql("SELECT * FROM channels WHERE id = $1").bind(id.0);
        rows::channel(&self.read_one(q).await?)
    }

    pub(super) async fn channels(&self) -> StoreResult<Vec<Channel>> {
        let all = self
            .read_all(sql("SELECT * FROM channels ORDER BY id"))
            .await?;
        all.iter().map(rows::channel).collect()
    }

    pub(super) async fn remove_channel(&self, id: ChannelId) -> StoreResult<()> {
        let q = sql("DELETE FROM channels WHERE id = $1 RETURNING id").bind(id.0);
        found(self.write_one(q).await)
    }
}
