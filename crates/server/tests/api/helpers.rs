//! `TestApp`: a real Switchboard on a free port with a fresh SQLite database, a fake clock,
//! a fake recording host, and typed helpers to drive it.

use serde_json::{json, Value};
use std::sync::Arc;
use switchboard::app::{serve_with, AppState, Background};
use switchboard::config::Config;
use switchboard_core::clock::FakeClock;
use switchboard_core::store::Store;
use switchboard_sim::media::MediaServer;
use switchboard_sim::{CallSpec, Carrier, Transcript};
use switchboard_store::testing::TestDb;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// The database a test runs on.
#[derive(Debug, Clone, Copy)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs each named `async fn(TestApp)` on both backends and through both carriers.
#[macro_export]
macro_rules! on_all {
    ($($name:ident),* $(,)?) => {
        mod all {
            $crate::on_all!(@carrier twilio Twilio $($name),*);
            $crate::on_all!(@carrier plivo Plivo $($name),*);
        }
    };
    (@carrier $m:ident $carrier:ident $($name:ident),*) => {
        mod $m {
            mod sqlite {
                $(
                    #[tokio::test]
                    async fn $name() {
                        let app = $crate::helpers::TestApp::spawn_with(
                            $crate::helpers::Backend::Sqlite,
                            switchboard_sim::Carrier::$carrier,
                            stringify!($name),
                        )
                        .await
                        .expect("SQLite is always available");
                        let check = app.job_check();
                        super::super::super::$name(app).await;
                        check.assert_settled().await;
                    }
                )*
            }
            mod postgres {
                $(
                    #[tokio::test]
                    async fn $name() {
                        if let Some(app) = $crate::helpers::TestApp::spawn_with(
                            $crate::helpers::Backend::Postgres,
                            switchboard_sim::Carrier::$carrier,
                            stringify!($name),
                        )
                        .await
                        {
                            let check = app.job_check();
                            super::super::super::$name(app).await;
                            check.assert_settled().await;
                        }
                    }
                )*
            }
        }
    };
}

/// Runs each named `async fn(TestApp)` on SQLite and on PostgreSQL.
#[macro_export]
macro_rules! on_both {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    let app = $crate::helpers::TestApp::spawn(
                        $crate::helpers::Backend::Sqlite,
                        stringify!($name),
                    )
                    .await
                    .expect("SQLite is always available");
                    let check = app.job_check();
                    super::$name(app).await;
                    check.assert_settled().await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    if let Some(app) = $crate::helpers::TestApp::spawn(
                        $crate::helpers::Backend::Postgres,
                        stringify!($name),
                    )
                    .await
                    {
                        let check = app.job_check();
                        super::$name(app).await;
                        check.assert_settled().await;
                    }
                }
            )*
        }
    };
}

/// The instant every test starts at.
pub const START: &str = "2026-11-24T09:00:00Z";

pub struct TestApp {
    /// The provider of the lines `line()` creates and of the calls `spec()` places.
    pub carrier: Carrier,
    pub url: String,
    pub token: String,
    pub clock: FakeClock,
    pub http: reqwest::Client,
    pub media: Arc<MediaServer>,
    pub store: Arc<dyn Store>,
    pub data_dir: Arc<tempfile::TempDir>,
    /// Kept for its `Drop`, which removes the database (shared with the [`JobCheck`]).
    pub _db: Arc<TestDb>,
    addr: std::net::SocketAddr,
    db_url: String,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
    /// The running server's state: tests run its jobs themselves ([`TestApp::settle`]).
    state: Option<AppState>,
    /// Set by a test that means to leave a job queued (a retry in the future).
    leftover_ok: Arc<std::sync::atomic::AtomicBool>,
    /// Single sign-on, applied at the next (re)start.
    pub sso: Option<switchboard::accounts::sso::SsoConfig>,
    /// The SMTP server email channels use (restart to apply).
    pub smtp: Option<switchboard::email::SmtpConfig>,
    /// The voicemail transcription engine (restart to apply).
    pub transcription: Option<switchboard::transcribe::Engine>,
    /// Where recordings are kept (restart to apply).
    pub storage: switchboard::storage::StorageConfig,
}

/// Checks, after a test, that it left no job behind that it did not expect.
pub struct JobCheck {
    state: AppState,
    leftover_ok: Arc<std::sync::atomic::AtomicBool>,
    // What the jobs need after the test's own `TestApp` is gone.
    _keep: (Arc<MediaServer>, Arc<tempfile::TempDir>, Arc<TestDb>),
}

impl JobCheck {
    /// Runs what is due, then fails if any job is still queued (unless the test said so).
    pub async fn assert_settled(self) {
        switchboard::jobs::run_due(&self.state, 1000).await.unwrap();
        if self.leftover_ok.load(std::sync::atomic::Ordering::SeqCst) {
            return;
        }
        let far = jiff::Timestamp::MAX;
        if let Some(job) = self.state.store.claim_job(far, 1).await.unwrap() {
            panic!(
                "the test left a job queued that it did not expect: {} {}",
                job.kind, job.payload
            );
        }
    }
}

fn config(addr: std::net::SocketAddr, db_url: &str, data_dir: &std::path::Path) -> Config {
    Config {
        listen: addr,
        public_url: format!("http://{addr}"),
        database_url: db_url.to_owned(),
        data_dir: data_dir.to_path_buf(),
        recording_hosts: vec!["127.0.0.1".to_owned()],
        alert_hosts: vec!["127.0.0.1".to_owned()],
        log: "warn".to_owned(),
        // The tests' own requests come from 127.0.0.1: acting as the proxy, they may name a
        // client in X-Forwarded-For.
        trusted_proxies: switchboard::proxies::TrustedProxies::parse(&["127.0.0.1".into()])
            .unwrap(),
        sso: None,
        smtp: None,
        transcription: None,
        storage: switchboard::storage::StorageConfig::Local,
    }
}

impl TestApp {
    /// A server on `backend`; `None` when that backend is not available here (PostgreSQL
    /// without `SWITCHBOARD_TEST_POSTGRES_URL`), after saying so.
    pub async fn spawn(backend: Backend, test: &str) -> Option<TestApp> {
        Self::spawn_with(backend, Carrier::Twilio, test).await
    }

    /// A server on `backend` whose lines and simulated calls use `carrier`.
    pub async fn spawn_with(backend: Backend, carrier: Carrier, test: &str) -> Option<TestApp> {
        let db = match backend {
            Backend::Sqlite => TestDb::sqlite(),
            Backend::Postgres => TestDb::postgres(test).await?,
        };
        Some(Self::spawn_on(db, tempfile::tempdir().unwrap(), carrier).await)
    }

    /// A server on the database `db`, keeping its files in `data_dir`.
    pub async fn spawn_on(db: TestDb, data_dir: tempfile::TempDir, carrier: Carrier) -> TestApp {
        let db_url = db.url.clone();
        let store = switchboard_store::open(&db_url).await.unwrap();
        let clock = FakeClock::new(START.parse().unwrap());
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let token = switchboard::api::new_token();
        store
            .create_api_token(
                &switchboard_core::store::NewApiToken::owner_level("test"),
                &switchboard::api::hash_token(&token),
                clock.now_ts(),
            )
            .await
            .unwrap();
        let media = MediaServer::start(vec![
            (
                "AC00000000000000000000000000000001".into(),
                "line-auth-token".into(),
            ),
            ("MAZDQ1ZDIXMZA5ZMU0OT".into(), "line-auth-token".into()),
        ])
        .await
        .unwrap();
        let mut app = TestApp {
            carrier,
            url: format!("http://{addr}"),
            token,
            clock,
            http: switchboard_sim::client(),
            media: Arc::new(media),
            store,
            data_dir: Arc::new(data_dir),
            _db: Arc::new(db),
            addr,
            db_url,
            stop: None,
            task: None,
            state: None,
            leftover_ok: Arc::default(),
            sso: None,
            smtp: None,
            transcription: None,
            storage: switchboard::storage::StorageConfig::Local,
        };
        app.start(listener);
        app
    }

    fn start(&mut self, listener: TcpListener) {
        let mut config = config(self.addr, &self.db_url, self.data_dir.path());
        config.sso = self.sso.clone();
        config.smtp = self.smtp.clone();
        config.transcription = self.transcription.clone();
        config.storage = self.storage.clone();
        let state =
            AppState::new(self.store.clone(), Arc::new(self.clock.clone()), config).unwrap();
        self.state = Some(state.clone());
        let (tx, rx) = oneshot::channel();
        self.stop = Some(tx);
        self.task = Some(tokio::spawn(async move {
            // No background worker: tests run jobs when they mean to (`settle`), so nothing
            // happens behind their back and no test waits with a sleep.
            serve_with(
                listener,
                state,
                async {
                    let _ = rx.await;
                },
                Background {
                    jobs: false,
                    replay: false,
                },
            )
            .await
            .unwrap();
        }));
    }

    /// Replays the spool (what the background loop would do once the store answers), then
    /// runs every job that is due now (recording downloads, alerts), to completion; returns
    /// how many jobs ran.
    pub async fn settle(&self) -> usize {
        let state = self.state.as_ref().expect("the server is running");
        switchboard::webhooks::replay_now(state).await;
        switchboard::retention::sweep(state).await.unwrap();
        switchboard::jobs::run_due(state, 1000).await.unwrap()
    }

    /// This test leaves a job queued on purpose (a retry later than the test looks).
    pub fn expect_jobs_left(&self) {
        self.leftover_ok
            .store(true, std::sync::atomic::Ordering::SeqCst);
    }

    /// The check run after the test.
    pub fn job_check(&self) -> JobCheck {
        JobCheck {
            state: self.state.clone().expect("the server is running"),
            leftover_ok: self.leftover_ok.clone(),
            _keep: (self.media.clone(), self.data_dir.clone(), self._db.clone()),
        }
    }

    /// Stops the server and starts a new one on the same port over a freshly opened
    /// database connection: nothing survives in memory.
    pub async fn restart(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.unwrap();
        }
        self.store = switchboard_store::open(&self.db_url).await.unwrap();
        let listener = TcpListener::bind(self.addr).await.unwrap();
        self.start(listener);
    }

    /// Stops the server, runs `between` (the database may be down meanwhile), then starts a
    /// new one on the same port over a freshly opened store.
    pub async fn restart_after(&mut self, between: impl std::future::Future<Output = ()>) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.unwrap();
        }
        between.await;
        self.store = switchboard_store::open(&self.db_url).await.unwrap();
        let listener = TcpListener::bind(self.addr).await.unwrap();
        self.start(listener);
    }

    /// Runs raw SQL on the database under the server (to break it on purpose).
    pub async fn exec_sql(&self, sql: &str) {
        use sqlx::Connection;
        if self.db_url.starts_with("sqlite:") {
            let mut c = sqlx::SqliteConnection::connect(&self.db_url).await.unwrap();
            sqlx::query(sql).execute(&mut c).await.unwrap();
        } else {
            let mut c = sqlx::PgConnection::connect(&self.db_url).await.unwrap();
            sqlx::query(sql).execute(&mut c).await.unwrap();
        }
    }

    /// The database URL the server runs on (to open a second store over it).
    pub fn db_url(&self) -> &str {
        &self.db_url
    }

    pub fn api(&self, path: &str) -> String {
        format!("{}/api/v1{path}", self.url)
    }

    pub async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        let r = self
            .http
            .post(self.api(path))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    pub async fn patch(&self, path: &str, body: Value) -> (u16, Value) {
        self.send(reqwest::Method::PATCH, path, body).await
    }

    pub async fn put(&self, path: &str, body: Value) -> (u16, Value) {
        self.send(reqwest::Method::PUT, path, body).await
    }

    async fn send(&self, method: reqwest::Method, path: &str, body: Value) -> (u16, Value) {
        let r = self
            .http
            .request(method, self.api(path))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        let r = self
            .http
            .get(self.api(path))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    pub async fn delete(&self, path: &str) -> u16 {
        self.http
            .delete(self.api(path))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    }

    /// Creates a user; `phone` may be `None` for a responder who cannot be rung.
    pub async fn user(&self, name: &str, phone: Option<&str>) -> i64 {
        let (status, body) = self
            .post(
                "/users",
                json!({
                    "name": name,
                    "email": format!("{}@example.com", name.to_lowercase()),
                    "phone": phone,
                    "time_zone": "Europe/Berlin",
                }),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        body["id"].as_i64().unwrap()
    }

    /// Creates an account that logs in with `email` and [`PASSWORD`], with `role` (and a
    /// phone, when given); returns its id.
    pub async fn account(
        &self,
        name: &str,
        email: &str,
        phone: Option<&str>,
        role: switchboard_core::account::Role,
    ) -> i64 {
        let u = switchboard_core::user::NewUser::validate(name, email, phone, "UTC").unwrap();
        let hash = switchboard::accounts::password::hash(PASSWORD)
            .await
            .unwrap();
        let made = self
            .store
            .create_account(&u, role, &hash, self.clock.now_ts())
            .await
            .unwrap();
        made.id.0
    }

    /// Creates a Twilio line ringing `users` in order, with signature checks on.
    pub async fn line(&self, users: &[i64]) -> Value {
        let steps: Vec<Value> = users.iter().map(|u| json!({ "user": u })).collect();
        let (status, body) = self
            .post(
                "/lines",
                json!({
                    "name": "Engineering Hotline",
                    "number": format!("+1500555{:04}", rand_suffix()),
                    "provider": self.provider(),
                    "auth_token": "line-auth-token",
                    "routing": { "steps": steps, "ring_timeout_secs": 20 },
                }),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        body
    }

    /// `twilio` or `plivo`, as the API names the carrier.
    pub fn provider(&self) -> &'static str {
        match self.carrier {
            Carrier::Twilio => "twilio",
            Carrier::Plivo => "plivo",
        }
    }

    /// A call to `line` from a fixed caller, signed with the line's token.
    pub fn spec(&self, line: &Value) -> CallSpec {
        let mut spec = CallSpec::new(
            line["webhook_url"].as_str().unwrap(),
            "+14155550199",
            line["number"].as_str().unwrap(),
        );
        spec.status_callback_url = Some(line["status_callback_url"].as_str().unwrap().to_owned());
        spec.auth_token = Some("line-auth-token".to_owned());
        spec.recording_base_url = self.media.base_url.clone();
        spec.caller_name = Some("ACME SECURITY".to_owned());
        spec.from_city = "SAN FRANCISCO".to_owned();
        spec.from_state = "CA".to_owned();
        if self.carrier == Carrier::Plivo {
            spec = spec.plivo();
        }
        spec
    }

    /// Places the call and returns its transcript and the stored call.
    pub async fn call(&self, spec: &CallSpec) -> (Transcript, Value) {
        let t = switchboard_sim::place_call(&self.http, spec).await.unwrap();
        eprintln!("{t}");
        let call = self.call_by_sid(&t.call_sid).await;
        (t, call)
    }

    pub async fn call_by_sid(&self, sid: &str) -> Value {
        let (_, list) = self.get("/calls?archived=true&limit=500").await;
        let id = list["calls"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["provider_call_id"] == sid)
            .unwrap_or_else(|| panic!("no call {sid} in {list}"))["id"]
            .as_i64()
            .unwrap();
        self.get(&format!("/calls/{id}")).await.1
    }

    /// Settles (the spool's replay, then the due jobs) and returns the call with provider id
    /// `sid`, which must then satisfy `done`.
    pub async fn call_when(&self, sid: &str, done: impl Fn(&Value) -> bool) -> Value {
        self.settle().await;
        let (_, list) = self.get("/calls?archived=true&limit=500").await;
        let found = list["calls"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|c| c["provider_call_id"] == sid)
            .unwrap_or_else(|| panic!("no call {sid} in the log: {list}"));
        let (_, call) = self.get(&format!("/calls/{}", found["id"])).await;
        assert!(
            done(&call),
            "call {sid} is not in the expected state: {call}"
        );
        call
    }

    /// Runs the due jobs, then returns the call's recordings, all of which must be stored.
    pub async fn stored_recordings(&self, call_id: i64) -> Value {
        self.settle().await;
        let (_, c) = self.get(&format!("/calls/{call_id}")).await;
        let recs = c["recordings"].as_array().unwrap();
        assert!(
            !recs.is_empty() && recs.iter().all(|r| r["status"] == "stored"),
            "recordings of call {call_id} are not all stored: {}",
            c["recordings"]
        );
        c["recordings"].clone()
    }
}

fn rand_suffix() -> u32 {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(1);
    NEXT.fetch_add(1, Ordering::SeqCst)
}

/// The password of the accounts [`TestApp::account`] makes.
pub const PASSWORD: &str = "plum kettle orbit 9";

/// `FakeClock::now` through the trait, for brevity.
pub trait NowTs {
    fn now_ts(&self) -> jiff::Timestamp;
}

impl NowTs for FakeClock {
    fn now_ts(&self) -> jiff::Timestamp {
        use switchboard_core::clock::Clock;
        self.now()
    }
}

/// The messages of a call's log (`events`), in order.
pub fn log_messages(call: &Value) -> Vec<String> {
    call["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["message"].as_str().unwrap().to_owned())
        .collect()
}

/// The output lines of a helper process.
pub type ToolLines = tokio::io::Lines<tokio::io::BufReader<tokio::process::ChildStdout>>;

/// A real server written in Python under `tools/` (SMTP, S3), run by the Python that the
/// variable `var` names: `script` with `args`, ready once it prints READY, ended when its
/// standard input closes (the returned child is dropped). `None`, after saying what is
/// missing (`needs`), when the variable is not set.
pub async fn python_tool(
    var: &str,
    needs: &str,
    script: &str,
    args: &[String],
) -> Option<(tokio::process::Child, ToolLines)> {
    use tokio::io::AsyncBufReadExt;
    let Ok(python) = std::env::var(var) else {
        eprintln!("skipped: {var} is not set (a Python with {needs}; .ci/run sets it)");
        return None;
    };
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tools")
        .join(script);
    let mut child = tokio::process::Command::new(python)
        .arg(script)
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("python runs");
    let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
    assert_eq!(lines.next_line().await.unwrap().as_deref(), Some("READY"));
    Some((child, lines))
}

/// `req` (a POST of `form` to `url`) signed with `token` as `carrier` signs its webhooks.
pub fn signed(
    req: reqwest::RequestBuilder,
    carrier: Carrier,
    url: &str,
    form: &[(&str, &str)],
    token: &str,
) -> reqwest::RequestBuilder {
    let form = switchboard_providers::form::Form(
        form.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    );
    match carrier {
        Carrier::Twilio => req.header(
            "x-twilio-signature",
            switchboard_providers::twilio::signature::sign(token, url, &form),
        ),
        Carrier::Plivo => {
            let nonce = "12345678901234567890";
            let sig =
                switchboard_providers::plivo::signature::sign(token, "POST", url, &form, nonce);
            req.header("x-plivo-signature-v3", sig)
                .header("x-plivo-signature-v3-nonce", nonce)
        }
    }
}
