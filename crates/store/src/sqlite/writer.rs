//! The one writer connection, and the only way to write through it.
//!
//! Every write is an explicit `BEGIN IMMEDIATE … COMMIT` on the writer, so a failed commit
//! (a full disk, an I/O error) is an error to the caller, never a success for a row that was
//! not stored. A transaction that does not reach its commit — an error, a dropped future, a
//! failed `COMMIT` — closes its connection instead of handing it back: SQLite rolls back
//! whatever was open, and the next write opens a fresh connection. No write can then run
//! inside a transaction left behind by an earlier one.
//!
//! The connection is held here, not borrowed from a pool for each write: a pool checks a
//! connection with a ping when it is taken and again when it is given back, and on SQLite
//! each ping is a hop to the connection's thread and back — two more hops per transaction on
//! the path every webhook waits on, to learn nothing about a database in this process.

use crate::codec::db_err;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, SqliteConnection};
use std::ops::{Deref, DerefMut};
use std::sync::Arc;
use std::time::Duration;
use switchboard_core::store::{StoreError, StoreResult};
use tokio::sync::{Mutex, OwnedMutexGuard};

/// How long a write waits for the writer before it is told the database is busy.
const WAIT: Duration = Duration::from_secs(10);

/// The writer connection that all writes queue on, in the order they asked (a fair lock).
#[derive(Debug, Clone)]
pub struct Writer {
    conn: Arc<Mutex<Option<SqliteConnection>>>,
    opts: SqliteConnectOptions,
}

impl Writer {
    /// The writer over `conn`, reopened with `opts` after a transaction that did not commit.
    pub(super) fn new(conn: SqliteConnection, opts: SqliteConnectOptions) -> Self {
        Self {
            conn: Arc::new(Mutex::new(Some(conn))),
            opts,
        }
    }

    /// Starts a write transaction, taking SQLite's write lock at once.
    pub async fn begin(&self) -> StoreResult<WriteTx> {
        let mut slot = tokio::time::timeout(WAIT, self.conn.clone().lock_owned())
            .await
            .map_err(|_| {
                StoreError::Backend(
                    format!("the database's writer stayed busy for {} s", WAIT.as_secs()).into(),
                )
            })?;
        if slot.is_none() {
            *slot = Some(self.opts.connect().await.map_err(db_err)?);
        }
        // From here until it is dropped, the transaction holds its connection.
        let mut tx = WriteTx {
            slot,
            committed: false,
        };
        sqlx::query("BEGIN IMMEDIATE")
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        Ok(tx)
    }
}

/// An open write transaction; see the module documentation.
pub struct WriteTx {
    /// Always holds the connection while the transaction is open.
    slot: OwnedMutexGuard<Option<SqliteConnection>>,
    committed: bool,
}

impl WriteTx {
    /// Commits; an error means nothing of the transaction was stored.
    pub async fn commit(mut self) -> StoreResult<()> {
        sqlx::query("COMMIT")
            .execute(&mut *self)
            .await
            .map_err(db_err)?;
        self.committed = true;
        Ok(())
    }
}

impl Deref for WriteTx {
    type Target = SqliteConnection;
    fn deref(&self) -> &SqliteConnection {
        self.slot
            .as_ref()
            .expect("an open transaction holds its connection")
    }
}

impl DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut SqliteConnection {
        self.slot
            .as_mut()
            .expect("an open transaction holds its connection")
    }
}

impl Drop for WriteTx {
    fn drop(&mut self) {
        if !self.committed {
            // Closing the connection rolls back whatever it had open; the next write opens
            // another.
            drop(self.slot.take());
        }
    }
}
