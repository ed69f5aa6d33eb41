//! The little that differs between SQLite and PostgreSQL.

use super::driver::Driver;
use sqlx::{Database, Pool};
use std::future::Future;
use std::ops::DerefMut;
use switchboard_core::store::StoreResult;

/// A database the SQL store runs on: how it hands out connections and transactions, and the
/// two pieces of SQL the databases spell differently. Everything else — every statement, every
/// decision about what a write contains — is in the store, once.
pub trait Backend: Clone + Send + Sync + std::fmt::Debug + 'static {
    type Db: Driver;
    /// An open write transaction.
    type Tx: DerefMut<Target = <Self::Db as Database>::Connection> + Send;

    /// The connections reads use.
    fn readers(&self) -> &Pool<Self::Db>;

    /// Starts a write transaction.
    fn begin(&self) -> impl Future<Output = StoreResult<Self::Tx>> + Send;

    /// Commits it; an error means nothing of the transaction was stored.
    fn commit(tx: Self::Tx) -> impl Future<Output = StoreResult<()>> + Send;

    /// The function giving the 1-based position of a substring (0 when absent), called as
    /// `POSITION(haystack, needle)`.
    const POSITION: &'static str;

    /// What follows the job-claim subquery so that claimers running at once skip each other's
    /// rows instead of waiting on them (empty where writes are serialised anyway).
    const CLAIM_LOCK: &'static str;

    /// A statement taking locks, held to the end of the transaction, on texts (callers on
    /// lines), one per row of a one-column `VALUES` list that replaces its `{}`, in the rows'
    /// order: so that transactions deciding about the same caller's incident run one after
    /// another instead of each opening their own or failing on the other's change (empty
    /// where writes are serialised anyway).
    const KEY_LOCK: &'static str;
}
