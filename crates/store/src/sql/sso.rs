//! Single sign-on logins under way: written at the start, taken (once) at the callback.

use super::driver::sql;
use super::{Backend, SqlStore};
use crate::codec::ms;
use crate::rows::col;
use jiff::Timestamp;
use switchboard_core::store::StoreResult;

impl<B: Backend> SqlStore<B> {
    pub(super) async fn insert_sso_login(
        &self,
        state_hash: &str,
        verifier: &str,
        nonce: &str,
        now: Timestamp,
        forget_before: Timestamp,
    ) -> StoreResult<()> {
        let mut tx = self.db.begin().await?;
        // Logins never finished are forgotten as new ones start.
        sql::<B::Db>("DELETE FROM sso_logins WHERE created_at < $1")
            .bind(ms(forget_before))
            .run(&mut *tx)
            .await?;
        sql::<B::Db>(
            "INSERT INTO sso_logins (state_hash, verifier, nonce, created_at)
             VALUES ($1, $2, $3, $4)",
        )
        .bind(state_hash)
        .bind(verifier)
        .bind(nonce)
        .bind(ms(now))
        .run(&mut *tx)
        .await?;
        B::commit(tx).await
    }

    pub(super) async fn take_sso_login(
        &self,
        state_hash: &str,
        not_before: Timestamp,
    ) -> StoreResult<(String, String)> {
        let q = sql(
            "DELETE FROM sso_logins WHERE state_hash = $1 AND created_at >= $2
             RETURNING verifier, nonce",
        );
        let row = self
            .write_one(q.bind(state_hash).bind(ms(not_before)))
            .await?;
        Ok((col(&row, "verifier")?, col(&row, "nonce")?))
    }
}
