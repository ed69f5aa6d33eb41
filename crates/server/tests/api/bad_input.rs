//! Bad input gets a precise error and damages nothing: NUL characters, oversized bodies, an
//! emptied auth token, webhooks that do not name their call, hostile caller names.

use crate::helpers::TestApp;
use serde_json::json;
use switchboard_sim::Responder;

const ALICE: &str = "+14155550101";

async fn nul_characters_are_refused_everywhere(app: TestApp) {
    let (status, body) = app
        .post(
            "/users",
            json!({"name": "Al\u{0}ice", "email": "a@example.com"}),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["field"], "name");
    let alice = app.user("Alice", Some(ALICE)).await;
    let line = app.line(&[alice]).await;
    let (status, body) = app
        .patch(
            &format!("/lines/{}", line["id"]),
            json!({"messages": {"welcome": {"text": "Hi\u{0}"}}}),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["field"], "messages.welcome.text");
    let (status, body) = app
        .post(
            "/schedules",
            json!({"name": "S", "time_zone": "UTC", "layers": [{"name": "x\u{0}", "participants": [alice],
                   "start": "2026-11-23T09:00", "shift": {"days": 1}}]}),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["field"], "layers[0].name");
    let (status, body) = app.get("/calls?caller=%00").await;
    assert_eq!(status, 422, "{body}");
    // Nothing already stored changed.
    let (_, users) = app.get("/users").await;
    assert_eq!(users["users"].as_array().unwrap().len(), 1);
    let (_, l) = app.get(&format!("/lines/{}", line["id"])).await;
    assert_eq!(l["messages"], line["messages"]);
}

/// A name is one line of text: a control character (found by schemathesis in team names)
/// would break a chat message, a CSV row or the setup file. Refused on every named thing, by
/// field, and nothing stored changes.
async fn names_with_control_characters_are_refused(app: TestApp) {
    let alice = app.user("Alice", Some(ALICE)).await;
    let line = app.line(&[alice]).await;
    let cases = [
        ("/teams", json!({"name": "Pay\u{13}ments"}), "name"),
        (
            "/users",
            json!({"name": "Al\nice", "email": "al@example.com"}),
            "name",
        ),
        ("/tokens", json!({"name": "ci\tdeploy"}), "name"),
        (
            "/channels",
            json!({"name": "#on\ncall", "kind": "slack", "webhook_url": format!("{}/hook", app.url)}),
            "name",
        ),
        (
            "/integrations",
            json!({"name": "Pager\u{7f}Duty", "kind": "pagerduty", "secret": "0123456789abcdef0123456789abcdef"}),
            "name",
        ),
        (
            "/schedules",
            json!({"name": "S\u{1b}[31m", "time_zone": "UTC"}),
            "name",
        ),
        (
            "/schedules",
            json!({"name": "S", "time_zone": "UTC", "layers": [{"name": "da\ry", "participants": [alice],
                   "start": "2026-11-23T09:00", "shift": {"days": 1}}]}),
            "layers[0].name",
        ),
    ];
    for (path, body, field) in cases {
        let (status, err) = app.post(path, body.clone()).await;
        assert_eq!(status, 422, "{path} {body}: {err}");
        assert_eq!(err["error"]["field"], field, "{path}: {err}");
        assert!(
            err["error"]["message"]
                .as_str()
                .unwrap()
                .contains("control characters"),
            "{err}"
        );
    }
    let (status, err) = app
        .patch(
            &format!("/lines/{}", line["id"]),
            json!({"name": "Hot\nline"}),
        )
        .await;
    assert_eq!(
        (status, err["error"]["field"].as_str()),
        (422, Some("name")),
        "{err}"
    );
    // Nothing was stored, nothing changed.
    let (_, teams) = app.get("/teams").await;
    assert_eq!(teams["teams"].as_array().unwrap().len(), 0);
    let (_, users) = app.get("/users").await;
    assert_eq!(users["users"].as_array().unwrap().len(), 1);
    let (_, l) = app.get(&format!("/lines/{}", line["id"])).await;
    assert_eq!(l["name"], line["name"]);
}

async fn schedule_starts_out_of_range_are_refused(app: TestApp) {
    let alice = app.user("Alice", Some(ALICE)).await;
    for start in ["0001-01-01T00:00", "9999-01-01T00:00"] {
        let (status, body) = app
            .post(
                "/schedules",
                json!({"name": "S", "time_zone": "UTC", "layers": [{"name": "x", "participants": [alice],
                       "start": start, "shift": {"hours": 1}}]}),
            )
            .await;
        assert_eq!(status, 422, "{start}: {body}");
        assert_eq!(body["error"]["field"], "layers[0].start");
    }
    let (status, body) = app
        .post(
            "/schedules",
            json!({"name": "S", "time_zone": "UTC",
                   "overrides": [{"user": alice, "start": "1970-01-01T00:00:00Z", "end": "2026-01-01T00:00:00Z"}]}),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["field"], "overrides[0].start");
}

async fn an_empty_auth_token_is_refused_not_a_switch_off(app: TestApp) {
    let alice = app.user("Alice", Some(ALICE)).await;
    let line = app.line(&[alice]).await;
    let (status, body) = app
        .patch(&format!("/lines/{}", line["id"]), json!({"auth_token": ""}))
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["field"], "auth_token");
    let (_, l) = app.get(&format!("/lines/{}", line["id"])).await;
    assert_eq!(l["signature_checks"], true);
    // null is the explicit way to remove it.
    let (status, l) = app
        .patch(
            &format!("/lines/{}", line["id"]),
            json!({"auth_token": null}),
        )
        .await;
    assert_eq!(status, 200, "{l}");
    assert_eq!(l["signature_checks"], false);
}

async fn unsigned_webhooks_are_counted_and_shown(app: TestApp) {
    let alice = app.user("Alice", Some(ALICE)).await;
    let line = app.line(&[alice]).await;
    let id = line["id"].as_i64().unwrap();
    app.patch(&format!("/lines/{id}"), json!({"auth_token": null}))
        .await;
    let mut spec = app.spec(&line).responder(
        ALICE,
        Responder::Answer {
            after_secs: 1,
            talk_secs: 2,
        },
    );
    spec.auth_token = None;
    let (t, _) = app.call(&spec).await;
    let (_, l) = app.get(&format!("/lines/{id}")).await;
    let n = l["unsigned_webhooks_since_start"].as_u64().unwrap();
    assert!(n >= 3, "{l}");
    assert_eq!(
        n as usize,
        t.requests.len(),
        "every request of the call is counted"
    );
    let metrics = app
        .http
        .get(format!("{}/metrics", app.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("switchboard_unsigned_webhooks_total{provider="),
        "{metrics}"
    );
}

/// A webhook that does not name its call cannot act on the call in its URL.
async fn a_webhook_without_a_call_id_is_not_applied(app: TestApp) {
    let alice = app.user("Alice", Some(ALICE)).await;
    let line = app.line(&[alice]).await;
    let id = line["id"].as_i64().unwrap();
    app.patch(&format!("/lines/{id}"), json!({"auth_token": null}))
        .await;
    let mut spec = app.spec(&line);
    spec.auth_token = None;
    let (status, _) = switchboard_sim::incoming_webhook(&app.http, &spec)
        .await
        .unwrap();
    assert_eq!(status, 200);
    let (_, list) = app.get("/calls").await;
    let call = list["calls"][0].clone();
    let base = line["webhook_url"]
        .as_str()
        .unwrap()
        .trim_end_matches("/voice");
    let dial = format!("{base}/calls/{}/dial/0", call["id"]);
    let form: &[(&str, &str)] = match app.carrier {
        switchboard_sim::Carrier::Twilio => {
            &[("DialCallStatus", "completed"), ("DialCallDuration", "30")]
        }
        switchboard_sim::Carrier::Plivo => &[("DialStatus", "completed"), ("DialBLegUUID", "x")],
    };
    let r = app.http.post(&dial).form(form).send().await.unwrap();
    assert_eq!(r.status(), 404);
    let (_, after) = app.get(&format!("/calls/{}", call["id"])).await;
    assert_eq!(after["outcome"], "in_progress", "{after}");
    assert_eq!(after["attempts"][0]["outcome"], "ringing");
}

/// A 6 KB caller name does not become a 6 KB prompt or log line.
async fn caller_details_are_bounded(app: TestApp) {
    let alice = app.user("Alice", Some(ALICE)).await;
    let line = app.line(&[alice]).await;
    app.patch(
        &format!("/lines/{}", line["id"]),
        json!({"screening": true}),
    )
    .await;
    let mut spec = app.spec(&line).responder(
        ALICE,
        Responder::Answer {
            after_secs: 1,
            talk_secs: 2,
        },
    );
    spec.caller_name = Some("A".repeat(6000));
    let (t, call) = app.call(&spec).await;
    let name = call["caller"]["name"].as_str().unwrap();
    assert_eq!(name.chars().count(), 64);
    assert!(t.said.iter().all(|s| s.len() < 400), "{t}");
}

crate::on_all!(
    nul_characters_are_refused_everywhere,
    schedule_starts_out_of_range_are_refused,
    an_empty_auth_token_is_refused_not_a_switch_off,
    unsigned_webhooks_are_counted_and_shown,
    a_webhook_without_a_call_id_is_not_applied,
    caller_details_are_bounded,
);

/// An audio file over the limit gets the JSON envelope, and the lowercase bearer scheme is
/// accepted.
async fn oversized_audio_gets_the_envelope(app: TestApp) {
    let alice = app.user("Alice", Some(ALICE)).await;
    let line = app.line(&[alice]).await;
    let r = app
        .http
        .put(app.api(&format!("/lines/{}/messages/welcome/audio", line["id"])))
        .header("authorization", format!("bearer {}", app.token))
        .header("content-type", "audio/wav")
        .body(vec![0u8; 6 * 1024 * 1024])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "too_large", "{body}");
}

/// Names inside a schedule or a caller menu are stored as they are judged: without surrounding
/// spaces (the schedule, its layers and temporary schedules, through create, patch and a layer
/// of its own; a menu's options).
async fn schedule_names_are_stored_trimmed(app: TestApp) {
    let alice = app.user("Alice", Some(ALICE)).await;
    let layer = |name: &str| json!({"name": name, "participants": [alice], "start": "2026-11-23T09:00", "shift": {"days": 1}});
    let (status, s) = app
        .post(
            "/schedules",
            json!({
                "name": "  Primary ", "time_zone": "UTC", "layers": [layer(" daily\u{a0}")],
                "temporary": [{"name": " Holidays ", "start": "2026-12-24T00:00:00Z",
                               "end": "2026-12-27T00:00:00Z", "layers": [layer(" skeleton ")]}],
            }),
        )
        .await;
    assert_eq!(status, 201, "{s}");
    let id = s["id"].as_i64().unwrap();
    let (status, added) = app
        .post(&format!("/schedules/{id}/layers"), layer("  night  "))
        .await;
    assert_eq!(status, 201, "{added}");
    let (status, _) = app
        .patch(&format!("/schedules/{id}"), json!({"name": " Main "}))
        .await;
    assert_eq!(status, 200);
    let (_, got) = app.get(&format!("/schedules/{id}")).await;
    assert_eq!(got["name"], "Main", "{got}");
    assert_eq!(got["layers"][0]["name"], "daily", "{got}");
    assert_eq!(got["layers"][1]["name"], "night", "{got}");
    assert_eq!(got["temporary"][0]["name"], "Holidays", "{got}");
    assert_eq!(
        got["temporary"][0]["layers"][0]["name"], "skeleton",
        "{got}"
    );
}

crate::on_both!(
    oversized_audio_gets_the_envelope,
    names_with_control_characters_are_refused,
    schedule_names_are_stored_trimmed
);
