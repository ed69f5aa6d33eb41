//! What an attacker tried: chat URLs that reach elsewhere than they seem, redirects, secrets
//! in errors and logs.

use crate::binary::{create_token, free_port, Served};
use crate::helpers::TestApp;
use serde_json::{json, Value};
use switchboard_sim::Responder;

const ALICE: &str = "+14155550101";

async fn channel_refused(app: &TestApp, url: &str) -> Value {
    let (status, body) = app
        .post(
            "/channels",
            json!({"name": "ops", "kind": "slack", "webhook_url": url}),
        )
        .await;
    assert_eq!(status, 422, "{url} was accepted: {body}");
    assert_eq!(body["error"]["field"], "webhook_url");
    body
}

/// The host that counts is the one the HTTP client would connect to.
async fn chat_urls_that_reach_another_host_are_refused(app: TestApp) {
    let b = channel_refused(
        &app,
        "http://127.0.0.1:18740\\@hooks.slack.com/services/T/B/x",
    )
    .await;
    assert!(
        b["error"]["message"]
            .as_str()
            .unwrap()
            .contains("backslash"),
        "{b}"
    );
    let b = channel_refused(&app, "https://127.0.0.1@hooks.slack.com/services/T/B/x").await;
    assert!(
        b["error"]["message"]
            .as_str()
            .unwrap()
            .contains("credentials"),
        "{b}"
    );
    // Not listed (the tests list only 127.0.0.1).
    channel_refused(&app, "https://hooks.slack.com.evil.example/services/T/B/x").await;
    channel_refused(&app, "http://localhost:9/services/T/B/x").await;
    let (_, list) = app.get("/channels").await;
    assert_eq!(list["channels"].as_array().unwrap().len(), 0);
}

/// A listed receiver that redirects elsewhere does not get the alert sent on.
async fn redirects_to_unlisted_hosts_are_not_followed(app: TestApp) {
    let inner = crate::alerts::Receiver::start((200, "internal secret page")).await;
    let target = inner.url.replace("127.0.0.1", "localhost");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let outer = format!("http://{}/hook", listener.local_addr().unwrap());
    let redirect = axum::Router::new().route(
        "/hook",
        axum::routing::post(move || {
            let target = target.clone();
            async move { axum::response::Redirect::temporary(&target) }
        }),
    );
    tokio::spawn(async move { axum::serve(listener, redirect).await.unwrap() });

    let alice = app.user("Alice", Some(ALICE)).await;
    let (_, ch) = app
        .post(
            "/channels",
            json!({"name": "ops", "kind": "slack", "webhook_url": outer}),
        )
        .await;
    let line = app.line(&[alice]).await;
    app.patch(
        &format!("/lines/{}", line["id"]),
        json!({"channels": [ch["id"]]}),
    )
    .await;
    let spec = app.spec(&line).responder(
        ALICE,
        Responder::Answer {
            after_secs: 2,
            talk_secs: 5,
        },
    );
    let (_, call) = app.call(&spec).await;
    let id = call["id"].as_i64().unwrap();
    app.settle().await;
    let (_, c) = app.get(&format!("/calls/{id}")).await;
    let alert = c["alerts"][0].clone();
    // A network error is retried later.
    app.expect_jobs_left();
    let err = alert["last_error"].as_str().unwrap_or_default();
    assert!(err.contains("could not reach the channel"), "{alert}");
    assert!(!err.contains("internal secret page"), "{alert}");
    assert_eq!(
        inner.count(),
        0,
        "the redirect was followed to an unlisted host"
    );
}

crate::on_both!(
    chat_urls_that_reach_another_host_are_refused,
    redirects_to_unlisted_hosts_are_not_followed,
);

/// A delivery that keeps failing, a forged webhook and a normal call: neither the API nor
/// the server's log shows the chat webhook's secret path, the line's webhook token or its
/// auth token.
#[tokio::test]
async fn secrets_stay_out_of_the_api_and_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let (token, _) = create_token(dir.path());
    let closed = free_port();
    let server = Served::start(
        dir.path(),
        &token,
        &[],
        &[
            (
                "SWITCHBOARD_LOG",
                "debug,sqlx=warn,hyper=warn,reqwest=warn,h2=warn",
            ),
            ("SWITCHBOARD_ALERT_HOSTS", "127.0.0.1"),
        ],
    )
    .await;
    let secret_path = "services/T0000/B0000/SECRETHOOKPATH";
    let (_, ch) = server
        .post(
            "/channels",
            json!({"name": "ops", "kind": "slack",
            "webhook_url": format!("http://127.0.0.1:{closed}/{secret_path}")}),
        )
        .await;
    let line = server
        .alice_and_a_line(json!({"auth_token": "LINEAUTHSECRET", "channels": [ch["id"]]}))
        .await;
    let webhook_url = line["webhook_url"].as_str().unwrap().to_owned();
    let line_token = webhook_url.split('/').nth(5).unwrap().to_owned();
    assert!(line_token.len() > 20, "{webhook_url}");

    // A forged request, then a real call whose alert cannot be delivered.
    let forged = server
        .http
        .post(&webhook_url)
        .header("x-twilio-signature", "forged")
        .form(&[("CallSid", "CA1"), ("From", "+14155550199")])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
    let mut spec = switchboard_sim::CallSpec::new(&webhook_url, "+14155550199", "+15005550006");
    spec.status_callback_url = Some(line["status_callback_url"].as_str().unwrap().to_owned());
    spec.auth_token = Some("LINEAUTHSECRET".to_owned());
    let spec = spec.responder(
        ALICE,
        Responder::Answer {
            after_secs: 1,
            talk_secs: 2,
        },
    );
    let t = switchboard_sim::place_call(&server.http, &spec)
        .await
        .unwrap();
    let calls = server.get("/calls").await;
    assert_eq!(calls["calls"][0]["provider_call_id"], t.call_sid.as_str());
    let id = calls["calls"][0]["id"].as_i64().unwrap();
    let mut call = Value::Null;
    for _ in 0..100 {
        call = server.get(&format!("/calls/{id}")).await;
        if call["alerts"][0]["last_error"].is_string() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let log = server.kill();
    assert!(call["alerts"][0]["last_error"].is_string(), "{call}");
    assert!(
        log.contains("could not reach the channel"),
        "the failure is logged: {log}"
    );
    assert!(log.contains("rejected a webhook"), "{log}");
    for (what, secret) in [
        ("the chat webhook's path", "SECRETHOOKPATH"),
        ("the line's webhook token", line_token.as_str()),
        ("the line's auth token", "LINEAUTHSECRET"),
        ("the API token", token.as_str()),
    ] {
        assert!(!log.contains(secret), "{what} is in the log:\n{log}");
        assert!(
            !call.to_string().contains(secret),
            "{what} is in the API: {call}"
        );
    }
    assert!(
        !log.contains("\u{1b}["),
        "colour codes in a log that is not a terminal"
    );
    // Every line logged while serving a call's webhook, once the handler knows them, carries
    // the line and the call.
    let dial_lines: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("/dial/0") && !l.contains("started processing request"))
        .collect();
    assert!(!dial_lines.is_empty(), "{log}");
    for l in dial_lines {
        assert!(
            l.contains("line=") && l.contains(&format!("call={id}")),
            "{l}"
        );
    }
}
