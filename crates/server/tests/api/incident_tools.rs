//! Incidents told to the tools teams already use, through local stand-ins that answer as
//! the services document (`switchboard_sim::services`): PagerDuty's Events API v2,
//! incident.io's HTTP alert source, a Standard Webhooks receiver. A missed call triggers
//! each once; the caller's answered call acknowledges; resolving in Switchboard resolves
//! downstream; a receiver that is down gets every event once it is back, in order; a
//! rate-limited one is retried when it says; a refused one fails visibly.

use crate::helpers::{NowTs, TestApp};
use serde_json::{json, Value};
use std::sync::Arc;
use switchboard_sim::services::{Kind, Service};
use switchboard_sim::{Responder, VoicemailScript};

const ALICE: &str = "+14155550101";
const ROUTING_KEY: &str = "0123456789abcdef0123456789abcdef";
const SOURCE: &str = "01HZZZZZZZZZZZZZZZZZZZZZZZ";
const TOKEN: &str = "incident_io_alert_source_token_test";

async fn integration(app: &TestApp, body: Value) -> Value {
    let (status, made) = app.post("/integrations", body).await;
    assert_eq!(status, 201, "{made}");
    made
}

/// The three stand-ins, each configured in Switchboard.
async fn tools(app: &TestApp) -> (Service, Service, Service) {
    let pd = Service::start(Kind::Pagerduty).await.unwrap();
    integration(
        app,
        json!({"name": "PagerDuty", "kind": "pagerduty", "url": pd.url, "secret": ROUTING_KEY}),
    )
    .await;
    let io = Service::start(Kind::IncidentIo {
        source: SOURCE.into(),
        token: TOKEN.into(),
    })
    .await
    .unwrap();
    integration(
        app,
        json!({"name": "incident.io", "kind": "incident_io", "url": io.url, "secret": TOKEN}),
    )
    .await;
    // A webhook's signing secret is made by Switchboard when left out, and shown once.
    let made = integration(
        app,
        json!({"name": "Our bot", "kind": "webhook", "url": "http://127.0.0.1:9/hooks/switchboard"}),
    )
    .await;
    let secret = made["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"), "{made}");
    let (_, listed) = app.get("/integrations").await;
    assert!(
        !listed.to_string().contains(&secret) && !listed.to_string().contains(ROUTING_KEY),
        "secrets are never shown again: {listed}"
    );
    let hook = Service::start(Kind::Webhook {
        key: switchboard_core::incident::integration::webhook_key(&secret).unwrap(),
        clock: Arc::new(app.clock.clone()),
    })
    .await
    .unwrap();
    let id = made["id"].as_i64().unwrap();
    assert_eq!(app.delete(&format!("/integrations/{id}")).await, 204);
    integration(
        app,
        json!({"name": "Our bot", "kind": "webhook", "url": hook.url, "secret": secret}),
    )
    .await;
    (pd, io, hook)
}

fn actions(events: &[Value], field: &str) -> Vec<String> {
    events
        .iter()
        .map(|e| e[field].as_str().unwrap_or("").to_owned())
        .collect()
}

async fn a_missed_call_triggers_every_tool_once_and_they_follow_the_incident(app: TestApp) {
    let (pd, io, hook) = tools(&app).await;
    let alice = app.user("Alice", Some(ALICE)).await;
    let line = app.line(&[alice]).await;
    let mut spec = app.spec(&line).responder(ALICE, Responder::NoAnswer);
    spec.caller.voicemail = VoicemailScript::Leave { secs: 10 };
    app.call(&spec).await;
    app.settle().await;
    // Settling again sends nothing more: each event goes once.
    app.settle().await;
    let (_, list) = app.get("/incidents").await;
    let id = list["incidents"][0]["id"].as_i64().unwrap();
    let key = format!("switchboard-incident-{id}");
    assert_eq!(actions(&pd.accepted(), "event_action"), ["trigger"]);
    let trigger = &pd.accepted()[0];
    assert_eq!(trigger["dedup_key"], key);
    assert_eq!(
        trigger["payload"]["severity"], "error",
        "high is PagerDuty's error"
    );
    assert!(trigger["links"][0]["href"]
        .as_str()
        .unwrap()
        .ends_with(&format!("/incidents/{id}")));
    assert_eq!(pd.alert(&key).as_deref(), Some("triggered"));
    assert_eq!(actions(&io.accepted(), "status"), ["firing"]);
    assert_eq!(io.accepted()[0]["deduplication_key"], key);
    assert_eq!(actions(&hook.accepted(), "type"), ["incident.triggered"]);

    // The caller again, answered by Alice: acknowledged downstream too.
    let spec = app.spec(&line).responder(
        ALICE,
        Responder::Answer {
            after_secs: 2,
            talk_secs: 20,
        },
    );
    app.call(&spec).await;
    app.settle().await;
    assert_eq!(pd.alert(&key).as_deref(), Some("acknowledged"));
    assert_eq!(
        actions(&hook.accepted(), "type"),
        ["incident.triggered", "incident.acknowledged"]
    );

    // Resolved in Switchboard: resolved everywhere.
    let (status, _) = app
        .patch(&format!("/incidents/{id}"), json!({"status": "resolved"}))
        .await;
    assert_eq!(status, 200);
    app.settle().await;
    assert_eq!(
        actions(&pd.accepted(), "event_action"),
        ["trigger", "acknowledge", "resolve"]
    );
    assert_eq!(pd.alert(&key).as_deref(), Some("resolved"));
    assert_eq!(
        actions(&io.accepted(), "status"),
        ["firing", "firing", "resolved"]
    );
    assert_eq!(
        actions(&hook.accepted(), "type"),
        [
            "incident.triggered",
            "incident.acknowledged",
            "incident.resolved"
        ]
    );
    assert!(pd.refused().is_empty() && io.refused().is_empty() && hook.refused().is_empty());
    let (_, detail) = app.get(&format!("/incidents/{id}")).await;
    let states: Vec<&str> = detail["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["status"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["done"; 9], "{detail}");
}

async fn a_receiver_that_is_down_gets_every_event_in_order_once_it_is_back(app: TestApp) {
    let (mut pd, io, hook) = tools(&app).await;
    pd.stop().await;
    let (_, inc) = app
        .post(
            "/incidents",
            json!({"title": "Card payments failing", "severity": "critical"}),
        )
        .await;
    let path = format!("/incidents/{}", inc["id"]);
    app.patch(&path, json!({"status": "acknowledged"})).await;
    app.patch(&path, json!({"status": "resolved"})).await;
    app.settle().await;
    // The others have all three; PagerDuty has nothing, and its later events wait behind
    // the first, which retries.
    assert_eq!(io.accepted().len(), 3);
    assert_eq!(hook.accepted().len(), 3);
    assert!(pd.accepted().is_empty());
    let (_, detail) = app.get(&path).await;
    let pd_id = detail["deliveries"][0]["integration"].clone();
    let pd_jobs: Vec<&Value> = detail["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["integration"] == pd_id)
        .collect();
    assert_eq!(pd_jobs[0]["status"], "queued");
    assert!(
        pd_jobs[0]["last_error"]
            .as_str()
            .unwrap()
            .starts_with("could not reach pagerduty"),
        "{detail}"
    );
    assert_eq!(
        pd_jobs[1]["attempts"], 0,
        "the acknowledge waits for the trigger"
    );

    // Back, and later: every event, in order, once.
    pd.restart().await.unwrap();
    for _ in 0..3 {
        app.clock.advance_secs(600);
        app.settle().await;
    }
    assert_eq!(
        actions(&pd.accepted(), "event_action"),
        ["trigger", "acknowledge", "resolve"]
    );
    assert_eq!(
        pd.alert(&format!("switchboard-incident-{}", inc["id"]))
            .as_deref(),
        Some("resolved")
    );

    // Rate limited: nothing is sent again before the time PagerDuty asked for.
    pd.answer_next(429, Some("120"), 1);
    let (_, second) = app
        .post("/incidents", json!({"title": "Second", "severity": "low"}))
        .await;
    app.settle().await;
    assert_eq!(pd.scripted(), 1);
    app.clock.advance_secs(119);
    app.settle().await;
    assert_eq!(pd.accepted().len(), 3, "not before Retry-After");
    app.clock.advance_secs(2);
    app.settle().await;
    assert_eq!(pd.accepted().len(), 4);
    assert_eq!(pd.accepted()[3]["payload"]["severity"], "info");
    assert_eq!(
        pd.accepted()[3]["dedup_key"],
        format!("switchboard-incident-{}", second["id"])
    );
}

async fn a_refused_event_fails_visibly_and_does_not_hold_the_next(app: TestApp) {
    let io = Service::start(Kind::IncidentIo {
        source: SOURCE.into(),
        token: TOKEN.into(),
    })
    .await
    .unwrap();
    // A wrong token: incident.io answers 401; retrying would not help.
    integration(
        &app,
        json!({"name": "incident.io", "kind": "incident_io", "url": io.url, "secret": "wrong-token"}),
    )
    .await;
    let (_, inc) = app
        .post("/incidents", json!({"title": "Vendor reports a breach"}))
        .await;
    let path = format!("/incidents/{}", inc["id"]);
    app.patch(&path, json!({"status": "resolved"})).await;
    app.settle().await;
    let (_, detail) = app.get(&path).await;
    let d = detail["deliveries"].as_array().unwrap();
    assert_eq!(d.len(), 2);
    for job in d {
        assert_eq!(job["status"], "failed", "{detail}");
        assert_eq!(job["attempts"], 1, "not retried");
        assert!(
            job["last_error"]
                .as_str()
                .unwrap()
                .starts_with("incident_io answered HTTP 401: Invalid token"),
            "{job}"
        );
        assert!(
            !job.to_string().contains("wrong-token"),
            "no secret in the error"
        );
    }
    assert_eq!(io.refused().len(), 2);

    // PagerDuty calls an event invalid (400): given up at once, with its reason; incident.io
    // rate-limits with an HTTP date: nothing is sent again before it; a webhook receiver
    // that is gone (410) is given up.
    let pd = Service::start(Kind::Pagerduty).await.unwrap();
    integration(
        &app,
        json!({"name": "PD", "kind": "pagerduty", "url": pd.url, "secret": ROUTING_KEY}),
    )
    .await;
    let io2 = Service::start(Kind::IncidentIo {
        source: SOURCE.into(),
        token: TOKEN.into(),
    })
    .await
    .unwrap();
    integration(
        &app,
        json!({"name": "incident.io 2", "kind": "incident_io", "url": io2.url, "secret": TOKEN}),
    )
    .await;
    let made = integration(
        &app,
        json!({"name": "Gone", "kind": "webhook", "url": "http://127.0.0.1:9/hooks/switchboard"}),
    )
    .await;
    let hook = Service::start(Kind::Webhook {
        key: switchboard_core::incident::integration::webhook_key(made["secret"].as_str().unwrap())
            .unwrap(),
        clock: Arc::new(app.clock.clone()),
    })
    .await
    .unwrap();
    assert_eq!(
        app.delete(&format!("/integrations/{}", made["id"])).await,
        204
    );
    integration(
        &app,
        json!({"name": "Gone", "kind": "webhook", "url": hook.url, "secret": made["secret"]}),
    )
    .await;
    pd.answer_next(400, None, 1);
    hook.answer_next(410, None, 1);
    let now = app.clock.now_ts();
    let when = now
        .checked_add(jiff::SignedDuration::from_secs(90))
        .unwrap()
        .strftime("%a, %d %b %Y %H:%M:%S UTC")
        .to_string();
    io2.answer_next(429, Some(&when), 1);
    let (_, third) = app.post("/incidents", json!({"title": "Third"})).await;
    app.settle().await;
    let (_, detail) = app.get(&format!("/incidents/{}", third["id"])).await;
    let errors: Vec<String> = detail["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| format!("{} {}", d["status"], d["last_error"]))
        .collect();
    assert!(
        errors.iter().any(|e| e.starts_with("\"failed\"")
            && e.contains("pagerduty answered HTTP 400: 'payload.summary' is missing")),
        "{errors:?}"
    );
    assert!(
        errors
            .iter()
            .any(|e| e.starts_with("\"failed\"") && e.contains("endpoint is gone")),
        "{errors:?}"
    );
    assert!(
        errors
            .iter()
            .any(|e| e.starts_with("\"queued\"") && e.contains("incident_io answered HTTP 429")),
        "{errors:?}"
    );
    app.clock.advance_secs(89);
    app.settle().await;
    assert!(
        io2.accepted().is_empty(),
        "not before the date incident.io gave"
    );
    app.clock.advance_secs(2);
    app.settle().await;
    assert_eq!(io2.accepted().len(), 1);
    assert!(
        pd.accepted().is_empty() && hook.accepted().is_empty(),
        "given up, not retried"
    );
    // Bad integrations are refused when made, naming the field.
    for (body, field) in [
        (
            json!({"name": "PD", "kind": "pagerduty", "secret": "short"}),
            "secret",
        ),
        (
            json!({"name": "IO", "kind": "incident_io", "secret": TOKEN}),
            "url",
        ),
        (
            json!({"name": "W", "kind": "webhook", "url": "https://example.org/x", "secret": "whsec_abc"}),
            "secret",
        ),
        (
            json!({"name": "W", "kind": "webhook", "url": "https://example.org/x"}),
            "url",
        ),
        (json!({"name": "X", "kind": "opsgenie"}), "kind"),
    ] {
        let (status, err) = app.post("/integrations", body.clone()).await;
        assert_eq!(
            (status, &err["error"]["field"]),
            (422, &json!(field)),
            "{body} {err}"
        );
    }
}

crate::on_all!(a_missed_call_triggers_every_tool_once_and_they_follow_the_incident);
mod ordered {
    crate::on_both!(
        a_receiver_that_is_down_gets_every_event_in_order_once_it_is_back,
        a_refused_event_fails_visibly_and_does_not_hold_the_next,
    );
    use super::*;
}
