//! API tokens, kept as hashes.

use super::driver::sql;
use super::{found, Backend, SqlStore};
use crate::codec::ms;
use crate::rows;
use jiff::Timestamp;
use switchboard_core::store::{ApiToken, NewApiToken, StoreResult};

/// Every column but the hash, which never leaves the store.
const COLUMNS: &str = "id, name, user_id, read_only, expires_at, last_used_at, created_at";

impl<B: Backend> SqlStore<B> {
    pub(super) async fn insert_token(
        &self,
        t: &NewApiToken,
        hash: &str,
        now: Timestamp,
    ) -> StoreResult<ApiToken> {
        let text = format!(
            "INSERT INTO api_tokens (name, hash, created_at, user_id, read_only, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING {COLUMNS}"
        );
        let q = sql(&text)
            .bind(t.name.as_str())
            .bind(hash)
            .bind(ms(now))
            .bind(t.user_id.map(|u| u.0))
            .bind(t.read_only)
            .bind(t.expires_at.map(ms));
        rows::api_token(&self.write_one(q).await?)
    }

    pub(super) async fn used_token(&self, id: i64, now: Timestamp) -> StoreResult<()> {
        let q = sql("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2 RETURNING id");
        found(self.write_one(q.bind(ms(now)).bind(id)).await)
    }

    pub(super) async fn token_by_hash(&self, hash: &str) -> StoreResult<ApiToken> {
        let text = format!("SELECT {COLUMNS} FROM api_tokens WHERE hash = $1");
        rows::api_token(&self.read_one(sql(&text).bind(hash)).await?)
    }

    pub(super) async fn tokens(&self) -> StoreResult<Vec<ApiToken>> {
        let text = format!("SELECT {COLUMNS} FROM api_tokens ORDER BY id");
        self.read_all(sql(&text))
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
