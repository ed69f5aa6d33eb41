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

async fn changes_are_planned_by_field_and_prune_deletes(backend: Backend, test: &str) {
    let Some(app) = TestApp::spawn(backend, test).await else {
        return;
    };
    setup(&app).await;
    let hook = format!("{}/hooks/slack-secret-path", app.url);
    let (_, lines) = app.get("/lines").await;
    let id = lines["lines"][0]["id"].as_i64().unwrap();
    // A recording uploaded for the welcome: the file cannot carry it, and applying keeps it.
    let r = app
        .http
        .put(app.api(&format!("/lines/{id}/messages/welcome/audio")))
        .bearer_auth(&app.token)
        .header("content-type", "audio/wav")
        .body(switchboard_sim::media::wav(1))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // A layer with an id other than the one a fresh numbering would give it.
    let (_, schedules) = app.get("/schedules").await;
    let sid = schedules["schedules"][0]["id"].as_i64().unwrap();
    let layer = schedules["schedules"][0]["layers"][0].clone();
    let (status, body) = app
        .post(&format!("/schedules/{sid}/layers"), layer.clone())
        .await;
    assert_eq!(status, 201, "{body}");
    let first = layer["id"].as_i64().unwrap();
    assert_eq!(
        app.delete(&format!("/schedules/{sid}/layers/{first}"))
            .await,
        200
    );
    let (exported, notes) = export(&app);
    assert!(notes.contains("uploaded recording"), "{notes}");
    let file = app.data_dir.path().join("setup.toml");
    // Only what was chosen is written: the default messages, recording and voicemail length
    // are left out (and left out means the default when applied).
    for default in [
        "voicemail_max_secs",
        "recording = true",
        "Please hold while",
        "role = \"member\"",
    ] {
        assert!(!exported.contains(default), "{default} in\n{exported}");
    }
    // The file as exported changes nothing, the recording included.
    std::fs::write(&file, &exported).unwrap();
    let (stdout, stderr) = text(&apply(&app, &file, &hook, &["--yes"]));
    assert!(stdout.contains("No changes"), "{stdout}{stderr}");

    let (_, schedules) = app.get("/schedules").await;
    let layers_before = schedules["schedules"][0]["layers"].clone();
    assert_ne!(layers_before[0]["id"], first, "{layers_before}");
    // Edited: a longer ring, a new welcome text, Bob's phone, a longer override, a new team;
    // no integration.
    assert!(exported.contains("2026-12-02T09:00:00Z"), "{exported}");
    let edited = exported
        .replace("2026-12-02T09:00:00Z", "2026-12-03T09:00:00Z")
        .replace("ring_timeout_secs = 25", "ring_timeout_secs = 30")
        .replace(
            "[[lines]]\n",
            "[[lines]]\nmessages = { welcome = { text = \"Thanks for calling. Please hold.\" } }\n",
        )
        .replace("+14155550102", "+14155550122");
    let start = edited.find("[[integrations]]").unwrap();
    let end = edited[start..].find("[[lines]]").unwrap() + start;
    let edited = format!(
        "{}{}\n[[teams]]\nname = \"Security\"\nmembers = [\"bob@example.com\"]\n",
        &edited[..start],
        &edited[end..]
    );
    assert_ne!(edited, exported, "the edit took");
    std::fs::write(&file, &edited).unwrap();
    let (stdout, stderr) = text(&apply(&app, &file, &hook, &["--plan"]));
    for want in [
        "Plan: 1 to create, 3 to change, 0 to delete",
        "~ schedule 'Primary': overrides",
        "+ team 'Security'",
        "~ user 'bob@example.com': phone",
        "~ line 'Engineering Hotline': routing, messages",
        "Stored but not in the file, left as they are (--prune deletes them):\n  integration 'PagerDuty'",
    ] {
        assert!(stdout.contains(want), "no {want:?} in\n{stdout}{stderr}");
    }
    let (_, teams) = app.get("/teams").await;
    assert_eq!(
        teams["teams"].as_array().unwrap().len(),
        1,
        "--plan changed nothing"
    );

    let out = apply(&app, &file, &hook, &["--yes"]);
    assert!(out.status.success(), "{:?}", text(&out));
    let (_, line) = app.get(&format!("/lines/{id}")).await;
    assert_eq!(line["routing"]["ring_timeout_secs"], 30, "{line}");
    assert!(
        line["messages"]["welcome"]["text"]
            .as_str()
            .unwrap()
            .starts_with("Thanks for calling"),
        "{line}"
    );
    assert!(
        line["messages"]["welcome"]["audio_url"].is_string(),
        "the uploaded recording is kept: {line}"
    );
    let (_, integrations) = app.get("/integrations").await;
    assert_eq!(integrations["integrations"].as_array().unwrap().len(), 1);
    // The layers the file did not change keep their ids.
    let (_, schedules) = app.get("/schedules").await;
    let after = &schedules["schedules"][0];
    assert_eq!(after["layers"], layers_before);
    assert_eq!(
        after["overrides"][0]["end"], "2026-12-03T09:00:00Z",
        "{after}"
    );

    let (stdout, _) = text(&apply(&app, &file, &hook, &["--yes", "--prune"]));
    assert!(
        stdout.contains("0 to create, 0 to change, 1 to delete")
            && stdout.contains("- integration 'PagerDuty'"),
        "{stdout}"
    );
    let (_, integrations) = app.get("/integrations").await;
    assert_eq!(integrations["integrations"].as_array().unwrap().len(), 0);
    let (_, teams) = app.get("/teams").await;
    let security = teams["teams"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "Security")
        .unwrap()
        .clone();
    assert_eq!(
        security["members"].as_array().unwrap().len(),
        1,
        "{security}"
    );
}

#[tokio::test]
async fn changes_are_planned_by_field_and_prune_deletes_sqlite() {
    changes_are_planned_by_field_and_prune_deletes(Backend::Sqlite, "apply_change_sqlite").await;
}

#[tokio::test]
async fn changes_are_planned_by_field_and_prune_deletes_postgres() {
    changes_are_planned_by_field_and_prune_deletes(Backend::Postgres, "apply_change_pg").await;
}

const BAD: &str = r##"[[users]]
email = "carol@example.com"
name = "Carol"
phone = "555-0100"

[[schedules]]
name = "Night"
time_zone = "Mars/Olympus"

[[lines]]
name = "Broken"
number = "+14155550177"
provider = "twilio"
auth_token = { env = "SWITCHBOARD_SECRET_NOT_SET_ANYWHERE" }
routing = { steps = [{ user = "nobody@example.com" }] }

[[lines]]
name = "Broken"
number = "+14155550178"
provider = "twilio"
routing = { steps = [] }

[[channels]]
name = "#x"
kind = "carrier-pigeon"

[[channels]]
name = "#y"
kind = "slack"
webhook_url = { env = "SWITCHBOARD_SECRET_NOT_SET_EITHER" }

[lunch]
when = "noon"
"##;

#[tokio::test]
async fn a_bad_file_names_each_problem_at_its_line_and_stores_nothing() {
    let Some(app) = TestApp::spawn(Backend::Sqlite, "apply_bad").await else {
        return;
    };
    let before = app.user("Dana", Some("+14155550133")).await;
    let file = app.data_dir.path().join("bad.toml");
    std::fs::write(&file, BAD).unwrap();
    let out = apply(&app, &file, "", &["--yes"]);
    let (stdout, stderr) = text(&out);
    assert!(!out.status.success(), "{stdout}");
    let f = file.display().to_string();
    for want in [
        format!("{f}:4: users[0].phone:"),
        format!("{f}:8: schedules[0].time_zone:"),
        format!("{f}:14: lines[0].auth_token: the environment variable SWITCHBOARD_SECRET_NOT_SET_ANYWHERE is not set"),
        format!("{f}:15: lines[0].routing.steps[0].user: no user has the email 'nobody@example.com'"),
        format!("{f}:18: lines[1].name: 'Broken' is in the file twice (first on line 11)"),
        format!("{f}:25: channels[0].kind: 'carrier-pigeon' is not one of"),
        format!("{f}:30: channels[1].webhook_url: the environment variable SWITCHBOARD_SECRET_NOT_SET_EITHER is not set"),
        format!("{f}:32: lunch: is not a section of a setup file"),
        "nothing was changed".to_owned(),
    ] {
        assert!(stderr.contains(&want), "no {want:?} in\n{stderr}");
    }
    // Each problem once: the unknown email is not reported again as a wrong type.
    assert_eq!(stderr.matches("lines[0].routing").count(), 1, "{stderr}");
    // Nor an unset secret as a table where a string was expected.
    assert_eq!(stderr.matches("channels[1]").count(), 1, "{stderr}");
    let (_, users) = app.get("/users").await;
    assert_eq!(users["users"].as_array().unwrap().len(), 1);
    assert_eq!(users["users"][0]["id"], before);
    let (_, lines) = app.get("/lines").await;
    assert!(lines["lines"].as_array().unwrap().is_empty());

    // A syntax error: where the parser found it (an array left open: the file's end).
    std::fs::write(&file, "[[teams]]\nname = \"A\"\nmembers = [\"x\"\n").unwrap();
    let (_, stderr) = text(&apply(&app, &file, "", &["--yes"]));
    assert!(
        stderr.contains(&format!("{f}:4: invalid array")),
        "{stderr}"
    );
}
