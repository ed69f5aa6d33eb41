//! The one writer connection, and the only way to write through it.
//!
//! Every write is an explicit `BEGIN IMMEDIATE … COMMIT` on the writer, so a failed commit
//! (a full disk, an I/O error) is an error to the caller, never a success for a row that was
//! not stored. A transaction that does not reach its commit — an error, a dropped future, a
//! failed `COMMIT` — closes its connection instead of handing it back: SQLite rolls back
//! whatever was open, and the pool opens a fresh connection for the next write. No write can
//! then run inside a transaction left behind by an earlier one.

use crate::codec::db_err;
use sqlx::pool::PoolConnection;
use sqlx::{Sqlite, SqliteConnection, SqlitePool};
use std::ops::{Deref, DerefMut};
use switchboard_core::store::StoreResult;

/// The single-connection pool that all writes queue on.
#[derive(Debug, Clone)]
pub struct Writer(pub(super) SqlitePool);

impl Writer {
    /// Starts a write transaction, taking SQLite's write lock at once.
    pub async fn begin(&self) -> StoreResult<WriteTx> {
        let conn = self.0.acquire().await.map_err(db_err)?;
        let mut tx = WriteTx {
            conn,
            committed: false,
        };
        sqlx::query("BEGIN IMMEDIATE")
            .execute(&mut *tx.conn)
            .await
            .map_err(db_err)?;
        Ok(tx)
    }
}

/// An open write transaction; see the module documentation.
pub struct WriteTx {
    conn: PoolConnection<Sqlite>,
    committed: bool,
}

impl WriteTx {
    /// Commits; an error means nothing of the transaction was stored.
    pub async fn commit(mut self) -> StoreResult<()> {
        sqlx::query("COMMIT")
            .execute(&mut *self.conn)
            .await
            .map_err(db_err)?;
        self.committed = true;
        Ok(())
    }
}

impl Deref for WriteTx {
    type Target = SqliteConnection;
    fn deref(&self) -> &SqliteConnection {
        &self.conn
    }
}

impl DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut SqliteConnection {
        &mut self.conn
    }
}

impl Drop for WriteTx {
    fn drop(&mut self) {
        if !self.committed {
            // Closing the connection rolls back whatever it had open; the pool replaces it.
            self.conn.close_on_drop();
        }
    }
}
