//! Incidents through the API and the calls that open them: a voicemail opens one by itself;
//! the caller's next call, answered, joins it and acknowledges it in the responder's name;
//! status only moves forward; notes, severity, assignment and links are on the timeline;
//! another team's incident is a 404. Both backends, both carriers.

use crate::helpers::TestApp;
use serde_json::{json, Value};
use switchboard_sim::{Responder, VoicemailScript};

const ALICE: &str = "+14155550101";

async fn incidents(app: &TestApp, query: &str) -> Vec<Value> {
    let (status, body) = app.get(&format!("/incidents{query}")).await;
    assert_eq!(status, 200, "{body}");
    body["incidents"].as_array().unwrap().clone()
}

async fn a_voicemail_opens_an_incident_and_the_callers_answered_call_acknowledges_it(app: TestApp) {
    let alice = app.user("Alice", Some(ALICE)).await;
    let line = app.line(&[alice]).await;
    assert_eq!(
        line["incidents"],
        json!({"open": "missed_and_voicemail", "repeat_window_mins": 60, "severity": "high"}),
        "the default policy"
    );
    // Nobody answers; the caller leaves a voicemail.
    let mut spec = app.spec(&line).responder(ALICE, Responder::NoAnswer);
    spec.caller.voicemail = VoicemailScript::Leave { secs: 20 };
    let (_, first) = app.call(&spec).await;
    assert_eq!(first["outcome"], "voicemail");
    let open = incidents(&app, "").await;
    assert_eq!(open.len(), 1, "{open:?}");
    let inc = &open[0];
    assert_eq!(inc["status"], "triggered");
    assert_eq!(
        inc["title"],
        format!(
            "Voicemail from +14155550199 on {}",
            line["name"].as_str().unwrap()
        )
    );
    let id = inc["id"].as_i64().unwrap();
    let (_, call) = app.get(&format!("/calls/{}", first["id"])).await;
    assert_eq!(
        call["incidents"][0]["id"], id,
        "the call names its incident"
    );

    // The same caller again; Alice answers: no second incident, it is acknowledged by her.
    let spec = app.spec(&line).responder(
        ALICE,
        Responder::Answer {
            after_secs: 3,
            talk_secs: 30,
        },
    );
    let (_, second) = app.call(&spec).await;
    assert_eq!(second["outcome"], "answered");
    let all = incidents(&app, "").await;
    assert_eq!(
        all.len(),
        1,
        "a repeat caller joins their open incident: {all:?}"
    );
    let (_, detail) = app.get(&format!("/incidents/{id}")).await;
    assert_eq!(detail["status"], "acknowledged");
    assert_eq!(
        detail["assignee"], alice,
        "the responder who answered has it"
    );
    let calls: Vec<&Value> = detail["calls"].as_array().unwrap().iter().collect();
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[0]["id"], second["id"], "newest first");
    let timeline: Vec<&str> = detail["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["message"].as_str().unwrap())
        .collect();
    assert_eq!(
        timeline[0],
        detail["title"]
            .as_str()
            .map(|t| format!("Opened: {t}"))
            .unwrap()
    );
    assert!(
        timeline
            .last()
            .unwrap()
            .starts_with("Acknowledged by Alice (answered call"),
        "{timeline:?}"
    );

    // Status only moves forward; resolving is on the timeline; filters see it.
    let (status, err) = app
        .patch(&format!("/incidents/{id}"), json!({"status": "triggered"}))
        .await;
    assert_eq!((status, &err["error"]["field"]), (422, &json!("status")));
    let (status, done) = app
        .patch(
            &format!("/incidents/{id}"),
            json!({"status": "resolved", "severity": "critical"}),
        )
        .await;
    assert_eq!(status, 200, "{done}");
    assert_eq!(
        (&done["status"], &done["severity"]),
        (&json!("resolved"), &json!("critical"))
    );
    let (_, audit) = app.get(&format!("/audit?target=incidents/{id}")).await;
    let entry = &audit["entries"][0];
    assert_eq!(entry["action"], "PATCH /api/v1/incidents/{id}", "{audit}");
    assert_eq!(
        (&entry["before"]["status"], &entry["after"]["status"]),
        (&json!("acknowledged"), &json!("resolved")),
        "the audit trail has the change: {entry}"
    );
    assert_eq!(incidents(&app, "?open=true").await.len(), 0);
    assert_eq!(incidents(&app, "?status=resolved").await.len(), 1);
    let (status, err) = app.get("/incidents?status=closed").await;
    assert_eq!((status, &err["error"]["field"]), (422, &json!("status")));

    // Once resolved, the caller's next missed call opens a new one.
    let spec = app.spec(&line).responder(ALICE, Responder::NoAnswer);
    let (_, third) = app.call(&spec).await;
    let newest = &incidents(&app, "?open=true").await;
    assert_eq!(newest.len(), 1);
    assert_ne!(newest[0]["id"], id);
    assert_eq!(third["outcome"], "voicemail");
}

async fn incidents_are_made_from_calls_changed_and_kept_to_their_team(app: TestApp) {
    let alice = app.user("Alice", Some(ALICE)).await;
    let line = app.line(&[alice]).await;
    let (status, _) = app
        .patch(
            &format!("/lines/{}", line["id"]),
            json!({"incidents": {"open": "never"}}),
        )
        .await;
    assert_eq!(status, 200);
    let spec = app.spec(&line).responder(ALICE, Responder::NoAnswer);
    let (_, call) = app.call(&spec).await;
    assert!(
        incidents(&app, "").await.is_empty(),
        "the line opens none by itself"
    );

    // From the call: titled from its caller and line, the call linked.
    let (status, inc) = app
        .post(&format!("/calls/{}/incident", call["id"]), json!({}))
        .await;
    assert_eq!(status, 201, "{inc}");
    assert_eq!(
        inc["title"],
        format!(
            "Call from +14155550199 to {}",
            line["name"].as_str().unwrap()
        )
    );
    let id = inc["id"].as_i64().unwrap();
    let path = format!("/incidents/{id}");
    let (status, _) = app
        .post(
            &format!("{path}/notes"),
            json!({"text": "Called back, left a message"}),
        )
        .await;
    assert_eq!(status, 201);
    let (status, err) = app
        .post(&format!("{path}/notes"), json!({"text": " "}))
        .await;
    assert_eq!((status, &err["error"]["field"]), (422, &json!("note")));
    let (status, _) = app.patch(&path, json!({"assignee": alice})).await;
    assert_eq!(status, 200);
    let (status, err) = app.patch(&path, json!({"assignee": 999_999})).await;
    assert_eq!((status, &err["error"]["field"]), (422, &json!("assignee")));
    let (status, err) = app.patch(&path, json!({"severity": "apocalyptic"})).await;
    assert_eq!((status, &err["error"]["field"]), (422, &json!("severity")));
    // Unlink and link again.
    let call_path = format!("{path}/calls/{}", call["id"]);
    assert_eq!(app.delete(&call_path).await, 200);
    let (_, detail) = app.get(&path).await;
    assert!(detail["calls"].as_array().unwrap().is_empty());
    let (status, _) = app.put(&call_path, json!({})).await;
    assert_eq!(status, 200);
    let (_, detail) = app.get(&path).await;
    let kinds: Vec<&str> = detail["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["opened", "linked", "note", "assigned", "unlinked", "linked"]
    );
    assert_eq!(detail["assignee"], alice);

    // A standalone incident needs a title; another team's incident is a 404.
    let (status, err) = app.post("/incidents", json!({"severity": "low"})).await;
    assert_eq!((status, &err["error"]["field"]), (422, &json!("title")));
    let (_, pay) = app.post("/teams", json!({"name": "Payments"})).await;
    let (status, theirs) = app
        .post(
            "/incidents",
            json!({"title": "Card payments failing", "team": pay["id"], "severity": "critical"}),
        )
        .await;
    assert_eq!(status, 201, "{theirs}");
    let (_, ops) = app.post("/teams", json!({"name": "Ops"})).await;
    let max = app
        .account(
            "Max",
            "max@example.com",
            None,
            switchboard_core::account::Role::Member,
        )
        .await;
    let (status, _) = app
        .put(&format!("/teams/{}/members/{max}", ops["id"]), json!({}))
        .await;
    assert_eq!(status, 200);
    let token = switchboard::api::new_token();
    app.store
        .create_api_token(
            &switchboard_core::store::NewApiToken {
                name: "Max's".into(),
                user_id: Some(switchboard_core::UserId(max)),
                read_only: false,
                expires_at: None,
            },
            &switchboard::api::hash_token(&token),
            jiff::Timestamp::now(),
        )
        .await
        .unwrap();
    let as_max = |method: reqwest::Method, path: String| {
        app.http
            .request(method, app.api(&path))
            .bearer_auth(&token)
            .json(&json!({"status": "resolved"}))
            .send()
    };
    let r = as_max(reqwest::Method::GET, format!("/incidents/{}", theirs["id"]))
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let r = as_max(
        reqwest::Method::PATCH,
        format!("/incidents/{}", theirs["id"]),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 404);
    let r = as_max(reqwest::Method::GET, "/incidents".into())
        .await
        .unwrap();
    let list: Value = r.json().await.unwrap();
    assert_eq!(
        list["incidents"],
        json!([]),
        "Max sees none of Payments' incidents"
    );
    let (_, still) = app.get(&format!("/incidents/{}", theirs["id"])).await;
    assert_eq!(
        still["status"], "triggered",
        "the refused change changed nothing"
    );
}

crate::on_all!(
    a_voicemail_opens_an_incident_and_the_callers_answered_call_acknowledges_it,
    incidents_are_made_from_calls_changed_and_kept_to_their_team,
);
