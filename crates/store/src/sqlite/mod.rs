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

/// How many prepared statements the writer connection keeps (sqlx keeps 100 by default).
///
/// A group's statements list their rows as `VALUES (?, …), (…)`, so each kind of statement has
/// a text per row count: up to 64 for the calls of a group, up to 100 for their log lines,
/// jobs, incidents' timelines and links, some ten kinds in all. With 100 kept, a statement was
/// prepared again on most groups (about 630 prepares a second under load, 4.9 % of the
/// server's time). Kept, they cost memory only after such load: about 1.5 MB more anonymous
/// memory after 6,000 calls at 64 at once (BENCHMARKS, "The writer keeps its statements").
const WRITER_STATEMENTS: usize = 1000;

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
        let writer_opts = opts.clone().statement_cache_capacity(WRITER_STATEMENTS);
        let mut writer = writer_opts.connect().await.map_err(connect)?;
        sqlx::migrate!("./migrations/sqlite")
            .run_direct(&mut writer)
            .await
            .map_err(OpenError::Migrate)?;
        let readers = SqlitePoolOptions::new()
            .max_connections(8)
            // A pool pings a connection before handing it out; on SQLite that is a hop to
            // the connection's thread that can only find it alive.
            .test_before_acquire(false)
            .connect_with(opts)
            .await
            .map_err(connect)?;
        Ok(Self {
            readers,
            writer: Writer::new(writer, writer_opts),
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
