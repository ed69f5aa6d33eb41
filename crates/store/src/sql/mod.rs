//! The one SQL store: every statement and every write, written once for both databases.
//!
//! `SqlStore<B>` is generic over a [`Backend`], which holds only what the databases do
//! differently (connections and transactions, one function name, the job-claim lock). The
//! statements use `$1`-style placeholders, which SQLite and PostgreSQL both accept, and the
//! column types both schemas share (64-bit integers, booleans, text, bytes).
//!
//! Every write runs in a transaction that commits before the call returns, so a write either
//! is stored or returns an error.

mod accounts;
mod audio;
mod audit;
mod backend;
mod batch;
mod call_reads;
mod calls;
mod channels;
mod cover;
mod drafts;
pub(crate) mod driver;
mod history;
mod incident_calls;
mod incidents;
mod integrations;
mod jobs;
mod lines;
mod recordings;
mod schedules;
mod sessions;
mod setup;
mod sso;
mod store_impl;
mod teams;
mod tokens;
mod users;

pub use backend::Backend;

use crate::codec::{db_err, ms};
use driver::{sql, Sql};
use jiff::Timestamp;
use sqlx::pool::PoolConnection;
use sqlx::Database;
use switchboard_core::store::StoreResult;

/// A row as the backend's database returns it.
type Row<B> = <<B as Backend>::Db as Database>::Row;

/// The store over one backend.
#[derive(Debug)]
pub struct SqlStore<B> {
    db: B,
    /// Calls' writes waiting to be written together (see `batch`).
    calls: batch::Queue,
    /// Calls' reads waiting to be read together (see `call_reads`).
    call_reads: call_reads::Queue,
}

impl<B: Backend> SqlStore<B> {
    /// The store over an opened and migrated backend.
    pub fn new(db: B) -> Self {
        Self {
            db,
            calls: batch::Queue::new(),
            call_reads: call_reads::Queue::new(),
        }
    }

    /// A connection for reads.
    async fn reader(&self) -> StoreResult<PoolConnection<B::Db>> {
        self.db.readers().acquire().await.map_err(db_err)
    }

    /// The row one read returns; [`StoreError::NotFound`] when there is none.
    async fn read_one(&self, q: Sql<'_, B::Db>) -> StoreResult<Row<B>> {
        q.one(&mut *self.reader().await?).await
    }

    /// The rows one read returns.
    async fn read_all(&self, q: Sql<'_, B::Db>) -> StoreResult<Vec<Row<B>>> {
        q.all(&mut *self.reader().await?).await
    }

    /// Runs one write statement in its own transaction and returns the row it returns
    /// ([`StoreError::NotFound`], and nothing written, when it returns none).
    async fn write_one(&self, q: Sql<'_, B::Db>) -> StoreResult<Row<B>> {
        let mut tx = self.db.begin().await?;
        let row = q.one(&mut *tx).await?;
        B::commit(tx).await?;
        Ok(row)
    }

    /// Runs one write statement in its own transaction.
    async fn write(&self, q: Sql<'_, B::Db>) -> StoreResult<()> {
        let mut tx = self.db.begin().await?;
        q.run(&mut *tx).await?;
        B::commit(tx).await
    }

    /// Proves the database answers a read and takes a write: what `/readyz` asks. A full
    /// disk, a read-only file or a database refusing connections fails here.
    async fn ping(&self) -> StoreResult<()> {
        sql::<B::Db>("SELECT 1")
            .run(&mut *self.reader().await?)
            .await?;
        self.write(
            sql("UPDATE store_health SET checked_at = $1 WHERE id = 1").bind(ms(Timestamp::now())),
        )
        .await
    }
}

/// `Ok` when a write that returns its key found its row.
fn found<T>(row: StoreResult<T>) -> StoreResult<()> {
    row.map(|_| ())
}
