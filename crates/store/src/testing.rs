//! Test databases: a fresh SQLite file or a fresh PostgreSQL database per test, removed
//! afterwards. PostgreSQL tests need `SWITCHBOARD_TEST_POSTGRES_URL` (a URL whose user may
//! create databases); without it they are skipped with a message saying so.

use std::path::PathBuf;

/// The variable naming the PostgreSQL server for tests.
pub const POSTGRES_ENV: &str = "SWITCHBOARD_TEST_POSTGRES_URL";

/// A database that exists for one test.
pub struct TestDb {
    /// The URL to open the store with.
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    Sqlite(PathBuf),
    Postgres { admin_url: String, name: String },
}

fn unique_name() -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!(
        "sb_test_{}_{}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst),
        nanos
    )
}

impl TestDb {
    /// A fresh SQLite database in the system's temporary directory.
    pub fn sqlite() -> TestDb {
        let dir = std::env::temp_dir().join(unique_name());
        std::fs::create_dir_all(&dir).expect("temp dir is writable");
        TestDb {
            url: format!("sqlite:{}", dir.join("test.db").display()),
            cleanup: Cleanup::Sqlite(dir),
        }
    }

    /// A fresh SQLite database inside `dir` (for a test that controls the file system under
    /// it, such as a small tmpfs); the files are removed afterwards, `dir` is left.
    pub fn sqlite_in(dir: &std::path::Path) -> TestDb {
        let dir = dir.join(unique_name());
        std::fs::create_dir_all(&dir).expect("the directory is writable");
        TestDb {
            url: format!("sqlite:{}", dir.join("test.db").display()),
            cleanup: Cleanup::Sqlite(dir),
        }
    }

    /// A fresh PostgreSQL database, or `None` (with a note on stderr) when
    /// `SWITCHBOARD_TEST_POSTGRES_URL` is not set.
    pub async fn postgres(test: &str) -> Option<TestDb> {
        let Ok(admin_url) = std::env::var(POSTGRES_ENV) else {
            eprintln!("skipped {test} on PostgreSQL: {POSTGRES_ENV} is not set");
            return None;
        };
        let name = unique_name();
        let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&admin_url)
            .await
            .unwrap_or_else(|e| panic!("{POSTGRES_ENV}={admin_url}: cannot connect: {e}"));
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .await
            .expect("the test user can create databases");
        let base = match admin_url.rfind('/') {
            Some(i) if admin_url[..i].contains("://") && i > admin_url.find("://").unwrap() + 2 => {
                admin_url[..i].to_owned()
            }
            _ => admin_url.trim_end_matches('/').to_owned(),
        };
        Some(TestDb {
            url: format!("{base}/{name}"),
            cleanup: Cleanup::Postgres { admin_url, name },
        })
    }
}

/// Takes one test's PostgreSQL database away and gives it back: a real outage of that
/// database only (new connections are refused, open ones are ended), so tests running beside
/// it on the same server are not disturbed.
#[derive(Debug, Clone)]
pub struct Outage {
    admin_url: String,
    name: String,
}

impl Outage {
    async fn admin(&self) -> sqlx::PgConnection {
        <sqlx::PgConnection as sqlx::Connection>::connect(&self.admin_url)
            .await
            .expect("the admin connection opens")
    }

    /// The database stops accepting connections and its open ones are terminated.
    pub async fn begin(&self) {
        let mut c = self.admin().await;
        sqlx::query(&format!(
            "ALTER DATABASE {} ALLOW_CONNECTIONS false",
            self.name
        ))
        .execute(&mut c)
        .await
        .expect("ALTER DATABASE");
        self.drop_connections().await;
    }

    /// The database drops every connection open to it, as a restart does, and keeps
    /// accepting new ones.
    pub async fn drop_connections(&self) {
        let mut c = self.admin().await;
        sqlx::query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1")
            .bind(&self.name)
            .execute(&mut c)
            .await
            .expect("terminate the database's connections");
    }

    /// The database accepts connections again.
    pub async fn end(&self) {
        let mut c = self.admin().await;
        sqlx::query(&format!(
            "ALTER DATABASE {} ALLOW_CONNECTIONS true",
            self.name
        ))
        .execute(&mut c)
        .await
        .expect("ALTER DATABASE");
    }
}

impl TestDb {
    /// The outage switch of a PostgreSQL test database (`None` for SQLite).
    pub fn outage(&self) -> Option<Outage> {
        match &self.cleanup {
            Cleanup::Postgres { admin_url, name } => Some(Outage {
                admin_url: admin_url.clone(),
                name: name.clone(),
            }),
            Cleanup::Sqlite(_) => None,
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::Sqlite(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Cleanup::Postgres { admin_url, name } => {
                let (admin_url, name) = (admin_url.clone(), name.clone());
                // Drop runs inside the test's runtime; use a thread with its own.
                let _ = std::thread::spawn(move || {
                    let rt = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .expect("runtime");
                    rt.block_on(async {
                        if let Ok(mut c) =
                            <sqlx::PgConnection as sqlx::Connection>::connect(&admin_url).await
                        {
                            let _ = sqlx::query(&format!(
                                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                            ))
                            .execute(&mut c)
                            .await;
                        }
                    });
                })
                .join();
            }
        }
    }
}
