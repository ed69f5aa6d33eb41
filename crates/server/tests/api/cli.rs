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
    let _ = child.kill();
    let _ = child.wait();
    assert!(ready, "the server never became ready");
    assert_eq!(users.unwrap().status(), 200);
}
