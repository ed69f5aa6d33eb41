//! Lines being set up on the dashboard, saved after every step.

use super::driver::sql;
use super::{found, Backend, SqlStore};
use crate::codec::{from_json, ms, to_json};
use crate::rows::col;
use jiff::Timestamp;
use switchboard_core::draft::LineDraft;
use switchboard_core::store::{StoreResult, StoredDraft};
use switchboard_core::{LineId, UserId};

impl<B: Backend> SqlStore<B> {
    pub(super) async fn insert_draft(
        &self,
        user: UserId,
        d: &LineDraft,
        now: Timestamp,
    ) -> StoreResult<i64> {
        let q = sql(
            "INSERT INTO line_drafts (user_id, data, created_at) VALUES ($1, $2, $3) RETURNING id",
        );
        col(
            &self
                .write_one(q.bind(user.0).bind(to_json(d)).bind(ms(now)))
                .await?,
            "id",
        )
    }

    pub(super) async fn draft(&self, id: i64) -> StoreResult<StoredDraft> {
        let row = self
            .read_one(sql("SELECT * FROM line_drafts WHERE id = $1").bind(id))
            .await?;
        let data: String = col(&row, "data")?;
        Ok(StoredDraft {
            id,
            user: UserId(col(&row, "user_id")?),
            draft: from_json(&data)?,
            line: col::<_, Option<i64>>(&row, "line_id")?.map(LineId),
        })
    }

    pub(super) async fn put_draft(
        &self,
        id: i64,
        d: &LineDraft,
        line: Option<LineId>,
    ) -> StoreResult<()> {
        let q = sql("UPDATE line_drafts SET data = $1, line_id = $2 WHERE id = $3 RETURNING id");
        found(
            self.write_one(q.bind(to_json(d)).bind(line.map(|l| l.0)).bind(id))
                .await,
        )
    }
}
