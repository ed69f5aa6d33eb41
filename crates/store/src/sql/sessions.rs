//! Sessions of logged-in browsers, and failed logins, shared by every instance.

use super::driver::sql;
use super::{found, Backend, SqlStore};
use crate::codec::ms;
use crate::rows::{self, col};
use jiff::Timestamp;
use switchboard_core::account::Session;
use switchboard_core::store::StoreResult;
use switchboard_core::UserId;

impl<B: Backend> SqlStore<B> {
    pub(super) async fn insert_session(&self, id_hash: &str, s: &Session) -> StoreResult<()> {
        let q = sql(
            "INSERT INTO sessions (id_hash, user_id, csrf, created_at, last_seen_at)
             VALUES ($1, $2, $3, $4, $5)",
        );
        let q = q
            .bind(id_hash)
            .bind(s.user_id.0)
            .bind(s.csrf.as_str())
            .bind(ms(s.created_at))
            .bind(ms(s.last_seen_at));
        self.write(q).await
    }

    pub(super) async fn session(&self, id_hash: &str) -> StoreResult<Session> {
        let q = sql("SELECT * FROM sessions WHERE id_hash = $1").bind(id_hash);
        rows::session(&self.read_one(q).await?)
    }

    pub(super) async fn seen(&self, id_hash: &str, now: Timestamp) -> StoreResult<()> {
        let q = sql("UPDATE sessions SET last_seen_at = $1 WHERE id_hash = $2 RETURNING id_hash");
        found(self.write_one(q.bind(ms(now)).bind(id_hash)).await)
    }

    pub(super) async fn end_session(&self, id_hash: &str) -> StoreResult<()> {
        let q = sql("DELETE FROM sessions WHERE id_hash = $1 RETURNING id_hash").bind(id_hash);
        found(self.write_one(q).await)
    }

    pub(super) async fn end_expired_sessions(
        &self,
        idle_since: Timestamp,
        made_since: Timestamp,
    ) -> StoreResult<u64> {
        let mut tx = self.db.begin().await?;
        let q = sql::<B::Db>(
            "DELETE FROM sessions WHERE last_seen_at < $1 OR created_at < $2 RETURNING id_hash",
        );
        let n = q
            .bind(ms(idle_since))
            .bind(ms(made_since))
            .all(&mut *tx)
            .await?
            .len() as u64;
        B::commit(tx).await?;
        Ok(n)
    }

    pub(super) async fn sessions_of(&self, id: UserId) -> StoreResult<Vec<(String, Session)>> {
        let q = sql("SELECT * FROM sessions WHERE user_id = $1 ORDER BY created_at DESC");
        self.read_all(q.bind(id.0))
            .await?
            .iter()
            .map(|r| Ok((col(r, "id_hash")?, rows::session(r)?)))
            .collect()
    }

    pub(super) async fn end_sessions_of(&self, id: UserId) -> StoreResult<u64> {
        let mut tx = self.db.begin().await?;
        let q = sql::<B::Db>("DELETE FROM sessions WHERE user_id = $1 RETURNING id_hash");
        let n = q.bind(id.0).all(&mut *tx).await?.len() as u64;
        B::commit(tx).await?;
        Ok(n)
    }

    pub(super) async fn add_login_failure(
        &self,
        keys: &[String],
        at: Timestamp,
        forget_before: Timestamp,
    ) -> StoreResult<()> {
        let mut tx = self.db.begin().await?;
        let q = sql::<B::Db>("DELETE FROM login_failures WHERE at < $1");
        q.bind(ms(forget_before)).run(&mut *tx).await?;
        for k in keys {
            let q = sql::<B::Db>("INSERT INTO login_failures (key, at) VALUES ($1, $2)");
            q.bind(k.as_str()).bind(ms(at)).run(&mut *tx).await?;
        }
        B::commit(tx).await
    }

    pub(super) async fn login_failures(&self, key: &str, since: Timestamp) -> StoreResult<u64> {
        let q = sql("SELECT COUNT(*) AS n FROM login_failures WHERE key = $1 AND at >= $2");
        let row = self.read_one(q.bind(key).bind(ms(since))).await?;
        Ok(col::<_, i64>(&row, "n")?.max(0) as u64)
    }

    pub(super) async fn forget_login_failures(&self, key: &str) -> StoreResult<()> {
        self.write(sql("DELETE FROM login_failures WHERE key = $1").bind(key))
            .await
    }
}
