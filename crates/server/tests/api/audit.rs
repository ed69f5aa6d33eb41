//! The audit trail: every change through the API, every login (and failed one) and every
//! recording download, with who, when, from where and the state before and after, secrets
//! masked; readable by admins only, changeable by nobody. Both backends.

use crate::helpers::{TestApp, PASSWORD};
use reqwest::header::{COOKIE, SET_COOKIE};
use reqwest::Method;
use serde_json::{json, Value};
use switchboard_core::account::Role;
use switchboard_sim::Responder;

/// A logged-in browser: its cookie and CSRF token.
struct Session {
    cookie: String,
    csrf: String,
}

async fn account(app: &TestApp, name: &str, role: Role) -> i64 {
    let email = format!("{}@example.com", name.to_lowercase());
    app.account(name, &email, Some("+14155550101"), role).await
}

async fn login(app: &TestApp, email: &str, password: &str) -> (u16, Option<Session>) {
    let r = app
        .http
        .post(app.api("/login"))
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let cookie = r
        .headers()
        .get(SET_COOKIE)
        .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_owned());
    let body: Value = r.json().await.unwrap();
    let session = cookie.map(|cookie| Session {
        cookie,
        csrf: body["csrf_token"].as_str().unwrap().to_owned(),
    });
    (status, session)
}

async fn send(
    app: &TestApp,
    s: &Session,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut req = app
        .http
        .request(method, app.api(path))
        .header(COOKIE, &s.cookie)
        .header("x-csrf-token", &s.csrf);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    let bytes = r.bytes().await.unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

async fn the_audit_trail_tells_who_changed_what_and_hides_secrets(app: TestApp) {
    let ada = account(&app, "Ada", Role::Admin).await;
    account(&app, "Max", Role::Member).await;
    let (status, _) = login(&app, "ada@example.com", "not her password").await;
    assert_eq!(status, 401);
    let (_, s) = login(&app, "ada@example.com", PASSWORD).await;
    let s = s.unwrap();
    let (status, line) = send(
        &app,
        &s,
        Method::POST,
        "/lines",
        Some(json!({
            "name": "Security hotline", "number": "+15005550006", "provider": "twilio",
            "auth_token": "line-auth-token", "routing": {"steps": [{"user": ada}]},
        })),
    )
    .await;
    assert_eq!(status, 201, "{line}");
    let id = line["id"].as_i64().unwrap();
    let webhook_url = line["webhook_url"].as_str().unwrap().to_owned();
    let (status, _) = send(
        &app,
        &s,
        Method::PATCH,
        &format!("/lines/{id}"),
        // The same token again: the media server of the test checks it.
        Some(json!({"name": "Breach hotline", "auth_token": "line-auth-token"})),
    )
    .await;
    assert_eq!(status, 200);
    let (status, token) = send(
        &app,
        &s,
        Method::POST,
        "/tokens",
        Some(json!({"name": "deploy"})),
    )
    .await;
    assert_eq!(status, 201, "{token}");
    let token = token["token"].as_str().unwrap().to_owned();
    // A call whose recording Ada downloads.
    let spec = app.spec(&line).responder(
        "+14155550101",
        Responder::Answer {
            after_secs: 2,
            talk_secs: 10,
        },
    );
    let (_, call) = app.call(&spec).await;
    let call_id = call["id"].as_i64().unwrap();
    let recs = app.stored_recordings(call_id).await;
    let rec = recs[0]["id"].as_i64().unwrap();
    let media = format!("/calls/{call_id}/recordings/{rec}/media");
    let r = app
        .http
        .get(app.api(&media))
        .header(COOKIE, &s.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        send(&app, &s, Method::DELETE, &format!("/lines/{id}"), None)
            .await
            .0,
        204
    );

    let (status, trail) = send(&app, &s, Method::GET, "/audit?limit=500", None).await;
    assert_eq!(status, 200, "{trail}");
    let entries = trail["entries"].as_array().unwrap();
    let actions: Vec<&str> = entries
        .iter()
        .rev()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "login failed",
            "login",
            "POST /api/v1/lines",
            "PATCH /api/v1/lines/{id}",
            "POST /api/v1/tokens",
            "download recording",
            "DELETE /api/v1/lines/{id}",
        ],
        "{trail}"
    );
    let by_action = |a: &str| entries.iter().find(|e| e["action"] == a).unwrap();
    let failed = by_action("login failed");
    assert_eq!(failed["actor"], "ada@example.com");
    assert_eq!(failed["status"], 401);
    assert_eq!(failed["address"], "127.0.0.1");
    let patch = by_action("PATCH /api/v1/lines/{id}");
    assert_eq!(patch["actor"], "Ada <ada@example.com>");
    assert_eq!(patch["actor_user"], ada);
    assert_eq!(patch["target"], format!("lines/{id}"));
    assert_eq!(patch["status"], 200);
    assert_eq!(patch["before"]["name"], "Security hotline");
    assert_eq!(patch["after"]["name"], "Breach hotline");
    assert_eq!(
        by_action("POST /api/v1/lines")["target"],
        format!("lines/{id}")
    );
    assert_eq!(by_action("POST /api/v1/lines")["before"], Value::Null);
    let delete = by_action("DELETE /api/v1/lines/{id}");
    assert_eq!(delete["before"]["name"], "Breach hotline");
    assert_eq!(delete["after"], Value::Null);
    assert_eq!(
        by_action("download recording")["target"],
        media.trim_start_matches('/')
    );
    // No secret is in the trail.
    let text = trail.to_string();
    let line_token = webhook_url.rsplit('/').nth(1).unwrap();
    for secret in [
        "line-auth-token",
        token.as_str(),
        line_token,
        PASSWORD,
        "not her password",
        s.csrf.as_str(),
    ] {
        assert!(!text.contains(secret), "{secret} is in the audit trail");
    }
    // Filters: by target (and what lies below it), by action, by actor.
    let (_, only) = send(
        &app,
        &s,
        Method::GET,
        &format!("/audit?target=lines/{id}"),
        None,
    )
    .await;
    assert_eq!(only["entries"].as_array().unwrap().len(), 3, "{only}");
    let (_, calls) = send(
        &app,
        &s,
        Method::GET,
        &format!("/audit?target=calls/{call_id}"),
        None,
    )
    .await;
    assert_eq!(calls["entries"].as_array().unwrap().len(), 1, "{calls}");
    let (_, logins) = send(&app, &s, Method::GET, "/audit?action=login", None).await;
    assert_eq!(logins["entries"].as_array().unwrap().len(), 2, "{logins}");
    let (_, mine) = send(&app, &s, Method::GET, &format!("/audit?actor={ada}"), None).await;
    assert_eq!(mine["entries"].as_array().unwrap().len(), 6, "{mine}");
    let (_, page) = send(&app, &s, Method::GET, "/audit?limit=2", None).await;
    let (_, next) = send(
        &app,
        &s,
        Method::GET,
        &format!("/audit?limit=2&before={}", page["next_before"]),
        None,
    )
    .await;
    assert_eq!(
        next["entries"][0]["action"], "POST /api/v1/tokens",
        "{next}"
    );
    let (status, err) = send(&app, &s, Method::GET, "/audit?since=yesterday", None).await;
    assert_eq!((status, &err["error"]["field"]), (422, &json!("since")));

    // Members cannot read it; nobody can change it.
    let (_, m) = login(&app, "max@example.com", PASSWORD).await;
    let m = m.unwrap();
    assert_eq!(send(&app, &m, Method::GET, "/audit", None).await.0, 403);
    for method in [Method::POST, Method::PATCH, Method::DELETE, Method::PUT] {
        assert_eq!(
            send(&app, &s, method, "/audit", Some(json!({}))).await.0,
            405
        );
    }
    let (_, after) = send(&app, &s, Method::GET, "/audit?limit=500", None).await;
    assert_eq!(
        after["entries"].as_array().unwrap().len(),
        entries.len() + 1,
        "Max's login is the one new entry; the refused reads and writes change nothing"
    );
}

/// A page's form changes something only with the session's own form token.
async fn page_forms_need_the_sessions_form_token(app: TestApp) {
    account(&app, "Ada", Role::Admin).await;
    let (_, s) = login(&app, "ada@example.com", PASSWORD).await;
    let s = s.unwrap();
    let post = |path: &str, csrf: &str, fields: &[(&str, &str)]| {
        let mut form: Vec<(String, String)> = fields
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        form.push(("csrf".into(), csrf.into()));
        app.http
            .post(format!("{}{path}", app.url))
            .header(COOKIE, &s.cookie)
            .form(&form)
            .send()
    };
    let details = [("name", "Mallory"), ("time_zone", "UTC")];
    for csrf in ["", "forged"] {
        let r = post("/profile", csrf, &details).await.unwrap();
        assert_eq!(r.status(), 403, "form token {csrf:?}");
        assert_eq!(post("/logout", csrf, &[]).await.unwrap().status(), 403);
    }
    let (status, me) = send(&app, &s, Method::GET, "/me", None).await;
    assert_eq!(
        (status, &me["user"]["name"]),
        (200, &json!("Ada")),
        "nothing changed, still logged in"
    );
    let r = post("/profile", &s.csrf, &details).await.unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    let (_, me) = send(&app, &s, Method::GET, "/me", None).await;
    assert_eq!(me["user"]["name"], "Mallory");
}

crate::on_both!(
    the_audit_trail_tells_who_changed_what_and_hides_secrets,
    page_forms_need_the_sessions_form_token,
);
