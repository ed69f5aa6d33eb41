//! The OpenAPI document (`/api/v1/openapi.json`): it describes exactly the routes the router
//! serves, each with its answers and the one error envelope; the reference page rendered from
//! it works in a real browser; and `schemathesis` (PyPI), run against a live server with a
//! token for a bounded time, finds no 5xx and no answer that breaks the document.
//!
//! The schemathesis run needs `SWITCHBOARD_TEST_SCHEMATHESIS`, the `schemathesis` program of
//! a Python environment that also has `openapi-spec-validator` (`.ci/run` makes one).

use crate::helpers::{Backend, TestApp};
use serde_json::{json, Value};
use std::collections::BTreeSet;

const ALICE: &str = "+14155550101";
const BOB: &str = "+14155550102";

/// The (method, path) pairs the document describes.
fn documented(doc: &Value) -> BTreeSet<(String, String)> {
    doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .filter(|m| ["get", "put", "post", "patch", "delete"].contains(&m.as_str()))
                .map(move |m| (m.to_uppercase(), path.clone()))
        })
        .collect()
}

/// The (method, path) pairs the router serves, from the table it is built from.
fn routed() -> BTreeSet<(String, String)> {
    let (p, q) = (
        switchboard::api::routes::protected(),
        switchboard::api::routes::public(),
    );
    p.routes
        .iter()
        .chain(q.routes.iter())
        .map(|(m, path)| (m.to_string(), (*path).to_owned()))
        .collect()
}

async fn document(app: &TestApp) -> Value {
    // Open to anyone: no token.
    let r = app.http.get(app.api("/openapi.json")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/json");
    r.json().await.unwrap()
}

#[tokio::test]
async fn the_document_describes_exactly_the_routes_served() {
    let app = TestApp::spawn(Backend::Sqlite, "openapi_routes")
        .await
        .unwrap();
    let doc = document(&app).await;
    assert_eq!(doc["openapi"], "3.1.0");
    let (documented, routed) = (documented(&doc), routed());
    let missing: Vec<_> = routed.difference(&documented).collect();
    assert!(
        missing.is_empty(),
        "routed but not in the document: {missing:?}"
    );
    let unrouted: Vec<_> = documented.difference(&routed).collect();
    assert!(
        unrouted.is_empty(),
        "in the document but not routed: {unrouted:?}"
    );
    assert!(routed.len() > 80, "{} routes", routed.len());

    // And over HTTP: every documented operation reaches a handler (not the API's fallback,
    // which answers 404 "route not found", nor a 405).
    for (method, path) in &documented {
        let concrete = path
            .replace("{kind}", "welcome")
            .replace("/me/sessions/{id}", "/me/sessions/nosuchsession")
            .split('/')
            .map(|seg| if seg.starts_with('{') { "999999" } else { seg })
            .collect::<Vec<_>>()
            .join("/");
        let r = app
            .http
            .request(method.parse().unwrap(), app.api(&concrete))
            .bearer_auth(&app.token)
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        let body: Value = r.json().await.unwrap_or(Value::Null);
        assert_ne!(status, 405, "{method} {concrete}: {body}");
        assert_ne!(
            body["error"]["message"], "route not found",
            "{method} {concrete} is documented but not routed"
        );
    }
}

#[tokio::test]
async fn every_operation_says_its_answers_errors_and_who_may_call_it() {
    let app = TestApp::spawn(Backend::Sqlite, "openapi_shape")
        .await
        .unwrap();
    let doc = document(&app).await;
    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(schemes["bearer"]["scheme"], "bearer", "{schemes}");
    assert_eq!(schemes["session"]["in"], "cookie", "{schemes}");
    assert_eq!(schemes["session"]["name"], "sb_session", "{schemes}");
    let envelope = &doc["components"]["schemas"]["ErrorBody"];
    assert!(envelope["examples"].is_array(), "{envelope}");
    let public = ["/login", "/setup", "/sso/start", "/sso/callback"];
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let at = format!("{method} {path}");
            let answers = op["responses"].as_object().unwrap();
            assert!(
                answers
                    .keys()
                    .any(|s| s.starts_with('2') || s.starts_with('3')),
                "{at}: no success answer"
            );
            assert_eq!(
                answers["default"]["content"]["application/json"]["schema"]["$ref"],
                "#/components/schemas/ErrorBody",
                "{at}: errors are not the envelope"
            );
            assert!(
                op["tags"].as_array().is_some_and(|t| !t.is_empty()),
                "{at}: no tag"
            );
            // Public operations say so; every other one takes the document's default
            // (a bearer token or a session).
            let open = op["security"] == json!([{}]);
            assert_eq!(open, public.contains(&path.as_str()), "{at}: security");
            for p in op["parameters"].as_array().into_iter().flatten() {
                assert!(p["schema"].is_object(), "{at}: parameter {p} has no schema");
                assert!(
                    !p["example"].is_null(),
                    "{at}: parameter {p} has no example"
                );
            }
            if let Some(body) =
                op["requestBody"]["content"]["application/json"]["schema"]["$ref"].as_str()
            {
                let name = body.rsplit('/').next().unwrap();
                let schema = &doc["components"]["schemas"][name];
                assert!(
                    schema["examples"].as_array().is_some_and(|e| !e.is_empty()),
                    "{at}: the body {name} has no example"
                );
            }
        }
    }
    // Bodies name their schema, and every named schema is in the document.
    let text = doc.to_string();
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    for r in text.split("\"$ref\":\"#/components/schemas/").skip(1) {
        let name = &r[..r.find('"').unwrap()];
        assert!(
            schemas.contains_key(name),
            "{name} is referred to but not defined"
        );
    }
    let line = &doc["paths"]["/lines"]["post"];
    assert_eq!(
        line["requestBody"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/LineInput"
    );
    assert_eq!(
        line["responses"]["201"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/LineView"
    );
    // A view lists the fields the API answers with: a real line's keys are all there.
    let u = app.user("Alice", Some(ALICE)).await;
    let made = app.line(&[u]).await;
    let fields = schemas["LineView"]["properties"].as_object().unwrap();
    for key in made.as_object().unwrap().keys() {
        assert!(fields.contains_key(key), "LineView lacks '{key}'");
    }
    // And the document is valid OpenAPI 3.1, when a validator is here.
    if let Ok(st) = std::env::var("SWITCHBOARD_TEST_SCHEMATHESIS") {
        let validator = std::path::Path::new(&st).with_file_name("openapi-spec-validator");
        let file = app.data_dir.path().join("openapi.json");
        std::fs::write(&file, &text).unwrap();
        let out = std::process::Command::new(validator)
            .arg(&file)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[tokio::test]
async fn the_reference_page_shows_every_operation_in_a_browser() {
    let app = TestApp::spawn(Backend::Sqlite, "openapi_reference")
        .await
        .unwrap();
    let doc = document(&app).await;
    let ops = documented(&doc);
    // Open to anyone, and everything on it is served by Switchboard itself.
    let r = app.http.get(app.api("/reference")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let csp = r.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.contains("default-src 'none'"), "{csp}");
    let html = r.text().await.unwrap();
    for (method, path) in &ops {
        assert!(
            html.contains(&format!("<code>{method} {path}</code>")),
            "{method} {path} is not on the reference page"
        );
    }
    assert!(!html.contains("<script"), "the page runs no script");
    // The four operations open to anyone say so, and only they.
    assert_eq!(html.matches("Open to anyone").count(), 4, "{html}");
    crate::browser::run(
        "reference",
        json!({ "base": app.url, "operations": ops.len(), "shots": std::env::var("SWITCHBOARD_SCREENSHOTS").ok() }),
    )
    .await;
}

/// A little of everything, so that generated requests find things to read and change.
async fn seed(app: &TestApp) {
    let a = app.user("Alice", Some(ALICE)).await;
    let b = app.user("Bob", Some(BOB)).await;
    let line = app.line(&[a, b]).await;
    let (status, _) = app.post("/teams", json!({ "name": "Payments" })).await;
    assert_eq!(status, 201);
    let (status, s) = app
        .post(
            "/schedules",
            json!({
                "name": "Primary", "time_zone": "Europe/Berlin",
                "layers": [{
                    "name": "daily", "participants": [a, b],
                    "start": "2026-11-23T09:00", "shift": { "days": 1 },
                }],
            }),
        )
        .await;
    assert_eq!(status, 201, "{s}");
    let (status, i) = app
        .post("/incidents", json!({ "title": "Vendor reports a breach" }))
        .await;
    assert_eq!(status, 201, "{i}");
    let (_, call) = app.call(&app.spec(&line)).await;
    assert!(call["id"].is_i64(), "{call}");
}

async fn schemathesis(backend: Backend, test: &str) {
    let Ok(st) = std::env::var("SWITCHBOARD_TEST_SCHEMATHESIS") else {
        eprintln!("skipped: SWITCHBOARD_TEST_SCHEMATHESIS is not set (.ci/run sets it)");
        return;
    };
    let Some(app) = TestApp::spawn(backend, test).await else {
        return;
    };
    seed(&app).await;
    let operations = documented(&document(&app).await).len();
    let hooks = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tools/schemathesis");
    let secs = std::env::var("SWITCHBOARD_SCHEMATHESIS_SECS").unwrap_or_else(|_| "40".into());
    let out = tokio::process::Command::new(st)
        // It keeps a cache of what it found where it runs: there, not in the source tree.
        .current_dir(app.data_dir.path())
        .env("SCHEMATHESIS_HOOKS", "hooks")
        .env("PYTHONPATH", hooks)
        .env("NO_COLOR", "1")
        .args(["run", &app.api("/openapi.json")])
        .args(["--header", &format!("Authorization: Bearer {}", app.token)])
        // Every check but one: a request the document allows may still be refused (a 422
        // names what is wrong with it), which the document cannot always say ahead.
        .args([
            "--checks",
            "all",
            "--exclude-checks",
            "positive_data_acceptance",
        ])
        // Revoking its own token would end the run's access; applying a generated setup file
        // with prune could delete everything the other operations act on (planning one,
        // which reads the same files the same way, is run).
        .args(["--exclude-operation-id", "revoke_token"])
        .args(["--exclude-operation-id", "apply_configuration"])
        .args([
            "--max-time",
            &secs,
            "--workers",
            "1",
            "--request-timeout",
            "10",
        ])
        .output()
        .await
        .expect("schemathesis runs");
    let text = String::from_utf8_lossy(&out.stdout);
    eprintln!("{text}{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        out.status.success(),
        "schemathesis found answers that break the document (above)"
    );
    let tested = format!("Tested: {}", operations - 2);
    assert!(text.contains(&tested), "every operation but one was tested");
}

#[tokio::test]
async fn schemathesis_finds_no_server_error_and_no_answer_off_the_document_sqlite() {
    schemathesis(Backend::Sqlite, "schemathesis_sqlite").await;
}

#[tokio::test]
async fn schemathesis_finds_no_server_error_and_no_answer_off_the_document_postgres() {
    schemathesis(Backend::Postgres, "schemathesis_postgres").await;
}
