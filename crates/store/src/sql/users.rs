//! Responders, and the secrets of their calendar feeds.

use super::driver::{sql, Driver};
use super::{found, Backend, SqlStore};
use crate::codec::{ms, to_json};
use crate::rows;
use jiff::Timestamp;
use switchboard_core::store::StoreResult;
use switchboard_core::user::{NewUser, PinChange, User};
use switchboard_core::UserId;

pub(super) async fn insert_user<D: Driver>(
    c: &mut D::Connection,
    u: &NewUser,
    now: Timestamp,
) -> StoreResult<User> {
    let row = sql::<D>(
        "INSERT INTO users (name, email, phone, time_zone, created_at, clock, slack_user_id,
             other_phones, ring_phones, callback_pin)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING *",
    )
    .bind(u.name.as_str())
    .bind(u.email.as_str())
    .bind(u.phone.as_ref().map(|p| p.to_string()))
    .bind(u.time_zone.name())
    .bind(ms(now))
    .bind(u.clock.as_str())
    .bind(u.slack_user_id.as_deref())
    .bind(to_json(&u.other_phones))
    .bind(u.ring_phones.as_str())
    .bind(u.callback_pin.hash())
    .one(c)
    .await?;
    rows::user(&row)
}

pub(super) async fn replace_user<D: Driver>(
    c: &mut D::Connection,
    id: UserId,
    u: &NewUser,
) -> StoreResult<User> {
    let row = sql::<D>(
        "UPDATE users SET name = $1, email = $2, phone = $3, time_zone = $4, clock = $5,
             slack_user_id = $6, other_phones = $7, ring_phones = $8,
             callback_pin = CASE WHEN $9 THEN $10 ELSE callback_pin END
         WHERE id = $11 RETURNING *",
    )
    .bind(u.name.as_str())
    .bind(u.email.as_str())
    .bind(u.phone.as_ref().map(|p| p.to_string()))
    .bind(u.time_zone.name())
    .bind(u.clock.as_str())
    .bind(u.slack_user_id.as_deref())
    .bind(to_json(&u.other_phones))
    .bind(u.ring_phones.as_str())
    .bind(u.callback_pin != PinChange::Keep)
    .bind(u.callback_pin.hash())
    .bind(id.0)
    .one(c)
    .await?;
    rows::user(&row)
}

pub(super) async fn remove_user<D: Driver>(c: &mut D::Connection, id: UserId) -> StoreResult<()> {
    found(
        sql::<D>("DELETE FROM users WHERE id = $1 RETURNING id")
            .bind(id.0)
            .one(c)
            .await,
    )
}

impl<B: Backend> SqlStore<B> {
    pub(super) async fn insert_user(&self, u: &NewUser, now: Timestamp) -> StoreResult<User> {
        let mut tx = self.db.begin().await?;
        let user = insert_user::<B::Db>(&mut *tx, u, now).await?;
        B::commit(tx).await?;
        Ok(user)
    }

    pub(super) async fn user(&self, id: UserId) -> StoreResult<User> {
        rows::user(
            &self
                .read_one(sql("SELECT * FROM users WHERE id = $1").bind(id.0))
                .await?,
        )
    }

    pub(super) async fn users(&self) -> StoreResult<Vec<User>> {
        let all = self
            .read_all(sql("SELECT * FROM users ORDER BY id"))
            .await?;
        all.iter().map(rows::user).collect()
    }

    pub(super) async fn replace_user(&self, id: UserId, u: &NewUser) -> StoreResult<User> {
        let mut tx = self.db.begin().await?;
        let user = replace_user::<B::Db>(&mut *tx, id, u).await?;
        B::commit(tx).await?;
        Ok(user)
    }

    /// The hash of the PIN `id` calls back as a hotline with.
    pub(super) async fn callback_pin_hash(&self, id: UserId) -> StoreResult<Option<String>> {
        let row = self
            .read_one(sql("SELECT callback_pin FROM users WHERE id = $1").bind(id.0))
            .await?;
        crate::rows::col(&row, "callback_pin")
    }

    pub(super) async fn user_with_slack_id(&self, slack_user: &str) -> StoreResult<User> {
        let q = sql("SELECT * FROM users WHERE slack_user_id = $1").bind(slack_user);
        rows::user(&self.read_one(q).await?)
    }

    pub(super) async fn remove_user(&self, id: UserId) -> StoreResult<()> {
        let mut tx = self.db.begin().await?;
        remove_user::<B::Db>(&mut *tx, id).await?;
        B::commit(tx).await
    }

    pub(super) async fn set_user_feed(&self, id: UserId, token: &str) -> StoreResult<()> {
        found(
            self.write_one(
                sql("UPDATE users SET feed_token = $1 WHERE id = $2 RETURNING id")
                    .bind(token)
                    .bind(id.0),
            )
            .await,
        )
    }

    pub(super) async fn user_by_feed(&self, token: &str) -> StoreResult<User> {
        let row = self
            .read_one(sql("SELECT * FROM users WHERE feed_token = $1").bind(token))
            .await?;
        rows::user(&row)
    }
}
