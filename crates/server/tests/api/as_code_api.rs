//! The setup file through the API: `GET /configuration` is the export, `POST
//! /configuration/plan` changes nothing, `POST /configuration/apply` writes the plan in one
//! transaction and is audited; owners only.

use crate::as_code::{export, setup};
use crate::helpers::{Backend, TestApp};
use serde_json::{json, Value};
use switchboard_core::account::Role;

async fn post_as(app: &TestApp, token: &str, path: &str, body: Value) -> (u16, Value) {
    let r = app
        .http
        .post(app.api(path))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

async fn the_api_plans_and_applies_a_file(backend: Backend, test: &str) {
    let Some(source) = TestApp::spawn(backend, &format!("{test}_s")).await else {
        return;
    };
    let Some(target) = TestApp::spawn(backend, &format!("{test}_t")).await else {
        return;
    };
    setup(&source).await;
    let r = source
        .http
        .get(source.api("/configuration"))
        .bearer_auth(&source.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/toml");
    let file = r.text().await.unwrap();
    assert_eq!(
        file,
        export(&source).0,
        "the API exports what the command does"
    );

    let secrets = json!({
        "SWITCHBOARD_SECRET_LINE_ENGINEERING_HOTLINE_AUTH_TOKEN": "line-auth-token",
        "SWITCHBOARD_SECRET_LINE_ENGINEERING_HOTLINE_PIN_ACME": "4321",
        "SWITCHBOARD_SECRET_USER_ALICE_EXAMPLE_COM_CALLBACK_PIN": "2468",
        "SWITCHBOARD_SECRET_CHANNEL_PAYMENTS_BOT_TOKEN": "xoxb-not-a-real-token",
        "SWITCHBOARD_SECRET_CHANNEL_PAYMENTS_SIGNING_SECRET": "8f742231b10e8888abcd99yyyzzz85a5",
        "SWITCHBOARD_SECRET_INTEGRATION_PAGERDUTY_SECRET": "whsec_MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTI=",
        "SWITCHBOARD_SECRET_CHANNEL_ONCALL_WEBHOOK_URL": format!("{}/hooks/slack-secret-path", source.url),
    });
    let body = json!({ "file": file, "secrets": secrets });

    // Admins may not: the file can make owners and delete anyone.
    let admin = crate::teams::person(&target, "Ada", Role::Admin, &[])
        .await
        .token;
    let (status, err) = post_as(&target, &admin, "/configuration/plan", body.clone()).await;
    assert_eq!(status, 403, "{err}");

    // A secret the request does not give: 422 naming the variable and its line.
    let mut short = body.clone();
    short["secrets"]
        .as_object_mut()
        .unwrap()
        .remove("SWITCHBOARD_SECRET_LINE_ENGINEERING_HOTLINE_PIN_ACME");
    let (status, err) = target.post("/configuration/plan", short).await;
    assert_eq!(status, 422, "{err}");
    let message = err["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("SWITCHBOARD_SECRET_LINE_ENGINEERING_HOTLINE_PIN_ACME is not set")
            && message.contains("line "),
        "{message}"
    );
    assert_eq!(err["error"]["field"], "file: lines[0].pins[0].pin", "{err}");

    let (status, plan) = target.post("/configuration/plan", body.clone()).await;
    assert_eq!(status, 200, "{plan}");
    let items = plan["items"].as_array().unwrap();
    assert_eq!(items.len(), 8, "{plan}");
    assert!(items.iter().all(|i| i["action"] == "create"), "{plan}");
    assert!(items
        .iter()
        .any(|i| i["kind"] == "line" && i["name"] == "Engineering Hotline"));
    // The admin made above is not in the file: kept, and listed.
    assert_eq!(
        plan["not_in_file"],
        json!(["user 'ada@example.com'"]),
        "{plan}"
    );
    let (_, lines) = target.get("/lines").await;
    assert!(
        lines["lines"].as_array().unwrap().is_empty(),
        "a plan changes nothing"
    );

    let (status, applied) = target.post("/configuration/apply", body.clone()).await;
    assert_eq!(status, 200, "{applied}");
    assert_eq!(applied["items"], plan["items"]);
    let (_, lines) = target.get("/lines").await;
    assert_eq!(lines["lines"][0]["name"], "Engineering Hotline");
    let (status, again) = target.post("/configuration/apply", body).await;
    assert_eq!(status, 200);
    assert_eq!(again["items"], json!([]), "{again}");
    assert_eq!(again["unchanged"], 8);

    // The trail has each apply with its plan, and no secret.
    let (_, audit) = target.get("/audit?limit=100").await;
    let entries = audit["entries"].as_array().unwrap();
    let applies: Vec<&Value> = entries
        .iter()
        .filter(|e| e["action"] == "POST /api/v1/configuration/apply")
        .collect();
    assert_eq!(applies.len(), 2, "{audit}");
    assert!(applies
        .iter()
        .any(|e| e["after"]["items"].as_array().is_some_and(|i| i.len() == 8)));
    // A plan changes nothing: only the refused ones (by whom, why) are on the trail.
    assert!(!entries
        .iter()
        .any(|e| e["action"] == "POST /api/v1/configuration/plan" && e["status"] == 200));
    let trail = audit.to_string();
    for secret in ["line-auth-token", "xoxb-not-a-real-token", "4321", "whsec_"] {
        assert!(!trail.contains(secret), "the trail holds {secret}");
    }
}

#[tokio::test]
async fn the_api_plans_and_applies_a_file_sqlite() {
    the_api_plans_and_applies_a_file(Backend::Sqlite, "apply_api_sqlite").await;
}

#[tokio::test]
async fn the_api_plans_and_applies_a_file_postgres() {
    the_api_plans_and_applies_a_file(Backend::Postgres, "apply_api_pg").await;
}
