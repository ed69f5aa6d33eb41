//! `switchboard-bench compare`: the webhook load benchmark. In one run, round after round, it
//! drives three kinds of server with the same load and prints medians and ratios:
//!
//! - the **bare floor**: axum answering every POST with a fixed TwiML document;
//! - the **durable floor**: the same plus one SQLite (WAL, synchronous=NORMAL, as Switchboard
//!   sets it) insert of the form through one writer connection, taken from a one-connection
//!   sqlx pool for each insert (the ratios are against this one), and again with the
//!   connection held, which spares it the pool's two pings per insert;
//! - **Switchboard** (`switchboard serve`, release build), on SQLite, and on PostgreSQL with
//!   `--postgres`: the incoming-call webhook of a line without signature checks, then the
//!   call-status webhook ending each of those calls (a webhook of a running call).
//!
//! Each server runs as its own process (`floor-bare`, `floor-durable` are subcommands of this
//! binary). Requests are unsigned form posts with a fresh CallSid each.

mod load;

use anyhow::{bail, Context};
use clap::{Parser, Subcommand};
use load::{Figures, Request};
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

const TWIML: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Response><Say language="en-US">Thank you for calling. Please hold while we connect you to the engineer on call.</Say><Dial action="/x" method="POST" timeout="20" callerId="+14155550199"><Number>+14155550101</Number></Dial></Response>"#;

#[derive(Parser)]
#[command(about = "Webhook load benchmark: two floors and Switchboard, side by side")]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Answers every POST with a fixed TwiML document.
    FloorBare {
        #[arg(long)]
        listen: String,
    },
    /// The same, after one SQLite insert of the form through one writer connection.
    FloorDurable {
        #[arg(long)]
        listen: String,
        #[arg(long)]
        sqlite: PathBuf,
        /// Hold the connection instead of taking it from a one-connection sqlx pool for each
        /// insert (the pool pings it when it is taken and when it is given back).
        #[arg(long)]
        held: bool,
    },
    /// Runs the comparison and prints the table.
    Compare {
        /// The Switchboard binary (a release build).
        #[arg(long, default_value = "target/release/switchboard")]
        switchboard: PathBuf,
        #[arg(long, default_value_t = 20_000)]
        requests: usize,
        #[arg(long, default_value_t = 64)]
        concurrency: usize,
        #[arg(long, default_value_t = 3)]
        rounds: usize,
        /// A PostgreSQL server URL without a database (postgres://user@host:port): also
        /// measure Switchboard on PostgreSQL, in a fresh database each round.
        #[arg(long)]
        postgres: Option<String>,
        /// Calls come from this many numbers in turn (1: a flood from one caller, whose calls
        /// all join one incident); by default each call from its own number.
        #[arg(long)]
        callers: Option<usize>,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match Cli::parse().cmd {
        Cmd::FloorBare { listen } => floor_bare(&listen).await,
        Cmd::FloorDurable {
            listen,
            sqlite,
            held,
        } => floor_durable(&listen, &sqlite, held).await,
        Cmd::Compare {
            switchboard,
            requests,
            concurrency,
            rounds,
            postgres,
            callers,
        } => {
            let callers = callers.unwrap_or(10_000_000).max(1);
            compare(
                &switchboard,
                requests,
                concurrency,
                rounds,
                postgres,
                callers,
            )
            .await
        }
    }
}

fn twiml() -> axum::response::Response {
    use axum::response::IntoResponse;
    ([("content-type", "text/xml")], TWIML).into_response()
}

async fn floor_bare(listen: &str) -> anyhow::Result<()> {
    let app = axum::Router::new().fallback(axum::routing::post(|| async { twiml() }));
    let l = tokio::net::TcpListener::bind(listen).await?;
    println!("ready");
    axum::serve(l, app).await?;
    Ok(())
}

async fn floor_durable(listen: &str, path: &std::path::Path, held: bool) -> anyhow::Result<()> {
    use axum::response::{IntoResponse, Response};
    use sqlx::sqlite::{
        SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous,
    };
    use sqlx::{ConnectOptions, SqliteConnection, SqlitePool};
    use tokio::sync::Mutex;
    let opts = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .busy_timeout(Duration::from_secs(10));
    /// The one writer: a one-connection pool, or the connection itself behind a fair lock.
    #[derive(Clone)]
    enum Db {
        Pool(SqlitePool),
        Held(Arc<Mutex<SqliteConnection>>),
    }
    let db = if held {
        Db::Held(Arc::new(Mutex::new(opts.connect().await?)))
    } else {
        Db::Pool(
            SqlitePoolOptions::new()
                .max_connections(1)
                .connect_with(opts)
                .await?,
        )
    };
    async fn insert(db: &Db, text: &str, binds: &[&str]) -> sqlx::Result<()> {
        let mut q = sqlx::query(text);
        for b in binds {
            q = q.bind(*b);
        }
        match db {
            Db::Pool(pool) => q.execute(pool).await.map(drop),
            Db::Held(conn) => q.execute(&mut *conn.lock().await).await.map(drop),
        }
    }
    insert(&db, "CREATE TABLE IF NOT EXISTS hooks (id INTEGER PRIMARY KEY, sid TEXT NOT NULL, form TEXT NOT NULL)", &[]).await?;
    let app = axum::Router::new()
        .fallback(axum::routing::post(
            |axum::extract::State(db): axum::extract::State<Db>, body: String| async move {
                let sid = body
                    .split('&')
                    .find_map(|kv| kv.strip_prefix("CallSid="))
                    .unwrap_or("");
                let stored = insert(
                    &db,
                    "INSERT INTO hooks (sid, form) VALUES (?, ?)",
                    &[sid, &body],
                )
                .await;
                let answer: Response = match stored {
                    Ok(()) => twiml(),
                    Err(_) => axum::http::StatusCode::SERVICE_UNAVAILABLE.into_response(),
                };
                answer
            },
        ))
        .with_state(db);
    let l = tokio::net::TcpListener::bind(listen).await?;
    println!("ready");
    axum::serve(l, app).await?;
    Ok(())
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// A child process, killed when dropped.
struct Child(tokio::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.start_kill();
    }
}

async fn spawn_floor(args: &[&str]) -> anyhow::Result<(Child, String)> {
    let port = free_port()?;
    let listen = format!("127.0.0.1:{port}");
    let mut child = tokio::process::Command::new(std::env::current_exe()?)
        .args(args)
        .args(["--listen", &listen])
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()?;
    use tokio::io::AsyncBufReadExt;
    let mut lines = tokio::io::BufReader::new(child.stdout.take().context("stdout")?).lines();
    anyhow::ensure!(
        lines.next_line().await?.as_deref() == Some("ready"),
        "the floor did not start"
    );
    Ok((Child(child), listen))
}

/// A running Switchboard with one line: its address and the line's webhook paths.
struct Switchboard {
    _child: Child,
    _dir: TempDir,
    addr: String,
    voice: String,
    status: String,
    database: Option<(String, String)>,
}

struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl Switchboard {
    async fn start(bin: &std::path::Path, postgres: Option<&str>) -> anyhow::Result<Switchboard> {
        let dir =
            std::env::temp_dir().join(format!("sb-bench-{}-{}", std::process::id(), free_port()?));
        std::fs::create_dir_all(&dir)?;
        let dir = TempDir(dir);
        let mut db_args: Vec<String> = vec![];
        let mut database = None;
        if let Some(server) = postgres {
            let name = format!("sb_bench_{}_{}", std::process::id(), free_port()?);
            admin(server, &format!("CREATE DATABASE {name}")).await?;
            db_args = vec!["--database-url".into(), format!("{server}/{name}")];
            database = Some((server.to_owned(), name));
        }
        let out = std::process::Command::new(bin)
            .args(["token", "create", "--name", "bench", "--data-dir"])
            .arg(&dir.0)
            .args(&db_args)
            .output()
            .with_context(|| format!("running {}", bin.display()))?;
        anyhow::ensure!(
            out.status.success(),
            "token create failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let token = String::from_utf8(out.stdout)?
            .lines()
            .last()
            .context("no token")?
            .trim()
            .to_owned();
        let addr = format!("127.0.0.1:{}", free_port()?);
        let child = tokio::process::Command::new(bin)
            .args(["serve", "--listen", &addr, "--data-dir"])
            .arg(&dir.0)
            .args(&db_args)
            .env("SWITCHBOARD_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()?;
        let child = Child(child);
        let http = reqwest::Client::new();
        let base = format!("http://{addr}");
        for _ in 0..100 {
            if http
                .get(format!("{base}/readyz"))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success())
            {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let api = |p: &str| format!("{base}/api/v1{p}");
        let user: serde_json::Value = http
            .post(api("/users"))
            .bearer_auth(&token)
            .json(&serde_json::json!({"name": "Alice", "email": "alice@example.com", "phone": "+14155550101", "time_zone": "UTC"}))
            .send()
            .await?
            .json()
            .await?;
        let line: serde_json::Value = http
            .post(api("/lines"))
            .bearer_auth(&token)
            .json(
                &serde_json::json!({"name": "Bench", "number": "+15005550006", "provider": "twilio",
                "routing": {"steps": [{"user": user["id"]}], "ring_timeout_secs": 20}}),
            )
            .send()
            .await?
            .json()
            .await?;
        let path = |k: &str| -> anyhow::Result<String> {
            let url = line[k]
                .as_str()
                .with_context(|| format!("no {k} in {line}"))?;
            Ok(url.trim_start_matches(&base).to_owned())
        };
        Ok(Switchboard {
            voice: path("webhook_url")?,
            status: path("status_callback_url")?,
            _child: child,
            _dir: dir,
            addr,
            database,
        })
    }

    async fn stop(mut self) -> anyhow::Result<()> {
        let _ = self._child.0.kill().await;
        if let Some((server, name)) = self.database.take() {
            admin(
                &server,
                &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
            )
            .await?;
        }
        Ok(())
    }
}

async fn admin(server: &str, sql: &str) -> anyhow::Result<()> {
    use sqlx::Connection;
    let mut c = sqlx::PgConnection::connect(&format!("{server}/postgres")).await?;
    sqlx::query(sql).execute(&mut c).await?;
    Ok(())
}

/// A Twilio voice form for call `i`, from number `i mod callers`.
fn form(i: usize, callers: usize, sid: &str, status: &str, extra: &str) -> String {
    let from = format!("%2B1415{:07}", i % callers);
    format!(
        "AccountSid=AC00000000000000000000000000000001&ApiVersion=2010-04-01&CallSid={sid}&CallStatus={status}&Called=%2B15005550006&Caller={from}&Direction=inbound&From={from}&To=%2B15005550006{extra}"
    )
}

fn sid(run: &str, i: usize) -> String {
    format!("CA{run}{i:012}")
}

/// Incoming calls with a fresh CallSid each (`run` keeps them apart between runs).
fn incoming(path: String, run: String, callers: usize) -> Request {
    Arc::new(move |i| (path.clone(), form(i, callers, &sid(&run, i), "ringing", "")))
}

/// The call-status callback ending call `i` of `run`.
fn ended(path: String, run: String, callers: usize) -> Request {
    Arc::new(move |i| {
        (
            path.clone(),
            form(i, callers, &sid(&run, i), "completed", "&CallDuration=30"),
        )
    })
}

#[derive(Default)]
struct Rows(Vec<(String, Vec<Figures>)>);

impl Rows {
    fn add(&mut self, name: &str, f: Figures) {
        eprintln!(
            "  {name}: {} requests, {:.0}/s p50 {:.2} ms p99 {:.2} ms ({} errors)",
            f.requests, f.per_sec, f.p50_ms, f.p99_ms, f.errors
        );
        match self.0.iter_mut().find(|(n, _)| n == name) {
            Some((_, v)) => v.push(f),
            None => self.0.push((name.to_owned(), vec![f])),
        }
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

/// One floor server (`args`: its subcommand) warmed up, then measured, then stopped.
async fn floor(
    args: &[&str],
    warm: usize,
    requests: usize,
    concurrency: usize,
    round: usize,
) -> anyhow::Result<Figures> {
    let (child, addr) = spawn_floor(args).await?;
    let hooks = |run: String| incoming("/voice".into(), run, 10_000_000);
    load::run(&addr, warm, concurrency, hooks("warm".into())).await?;
    let f = load::run(&addr, requests, concurrency, hooks(format!("r{round}"))).await?;
    drop(child);
    Ok(f)
}

async fn compare(
    bin: &std::path::Path,
    requests: usize,
    concurrency: usize,
    rounds: usize,
    postgres: Option<String>,
    callers: usize,
) -> anyhow::Result<()> {
    if !bin.exists() {
        bail!(
            "{} does not exist: cargo build --release -p switchboard first",
            bin.display()
        );
    }
    let warm = (requests / 10).max(200);
    let mut rows = Rows::default();
    for round in 1..=rounds {
        eprintln!("round {round} of {rounds}");
        let f = floor(&["floor-bare"], warm, requests, concurrency, round).await?;
        rows.add("bare floor", f);
        let db =
            TempDir(std::env::temp_dir().join(format!("sb-floor-{}-{round}", std::process::id())));
        std::fs::create_dir_all(&db.0)?;
        let file = db.0.join("floor.db");
        let file = file.to_str().context("path")?;
        let args = ["floor-durable", "--sqlite", file];
        let f = floor(&args, warm, requests, concurrency, round).await?;
        rows.add("durable floor (SQLite)", f);
        // The same with the connection held: the floor without the pool's two pings.
        let held = db.0.join("held.db");
        let held = held.to_str().context("path")?;
        let args = ["floor-durable", "--held", "--sqlite", held];
        let f = floor(&args, warm, requests, concurrency, round).await?;
        rows.add("durable floor, connection held (SQLite)", f);
        drop(db);

        let mut backends: Vec<(&str, Option<&str>)> = vec![("SQLite", None)];
        if let Some(pg) = &postgres {
            backends.push(("PostgreSQL", Some(pg.as_str())));
        }
        for (name, pg) in backends {
            let sb = Switchboard::start(bin, pg).await?;
            let run = format!("r{round}");
            load::run(
                &sb.addr,
                warm,
                concurrency,
                incoming(sb.voice.clone(), "warm".into(), callers),
            )
            .await?;
            let f = load::run(
                &sb.addr,
                requests,
                concurrency,
                incoming(sb.voice.clone(), run.clone(), callers),
            )
            .await?;
            rows.add(&format!("Switchboard {name}: incoming call"), f);
            let f = load::run(
                &sb.addr,
                requests,
                concurrency,
                ended(sb.status.clone(), run, callers),
            )
            .await?;
            rows.add(
                &format!("Switchboard {name}: call status (ends the call)"),
                f,
            );
            sb.stop().await?;
        }
    }
    let durable = rows
        .0
        .iter()
        .find(|(n, _)| n.starts_with("durable"))
        .map(|(_, v)| {
            (
                median(v.iter().map(|f| f.per_sec).collect()),
                median(v.iter().map(|f| f.p99_ms).collect()),
            )
        })
        .context("no durable floor")?;
    println!(
        "{requests} requests per run, {concurrency} connections, {rounds} rounds (servers alternated), medians:\n"
    );
    println!("| server | webhooks/s | p50 ms | p99 ms | errors | × durable floor's throughput | × its p99 |");
    println!("|---|---|---|---|---|---|---|");
    for (name, v) in &rows.0 {
        let per_sec = median(v.iter().map(|f| f.per_sec).collect());
        let p50 = median(v.iter().map(|f| f.p50_ms).collect());
        let p99 = median(v.iter().map(|f| f.p99_ms).collect());
        let errors: usize = v.iter().map(|f| f.errors).sum();
        println!(
            "| {name} | {per_sec:.0} | {p50:.2} | {p99:.2} | {errors} | {:.2} | {:.2} |",
            per_sec / durable.0,
            p99 / durable.1
        );
    }
    Ok(())
}
