//! Configuration as code: `switchboard export` writes the whole setup as one TOML file that
//! names things (users by email, everything else by name), never ids, and carries no secret,
//! only references to environment variables.

use crate::binary::bin;
use crate::helpers::{Backend, TestApp};
use serde_json::json;

const ALICE: &str = "+14155550101";
const BOB: &str = "+14155550102";
const SECRETS: [&str; 6] = [
    "line-auth-token",
    "4321",
    "2468",
    "hooks/slack-secret-path",
    "0123456789abcdef0123456789abcdef",
    "xoxb-not-a-real-token",
];

/// A setup with a bit of everything, made through the API.
pub(crate) async fn setup(app: &TestApp) {
    let alice = app.user("Alice", Some(ALICE)).await;
    let bob = app.user("Bob", Some(BOB)).await;
    let (status, _) = app
        .patch(
            &format!("/users/{alice}"),
            json!({ "callback_pin": "2468", "other_phones": [{"number": "+14155550111", "label": "desk"}] }),
        )
        .await;
    assert_eq!(status, 200);
    let (status, team) = app.post("/teams", json!({ "name": "Payments" })).await;
    assert_eq!(status, 201);
    let (status, _) = app
        .put(&format!("/teams/{}/members/{alice}", team["id"]), json!({}))
        .await;
    assert_eq!(status, 200);
    let (status, s) = app
        .post(
            "/schedules",
            json!({
                "name": "Primary", "time_zone": "Europe/Berlin", "team": team["id"],
                "layers": [{
                    "name": "daily", "participants": [alice, [alice, bob]],
                    "start": "2026-11-23T09:00", "shift": { "days": 1 },
                }],
                "overrides": [{ "user": bob, "start": "2026-12-01T09:00:00Z", "end": "2026-12-02T09:00:00Z" }],
            }),
        )
        .await;
    assert_eq!(status, 201, "{s}");
    let hook = format!("{}/hooks/slack-secret-path", app.url);
    let (status, ch) = app
        .post(
            "/channels",
            json!({ "name": "#oncall", "kind": "slack", "webhook_url": hook }),
        )
        .await;
    assert_eq!(status, 201, "{ch}");
    let (status, app_ch) = app
        .post(
            "/channels",
            json!({ "name": "#payments", "kind": "slack_app", "slack_channel": "C0123456789",
                    "webhook_url": format!("{}/slack-api", app.url),
                    "bot_token": "xoxb-not-a-real-token", "signing_secret": "8f742231b10e8888abcd99yyyzzz85a5" }),
        )
        .await;
    assert_eq!(status, 201, "{app_ch}");
    let (status, i) = app
        .post(
            "/integrations",
            json!({ "name": "PagerDuty", "kind": "webhook", "url": format!("{}/pd", app.url),
                    "secret": "whsec_MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTI=" }),
        )
        .await;
    assert_eq!(status, 201, "{i}");
    let line = app.line(&[bob]).await;
    let (status, body) = app
        .patch(
            &format!("/lines/{}", line["id"]),
            json!({
                "routing": { "steps": [{ "schedule": s["id"] }, { "user": bob }, { "users": [alice, bob] }], "ring_timeout_secs": 25 },
                "channels": [ch["id"], app_ch["id"]],
                "team": team["id"],
                "pins": [{ "label": "Acme", "pin": "4321" }],
                "business_hours": {
                    "time_zone": "Europe/Berlin",
                    "open": [{ "type": "daily", "start": "09:00", "end": "17:00" }],
                    "after_hours": { "action": "route", "steps": [{ "user": alice }] },
                },
                "menu": {
                    "prompt": { "text": "For payments, press 1.", "voice": null, "language": "en-US" },
                    "options": [{ "key": 1, "name": "Payments", "routing": { "steps": [{ "schedule_all": s["id"] }], "ring_timeout_secs": 20 } }],
                    "default_key": 1,
                },
            }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
}

pub(crate) fn export(app: &TestApp) -> (String, String) {
    let out = bin()
        .args(["export", "--database-url", app.db_url()])
        .output()
        .unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    );
    assert!(out.status.success(), "{stderr}");
    (stdout, stderr)
}

async fn the_export_names_everything_and_holds_no_secret(backend: Backend, test: &str) {
    let Some(app) = TestApp::spawn(backend, test).await else {
        return;
    };
    setup(&app).await;
    let (text, notes) = export(&app);
    for secret in SECRETS {
        assert!(
            !text.contains(secret),
            "the file holds a secret ({secret}):\n{text}"
        );
        assert!(
            !notes.contains(secret),
            "stderr shows a secret ({secret}):\n{notes}"
        );
    }
    let doc: toml::Table = text.parse().unwrap_or_else(|e| panic!("{e}\n{text}"));
    let at = |path: &str| -> toml::Value {
        path.split('.')
            .fold(toml::Value::Table(doc.clone()), |v, k| {
                match k.parse::<usize>() {
                    Ok(i) => v[i].clone(),
                    Err(_) => v
                        .get(k)
                        .cloned()
                        .unwrap_or_else(|| panic!("no {path} in\n{text}")),
                }
            })
    };
    let s = |x: &str| toml::Value::String(x.to_owned());
    let env = |x: &str| toml::Value::Table(toml::toml! { env = x });
    // People by email, everything else by name; no ids anywhere.
    let alice = s("alice@example.com");
    let bob = s("bob@example.com");
    assert_eq!(at("teams.0.name"), s("Payments"));
    assert_eq!(
        at("teams.0.members"),
        toml::Value::Array(vec![alice.clone()])
    );
    assert_eq!(at("users.0.email"), alice);
    assert_eq!(at("users.0.other_phones.0.label"), s("desk"));
    assert_eq!(
        at("users.0.callback_pin"),
        env("SWITCHBOARD_SECRET_USER_ALICE_EXAMPLE_COM_CALLBACK_PIN")
    );
    assert!(at("users.1").get("callback_pin").is_none(), "{text}");
    assert_eq!(at("schedules.0.team"), s("Payments"));
    assert_eq!(
        at("schedules.0.layers.0.participants"),
        toml::Value::Array(vec![
            alice.clone(),
            toml::Value::Array(vec![alice.clone(), bob.clone()])
        ])
    );
    assert_eq!(at("schedules.0.overrides.0.user"), bob);
    assert!(at("schedules.0.layers.0").get("id").is_none(), "{text}");
    assert_eq!(
        at("channels.0.webhook_url"),
        env("SWITCHBOARD_SECRET_CHANNEL_ONCALL_WEBHOOK_URL")
    );
    assert_eq!(at("channels.1.slack_channel"), s("C0123456789"));
    // A Slack app's API base is no secret.
    assert_eq!(
        at("channels.1.webhook_url"),
        s(&format!("{}/slack-api", app.url))
    );
    assert_eq!(
        at("integrations.0.secret"),
        env("SWITCHBOARD_SECRET_INTEGRATION_PAGERDUTY_SECRET")
    );
    let line = at("lines.0");
    assert_eq!(line["team"], s("Payments"));
    assert_eq!(
        line["auth_token"],
        env("SWITCHBOARD_SECRET_LINE_ENGINEERING_HOTLINE_AUTH_TOKEN")
    );
    let steps = toml::Value::try_from(json!([
        { "schedule": "Primary" }, { "user": "bob@example.com" }, { "users": ["alice@example.com", "bob@example.com"] }
    ]))
    .unwrap();
    assert_eq!(line["routing"]["steps"], steps);
    assert_eq!(line["routing"]["ring_timeout_secs"].as_integer(), Some(25));
    assert_eq!(
        line["business_hours"]["after_hours"]["steps"][0]["user"],
        alice
    );
    assert_eq!(
        line["menu"]["options"][0]["routing"]["steps"][0]["schedule_all"],
        s("Primary")
    );
    assert_eq!(
        line["channels"],
        toml::Value::try_from(json!(["#oncall", "#payments"])).unwrap()
    );
    assert_eq!(line["pins"][0]["label"], s("Acme"));
    assert_eq!(
        line["pins"][0]["pin"],
        env("SWITCHBOARD_SECRET_LINE_ENGINEERING_HOTLINE_PIN_ACME")
    );
    // Each variable the file refers to is named on stderr with what it holds.
    for var in [
        "SWITCHBOARD_SECRET_LINE_ENGINEERING_HOTLINE_AUTH_TOKEN  (the carrier auth token of line 'Engineering Hotline')",
        "SWITCHBOARD_SECRET_CHANNEL_PAYMENTS_BOT_TOKEN  (the Slack bot token of channel '#payments')",
        "SWITCHBOARD_SECRET_CHANNEL_PAYMENTS_SIGNING_SECRET",
        "SWITCHBOARD_SECRET_USER_ALICE_EXAMPLE_COM_CALLBACK_PIN",
    ] {
        assert!(notes.contains(var), "stderr does not name {var}:\n{notes}");
    }
    // The same setup exports to the same file.
    assert_eq!(export(&app).0, text);
    // And to a file with --out.
    let file = app.data_dir.path().join("setup.toml");
    let out = bin()
        .args(["export", "--database-url", app.db_url(), "--out"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(std::fs::read_to_string(&file).unwrap(), text);
}

#[tokio::test]
async fn the_export_names_everything_and_holds_no_secret_sqlite() {
    the_export_names_everything_and_holds_no_secret(Backend::Sqlite, "export_sqlite").await;
}

#[tokio::test]
async fn the_export_names_everything_and_holds_no_secret_postgres() {
    the_export_names_everything_and_holds_no_secret(Backend::Postgres, "export_postgres").await;
}
