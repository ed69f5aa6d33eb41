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
        self.pool.begin().await.map_err(db_err)
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
