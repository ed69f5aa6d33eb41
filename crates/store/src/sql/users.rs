//! Responders, and the secrets of their calendar feeds.

use super::driver::sql;
use super::{found, Backend, SqlStore};
use crate::codec::{ms, to_json};
use crate::rows;
use jiff::Timestamp;
use switchboard_core::store::StoreResult;
use switchboard_core::user::{NewUser, User};
use switchboard_core::UserId;

impl<B: Backend> SqlStore<B> {
    pub(super) async fn insert_user(&self, u: &NewUser, now: Timestamp) -> StoreResult<User> {
        let row = self
            .write_one(
                sql(
                    "INSERT INTO users (name, email, phone, time_zone, created_at, clock, slack_user_id,
                         other_phones, ring_phones)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING *",
                )
                .bind(u.name.as_str())
                .bind(u.email.as_str())
                .bind(u.phone.as_ref().map(|p| p.to_string()))
                .bind(u.time_zone.name())
                .bind(ms(now))
                .bind(u.clock.as_str())
                .bind(u.slack_user_id.as_deref())
                .bind(to_json(&u.other_phones))
                .bind(u.ring_phones.as_str()),
            )
            .await?;
        rows::user(&row)
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
        let row = self
            .write_one(
                sql(
                    "UPDATE users SET name = $1, email = $2, phone = $3, time_zone = $4, clock = $5,
                         slack_user_id = $6, other_phones = $7, ring_phones = $8
                     WHERE id = $9 RETURNING *",
                )
                .bind(u.name.as_str())
                .bind(u.email.as_str())
                .bind(u.phone.as_ref().map(|p| p.to_string()))
                .bind(u.time_zone.name())
                .bind(u.clock.as_str())
                .bind(u.slack_user_id.as_deref())
                .bind(to_json(&u.other_phones))
                .bind(u.ring_phones.as_str())
                .bind(id.0),
            )
            .await?;
        rows::user(&row)
    }

    /// Sets (a hash) or clears the PIN `id` calls back as a hotline with.
    pub(super) async fn put_callback_pin(&self, id: UserId, hash: Option<&str>) -> StoreResult<()> {
        let q = sql("UPDATE users SET callback_pin = $1 WHERE id = $2 RETURNING id");
        found(self.write_one(q.bind(hash).bind(id.0)).await)
    }

    /// The hash of the PIN `id` calls back as a hotline with.
    pub(super) async fn callback_pin_hash(&self, id: UserId) -> StoreResult<Option<String>> {
        let row = self
            .read_one(sql("SELECT callback_pin FROM users WHERE id = $1").bind(id.0))
            .await?;
        crate::rows::col(&row, "callback_pin")
    }

    /// The users `ids`, and any user with a call-back PIN who has `caller` as their first or
    /// another number: what a call's start needs of users, in one read.
    pub(super) async fn users_for_call(
        &self,
        ids: &[UserId],
        caller: Option<&str>,
    ) -> StoreResult<Vec<User>> {
        let mut conds = Vec::new();
        if !ids.is_empty() {
            let marks: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
            conds.push(format!("id IN ({})", marks.join(", ")));
        }
        if caller.is_some() {
            // Another number is in the JSON list as `"number":"+1…"`, quotes included.
            // The pattern is built in SQL, not bound: SQLite prepares a statement again every
            // time a LIKE's bound pattern changes (for its LIKE optimization), which cost
            // incoming calls about a fifth of their throughput when it was bound.
            conds.push(format!(
                "(callback_pin IS NOT NULL
                  AND (phone = ${} OR other_phones LIKE '%' || ${} || '%'))",
                ids.len() + 1,
                ids.len() + 2
            ));
        }
        if conds.is_empty() {
            return Ok(vec![]);
        }
        let text = format!(
            "SELECT * FROM users WHERE {} ORDER BY id",
            conds.join(" OR ")
        );
        let mut q = sql(&text);
        for id in ids {
            q = q.bind(id.0);
        }
        if let Some(n) = caller {
            q = q.bind(n).bind(format!("\"{n}\""));
        }
        self.read_all(q).await?.iter().map(rows::user).collect()
    }

    pub(super) async fn user_with_slack_id(&self, slack_user: &str) -> StoreResult<User> {
        let q = sql("SELECT * FROM users WHERE slack_user_id = $1").bind(slack_user);
        rows::user(&self.read_one(q).await?)
    }

    pub(super) async fn remove_user(&self, id: UserId) -> StoreResult<()> {
        found(
            self.write_one(sql("DELETE FROM users WHERE id = $1 RETURNING id").bind(id.0))
                .await,
        )
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
