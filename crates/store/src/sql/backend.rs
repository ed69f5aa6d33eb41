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

    /// A statement taking a lock, held to the end of the transaction, on the text `$1` (a
    /// caller on a line), so that transactions deciding about the same caller's incident run
    /// one after another instead of each opening their own or failing on the other's change
    /// (empty where writes are serialised anyway).
    const KEY_LOCK: &'static str;

    /// Whether running calls' saves arriving together are written in one transaction with
    /// the new calls (`batch`): on a single writer they queue anyway, and grouping saves a
    /// BEGIN and a COMMIT per save; where writers run in parallel it would serialise a save's
    /// incident work, which costs more than its commit. (New calls are grouped on both: their
    /// group is one multi-row statement, so it costs about what one call alone does.)
    const GROUP_SAVES: bool;
}
