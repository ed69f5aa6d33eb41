//! The `switchboard` binary itself: configuration errors, tokens, serving.

use crate::binary::{bin, create_token, Served};

#[test]
fn bad_configuration_stops_the_start_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let out = bin()
        .args(["serve", "--data-dir"])
        .arg(dir.path())
        .env("SWITCHBOARD_LISTEN", "localhost:eighty")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("listen (from SWITCHBOARD_LISTEN)"), "{err}");
    assert!(err.contains("localhost:eighty"), "{err}");

    let cfg = dir.path().join("sb.toml");
    std::fs::write(&cfg, "public_url = \"ftp://example.com\"\n").unwrap();
    let out = bin()
        .args(["serve", "--config"])
        .arg(&cfg)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("public_url (from file"), "{err}");
}

/// A bucket setting that cannot work stops the start naming its key; a bucket that cannot be
/// reached is said in the log (without the secret), and the server serves calls regardless.
#[tokio::test]
async fn storage_settings_are_checked_and_an_unreachable_bucket_does_not_stop_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let out = bin()
        .args(["serve", "--data-dir"])
        .arg(dir.path())
        .env("SWITCHBOARD_STORAGE_URL", "s3://calls")
        .env("SWITCHBOARD_STORAGE_ACCESS_KEY_ID", "AKIDEXAMPLE")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(
            "storage_secret_access_key (from SWITCHBOARD_STORAGE_ACCESS_KEY_ID): is missing"
        ),
        "{err}"
    );
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let endpoint = format!("http://127.0.0.1:{closed}");
    let (token, _) = create_token(dir.path());
    let served = Served::start(
        dir.path(),
        &token,
        &[],
        &[
            ("SWITCHBOARD_STORAGE_URL", "s3://calls/prod"),
            ("SWITCHBOARD_STORAGE_ENDPOINT", endpoint.as_str()),
            ("SWITCHBOARD_STORAGE_ACCESS_KEY_ID", "AKIDEXAMPLE"),
            (
                "SWITCHBOARD_STORAGE_SECRET_ACCESS_KEY",
                "wJalrXUtnFEMI-very-secret",
            ),
        ],
    )
    .await;
    let (status, _) = served
        .post(
            "/users",
            serde_json::json!({"name": "Alice", "email": "a@example.com"}),
        )
        .await;
    assert_eq!(status, 201);
    // The check runs beside serving: its line comes within its retries.
    let log = served.wait_for_log("cannot be reached").await;
    assert!(
        log.contains("the recordings' store cannot be reached") && log.contains("s3://calls/prod"),
        "{log}"
    );
    assert!(
        !log.contains("wJalrXUtnFEMI"),
        "the secret is never printed: {log}"
    );
}

#[test]
fn an_unreachable_database_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let out = bin()
        .args(["token", "list", "--data-dir"])
        .arg(dir.path())
        .args([
            "--database-url",
            &format!("postgres://sb:pw@127.0.0.1:{port}/calls"),
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("127.0.0.1:{port}/calls")), "{err}");
    assert!(!err.contains("pw"), "the password is not printed: {err}");
}

#[tokio::test]
async fn a_created_token_is_alone_on_the_last_line_and_opens_the_api() {
    let dir = tempfile::tempdir().unwrap();
    let out = bin()
        .args(["token", "create", "--name", "ops", "--data-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let token = stdout.lines().last().unwrap().trim().to_owned();
    assert!(token.starts_with("sb_") && !token.contains(' '), "{stdout}");

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = bin()
        .args([
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--data-dir",
        ])
        .arg(dir.path())
        .env("SWITCHBOARD_LOG", "warn")
        .spawn()
        .unwrap();
    let http = reqwest::Client::new();
    let url = format!("http://127.0.0.1:{port}");
    let mut ready = false;
    for _ in 0..100 {
        if let Ok(r) = http.get(format!("{url}/readyz")).send().await {
            ready = r.status() == 200;
            if ready {
                break;
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let users = http
        .get(format!("{url}/api/v1/users"))
        .bearer_auth(&token)
        .send()
        .await;
    assert!(ready, "the server never became ready");
    assert_eq!(users.unwrap().status(), 200);
    // Revoked, the token no longer opens the API.
    let out = bin()
        .args(["token", "list", "--data-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    let listing = String::from_utf8(out.stdout).unwrap();
    assert!(listing.contains("\tops"), "{listing}");
    assert!(!listing.contains(&token), "secrets are never listed");
    let id = listing.split('\t').next().unwrap().trim().to_owned();
    let out = bin()
        .args(["token", "revoke", "--id", &id, "--data-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let after = http
        .get(format!("{url}/api/v1/users"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(after.status(), 401);
}

#[test]
fn schedule_resolve_and_shifts_read_the_api_json() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("schedule.json");
    std::fs::write(
        &file,
        r#"{"name": "Primary", "time_zone": "Europe/Berlin",
            "layers": [{"name": "weekly", "participants": [1, 2], "start": "2026-11-23T09:00",
                        "shift": {"weeks": 1}}],
            "overrides": [{"user": 3, "start": "2026-11-25T12:00:00Z", "end": "2026-11-25T14:00:00Z"}]}"#,
    )
    .unwrap();
    let run = |args: &[&str]| {
        let out = bin().args(args).arg("--file").arg(&file).output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
    };
    let v = run(&["schedule", "resolve", "--at", "2026-11-30T07:59:59Z"]);
    assert_eq!(
        v,
        serde_json::json!({"user": 1, "users": [1], "source": "layer:weekly"})
    );
    let v = run(&["schedule", "resolve", "--at", "2026-11-30T08:00:00Z"]);
    assert_eq!(
        v,
        serde_json::json!({"user": 2, "users": [2], "source": "layer:weekly"})
    );
    let v = run(&["schedule", "resolve", "--at", "2026-11-25T13:00:00Z"]);
    assert_eq!(
        v,
        serde_json::json!({"user": 3, "users": [3], "source": "override"})
    );
    let v = run(&["schedule", "resolve", "--at", "2026-11-01T00:00:00Z"]);
    assert_eq!(
        v,
        serde_json::json!({"user": null, "users": [], "source": null})
    );
    let v = run(&[
        "schedule",
        "shifts",
        "--from",
        "2026-11-25T00:00:00Z",
        "--to",
        "2026-11-26T00:00:00Z",
    ]);
    assert_eq!(
        v,
        serde_json::json!([
            {"start": "2026-11-25T00:00:00Z", "end": "2026-11-25T12:00:00Z", "user": 1, "users": [1]},
            {"start": "2026-11-25T12:00:00Z", "end": "2026-11-25T14:00:00Z", "user": 3, "users": [3]},
            {"start": "2026-11-25T14:00:00Z", "end": "2026-11-26T00:00:00Z", "user": 1, "users": [1]},
        ])
    );
    std::fs::write(&file, r#"{"name": "x", "time_zone": "Mars/Base"}"#).unwrap();
    let out = bin()
        .args([
            "schedule",
            "resolve",
            "--at",
            "2026-11-25T13:00:00Z",
            "--file",
        ])
        .arg(&file)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("time_zone"));
}

/// The README's "Try a call without a phone", command for command: it ends with a recording
/// that can be downloaded, and the token commands say which database they used.
#[tokio::test]
async fn the_readme_trial_call_ends_with_a_downloadable_recording() {
    let dir = tempfile::tempdir().unwrap();
    let (token, stderr) = create_token(dir.path());
    assert!(stderr.contains("Database: sqlite:"), "{stderr}");
    assert!(stderr.contains("did not exist and was created"), "{stderr}");
    // Against the same data dir again: the same database, no warning.
    let out = bin()
        .args(["token", "list", "--data-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&out.stderr).contains("did not exist"));

    let server = Served::start(dir.path(), &token, &[], &[]).await;
    let line = server.alice_and_a_line(serde_json::json!({})).await;
    let out = bin()
        .args([
            "simulate",
            "call",
            "--url",
            line["webhook_url"].as_str().unwrap(),
            "--status-callback",
            line["status_callback_url"].as_str().unwrap(),
            "--auth-token",
            "secret",
            "--responder",
            "+14155550101=answer:5:60",
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("All 1 recording(s) were downloaded."),
        "{stdout}"
    );
    let id = server.get("/calls").await["calls"][0]["id"]
        .as_i64()
        .unwrap();
    let mut call = serde_json::Value::Null;
    for _ in 0..50 {
        call = server.get(&format!("/calls/{id}")).await;
        if call["recordings"][0]["status"] == "stored" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(call["outcome"], "answered", "{call}");
    assert_eq!(call["recordings"][0]["status"], "stored", "{call}");
    // The call's end is its duration after its start.
    let start: jiff::Timestamp = call["started_at"].as_str().unwrap().parse().unwrap();
    let end: jiff::Timestamp = call["ended_at"].as_str().unwrap().parse().unwrap();
    assert_eq!(
        end.as_second() - start.as_second(),
        call["duration_secs"].as_i64().unwrap()
    );
    let media = server
        .http
        .get(format!(
            "{}{}",
            server.url,
            call["recordings"][0]["media_url"].as_str().unwrap()
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(media.status(), 200);
    assert_eq!(&media.bytes().await.unwrap()[..4], b"RIFF");
    let port = server.port;
    let log = server.kill();
    assert!(
        log.contains(&format!("listen 127.0.0.1:{port}")),
        "the start line even at warn: {log}"
    );
}

/// Behind a proxy, signatures are over the public URL. Without `--public-url` the simulator
/// signs the local URL and is refused, and the log says which URL was expected and which
/// one the request came to; with it, the call goes through.
#[tokio::test]
async fn signatures_behind_a_proxy_are_explained_and_simulated() {
    let dir = tempfile::tempdir().unwrap();
    let (token, _) = create_token(dir.path());
    let server = Served::start(
        dir.path(),
        &token,
        &["--public-url", "https://sb.example.com"],
        &[],
    )
    .await;
    let line = server.alice_and_a_line(serde_json::json!({})).await;
    let public = line["webhook_url"].as_str().unwrap();
    assert!(
        public.starts_with("https://sb.example.com/hooks/"),
        "{public}"
    );
    let local = public.replace("https://sb.example.com", &server.url);
    let simulate = |extra: &[&str]| {
        bin()
            .args([
                "simulate",
                "call",
                "--url",
                &local,
                "--auth-token",
                "secret",
                "--responder",
                "+14155550101=answer:2:10",
                // Not downloaded here (the server is not local-only): do not wait for it.
                "--recording-base",
                "https://api.twilio.com",
            ])
            .args(extra)
            .output()
            .unwrap()
    };
    let refused = simulate(&[]);
    assert!(String::from_utf8_lossy(&refused.stdout).contains("-> 403"));
    let ok = simulate(&["--public-url", "https://sb.example.com"]);
    let stdout = String::from_utf8_lossy(&ok.stdout);
    assert!(ok.status.success(), "{stdout}");
    assert!(stdout.contains("answers"), "{stdout}");
    assert_eq!(
        server.get("/calls").await["calls"][0]["outcome"],
        "answered"
    );
    let port = server.port;
    let log = server.kill();
    assert!(
        log.contains("public_url is https://sb.example.com"),
        "{log}"
    );
    assert!(
        log.contains("expected_url=https://sb.example.com/hooks/twilio/…/voice"),
        "{log}"
    );
    assert!(
        log.contains(&format!(
            "received_url=http://127.0.0.1:{port}/hooks/twilio/…/voice"
        )),
        "{log}"
    );
}

#[test]
fn simulate_call_help_lists_every_responder_behaviour() {
    let out = bin().args(["simulate", "call", "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    for b in [
        "answer",
        "no-answer",
        "busy",
        "failed",
        "voicemail",
        "declines",
    ] {
        assert!(help.contains(b), "{b} is missing from:\n{help}");
    }
}
