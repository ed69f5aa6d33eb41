//! The PostgreSQL backend, for several instances sharing one database.
//!
//! Migrations take PostgreSQL's advisory lock (sqlx's migrator does), so instances starting
//! together migrate once.

use crate::codec::db_err;
use crate::sql::{Backend, SqlStore};
use crate::OpenError;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{PgPool, Postgres, Transaction};
use std::str::FromStr;
use std::time::Duration;
use switchboard_core::store::StoreResult;

/// The SQL store on PostgreSQL.
pub type PgStore = SqlStore<PgBackend>;

/// A connection unused for this long is pinged before it is handed out again.
const CHECK_AFTER: Duration = Duration::from_secs(1);

/// Whether the database has lately dropped a connection: then every connection the pool hands
/// out is pinged first, since its other idle ones were most likely dropped too.
pub(crate) mod lost {
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::OnceLock;
    use std::time::{Duration, Instant};

    /// How long after a lost connection every connection is checked before use.
    const WARY: Duration = Duration::from_secs(30);

    /// When a connection was last lost, in ms after [`base`] (0: never).
    static AT: AtomicU64 = AtomicU64::new(0);

    fn base() -> Instant {
        static BASE: OnceLock<Instant> = OnceLock::new();
        *BASE.get_or_init(Instant::now)
    }

    fn now_ms() -> u64 {
        // At least 1, so that 0 keeps meaning never.
        u64::try_from(base().elapsed().as_millis())
            .unwrap_or(u64::MAX)
            .max(1)
    }

    /// Notes `e` when it says the connection is gone (see [`gone`]).
    pub(crate) fn note(e: &sqlx::Error) {
        if gone(e) {
            AT.store(now_ms(), Ordering::Relaxed);
        }
    }

    /// Whether `e` says the connection is gone: an I/O or protocol failure, or PostgreSQL's
    /// connection-exception (08) and operator-intervention (57P) classes.
    pub(crate) fn gone(e: &sqlx::Error) -> bool {
        match e {
            sqlx::Error::Io(_) | sqlx::Error::Protocol(_) | sqlx::Error::Tls(_) => true,
            sqlx::Error::Database(d) => d
                .code()
                .is_some_and(|c| c.starts_with("08") || c.starts_with("57P")),
            _ => false,
        }
    }

    /// Whether a connection was lost in the last [`WARY`].
    pub(crate) fn lately() -> bool {
        let at = AT.load(Ordering::Relaxed);
        at != 0 && now_ms().saturating_sub(at) < WARY.as_millis() as u64
    }
}

/// One pool for reads and writes.
#[derive(Debug, Clone)]
pub struct PgBackend {
    pool: PgPool,
}

impl PgBackend {
    /// Connects to `url` (`postgres://…`) and migrates the database.
    pub async fn open(url: &str) -> Result<Self, OpenError> {
        let opts = PgConnectOptions::from_str(url).map_err(|e| OpenError::BadUrl(e.to_string()))?;
        // Named without the credentials.
        let target = format!(
            "{}:{}/{}",
            opts.get_host(),
            opts.get_port(),
            opts.get_database().unwrap_or("")
        );
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(5))
            // sqlx pings every connection it hands out, a round trip before each read and each
            // transaction. The pool already pings each connection given back, closing one that
            // broke while in use; what remains is one that broke while idle (the database
            // restarted or terminated it). Such a connection is pinged before use when it has
            // been idle a while, or when the database has lately been seen dropping
            // connections (see `lost`).
            .test_before_acquire(false)
            .before_acquire(|conn, meta| {
                Box::pin(async move {
                    if meta.idle_for >= CHECK_AFTER || lost::lately() {
                        sqlx::Connection::ping(conn).await?;
                    }
                    Ok(true)
                })
            })
            .connect_with(opts)
            .await
            .map_err(|source| OpenError::Connect { target, source })?;
        sqlx::migrate!("./migrations/postgres")
            .run(&pool)
            .await
            .map_err(OpenError::Migrate)?;
        Ok(Self { pool })
    }
}

impl Backend for PgBackend {
    type Db = Postgres;
    type Tx = Transaction<'static, Postgres>;

    fn readers(&self) -> &PgPool {
        &self.pool
    }

    async fn begin(&self) -> StoreResult<Self::Tx> {
        match self.pool.begin().await {
            Ok(tx) => Ok(tx),
            // Nothing ran yet: on a connection the database had dropped, begin again on one
            // the pool checks first (`lost` now says so).
            Err(e) if lost::gone(&e) => {
                lost::note(&e);
                self.pool.begin().await.map_err(db_err)
            }
            Err(e) => Err(db_err(e)),
        }
    }

    async fn commit(tx: Self::Tx) -> StoreResult<()> {
        tx.commit().await.map_err(db_err)
    }

    const POSITION: &'static str = "strpos";
    // Instances claim at once; each skips the rows another has locked.
    const CLAIM_LOCK: &'static str = "FOR UPDATE SKIP LOCKED";
    // A transaction-scoped advisory lock on a 64-bit hash of each key.
    const KEY_LOCK: &'static str =
        "SELECT pg_advisory_xact_lock(hashtextextended(v.column1, 0)) FROM (VALUES {}) AS v";
}
