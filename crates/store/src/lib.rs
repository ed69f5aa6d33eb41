//! Switchboard's persistence: implementations of [`switchboard_core::store::Store`].
//!
//! One SQL store ([`sql::SqlStore`]) serves both databases; the backend is chosen at runtime
//! from the database URL's scheme by [`open`]. Each database keeps its own migration tree
//! (`migrations/<backend>`: the column types are spelled differently), with the same version
//! numbers and the same tables in both.

mod codec;
pub mod postgres;
mod rows;
pub mod sql;
pub mod sqlite;
pub mod testing;

use std::sync::Arc;
use switchboard_core::store::Store;

/// Why the store could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("database_url: {0}")]
    BadUrl(String),
    #[error("could not open the database at {target}: {source}")]
    Connect {
        /// Where: `host:port/db` for PostgreSQL (no credentials), the file for SQLite.
        target: String,
        #[source]
        source: sqlx::Error,
    },
    #[error("could not migrate the database: {0}")]
    Migrate(#[source] sqlx::migrate::MigrateError),
}

/// Opens (creating if needed) and migrates the database at `url`.
pub async fn open(url: &str) -> Result<Arc<dyn Store>, OpenError> {
    if url.starts_with("sqlite:") {
        Ok(Arc::new(sql::SqlStore::new(
            sqlite::SqliteBackend::open(url).await?,
        )))
    } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        Ok(Arc::new(sql::SqlStore::new(
            postgres::PgBackend::open(url).await?,
        )))
    } else {
        let scheme = url.split(':').next().unwrap_or("");
        Err(OpenError::BadUrl(format!(
            "unsupported scheme '{scheme}': use sqlite:PATH or postgres://USER@HOST/DB"
        )))
    }
}
