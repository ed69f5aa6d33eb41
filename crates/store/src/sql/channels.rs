//! Chat channels alerts are posted to.

use super::driver::{sql, Driver, Sql};
use super::{found, Backend, SqlStore};
use crate::codec::ms;
use crate::rows;
use jiff::Timestamp;
use switchboard_core::channel::{Channel, ChannelId, NewChannel};
use switchboard_core::store::StoreResult;

/// Binds the fields of `c` in the order both statements below name their columns.
fn fields<'q, D: Driver>(q: Sql<'q, D>, c: &'q NewChannel) -> Sql<'q, D> {
    q.bind(c.name.as_str())
        .bind(c.kind.as_str())
        .bind(c.webhook_url.as_str())
        .bind(c.team.map(|t| t.0))
        .bind(c.slack.as_ref().map(|s| s.channel.as_str()))
        .bind(c.slack.as_ref().map(|s| s.bot_token.as_str()))
        .bind(c.slack.as_ref().map(|s| s.signing_secret.as_str()))
        .bind(c.live_notices)
        .bind((!c.email_to.is_empty()).then(|| c.email_to.join(",")))
}

pub(super) async fn insert_channel<D: Driver>(
    conn: &mut D::Connection,
    c: &NewChannel,
    now: Timestamp,
) -> StoreResult<Channel> {
    let q = sql::<D>(
        "INSERT INTO channels (name, kind, webhook_url, team_id, slack_channel, bot_token,
             signing_secret, live_notices, email_to, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING *",
    );
    rows::channel(&fields(q, c).bind(ms(now)).one(conn).await?)
}

/// Replaces everything about a channel: its kind, webhook, secrets, team and settings.
pub(super) async fn replace_channel<D: Driver>(
    conn: &mut D::Connection,
    id: ChannelId,
    c: &NewChannel,
) -> StoreResult<Channel> {
    let q = sql::<D>(
        "UPDATE channels SET name = $1, kind = $2, webhook_url = $3, team_id = $4,
             slack_channel = $5, bot_token = $6, signing_secret = $7, live_notices = $8,
             email_to = $9
         WHERE id = $10 RETURNING *",
    );
    rows::channel(&fields(q, c).bind(id.0).one(conn).await?)
}

pub(super) async fn remove_channel<D: Driver>(
    conn: &mut D::Connection,
    id: ChannelId,
) -> StoreResult<()> {
    let q = sql::<D>("DELETE FROM channels WHERE id = $1 RETURNING id").bind(id.0);
    found(q.one(conn).await)
}

impl<B: Backend> SqlStore<B> {
    pub(super) async fn insert_channel(
        &self,
        c: &NewChannel,
        now: Timestamp,
    ) -> StoreResult<Channel> {
        let mut tx = self.db.begin().await?;
        let channel = insert_channel::<B::Db>(&mut *tx, c, now).await?;
        B::commit(tx).await?;
        Ok(channel)
    }

    /// Renames a channel and sets whether it gets "ringing now" notices.
    pub(super) async fn change_channel(
        &self,
        id: ChannelId,
        name: &str,
        live_notices: bool,
    ) -> StoreResult<Channel> {
        let q = sql("UPDATE channels SET name = $1, live_notices = $2 WHERE id = $3 RETURNING *")
            .bind(name)
            .bind(live_notices)
            .bind(id.0);
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

    pub(super) async fn slack_message_of(
        &self,
        channel: ChannelId,
        call: switchboard_core::CallId,
    ) -> StoreResult<Option<(String, String)>> {
        let q = sql("SELECT * FROM slack_messages WHERE channel_id = $1 AND call_id = $2")
            .bind(channel.0)
            .bind(call.0);
        match self.read_one(q).await {
            Ok(r) => Ok(Some((
                rows::col(&r, "slack_channel")?,
                rows::col(&r, "ts")?,
            ))),
            Err(switchboard_core::store::StoreError::NotFound) => Ok(None),
            Err(e) => Err(e),
        }
    }

    pub(super) async fn put_slack_message(
        &self,
        channel: ChannelId,
        call: switchboard_core::CallId,
        slack_channel: &str,
        ts: &str,
    ) -> StoreResult<()> {
        let q = sql(
            "INSERT INTO slack_messages (channel_id, call_id, slack_channel, ts)
             VALUES ($1, $2, $3, $4)
             ON CONFLICT (channel_id, call_id) DO UPDATE SET slack_channel = $3, ts = $4",
        )
        .bind(channel.0)
        .bind(call.0)
        .bind(slack_channel)
        .bind(ts);
        self.write(q).await
    }

    pub(super) async fn remove_channel(&self, id: ChannelId) -> StoreResult<()> {
        let mut tx = self.db.begin().await?;
        remove_channel::<B::Db>(&mut *tx, id).await?;
        B::commit(tx).await
    }
}
