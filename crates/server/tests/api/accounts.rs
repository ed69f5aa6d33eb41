//! Accounts: the first owner from a setup link, logging in and out, sessions and their CSRF
//! tokens, throttling, and the user commands. Both backends.

use crate::helpers::{NowTs, TestApp};
use reqwest::header::{COOKIE, SET_COOKIE};
use serde_json::{json, Value};

use crate::helpers::PASSWORD;

/// A browser's session: its cookie and CSRF token.
struct Browser {
    cookie: String,
    csrf: String,
}

impl Browser {
    fn from(resp_cookie: &str, body: &Value) -> Browser {
        let cookie = resp_cookie.split(';').next().unwrap().to_owned();
        Browser {
            cookie,
            csrf: body["csrf_token"].as_str().unwrap().to_owned(),
        }
    }
}

/// Sends a JSON request with a session cookie (and the CSRF token when `csrf`).
async fn with_session(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    b: &Browser,
    csrf: bool,
    body: Option<Value>,
) -> (u16, Value) {
    let mut req = app
        .http
        .request(method, app.api(path))
        .header(COOKIE, &b.cookie);
    if csrf {
        req = req.header("x-csrf-token", &b.csrf);
    }
    if let Some(body) = body {
        req = req.json(&body);
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn setup_link(app: &TestApp) -> String {
    setup_link_named(app, "setup-secret-for-the-test").await
}

/// Posts anonymously; returns status, `Set-Cookie` and body.
async fn anonymous(app: &TestApp, path: &str, body: Value) -> (u16, Option<String>, Value) {
    let r = app
        .http
        .post(app.api(path))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let cookie = r
        .headers()
        .get(SET_COOKIE)
        .map(|v| v.to_str().unwrap().to_owned());
    (status, cookie, r.json().await.unwrap_or(Value::Null))
}

async fn owner(app: &TestApp) -> Browser {
    let token = setup_link(app).await;
    let (status, cookie, body) = anonymous(
        app,
        "/setup",
        json!({"token": token, "name": "Olga Owner", "email": "olga@example.com", "password": PASSWORD}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    Browser::from(&cookie.unwrap(), &body)
}

async fn login(app: &TestApp, email: &str, password: &str) -> (u16, Option<String>, Value) {
    anonymous(app, "/login", json!({"email": email, "password": password})).await
}

async fn the_setup_link_creates_the_owner_once(app: TestApp) {
    let token = setup_link(&app).await;
    let weak = json!({"token": token, "name": "Olga", "email": "olga@example.com", "password": "password1234"});
    let (status, _, body) = anonymous(&app, "/setup", weak).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["field"], "password");
    let (status, cookie, body) = anonymous(
        &app,
        "/setup",
        json!({"token": token, "name": "Olga Owner", "email": "olga@example.com", "password": PASSWORD}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["user"]["role"], "owner");
    assert_eq!(body["user"]["can_log_in"], true);
    let cookie = cookie.unwrap();
    for attr in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(cookie.contains(attr), "{cookie}");
    }
    assert!(!cookie.contains("Secure"), "public_url is http: {cookie}");
    // The link works once; a second owner cannot be made even with a fresh link.
    let again =
        json!({"token": token, "name": "Mallory", "email": "m@example.com", "password": PASSWORD});
    assert_eq!(anonymous(&app, "/setup", again).await.0, 404);
    let fresh = setup_link_named(&app, "another-link").await;
    let (status, _, body) = anonymous(
        &app,
        "/setup",
        json!({"token": fresh, "name": "Mallory", "email": "m@example.com", "password": PASSWORD}),
    )
    .await;
    assert_eq!(status, 409, "{body}");
    // An expired link is refused.
    app.clock.advance_secs(2 * 3600);
    let late = setup_link_named(&app, "late-link").await;
    app.clock.advance_secs(3601);
    let (status, _, _) = anonymous(
        &app,
        "/setup",
        json!({"token": late, "name": "M", "email": "m2@example.com", "password": PASSWORD}),
    )
    .await;
    assert_eq!(status, 404);
    // The hash of the password is in no answer.
    let (_, users) = app.get("/users").await;
    assert!(!users.to_string().contains("argon2"), "{users}");
}

async fn setup_link_named(app: &TestApp, token: &str) -> String {
    let hash = switchboard::api::hash_token(token);
    let until = app.clock.now_ts() + jiff::SignedDuration::from_hours(1);
    app.store.create_setup_link(&hash, until).await.unwrap();
    token.to_owned()
}

async fn sessions_need_csrf_to_change_anything_and_end_at_logout(app: TestApp) {
    let b = owner(&app).await;
    let (status, me) = with_session(&app, reqwest::Method::GET, "/me", &b, false, None).await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["user"]["email"], "olga@example.com");
    let new_user = json!({"name": "Bob", "email": "bob@example.com"});
    let (status, body) = with_session(
        &app,
        reqwest::Method::POST,
        "/users",
        &b,
        false,
        Some(new_user.clone()),
    )
    .await;
    assert_eq!(status, 403, "no CSRF token: {body}");
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("x-csrf-token"));
    let wrong = Browser {
        cookie: b.cookie.clone(),
        csrf: "not-the-token".into(),
    };
    let (status, _) = with_session(
        &app,
        reqwest::Method::POST,
        "/users",
        &wrong,
        true,
        Some(new_user.clone()),
    )
    .await;
    assert_eq!(status, 403);
    // Nothing was created by the refused requests.
    assert_eq!(
        app.get("/users").await.1["users"].as_array().unwrap().len(),
        1
    );
    let (status, _) = with_session(
        &app,
        reqwest::Method::POST,
        "/users",
        &b,
        true,
        Some(new_user),
    )
    .await;
    assert_eq!(status, 201);
    let (status, _) = with_session(&app, reqwest::Method::POST, "/logout", &b, true, None).await;
    assert_eq!(status, 204);
    let (status, _) = with_session(&app, reqwest::Method::GET, "/me", &b, false, None).await;
    assert_eq!(status, 401, "the session ended");
}

async fn logins_are_generic_throttled_and_rotate_the_session(app: TestApp) {
    let planted = owner(&app).await;
    let (wrong_pw, _, a) = login(&app, "olga@example.com", "not the password at all").await;
    let (no_user, _, b) = login(&app, "nobody@example.com", PASSWORD).await;
    assert_eq!((wrong_pw, no_user), (401, 401));
    assert_eq!(
        a, b,
        "the same answer whether the email or the password was wrong"
    );
    // Logging in with a session cookie already set ends that session: a planted id never
    // becomes a logged-in one.
    let r = app
        .http
        .post(app.api("/login"))
        .header(COOKIE, &planted.cookie)
        .json(&json!({"email": "OLGA@example.com", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let fresh_cookie = r.headers()[SET_COOKIE].to_str().unwrap().to_owned();
    let fresh = Browser::from(&fresh_cookie, &r.json().await.unwrap());
    assert_ne!(fresh.cookie, planted.cookie);
    assert_eq!(
        with_session(&app, reqwest::Method::GET, "/me", &planted, false, None)
            .await
            .0,
        401
    );
    assert_eq!(
        with_session(&app, reqwest::Method::GET, "/me", &fresh, false, None)
            .await
            .0,
        200
    );
    // Five wrong passwords (counted since the last good one) close the account for a while,
    // even to the right password.
    for _ in 0..5 {
        assert_eq!(
            login(&app, "olga@example.com", "still not the password")
                .await
                .0,
            401
        );
    }
    let (status, _, body) = login(&app, "olga@example.com", PASSWORD).await;
    assert_eq!(status, 429, "{body}");
    app.clock.advance_secs(16 * 60);
    assert_eq!(login(&app, "olga@example.com", PASSWORD).await.0, 200);
}

async fn sessions_expire_and_log_out_everywhere(app: TestApp) {
    let first = owner(&app).await;
    let (_, c, body) = login(&app, "olga@example.com", PASSWORD).await;
    let second = Browser::from(&c.unwrap(), &body);
    let (status, _) = with_session(
        &app,
        reqwest::Method::POST,
        "/logout-everywhere",
        &second,
        true,
        None,
    )
    .await;
    assert_eq!(status, 204);
    for b in [&first, &second] {
        assert_eq!(
            with_session(&app, reqwest::Method::GET, "/me", b, false, None)
                .await
                .0,
            401
        );
    }
    // Idle for longer than the idle limit: the session is over.
    let (_, c, body) = login(&app, "olga@example.com", PASSWORD).await;
    let b = Browser::from(&c.unwrap(), &body);
    app.clock.advance_secs(11 * 3600);
    assert_eq!(
        with_session(&app, reqwest::Method::GET, "/me", &b, false, None)
            .await
            .0,
        200
    );
    app.clock.advance_secs(11 * 3600);
    assert_eq!(
        with_session(&app, reqwest::Method::GET, "/me", &b, false, None)
            .await
            .0,
        200,
        "still in use"
    );
    app.clock.advance_secs(13 * 3600);
    assert_eq!(
        with_session(&app, reqwest::Method::GET, "/me", &b, false, None)
            .await
            .0,
        401
    );
    // A bearer token has no session to end.
    let (status, _) = app.post("/logout", json!({})).await;
    assert_eq!(status, 400);
}

crate::on_both!(
    the_setup_link_creates_the_owner_once,
    sessions_need_csrf_to_change_anything_and_end_at_logout,
    logins_are_generic_throttled_and_rotate_the_session,
    sessions_expire_and_log_out_everywhere,
    tokens_belong_to_people_and_can_be_read_only_or_expire,
    simultaneous_setups_make_one_owner,
    responders_act_for_themselves,
    every_protected_route_refuses_what_it_must,
    one_address_guessing_many_accounts_is_stopped,
    only_owners_manage_admins_and_an_owner_remains,
    a_user_lists_and_ends_their_own_sessions,
);

/// The binary as an operator meets it: `serve` on an empty database prints a setup link; the
/// page behind it creates the owner without JavaScript; the next start prints no link; and the
/// user commands create an account and reset a password (ending its sessions), reading the
/// password from standard input.
#[tokio::test]
async fn serve_prints_a_setup_link_and_the_user_commands_manage_accounts() {
    use crate::binary::{bin, create_token, Served};
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let (token, _) = create_token(dir.path());
    let served = Served::start(dir.path(), &token, &[], &[]).await;
    // The link is printed before the server listens, and `start` waits until it answers.
    let link = served
        .log()
        .lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix(&format!("{}/setup?token=", served.url))
                .map(str::to_owned)
        })
        .unwrap_or_else(|| panic!("no setup link in {}", served.log()));
    assert!(!served.log().contains("argon2"));
    let page = served
        .http
        .get(format!("{}/setup?token={link}", served.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("<form method=\"post\" action=\"/setup\">"),
        "{page}"
    );
    let form = [
        ("token", link.as_str()),
        ("name", "Olga Owner"),
        ("email", "olga@example.com"),
        ("password", PASSWORD),
        ("time_zone", "Europe/Berlin"),
    ];
    let r = served
        .http
        .post(format!("{}/setup", served.url))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    assert!(r.headers()[SET_COOKIE]
        .to_str()
        .unwrap()
        .starts_with("sb_session="));
    let again = served
        .http
        .post(format!("{}/setup", served.url))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 404, "the link worked once");
    assert!(served.terminate());
    // The link is printed before the server listens, and `start` waits until it answers.
    let served = Served::start(dir.path(), &token, &[], &[]).await;
    assert!(!served.log().contains("/setup?token="), "{}", served.log());

    let run = |args: &[&str], stdin: &str| {
        let mut child = bin()
            .args(args)
            .arg("--data-dir")
            .arg(dir.path())
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };
    let weak = run(
        &[
            "user",
            "create",
            "--email",
            "ann@example.com",
            "--name",
            "Ann",
            "--role",
            "admin",
        ],
        "short\n",
    );
    assert!(!weak.status.success());
    assert!(String::from_utf8_lossy(&weak.stderr).contains("password"));
    let made = run(
        &[
            "user",
            "create",
            "--email",
            "ann@example.com",
            "--name",
            "Ann",
            "--role",
            "admin",
        ],
        &format!("{PASSWORD}\n"),
    );
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let login = |password: &str| {
        let http = served.http.clone();
        let url = served.api("/login");
        let body = json!({"email": "ann@example.com", "password": password});
        async move { http.post(url).json(&body).send().await.unwrap() }
    };
    let r = login(PASSWORD).await;
    assert_eq!(r.status(), 200);
    let cookie = r.headers()[SET_COOKIE]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let reset = run(
        &["user", "set-password", "ann@example.com"],
        "a brand new passphrase\n",
    );
    assert!(
        reset.status.success(),
        "{}",
        String::from_utf8_lossy(&reset.stderr)
    );
    assert!(String::from_utf8_lossy(&reset.stdout).contains("1 session ended"));
    let me = served
        .http
        .get(served.api("/me"))
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 401, "the reset ended the session");
    assert_eq!(login(PASSWORD).await.status(), 401);
    let again = login("a brand new passphrase").await;
    assert_eq!(again.status(), 200);
    // Both commands are in the audit trail, done from the command line.
    let admin_cookie = again.headers()[SET_COOKIE]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let trail: Value = served
        .http
        .get(served.api("/audit?action=user"))
        .header(COOKIE, &admin_cookie)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let actions: Vec<&str> = trail["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["user set-password", "user create --role admin"],
        "{trail}"
    );
    assert!(trail["entries"][0]["actor"]
        .as_str()
        .unwrap()
        .starts_with("command line"));
    let missing = run(
        &["user", "set-password", "nobody@example.com"],
        "whatever\n",
    );
    assert!(
        String::from_utf8_lossy(&missing.stderr).contains("there is no user nobody@example.com")
    );
    // No password, session id or password hash ever reaches the server's log.
    let log = served.log();
    let session_id = cookie.trim_start_matches("sb_session=");
    for secret in [PASSWORD, "a brand new passphrase", "$argon2", session_id] {
        assert!(!log.contains(secret), "{secret} is in the log:\n{log}");
    }
    assert!(served.terminate());
}

async fn tokens_belong_to_people_and_can_be_read_only_or_expire(app: TestApp) {
    let b = owner(&app).await;
    let make = |body: Value| {
        let b = Browser {
            cookie: b.cookie.clone(),
            csrf: b.csrf.clone(),
        };
        let app = &app;
        async move { with_session(app, reqwest::Method::POST, "/tokens", &b, true, Some(body)).await }
    };
    let (status, full) = make(json!({"name": "laptop"})).await;
    assert_eq!(status, 201, "{full}");
    assert_eq!(full["user_id"], 1);
    let secret = full["token"].as_str().unwrap().to_owned();
    let (_, ro) = make(json!({"name": "dashboard tv", "read_only": true})).await;
    let ro_secret = ro["token"].as_str().unwrap().to_owned();
    let (_, short) = make(json!({"name": "ci", "expires_in_days": 1})).await;
    let short_secret = short["token"].as_str().unwrap().to_owned();
    let (status, bad) = make(json!({"name": "x", "expires_in_days": 0})).await;
    assert_eq!(
        (status, &bad["error"]["field"]),
        (422, &json!("expires_in_days"))
    );
    let as_token = |secret: &str, method: reqwest::Method, path: &str| {
        let req = app.http.request(method, app.api(path)).bearer_auth(secret);
        async move {
            req.json(&json!({"name": "Bob", "email": "bob@example.com"}))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(as_token(&secret, reqwest::Method::GET, "/me").await, 200);
    assert_eq!(
        as_token(&ro_secret, reqwest::Method::GET, "/users").await,
        200
    );
    assert_eq!(
        as_token(&ro_secret, reqwest::Method::POST, "/users").await,
        403
    );
    assert_eq!(
        app.get("/users").await.1["users"].as_array().unwrap().len(),
        1,
        "nothing created"
    );
    // The listing shows the user's own tokens, with last use, never a secret.
    let (_, list) = with_session(&app, reqwest::Method::GET, "/tokens", &b, false, None).await;
    let tokens = list["tokens"]
        .as_array()
        .unwrap_or_else(|| panic!("{list}"));
    assert_eq!(tokens.len(), 3, "{list}");
    assert!(tokens.iter().all(|t| t.get("token").is_none()));
    assert!(!list.to_string().contains(&secret));
    let laptop = tokens.iter().find(|t| t["name"] == "laptop").unwrap();
    assert!(laptop["last_used_at"].is_string(), "{laptop}");
    // Expiry.
    assert_eq!(
        as_token(&short_secret, reqwest::Method::GET, "/me").await,
        200
    );
    app.clock.advance_secs(24 * 3600 + 1);
    assert_eq!(
        as_token(&short_secret, reqwest::Method::GET, "/me").await,
        401
    );
    // Revoking: the user's own; the test's owner-level token still works, as tokens made
    // before accounts existed do.
    let path = format!("/tokens/{}", full["id"]);
    let (_, c, body) = login(&app, "olga@example.com", PASSWORD).await;
    let b = Browser::from(&c.unwrap(), &body);
    let (status, _) = with_session(&app, reqwest::Method::DELETE, &path, &b, true, None).await;
    assert_eq!(status, 204);
    assert_eq!(as_token(&secret, reqwest::Method::GET, "/me").await, 401);
    assert_eq!(app.get("/users").await.0, 200);
    let (status, _) =
        with_session(&app, reqwest::Method::DELETE, "/tokens/999", &b, true, None).await;
    assert_eq!(status, 404);
}

/// Two setup links used at the same instant make one owner, not two.
async fn simultaneous_setups_make_one_owner(app: TestApp) {
    let mut links = Vec::new();
    for i in 0..6 {
        links.push(setup_link_named(&app, &format!("link-{i}")).await);
    }
    let mut tries = tokio::task::JoinSet::new();
    for (i, link) in links.iter().enumerate() {
        let body = json!({"token": link, "name": format!("Owner {i}"), "email": format!("o{i}@example.com"), "password": PASSWORD});
        let (http, url) = (app.http.clone(), app.api("/setup"));
        tries.spawn(async move {
            http.post(url)
                .json(&body)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        });
    }
    let mut statuses = tries.join_all().await;
    statuses.sort();
    assert_eq!(statuses, vec![201, 409, 409, 409, 409, 409]);
    let (_, users) = app.get("/users").await;
    let owners = users["users"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| u["role"] == "owner")
        .count();
    assert_eq!(owners, 1, "{users}");
}

/// A responder changes their own phone and zone, and puts a line in test mode for themselves
/// without naming a user id.
async fn responders_act_for_themselves(app: TestApp) {
    let b = owner(&app).await;
    let (status, me) = with_session(
        &app,
        reqwest::Method::PATCH,
        "/me",
        &b,
        true,
        Some(json!({"phone": "+14155550123", "time_zone": "America/Chicago"})),
    )
    .await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["phone"], "+14155550123");
    assert_eq!(me["time_zone"], "America/Chicago");
    let (status, bad) = with_session(
        &app,
        reqwest::Method::PATCH,
        "/me",
        &b,
        true,
        Some(json!({"time_zone": "Mars/Base"})),
    )
    .await;
    assert_eq!((status, &bad["error"]["field"]), (422, &json!("time_zone")));
    let line = app.line(&[me["id"].as_i64().unwrap()]).await;
    let path = format!("/lines/{}/test-mode", line["id"]);
    let (status, l) = with_session(
        &app,
        reqwest::Method::POST,
        &path,
        &b,
        true,
        Some(json!({})),
    )
    .await;
    assert_eq!(status, 200, "{l}");
    assert_eq!(l["test_mode"]["user"], me["id"], "{l}");
    // An owner-level token is nobody: it must say whom to ring.
    let (status, err) = app.post(&path, json!({})).await;
    assert_eq!(
        (status, &err["error"]["field"]),
        (422, &json!("user")),
        "{err}"
    );
    assert_eq!(app.patch("/me", json!({"name": "x"})).await.0, 400);
}

/// Walks the API's route table: every protected route refuses an anonymous request, a forged
/// token and (when it changes something) a session without its CSRF token; every method a
/// path does not declare is 405 even with a valid token, so the table is the whole router.
async fn every_protected_route_refuses_what_it_must(app: TestApp) {
    let b = owner(&app).await;
    let concrete = |path: &str| {
        path.replace("{kind}", "welcome")
            .split('/')
            .map(|seg| if seg.starts_with('{') { "1" } else { seg })
            .collect::<Vec<_>>()
            .join("/")
    };
    let routes = switchboard::api::routes::protected().routes;
    assert!(routes.len() > 30, "{routes:?}");
    let all = [
        reqwest::Method::GET,
        reqwest::Method::POST,
        reqwest::Method::PUT,
        reqwest::Method::PATCH,
        reqwest::Method::DELETE,
    ];
    let mut paths: Vec<&str> = routes.iter().map(|(_, p)| *p).collect();
    paths.dedup();
    for (method, path) in &routes {
        let m = reqwest::Method::from_bytes(method.as_str().as_bytes()).unwrap();
        let url = app.api(&concrete(path));
        let anon = app.http.request(m.clone(), &url).send().await.unwrap();
        assert_eq!(anon.status(), 401, "anonymous {method} {path}");
        let forged = app
            .http
            .request(m.clone(), &url)
            .bearer_auth("sb_forged")
            .send()
            .await
            .unwrap();
        assert_eq!(forged.status(), 401, "forged token {method} {path}");
        if !matches!(m, reqwest::Method::GET) {
            let (status, _) = with_session(&app, m.clone(), &concrete(path), &b, false, None).await;
            assert_eq!(status, 403, "session without CSRF {method} {path}");
        }
    }
    for path in paths {
        for m in &all {
            if routes
                .iter()
                .any(|(rm, rp)| *rp == path && rm.as_str() == m.as_str())
            {
                continue;
            }
            let r = app
                .http
                .request(m.clone(), app.api(&concrete(path)))
                .bearer_auth(&app.token)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 405, "{m} {path} is routed but not in the table");
        }
    }
    // The public routes answer anonymous requests (here: with what is wrong with the body,
    // or that single sign-on is not configured).
    for (method, path) in switchboard::api::routes::public().routes {
        let m = reqwest::Method::from_bytes(method.as_str().as_bytes()).unwrap();
        let r = app
            .http
            .request(m.clone(), app.api(path))
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        let expected = if m == reqwest::Method::POST { 400 } else { 404 };
        assert_eq!(r.status(), expected, "{method} {path}");
    }
}

/// Twenty failures from one address, whatever emails they tried, close logins from there.
async fn one_address_guessing_many_accounts_is_stopped(app: TestApp) {
    owner(&app).await;
    for i in 0..20 {
        let (status, _, _) = login(&app, &format!("guess{i}@example.com"), PASSWORD).await;
        assert_eq!(status, 401);
    }
    let (status, _, body) = login(&app, "olga@example.com", PASSWORD).await;
    assert_eq!(
        status, 429,
        "the right password, from the guessing address: {body}"
    );
    app.clock.advance_secs(15 * 60 + 1);
    assert_eq!(login(&app, "olga@example.com", PASSWORD).await.0, 200);
    // Behind a trusted proxy (here the tests' own 127.0.0.1), the client it names counts:
    // one guessing client closes logins for itself, not for another behind the same proxy.
    let via = |client: &'static str, email: String| {
        let (http, url) = (app.http.clone(), app.api("/login"));
        async move {
            http.post(url)
                .header("x-forwarded-for", client)
                .json(&json!({"email": email, "password": PASSWORD}))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    for i in 0..20 {
        assert_eq!(
            via("203.0.113.5", format!("guess{i}@example.com")).await,
            401
        );
    }
    assert_eq!(via("203.0.113.5", "olga@example.com".into()).await, 429);
    assert_eq!(via("198.51.100.7", "olga@example.com".into()).await, 200);
}

/// Only owners make or unmake owners and admins, and the last owner stays one.
async fn only_owners_manage_admins_and_an_owner_remains(app: TestApp) {
    let olga = owner(&app).await;
    let member = switchboard_core::account::Role::Member;
    let bob = app.account("Bob", "bob@example.com", None, member).await;
    let carol = app
        .account("Carol", "carol@example.com", None, member)
        .await;
    let as_browser = |email: &str| {
        let app = &app;
        let email = email.to_owned();
        async move {
            let (_, c, body) = login(app, &email, PASSWORD).await;
            Browser::from(&c.unwrap(), &body)
        }
    };
    let role = |b: &Browser, user: i64, role: &str| {
        let b = Browser {
            cookie: b.cookie.clone(),
            csrf: b.csrf.clone(),
        };
        let app = &app;
        let path = format!("/users/{user}/role");
        let body = json!({ "role": role });
        async move { with_session(app, reqwest::Method::PUT, &path, &b, true, Some(body)).await }
    };
    let carol_b = as_browser("carol@example.com").await;
    assert_eq!(role(&carol_b, carol, "admin").await.0, 403, "a member");
    let (status, made) = role(&olga, bob, "admin").await;
    assert_eq!((status, &made["role"]), (200, &json!("admin")));
    let bob_b = as_browser("bob@example.com").await;
    assert_eq!(
        role(&bob_b, carol, "admin").await.0,
        403,
        "an admin cannot make admins"
    );
    assert_eq!(role(&bob_b, carol, "member").await.0, 200);
    assert_eq!(
        role(&bob_b, 1, "member").await.0,
        403,
        "nor unmake the owner"
    );
    let (status, err) = role(&olga, 1, "admin").await;
    assert_eq!(status, 409, "{err}");
    assert_eq!(role(&olga, bob, "owner").await.0, 200);
    assert_eq!(
        role(&olga, 1, "member").await.0,
        200,
        "another owner remains"
    );
    let (_, users) = app.get("/users").await;
    let roles: Vec<(&str, &str)> = users["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| (u["name"].as_str().unwrap(), u["role"].as_str().unwrap()))
        .collect();
    assert_eq!(
        roles,
        vec![
            ("Olga Owner", "member"),
            ("Bob", "owner"),
            ("Carol", "member")
        ]
    );
    let r = app
        .http
        .put(app.api(&format!("/users/{carol}/role")))
        .bearer_auth(&app.token)
        .json(&json!({"role": "root"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400, "not a role");
}

/// A user sees their own live sessions, the current one marked, and ends another one.
async fn a_user_lists_and_ends_their_own_sessions(app: TestApp) {
    let laptop = owner(&app).await;
    let (_, c, body) = login(&app, "olga@example.com", PASSWORD).await;
    let phone = Browser::from(&c.unwrap(), &body);
    let (status, list) = with_session(
        &app,
        reqwest::Method::GET,
        "/me/sessions",
        &laptop,
        false,
        None,
    )
    .await;
    assert_eq!(status, 200, "{list}");
    let sessions = list["sessions"].as_array().unwrap();
    assert_eq!(sessions.len(), 2, "{list}");
    assert_eq!(sessions.iter().filter(|s| s["current"] == true).count(), 1);
    let other = sessions.iter().find(|s| s["current"] == false).unwrap();
    assert!(!list
        .to_string()
        .contains(laptop.cookie.trim_start_matches("sb_session=")));
    let path = format!("/me/sessions/{}", other["id"].as_str().unwrap());
    let (status, _) = with_session(&app, reqwest::Method::DELETE, &path, &laptop, true, None).await;
    assert_eq!(status, 204);
    assert_eq!(
        with_session(&app, reqwest::Method::GET, "/me", &phone, false, None)
            .await
            .0,
        401
    );
    assert_eq!(
        with_session(&app, reqwest::Method::GET, "/me", &laptop, false, None)
            .await
            .0,
        200
    );
    let (status, _) = with_session(&app, reqwest::Method::DELETE, &path, &laptop, true, None).await;
    assert_eq!(status, 404, "gone already");
}
