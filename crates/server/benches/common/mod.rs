//! What the server benches share: a real server on loopback over a fresh embedded SQLite, an
//! owner-level API token, and timing of GET requests.

#![allow(dead_code)]

use serde_json::{json, Value};
use std::sync::Arc;
use std::time::{Duration, Instant};
use switchboard::app::{serve_with, AppState, Background};
use switchboard_core::clock::SystemClock;

fn config(
    addr: std::net::SocketAddr,
    db: &str,
    dir: &std::path::Path,
) -> switchboard::config::Config {
    switchboard::config::Config {
        listen: addr,
        public_url: format!("http://{addr}"),
        database_url: db.to_owned(),
        data_dir: dir.to_path_buf(),
        recording_hosts: vec!["127.0.0.1".to_owned()],
        alert_hosts: vec!["127.0.0.1".to_owned()],
        log: "warn".to_owned(),
        trusted_proxies: Default::default(),
        sso: None,
        smtp: None,
        transcription: None,
        storage: switchboard::storage::StorageConfig::Local,
    }
}

/// A running server (no background jobs) and how to reach it.
pub struct Server {
    pub base: String,
    pub db: String,
    pub token: String,
    pub http: reqwest::Client,
    pub store: Arc<dyn switchboard_core::store::Store>,
    _dir: tempfile::TempDir,
}

impl Server {
    pub async fn start() -> Server {
        let dir = tempfile::tempdir().unwrap();
        let db = format!("sqlite:{}", dir.path().join("bench.db").display());
        let store = switchboard_store::open(&db).await.unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let state = AppState::new(
            store.clone(),
            Arc::new(SystemClock),
            config(addr, &db, dir.path()),
        )
        .unwrap();
        tokio::spawn(serve_with(
            listener,
            state,
            std::future::pending(),
            Background {
                jobs: false,
                replay: false,
            },
        ));
        let token = switchboard::api::new_token();
        store
            .create_api_token(
                &switchboard_core::store::NewApiToken::owner_level("bench"),
                &switchboard::api::hash_token(&token),
                jiff::Timestamp::now(),
            )
            .await
            .unwrap();
        Server {
            base: format!("http://{addr}"),
            db,
            token,
            http: reqwest::Client::new(),
            store,
            _dir: dir,
        }
    }

    /// POSTs `body` to the API's `path` and returns the answer, which must be a success.
    pub async fn post(&self, path: &str, body: Value) -> Value {
        api(&self.http, &self.base, &self.token, path, body).await
    }
}

pub async fn api(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    path: &str,
    body: Value,
) -> Value {
    let r = http
        .post(format!("{base}/api/v1{path}"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{path}: {}", r.status());
    r.json().await.unwrap()
}

/// A session cookie for `email`.
pub async fn login(http: &reqwest::Client, base: &str, email: &str) -> String {
    let r = http
        .post(format!("{base}/api/v1/login"))
        .json(&json!({"email": email, "password": "plum kettle orbit 9"}))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    let c = r.headers()["set-cookie"].to_str().unwrap();
    c.split(';').next().unwrap().to_owned()
}

/// Median and 95th percentile of 100 fetches of `url` (after 10), with `auth` as the
/// `cookie` header, or as a bearer token when it has no `=`.
pub async fn time(http: &reqwest::Client, url: &str, auth: &str) -> (Duration, Duration) {
    let mut times = Vec::new();
    for i in 0..110 {
        let start = Instant::now();
        let req = http.get(url);
        let req = match auth.contains('=') {
            true => req.header("cookie", auth),
            false => req.bearer_auth(auth),
        };
        let r = req.send().await.unwrap();
        assert_eq!(r.status(), 200, "{url}");
        r.bytes().await.unwrap();
        if i >= 10 {
            times.push(start.elapsed());
        }
    }
    times.sort();
    (times[times.len() / 2], times[times.len() * 95 / 100])
}
