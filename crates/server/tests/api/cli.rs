//! The `switchboard` binary itself: configuration errors, tokens, serving.

use std::process::Command;

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_switchboard"));
    c.env_remove("SWITCHBOARD_LISTEN")
        .env_remove("SWITCHBOARD_DATABASE_URL");
    c
}

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
    assert_eq!(v, serde_json::json!({"user": 1, "source": "layer:weekly"}));
    let v = run(&["schedule", "resolve", "--at", "2026-11-30T08:00:00Z"]);
    assert_eq!(v, serde_json::json!({"user": 2, "source": "layer:weekly"}));
    let v = run(&["schedule", "resolve", "--at", "2026-11-25T13:00:00Z"]);
    assert_eq!(v, serde_json::json!({"user": 3, "source": "override"}));
    let v = run(&["schedule", "resolve", "--at", "2026-11-01T00:00:00Z"]);
    assert_eq!(v, serde_json::json!({"user": null, "source": null}));
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
            {"start": "2026-11-25T00:00:00Z", "end": "2026-11-25T12:00:00Z", "user": 1},
            {"start": "2026-11-25T12:00:00Z", "end": "2026-11-25T14:00:00Z", "user": 3},
            {"start": "2026-11-25T14:00:00Z", "end": "2026-11-26T00:00:00Z", "user": 1},
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
