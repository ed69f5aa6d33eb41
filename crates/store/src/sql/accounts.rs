//! Accounts: roles, password hashes, and the first-run setup link.

use super::driver::{sql, Driver, Sql};
use super::{found, Backend, SqlStore};
use crate::codec::ms;
use crate::rows::{self, col};
use jiff::Timestamp;
use switchboard_core::account::Role;
use switchboard_core::store::{StoreError, StoreResult};
use switchboard_core::user::{NewUser, User};
use switchboard_core::UserId;

const INSERT_ACCOUNT: &str =
    "INSERT INTO users (name, email, phone, time_zone, created_at, role, password_hash, clock)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";

/// How many users can log in.
const ACCOUNTS: &str = "SELECT COUNT(*) AS n FROM users WHERE password_hash IS NOT NULL";
/// Taken first by every change to who is an owner: such changes take turns on its row lock,
/// and each sees the one before it (SQLite serialises writes anyway).
const OWNER_LOCK: &str = "UPDATE owner_setup SET id = id WHERE id = 1";

/// Takes the owner lock for the rest of the transaction; returns how many owners there are.
pub(super) async fn lock_owners<D: Driver>(c: &mut D::Connection) -> StoreResult<i64> {
    sql::<D>(OWNER_LOCK).run(&mut *c).await?;
    count_owners::<D>(c).await
}

pub(super) async fn count_owners<D: Driver>(c: &mut D::Connection) -> StoreResult<i64> {
    let q = sql::<D>("SELECT COUNT(*) AS n FROM users WHERE role = 'owner'");
    col(&q.one(c).await?, "n")
}

/// Binds an account's values in the order of [`INSERT_ACCOUNT`].
fn account<'q, D: Driver>(
    q: Sql<'q, D>,
    u: &'q NewUser,
    role: Role,
    hash: &'q str,
    now: Timestamp,
) -> Sql<'q, D> {
    q.bind(u.name.as_str())
        .bind(u.email.as_str())
        .bind(u.phone.as_ref().map(|p| p.to_string()))
        .bind(u.time_zone.name())
        .bind(ms(now))
        .bind(role.as_str())
        .bind(hash)
        .bind(u.clock.as_str())
}

impl<B: Backend> SqlStore<B> {
    pub(super) async fn insert_account(
        &self,
        u: &NewUser,
        role: Role,
        hash: &str,
        now: Timestamp,
    ) -> StoreResult<User> {
        let text = format!("{INSERT_ACCOUNT} RETURNING *");
        rows::user(
            &self
                .write_one(account(sql(&text), u, role, hash, now))
                .await?,
        )
    }

    pub(super) async fn first_owner(
        &self,
        link_hash: &str,
        u: &NewUser,
        hash: &str,
        now: Timestamp,
    ) -> StoreResult<User> {
        let mut tx = self.db.begin().await?;
        sql::<B::Db>(OWNER_LOCK).run(&mut *tx).await?;
        let q = sql::<B::Db>(
            "UPDATE setup_links SET used_at = $1
             WHERE hash = $2 AND used_at IS NULL AND expires_at > $1 RETURNING hash",
        );
        q.bind(ms(now)).bind(link_hash).one(&mut *tx).await?;
        if col::<_, i64>(&sql::<B::Db>(ACCOUNTS).one(&mut *tx).await?, "n")? > 0 {
            return Err(StoreError::Conflict("an account exists already".to_owned()));
        }
        let text = format!(
            "{INSERT_ACCOUNT} ON CONFLICT (email) DO UPDATE
                 SET role = excluded.role, password_hash = excluded.password_hash
             RETURNING *"
        );
        let q = account(sql::<B::Db>(&text), u, Role::Owner, hash, now);
        let user = rows::user(&q.one(&mut *tx).await?)?;
        B::commit(tx).await?;
        Ok(user)
    }

    pub(super) async fn login_of(&self, email: &str) -> StoreResult<(User, Option<String>)> {
        let q = sql("SELECT * FROM users WHERE lower(email) = lower($1)").bind(email);
        let row = self.read_one(q).await?;
        Ok((rows::user(&row)?, col(&row, "password_hash")?))
    }

    pub(super) async fn put_password(&self, id: UserId, hash: Option<&str>) -> StoreResult<()> {
        let q = sql("UPDATE users SET password_hash = $1 WHERE id = $2 RETURNING id");
        found(self.write_one(q.bind(hash).bind(id.0)).await)
    }

    pub(super) async fn put_role(&self, id: UserId, role: Role) -> StoreResult<User> {
        let mut tx = self.db.begin().await?;
        let before = lock_owners::<B::Db>(&mut *tx).await?;
        let q = sql::<B::Db>("UPDATE users SET role = $1 WHERE id = $2 RETURNING *");
        let user = rows::user(&q.bind(role.as_str()).bind(id.0).one(&mut *tx).await?)?;
        if before > 0 && count_owners::<B::Db>(&mut *tx).await? == 0 {
            return Err(StoreError::Conflict(
                "the last owner cannot stop being one".to_owned(),
            ));
        }
        B::commit(tx).await?;
        Ok(user)
    }

    pub(super) async fn accounts(&self) -> StoreResult<u64> {
        Ok(col::<_, i64>(&self.read_one(sql(ACCOUNTS)).await?, "n")?.max(0) as u64)
    }

    pub(super) async fn insert_setup_link(
        &self,
        hash: &str,
        expires: Timestamp,
    ) -> StoreResult<()> {
        let q = sql("INSERT INTO setup_links (hash, expires_at) VALUES ($1, $2)");
        self.write(q.bind(hash).bind(ms(expires))).await
    }
}
