//! Single sign-on against a real OpenID provider: the certified `oidc-provider` package, run
//! by Node.js on 127.0.0.1 (`tools/oidc-provider/server.mjs`, installed by `.ci/run`, named by
//! `SWITCHBOARD_TEST_OIDC_PROVIDER`). A browser is played by an HTTP client with a cookie jar
//! that follows the redirects and submits the provider's login and consent forms.

use crate::helpers::TestApp;
use reqwest::header::LOCATION;
use reqwest::Method;
use serde_json::{json, Value};
use switchboard::accounts::sso::SsoConfig;
use tokio::io::AsyncBufReadExt;

/// The provider process (killed when dropped) and its issuer URL.
struct Provider {
    _child: tokio::process::Child,
    _stdout: tokio::io::Lines<tokio::io::BufReader<tokio::process::ChildStdout>>,
    issuer: String,
}

/// Starts the provider for `app`'s callback; `None` (after saying why) without Node.js's
/// provider installed.
async fn provider(app: &TestApp) -> Option<Provider> {
    let Ok(script) = std::env::var("SWITCHBOARD_TEST_OIDC_PROVIDER") else {
        eprintln!(
            "skipped: SWITCHBOARD_TEST_OIDC_PROVIDER is not set (the path of tools/oidc-provider/server.mjs after `npm ci` there; .ci/run sets it)"
        );
        return None;
    };
    let mut child = tokio::process::Command::new("node")
        .arg(&script)
        .arg(app.api("/sso/callback"))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("node runs");
    let out = child.stdout.take().unwrap();
    let mut lines = tokio::io::BufReader::new(out).lines();
    let first = lines
        .next_line()
        .await
        .unwrap()
        .expect("the provider says where it listens");
    let issuer = first.strip_prefix("issuer ").unwrap().to_owned();
    Some(Provider {
        _child: child,
        _stdout: lines,
        issuer,
    })
}

/// `app` restarted with single sign-on through `p` (`only`: no password logins).
async fn with_sso(app: &mut TestApp, p: &Provider, only: bool) {
    app.sso = Some(SsoConfig {
        issuer: p.issuer.clone(),
        client_id: "switchboard".to_owned(),
        client_secret: "sso-client-secret".to_owned(),
        only,
    });
    app.restart().await;
}

fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Plays a browser from `/sso/start` through the provider's login (as `account`) and consent
/// pages, up to the URL the provider sends it back to Switchboard with.
async fn to_callback(app: &TestApp, b: &reqwest::Client, account: &str) -> String {
    to_callback_from(app, b, account, &app.api("/sso/start")).await
}

/// The same from any start URL (the dashboard's login page links to one with `next`).
async fn to_callback_from(
    app: &TestApp,
    b: &reqwest::Client,
    account: &str,
    start: &str,
) -> String {
    let callback = app.api("/sso/callback");
    let mut resp = b.get(start).send().await.unwrap();
    for _ in 0..20 {
        let here = resp.url().clone();
        if resp.status().is_redirection() {
            let loc = resp.headers()[LOCATION].to_str().unwrap();
            let next = here.join(loc).unwrap().to_string();
            if next.starts_with(&callback) {
                return next;
            }
            resp = b.get(&next).send().await.unwrap();
            continue;
        }
        let status = resp.status();
        let page = resp.text().await.unwrap();
        assert_eq!(status, 200, "{here}: {page}");
        let action = page
            .split("action=\"")
            .nth(1)
            .and_then(|r| r.split('"').next())
            .unwrap_or_else(|| panic!("no form on {here}: {page}"));
        let form: Vec<(&str, &str)> = if page.contains("name=\"login\"") {
            vec![("prompt", "login"), ("login", account), ("password", "any")]
        } else {
            vec![("prompt", "consent")]
        };
        let url = here.join(action).unwrap();
        resp = b.post(url).form(&form).send().await.unwrap();
    }
    panic!("the provider never sent the browser back");
}

async fn json_of(r: reqwest::Response) -> (u16, Value) {
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn a_verified_email_logs_in_and_nothing_else_does(mut app: TestApp) {
    let Some(p) = provider(&app).await else {
        return;
    };
    // Without configuration there is no single sign-on.
    let (status, _) = json_of(app.http.get(app.api("/sso/start")).send().await.unwrap()).await;
    assert_eq!(status, 404);
    let alice = app.user("Alice", None).await;
    app.user("Eve", None).await;
    with_sso(&mut app, &p, false).await;

    let b = browser();
    let back = to_callback(&app, &b, "alice").await;
    let (status, body) = json_of(b.get(&back).send().await.unwrap()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["user"]["id"], alice);
    let me = b.get(app.api("/me")).send().await.unwrap();
    let (status, me) = json_of(me).await;
    assert_eq!((status, &me["kind"]), (200, &json!("session")), "{me}");
    assert_eq!(me["user"]["email"], "alice@example.com");
    // From the dashboard's login page: its single sign-on link brings the browser back to
    // the page it wanted, logged in.
    let page = browser();
    let login = page
        .get(format!("{}/login?next=/calls", app.url))
        .send()
        .await
        .unwrap();
    let html = login.text().await.unwrap();
    let href = html
        .split("href=\"/api/v1/sso/start")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("the login page links to single sign-on")
        .replace("&#38;", "&");
    let start = format!("{}/api/v1/sso/start{href}", app.url);
    let back = to_callback_from(&app, &page, "alice", &start).await;
    let landed = page.get(&back).send().await.unwrap();
    assert_eq!(landed.status(), 303);
    assert_eq!(landed.headers()[LOCATION], "/calls");
    let calls = page.get(format!("{}/calls", app.url)).send().await.unwrap();
    assert_eq!(calls.status(), 200);
    assert!(calls.text().await.unwrap().contains("<h1>Calls</h1>"));
    // The same code and state again (a replayed callback) logs nobody in.
    let (status, body) = json_of(b.get(&back).send().await.unwrap()).await;
    assert_eq!(status, 400, "{body}");

    // A callback brought by another browser than the one that started (a planted login).
    let back = to_callback(&app, &browser(), "alice").await;
    let stranger = browser();
    let (status, body) = json_of(stranger.get(&back).send().await.unwrap()).await;
    assert_eq!(status, 400, "{body}");
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("did not start in this browser"));

    // An ID token meant for another client (signed by the provider's own key).
    let b = browser();
    let back = to_callback(&app, &b, "mallory").await;
    let (status, body) = json_of(b.get(&back).send().await.unwrap()).await;
    assert_eq!(status, 403, "{body}");
    let why = body["error"]["message"].as_str().unwrap().to_lowercase();
    assert!(why.contains("audience"), "{why}");
    assert_eq!(b.get(app.api("/me")).send().await.unwrap().status(), 401);

    // An email the provider has not verified, and one no account has.
    for (account, words) in [
        ("eve", "not verified"),
        ("nobody", "no switchboard account"),
    ] {
        let b = browser();
        let back = to_callback(&app, &b, account).await;
        let (status, body) = json_of(b.get(&back).send().await.unwrap()).await;
        assert_eq!(status, 403, "{account}: {body}");
        let why = body["error"]["message"].as_str().unwrap().to_lowercase();
        assert!(why.contains(words), "{account}: {why}");
        assert_eq!(b.get(app.api("/me")).send().await.unwrap().status(), 401);
    }

    // The audit trail has the login and the refusals.
    let (_, trail) = app.get("/audit?action=single sign-on").await;
    let actions: Vec<&str> = trail["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "single sign-on refused: no account",
            "single sign-on refused: email not verified",
            "single sign-on refused: invalid ID token",
            "login (single sign-on)",
            "login (single sign-on)",
        ],
        "{trail}"
    );
}

/// With `sso_only`, passwords no longer log anyone in; the provider still does.
async fn sso_only_refuses_passwords(mut app: TestApp) {
    let Some(p) = provider(&app).await else {
        return;
    };
    let role = switchboard_core::account::Role::Admin;
    app.account("Alice", "alice@example.com", None, role).await;
    let login = json!({"email": "alice@example.com", "password": crate::helpers::PASSWORD});
    assert_eq!(app.post("/login", login.clone()).await.0, 200);
    with_sso(&mut app, &p, true).await;
    let (status, body) = app.post("/login", login).await;
    assert_eq!(status, 403, "{body}");
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("single sign-on only"));
    let b = browser();
    let back = to_callback(&app, &b, "alice").await;
    let (status, body) = json_of(b.get(&back).send().await.unwrap()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["user"]["role"], "admin");
    let csrf = body["csrf_token"].as_str().unwrap();
    let r = b
        .request(Method::POST, app.api("/logout"))
        .header("x-csrf-token", csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
}

crate::on_both!(
    a_verified_email_logs_in_and_nothing_else_does,
    sso_only_refuses_passwords,
);
