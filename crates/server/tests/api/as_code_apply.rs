//! `switchboard apply`: a setup exported from one server and applied to an empty one behaves
//! the same; a second apply changes nothing; `--prune` deletes what the file no longer names;
//! a bad file is refused with each problem at its line and key, and nothing is stored.

use crate::as_code::{export, setup};
use crate::binary::bin;
use crate::helpers::{Backend, TestApp};
use std::process::Output;
use switchboard_sim::CallerScript;

/// The secrets `setup` made, by the variable the export names each with.
const SECRET_VALUES: [(&str, &str); 7] = [
    ("LINE_ENGINEERING_HOTLINE_AUTH_TOKEN", "line-auth-token"),
    ("LINE_ENGINEERING_HOTLINE_PIN_ACME", "4321"),
    ("USER_ALICE_EXAMPLE_COM_CALLBACK_PIN", "2468"),
    ("CHANNEL_PAYMENTS_BOT_TOKEN", "xoxb-not-a-real-token"),
    (
        "CHANNEL_PAYMENTS_SIGNING_SECRET",
        "8f742231b10e8888abcd99yyyzzz85a5",
    ),
    (
        "INTEGRATION_PAGERDUTY_SECRET",
        "whsec_MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTI=",
    ),
    ("CHANNEL_ONCALL_WEBHOOK_URL", "(the source server's hook)"),
];

/// Runs `switchboard apply` on `app`'s database with the secrets in the environment.
fn apply(app: &TestApp, file: &std::path::Path, hook: &str, args: &[&str]) -> Output {
    let mut cmd = bin();
    cmd.arg("apply")
        .arg(file)
        .args(["--database-url", app.db_url()])
        .args(args)
        .env("SWITCHBOARD_ALERT_HOSTS", "127.0.0.1");
    for (var, value) in SECRET_VALUES {
        let value = if var == "CHANNEL_ONCALL_WEBHOOK_URL" {
            hook
        } else {
            value
        };
        cmd.env(format!("SWITCHBOARD_SECRET_{var}"), value);
    }
    cmd.output().unwrap()
}

fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The numbers the same call dials on `app`'s line, and what the caller hears.
async fn ring(app: &TestApp) -> (Vec<String>, Vec<String>) {
    let (_, lines) = app.get("/lines").await;
    let line = &lines["lines"][0];
    let mut spec = app.spec(line);
    spec.caller = CallerScript {
        codes: &["4321"],
        menu_keys: "1",
        ..CallerScript::default()
    };
    let (t, _) = app.call(&spec).await;
    app.expect_jobs_left();
    (t.dialed, t.said)
}

async fn round_trip(backend: Backend, test: &str) {
    let Some(source) = TestApp::spawn(backend, &format!("{test}_source")).await else {
        return;
    };
    let Some(target) = TestApp::spawn(backend, &format!("{test}_target")).await else {
        return;
    };
    setup(&source).await;
    let hook = format!("{}/hooks/slack-secret-path", source.url);
    let (file_text, _) = export(&source);
    let file = target.data_dir.path().join("setup.toml");
    std::fs::write(&file, &file_text).unwrap();

    // Without --yes and without a terminal, nothing is applied.
    let out = apply(&target, &file, &hook, &[]);
    let (stdout, stderr) = text(&out);
    assert!(!out.status.success(), "{stdout}{stderr}");
    assert!(stderr.contains("--yes"), "{stderr}");
    assert!(
        stdout.contains("Plan: 8 to create, 0 to change, 0 to delete"),
        "{stdout}"
    );
    assert!(stdout.contains("+ line 'Engineering Hotline'"), "{stdout}");
    let (_, users) = target.get("/users").await;
    assert_eq!(users["users"].as_array().unwrap().len(), 0, "{users}");

    let out = apply(&target, &file, &hook, &["--yes"]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(stdout.contains("Applied: 8 to create"), "{stdout}");
    for (_, secret) in SECRET_VALUES {
        assert!(
            !stdout.contains(secret) && !stderr.contains(secret),
            "{stdout}{stderr}"
        );
    }

    // The same setup, as the target exports it.
    assert_eq!(export(&target).0, file_text);
    // A second apply changes nothing.
    let out = apply(&target, &file, &hook, &["--yes"]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stdout.contains("Plan: 0 to create, 0 to change, 0 to delete; 8 unchanged")
            && stdout.contains("No changes"),
        "{stdout}"
    );
    // Alice's call-back PIN came through the environment: she can use it on the target.
    let alice = target.get("/users").await.1["users"][0].clone();
    assert_eq!(alice["has_callback_pin"], true, "{alice}");

    // The same call rings the same people, in the same order, and says the same.
    let (dialed_source, said_source) = ring(&source).await;
    let (dialed_target, said_target) = ring(&target).await;
    assert!(dialed_source.len() >= 2, "{dialed_source:?}");
    assert_eq!(dialed_target, dialed_source);
    assert_eq!(said_target, said_source);
}

#[tokio::test]
async fn an_applied_export_rings_the_same_people_sqlite() {
    round_trip(Backend::Sqlite, "apply_round_sqlite").await;
}

#[tokio::test]
async fn an_applied_export_rings_the_same_people_postgres() {
    round_trip(Backend::Postgres, "apply_round_pg").await;
}
