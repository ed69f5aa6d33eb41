//! Several `switchboard serve` processes behind a load balancer, sharing one PostgreSQL, and
//! either one data directory (a shared volume) or no disk at all (one S3 bucket).

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};
use std::process::{Child, Command};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use switchboard_sim::media::MediaServer;
use switchboard_sim::{CallSpec, Responder};
use switchboard_store::testing::TestDb;

/// A round-robin proxy: request N goes to backend N mod 2.
#[derive(Clone)]
struct Balancer {
    backends: Arc<Vec<String>>,
    next: Arc<AtomicUsize>,
    per_backend: Arc<Vec<AtomicUsize>>,
    http: reqwest::Client,
}

async fn forward(
    State(b): State<Balancer>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let i = b.next.fetch_add(1, Ordering::SeqCst) % b.backends.len();
    b.per_backend[i].fetch_add(1, Ordering::SeqCst);
    let url = format!(
        "{}{}",
        b.backends[i],
        uri.path_and_query().map_or("/", |p| p.as_str())
    );
    let mut req = b.http.request(method, url).body(body);
    for (k, v) in &headers {
        if k != "host" && k != "content-length" {
            req = req.header(k, v);
        }
    }
    match req.send().await {
        Ok(r) => {
            let status = StatusCode::from_u16(r.status().as_u16()).unwrap();
            let ct = r
                .headers()
                .get("content-type")
                .cloned()
                .unwrap_or_else(|| "text/plain".parse().unwrap());
            let body = r.bytes().await.unwrap_or_default();
            (status, [("content-type", ct)], body).into_response()
        }
        Err(e) => (StatusCode::BAD_GATEWAY, e.to_string()).into_response(),
    }
}

struct Instance(Child);

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn wait_ready(http: &reqwest::Client, url: &str) {
    for _ in 0..150 {
        if let Ok(r) = http.get(format!("{url}/readyz")).send().await {
            if r.status() == 200 {
                return;
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("{url} never became ready");
}

#[tokio::test]
async fn two_instances_share_every_call_and_run_each_job_once() {
    two_instances("two_instances_share_every_call_and_run_each_job_once", None).await;
}

/// The same, with nothing shared but the database and a bucket: each instance has its own
/// data directory, and either serves every recording whichever one downloaded it.
#[tokio::test]
async fn two_instances_without_a_shared_disk_serve_every_recording_from_one_bucket() {
    let Some(s3) = crate::object_storage::S3::start(0, &["switchboard"]).await else {
        return;
    };
    two_instances(
        "two_instances_without_a_shared_disk_serve_every_recording_from_one_bucket",
        Some(&s3),
    )
    .await;
}

async fn two_instances(test: &str, bucket: Option<&crate::object_storage::S3>) {
    let Some(db) = TestDb::postgres(test).await else {
        return;
    };
    let media = MediaServer::start(vec![(
        "AC00000000000000000000000000000001".into(),
        "line-auth-token".into(),
    )])
    .await
    .unwrap();
    let lb_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let lb_url = format!("http://{}", lb_listener.local_addr().unwrap());
    let ports = [free_port(), free_port()];
    // Without a bucket they share the data directory (a shared volume in production) where
    // recordings are kept; with one, each has its own.
    let dirs = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
    let storage_env: Vec<(&str, String)> = match bucket {
        Some(s3) => vec![
            ("SWITCHBOARD_STORAGE_URL", "s3://switchboard/ha".into()),
            (
                "SWITCHBOARD_STORAGE_ENDPOINT",
                format!("http://127.0.0.1:{}", s3.port),
            ),
            ("SWITCHBOARD_STORAGE_ACCESS_KEY_ID", "test-key-id".into()),
            (
                "SWITCHBOARD_STORAGE_SECRET_ACCESS_KEY",
                "test-secret".into(),
            ),
        ],
        None => vec![],
    };
    // Both start at once, so both try to migrate the empty database together.
    let instances: Vec<Instance> = ports
        .iter()
        .enumerate()
        .map(|(i, port)| {
            let dir = if bucket.is_some() { &dirs[i] } else { &dirs[0] };
            Instance(
                Command::new(env!("CARGO_BIN_EXE_switchboard"))
                    .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
                    .args(["--database-url", &db.url, "--public-url", &lb_url])
                    .arg("--data-dir")
                    .arg(dir.path())
                    .envs(storage_env.iter().map(|(k, v)| (k, v)))
                    .env("SWITCHBOARD_RECORDING_HOSTS", "127.0.0.1")
                    .env("SWITCHBOARD_ALERT_HOSTS", "127.0.0.1")
                    .env("SWITCHBOARD_LOG", "warn")
                    .spawn()
                    .unwrap(),
            )
        })
        .collect();
    let http = switchboard_sim::client();
    for p in ports {
        wait_ready(&http, &format!("http://127.0.0.1:{p}")).await;
    }
    let out = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(["token", "create", "--name", "lb", "--database-url", &db.url])
        .output()
        .unwrap();
    assert!(out.status.success());
    let token = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .last()
        .unwrap()
        .to_owned();

    let balancer = Balancer {
        backends: Arc::new(
            ports
                .iter()
                .map(|p| format!("http://127.0.0.1:{p}"))
                .collect(),
        ),
        next: Arc::default(),
        per_backend: Arc::new(vec![AtomicUsize::new(0), AtomicUsize::new(0)]),
        http: reqwest::Client::new(),
    };
    let app = axum::Router::new()
        .fallback(forward)
        .with_state(balancer.clone());
    tokio::spawn(async move { axum::serve(lb_listener, app).await.unwrap() });

    let post = |path: &str, body: Value| {
        let (http, token, url) = (
            http.clone(),
            token.clone(),
            format!("{lb_url}/api/v1{path}"),
        );
        async move {
            let r = http
                .post(url)
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .unwrap();
            assert!(r.status().is_success());
            r.json::<Value>().await.unwrap()
        }
    };
    let alice = post(
        "/users",
        json!({"name": "Alice", "email": "a@example.com", "phone": "+14155550101"}),
    )
    .await;
    let bob = post(
        "/users",
        json!({"name": "Bob", "email": "b@example.com", "phone": "+14155550102"}),
    )
    .await;
    let slack = crate::alerts::Receiver::start((200, "ok")).await;
    let channel = post(
        "/channels",
        json!({ "name": "ops", "kind": "slack", "webhook_url": slack.url }),
    )
    .await;
    let line = post(
        "/lines",
        json!({
            "name": "HA", "number": "+15005550006", "provider": "twilio",
            "auth_token": "line-auth-token",
            "routing": { "steps": [{"user": alice["id"]}, {"user": bob["id"]}] },
            "channels": [channel["id"]],
        }),
    )
    .await;

    let calls = 6;
    let mut sids = Vec::new();
    for _ in 0..calls {
        let mut spec = CallSpec::new(
            line["webhook_url"].as_str().unwrap(),
            "+14155550199",
            "+15005550006",
        )
        .responder(
            "+14155550102",
            Responder::Answer {
                after_secs: 2,
                talk_secs: 30,
            },
        );
        spec.status_callback_url = Some(line["status_callback_url"].as_str().unwrap().into());
        spec.auth_token = Some("line-auth-token".into());
        spec.recording_base_url = media.base_url.clone();
        let t = switchboard_sim::place_call(&http, &spec).await.unwrap();
        assert!(t.application_error.is_none(), "{t}");
        assert_eq!(t.dialed, ["+14155550101", "+14155550102"]);
        sids.push(t.call_sid);
    }
    // Every webhook of every call alternated between the two instances.
    let served: Vec<usize> = balancer
        .per_backend
        .iter()
        .map(|c| c.load(Ordering::SeqCst))
        .collect();
    assert!(served[0] > 10 && served[1] > 10, "{served:?}");
    assert!(served[0].abs_diff(served[1]) <= 1, "{served:?}");

    let get = |path: String| {
        let (http, token) = (http.clone(), token.clone());
        let url = format!("{lb_url}/api/v1{path}");
        async move {
            http.get(url)
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        }
    };
    let list = get("/calls?limit=100".into()).await;
    assert_eq!(list["calls"].as_array().unwrap().len(), calls);
    for c in list["calls"].as_array().unwrap() {
        assert!(sids.iter().any(|s| c["provider_call_id"] == s.as_str()));
        assert_eq!(c["outcome"], "answered");
        assert_eq!(c["answered_by"]["name"], "Bob");
        assert_eq!(c["path"], "Alice did not answer → Bob answered");
        assert!(c["duration_secs"].as_u64().unwrap() > 30);
    }
    // Each recording is downloaded by exactly one instance, exactly once.
    let mut stored = 0;
    for _ in 0..100 {
        stored = 0;
        for c in list["calls"].as_array().unwrap() {
            let d = get(format!("/calls/{}", c["id"])).await;
            stored += d["recordings"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|r| r["status"] == "stored")
                .count();
        }
        if stored == calls {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(stored, calls);
    assert_eq!(media.served(), calls, "no job ran twice");
    // Each call's alert is posted once, by one of the two instances: every alert job ends
    // delivered after one claim (a second claim would count a second attempt).
    let mut alerts = Vec::new();
    for _ in 0..100 {
        alerts.clear();
        for c in list["calls"].as_array().unwrap() {
            let d = get(format!("/calls/{}", c["id"])).await;
            alerts.extend(d["alerts"].as_array().unwrap().iter().cloned());
        }
        if alerts.len() == calls && alerts.iter().all(|a| a["status"] == "delivered") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(alerts.len(), calls, "{alerts:?}");
    assert!(
        alerts
            .iter()
            .all(|a| a["status"] == "delivered" && a["attempts"] == 1),
        "each alert delivered at its first claim: {alerts:?}"
    );
    assert_eq!(slack.count(), calls, "no alert was sent twice");

    // Both instances now keep the line and its users in memory. A change made through one of
    // them routes the next call on either: Bob's new number, and Bob before Alice.
    let patch = |path: String, body: Value| {
        let (http, token, url) = (
            http.clone(),
            token.clone(),
            format!("{lb_url}/api/v1{path}"),
        );
        async move {
            let r = http.patch(url).bearer_auth(token).json(&body);
            let r = r.send().await.unwrap();
            assert!(r.status().is_success(), "{}", r.text().await.unwrap());
        }
    };
    patch(
        format!("/users/{}", bob["id"]),
        json!({"phone": "+14155550103"}),
    )
    .await;
    patch(
        format!("/lines/{}", line["id"]),
        json!({"routing": {"steps": [{"user": bob["id"]}, {"user": alice["id"]}]}}),
    )
    .await;
    for backend in 0..2 {
        // The call's first webhook goes to this instance.
        balancer.next.store(backend, Ordering::SeqCst);
        let served_before = balancer.per_backend[backend].load(Ordering::SeqCst);
        let mut spec = CallSpec::new(
            line["webhook_url"].as_str().unwrap(),
            "+14155550199",
            "+15005550006",
        )
        .responder("+14155550103", Responder::NoAnswer);
        spec.auth_token = Some("line-auth-token".into());
        spec.recording_base_url = media.base_url.clone();
        let t = switchboard_sim::place_call(&http, &spec).await.unwrap();
        assert!(t.application_error.is_none(), "{t}");
        assert!(balancer.per_backend[backend].load(Ordering::SeqCst) > served_before);
        assert_eq!(
            t.dialed,
            ["+14155550103", "+14155550101"],
            "instance {backend} routes by the change"
        );
    }
    // Either instance serves any recording, the same bytes.
    for c in list["calls"].as_array().unwrap() {
        let d = get(format!("/calls/{}", c["id"])).await;
        let media_url = d["recordings"][0]["media_url"].as_str().unwrap().to_owned();
        let mut served = Vec::new();
        for port in ports {
            let r = http
                .get(format!("http://127.0.0.1:{port}{media_url}"))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200);
            served.push(r.bytes().await.unwrap());
        }
        assert_eq!(served[0], served[1]);
        assert!(served[0].starts_with(b"RIFF"));
    }
    if let Some(s3) = bucket {
        // Every recording is in the bucket below the prefix, none on either instance's disk.
        for dir in &dirs {
            assert!(
                !dir.path().join("recordings").exists(),
                "{} has recordings",
                dir.path().display()
            );
        }
        let view =
            switchboard::storage::Storage::open(&s3.config("switchboard", "ha"), dirs[0].path())
                .unwrap();
        for c in list["calls"].as_array().unwrap() {
            let d = get(format!("/calls/{}", c["id"])).await;
            let key = format!("recordings/{}/{}.wav", c["id"], d["recordings"][0]["id"]);
            assert!(view.size(&key).await.unwrap() > 44, "{key}");
        }
    }
    drop(instances);
}
