//! The REST API contract.

use crate::helpers::TestApp;
use serde_json::json;

async fn every_route_needs_a_valid_token(app: TestApp) {
    for path in ["/users", "/lines", "/calls", "/calls/1", "/nope"] {
        let r = app.http.get(app.api(path)).send().await.unwrap();
        assert_eq!(r.status(), 401, "{path}");
        let body: serde_json::Value = r.json().await.unwrap();
        assert_eq!(body["error"]["code"], "unauthorized");
        let r = app
            .http
            .get(app.api(path))
            .bearer_auth("sb_wrong")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401, "{path}");
    }
}

async fn health_and_readiness_answer_without_a_token(app: TestApp) {
    for path in ["/healthz", "/readyz"] {
        let r = app
            .http
            .get(format!("{}{path}", app.url))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{path}");
    }
}

async fn invalid_input_names_the_field_and_stores_nothing(app: TestApp) {
    let a = app.user("Alice", Some("+14155550101")).await;
    let cases = [
        (
            json!({"name": "X", "email": "x@example.com", "phone": "4155550101"}),
            "phone",
        ),
        (
            json!({"name": "X", "email": "nope", "phone": "+14155550101"}),
            "email",
        ),
        (
            json!({"name": "X", "email": "x@example.com", "time_zone": "Mars/Base"}),
            "time_zone",
        ),
    ];
    for (body, field) in cases {
        let (status, err) = app.post("/users", body).await;
        assert_eq!(status, 422, "{err}");
        assert_eq!(err["error"]["field"], field);
    }
    let line = |over: serde_json::Value| {
        let mut base = json!({
            "name": "Hotline", "number": "+15005550006", "provider": "twilio",
            "routing": { "steps": [{ "user": a }] },
        });
        for (k, v) in over.as_object().unwrap() {
            base[k] = v.clone();
        }
        base
    };
    let cases = [
        (line(json!({"number": "5005550006"})), "number"),
        (line(json!({"provider": "vonage"})), "provider"),
        (line(json!({"routing": {"steps": []}})), "routing.steps"),
        (
            line(json!({"routing": {"steps": [{"user": 999}]}})),
            "routing.steps[0].user",
        ),
        (
            line(json!({"routing": {"steps": [{"user": a}], "ring_timeout_secs": 90}})),
            "routing.ring_timeout_secs",
        ),
        (
            line(json!({"messages": {"welcome": {"text": ""}}})),
            "messages.welcome.text",
        ),
    ];
    for (body, field) in cases {
        let (status, err) = app.post("/lines", body).await;
        assert_eq!(status, 422, "{err}");
        assert_eq!(err["error"]["field"], field, "{err}");
    }
    let (status, err) = app.post("/lines", json!({"name": "x", "bogus": 1})).await;
    assert_eq!(status, 400);
    assert!(
        err["error"]["message"].as_str().unwrap().contains("bogus"),
        "{err}"
    );
    let r = app
        .http
        .post(app.api("/users"))
        .bearer_auth(&app.token)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let (_, users) = app.get("/users").await;
    assert_eq!(users["users"].as_array().unwrap().len(), 1);
    let (_, lines) = app.get("/lines").await;
    assert!(lines["lines"].as_array().unwrap().is_empty());
}

async fn lines_can_be_read_changed_and_deleted(app: TestApp) {
    let a = app.user("Alice", Some("+14155550101")).await;
    let b = app.user("Bob", Some("+14155550102")).await;
    let line = app.line(&[a]).await;
    let id = line["id"].as_i64().unwrap();
    assert!(line["webhook_url"].as_str().unwrap().starts_with(&app.url));
    assert!(line["webhook_url"].as_str().unwrap().ends_with("/voice"));
    assert!(line["status_callback_url"]
        .as_str()
        .unwrap()
        .ends_with("/status"));
    assert_eq!(line["signature_checks"], true);
    assert!(line.get("auth_token").is_none(), "the token is never shown");
    let (status, changed) = app
        .patch(
            &format!("/lines/{id}"),
            json!({
                "routing": { "steps": [{"user": b}, {"user": a}], "ring_timeout_secs": 30 },
                "messages": { "welcome": { "text": "Hi <there> & welcome", "voice": "Polly.Joanna" } },
                "auth_token": null,
            }),
        )
        .await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(changed["routing"]["ring_timeout_secs"], 30);
    assert_eq!(changed["routing"]["steps"][0]["user"], b);
    assert_eq!(changed["messages"]["welcome"]["voice"], "Polly.Joanna");
    assert_eq!(changed["messages"]["no_answer"]["language"], "en-US");
    assert_eq!(changed["signature_checks"], false);
    assert_eq!(changed["warnings"].as_array().unwrap().len(), 1);
    assert_eq!(changed["webhook_url"], line["webhook_url"]);
    // A user in a line's routing cannot be deleted from under it.
    assert_eq!(app.delete(&format!("/users/{b}")).await, 409);
    assert_eq!(app.delete(&format!("/lines/{id}")).await, 204);
    assert_eq!(app.get(&format!("/lines/{id}")).await.0, 404);
    assert_eq!(app.delete(&format!("/users/{b}")).await, 204);
    // The deleted line's webhook no longer routes calls.
    let r = app
        .http
        .post(line["webhook_url"].as_str().unwrap())
        .form(&[("CallSid", "CA1")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}

async fn a_number_is_used_by_one_line_only(app: TestApp) {
    let a = app.user("Alice", Some("+14155550101")).await;
    let body = json!({
        "name": "Hotline", "number": "+15005550006", "provider": "twilio",
        "routing": { "steps": [{ "user": a }] },
    });
    assert_eq!(app.post("/lines", body.clone()).await.0, 201);
    let (status, err) = app.post("/lines", body).await;
    assert_eq!(status, 409);
    assert!(err["error"]["message"]
        .as_str()
        .unwrap()
        .starts_with("number"));
}

async fn calls_are_listed_filtered_archived_and_deleted_with_their_recordings(app: TestApp) {
    let a = app.user("Alice", Some("+14155550101")).await;
    let line = app.line(&[a]).await;
    let answered = app.spec(&line).responder(
        "+14155550101",
        switchboard_sim::Responder::Answer {
            after_secs: 1,
            talk_secs: 20,
        },
    );
    let (_, c1) = app.call(&answered).await;
    let (_, c2) = app.call(&app.spec(&line)).await;
    let line_id = line["id"].as_i64().unwrap();
    let (_, list) = app.get(&format!("/calls?line={line_id}")).await;
    assert_eq!(list["calls"].as_array().unwrap().len(), 2);
    let (_, list) = app.get("/calls?outcome=answered").await;
    assert_eq!(list["calls"][0]["id"], c1["id"]);
    assert_eq!(list["calls"].as_array().unwrap().len(), 1);
    let (status, err) = app.get("/calls?outcome=lost").await;
    assert_eq!(status, 422);
    assert_eq!(err["error"]["field"], "outcome");

    let id2 = c2["id"].as_i64().unwrap();
    assert_eq!(
        app.post(&format!("/calls/{id2}/archive"), json!({}))
            .await
            .0,
        200
    );
    let (_, list) = app.get("/calls").await;
    assert_eq!(list["calls"].as_array().unwrap().len(), 1);
    let (_, list) = app.get("/calls?archived=true").await;
    assert_eq!(list["calls"].as_array().unwrap().len(), 2);

    let id1 = c1["id"].as_i64().unwrap();
    let recs = app.stored_recordings(id1).await;
    let file = app.data_dir.path().join(format!(
        "recordings/{id1}/{}.wav",
        recs[0]["id"].as_i64().unwrap()
    ));
    assert!(file.exists());
    assert_eq!(app.delete(&format!("/calls/{id1}")).await, 204);
    assert!(
        !file.exists(),
        "deleting a call removes its stored recording"
    );
    assert_eq!(app.get(&format!("/calls/{id1}")).await.0, 404);
}

async fn metrics_count_webhooks_calls_and_rejections(app: TestApp) {
    let a = app.user("Alice", Some("+14155550101")).await;
    let line = app.line(&[a]).await;
    app.call(&app.spec(&line)).await;
    let mut forged = app.spec(&line);
    forged.auth_token = Some("wrong".into());
    switchboard_sim::place_call(&app.http, &forged)
        .await
        .unwrap();
    let r = app
        .http
        .get(format!("{}/metrics", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let text = r.text().await.unwrap();
    let value = |line_start: &str| -> u64 {
        text.lines()
            .find(|l| l.starts_with(line_start))
            .unwrap_or_else(|| panic!("no {line_start} in\n{text}"))
            .rsplit(' ')
            .next()
            .unwrap()
            .parse()
            .unwrap()
    };
    assert_eq!(
        value("switchboard_calls_started_total{provider=\"twilio\"}"),
        1
    );
    assert_eq!(
        value("switchboard_webhooks_total{provider=\"twilio\",kind=\"voice\",status=\"200\"}"),
        1
    );
    assert_eq!(
        value("switchboard_webhooks_total{provider=\"twilio\",kind=\"dial\",status=\"200\"}"),
        1
    );
    // The forged call's incoming webhook and its status callback.
    assert_eq!(
        value("switchboard_webhook_rejections_total{provider=\"twilio\"}"),
        2
    );
    assert_eq!(
        value("switchboard_webhook_duration_seconds_count{provider=\"twilio\",kind=\"voice\"}"),
        2
    );
}

async fn the_call_log_exports_as_csv_with_formulas_defused(app: TestApp) {
    let a = app.user("Alice", Some("+14155550101")).await;
    let line = app.line(&[a]).await;
    let mut spec = app.spec(&line).responder(
        "+14155550101",
        switchboard_sim::Responder::Answer {
            after_secs: 1,
            talk_secs: 30,
        },
    );
    spec.caller_name = Some("=HYPERLINK(\"http://evil.example\",\"x, y\")".into());
    app.call(&spec).await;
    app.call(&app.spec(&line)).await;
    let r = app
        .http
        .get(app.api("/calls/export.csv?outcome=answered"))
        .bearer_auth(&app.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let text = r.text().await.unwrap();
    let rows: Vec<&str> = text.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(rows.len(), 2, "header and the one answered call:\n{text}");
    assert!(rows[0].starts_with("id,line_id,started_at"));
    assert!(rows[1].contains(",+14155550199,"), "{}", rows[1]);
    assert!(
        rows[1].contains("\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"x, y\"\")\""),
        "{}",
        rows[1]
    );
    assert!(
        rows[1].contains(",answered,Alice,Alice answered,"),
        "{}",
        rows[1]
    );
}

crate::on_both!(
    the_call_log_exports_as_csv_with_formulas_defused,
    metrics_count_webhooks_calls_and_rejections,
    every_route_needs_a_valid_token,
    health_and_readiness_answer_without_a_token,
    invalid_input_names_the_field_and_stores_nothing,
    lines_can_be_read_changed_and_deleted,
    a_number_is_used_by_one_line_only,
    calls_are_listed_filtered_archived_and_deleted_with_their_recordings,
);
