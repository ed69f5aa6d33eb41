//! API tokens, kept as hashes.

use super::driver::sql;
use super::{found, Backend, SqlStore};
use crate::codec::ms;
use crate::rows;
use jiff::Timestamp;
use switchboard_core::store::{ApiToken, StoreResult};

impl<B: Backend> SqlStore<B> {
    pub(super) async fn insert_token(
        &self,
        name: &str,
        hash: &str,
        now: Timestamp,
    ) -> StoreResult<ApiToken> {
        let q = sql(
            "INSERT INTO api_tokens (name, hash, created_at) VALUES ($1, $2, $3)
             RETURNING id, name, created_at",
        );
        rows::api_token(
            &self
                .write_one(q.bind(name).bind(hash).bind(ms(now)))
                .await?,
        )
    }

    pub(super) async fn token_by_hash(&self, hash: &str) -> StoreResult<ApiToken> {
        let q = sql("SELECT id, name, created_at FROM api_tokens WHERE hash = $1").bind(hash);
        rows::api_token(&self.read_one(q).await?)
    }

    pub(super) async fn tokens(&self) -> StoreResult<Vec<ApiToken>> {
        let q = sql("SELECT id, name, created_at FROM api_tokens ORDER BY id");
        self.read_all(q)
            .await?
            .iter()
            .map(rows::api_token)
            .collect()
    }

    pub(super) async fn remove_token(&self, id: i64) -> StoreResult<()> {
        let q = sql("DELETE FROM api_tokens WHERE id = $1 RETURNING id").bind(id);
        found(self.write_one(q).await)
    }
}
