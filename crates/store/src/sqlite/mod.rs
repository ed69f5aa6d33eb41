//! The embedded SQLite backend: WAL journal, a busy timeout, foreign keys on, and one writer.

mod writer;

pub use writer::{WriteTx, Writer};

use crate::sql::{Backend, SqlStore};
use crate::OpenError;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{ConnectOptions, SqlitePool};
use std::future::Future;
use std::str::FromStr;
use std::time::Duration;
use switchboard_core::store::StoreResult;

/// The SQL store on SQLite.
pub type SqliteStore = SqlStore<SqliteBackend>;

/// Readers beside one writer.
#[derive(Debug, Clone)]
pub struct SqliteBackend {
    /// Readers: WAL lets them run beside the writer.
    readers: SqlitePool,
    /// The one writer. SQLite allows a single writer at a time; queueing writes on one
    /// connection (a fair async queue) replaces SQLite's sleeping busy-retry, which made the
    /// slowest writes wait far longer than the queue ahead of them.
    writer: Writer,
}

impl SqliteBackend {
    /// Opens `url` (`sqlite:PATH`), creating the file if missing, and migrates it.
    pub async fn open(url: &str) -> Result<Self, OpenError> {
        let opts = SqliteConnectOptions::from_str(url)
            .map_err(|e| OpenError::BadUrl(e.to_string()))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true);
        let connect = |source| OpenError::Connect {
            target: url.trim_start_matches("sqlite:").to_owned(),
            source,
        };
        let mut writer = opts.connect().await.map_err(connect)?;
        sqlx::migrate!("./migrations/sqlite")
            .run_direct(&mut writer)
            .await
            .map_err(OpenError::Migrate)?;
        let readers = SqlitePoolOptions::new()
            .max_connections(8)
            // A pool pings a connection before handing it out; on SQLite that is a hop to
            // the connection's thread that can only find it alive.
            .test_before_acquire(false)
            .connect_with(opts.clone())
            .await
            .map_err(connect)?;
        Ok(Self {
            readers,
            writer: Writer::new(writer, opts),
        })
    }
}

impl Backend for SqliteBackend {
    type Db = sqlx::Sqlite;
    type Tx = WriteTx;

    fn readers(&self) -> &SqlitePool {
        &self.readers
    }

    fn begin(&self) -> impl Future<Output = StoreResult<WriteTx>> + Send {
        self.writer.begin()
    }

    fn commit(tx: WriteTx) -> impl Future<Output = StoreResult<()>> + Send {
        tx.commit()
    }

    const POSITION: &'static str = "instr";
    // Writes are serialised on the one writer: a claim never races another.
    const CLAIM_LOCK: &'static str = "";
    const KEY_LOCK: &'static str = "";
}
