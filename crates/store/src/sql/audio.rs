//! Uploaded audio for a line's messages, served to the carrier by token.

use super::driver::sql;
use super::{found, Backend, SqlStore};
use crate::codec::ms;
use crate::rows::col;
use jiff::Timestamp;
use switchboard_core::store::StoreResult;

impl<B: Backend> SqlStore<B> {
    pub(super) async fn insert_audio(
        &self,
        token: &str,
        content_type: &str,
        bytes: &[u8],
        now: Timestamp,
    ) -> StoreResult<()> {
        let q = sql(
            "INSERT INTO audio (token, content_type, bytes, created_at) VALUES ($1, $2, $3, $4)",
        );
        self.write(q.bind(token).bind(content_type).bind(bytes).bind(ms(now)))
            .await
    }

    pub(super) async fn audio(&self, token: &str) -> StoreResult<(String, Vec<u8>)> {
        let q = sql("SELECT content_type, bytes FROM audio WHERE token = $1").bind(token);
        let row = self.read_one(q).await?;
        Ok((col(&row, "content_type")?, col(&row, "bytes")?))
    }

    pub(super) async fn remove_audio(&self, token: &str) -> StoreResult<()> {
        let q = sql("DELETE FROM audio WHERE token = $1 RETURNING token").bind(token);
        found(self.write_one(q).await)
    }
}
