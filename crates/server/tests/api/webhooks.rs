//! Webhook security and failure handling.

use crate::helpers::TestApp;
use switchboard_sim::{Responder, SignedUrlForm};

const ALICE: &str = "+14155550101";

async fn calls_stored(app: &TestApp) -> usize {
    app.get("/calls?archived=true").await.1["calls"]
        .as_array()
        .unwrap()
        .len()
}

async fn a_forged_signature_is_refused_and_changes_nothing(app: TestApp) {
    let a = app.user("Alice", Some(ALICE)).await;
    let line = app.line(&[a]).await;
    let mut spec = app.spec(&line);
    spec.auth_token = Some("not-the-line-token".into());
    let t = switchboard_sim::place_call(&app.http, &spec).await.unwrap();
    assert_eq!(t.requests[0].1, 403);
    assert!(t.application_error.is_some());
    assert!(t.dialed.is_empty());
    // Unsigned requests are refused the same way.
    spec.auth_token = None;
    let t = switchboard_sim::place_call(&app.http, &spec).await.unwrap();
    assert_eq!(t.requests[0].1, 403);
    assert_eq!(calls_stored(&app).await, 0);
}

async fn a_forged_callback_cannot_change_a_stored_call(app: TestApp) {
    let a = app.user("Alice", Some(ALICE)).await;
    let line = app.line(&[a]).await;
    let (_, call) = app.call(&app.spec(&line)).await;
    let id = call["id"].as_i64().unwrap();
    let before = app.get(&format!("/calls/{id}")).await.1;
    // Someone who knows the URL tries to mark the call as answered.
    let url = format!(
        "{}/calls/{id}/dial/0",
        line["webhook_url"]
            .as_str()
            .unwrap()
            .trim_end_matches("/voice")
    );
    let r = app
        .http
        .post(url)
        .header("X-Twilio-Signature", "bm90IGEgc2lnbmF0dXJlIGF0IGFsbA==")
        .form(&[
            ("CallSid", call["provider_call_id"].as_str().unwrap()),
            ("DialCallStatus", "completed"),
            ("CallStatus", "in-progress"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(app.get(&format!("/calls/{id}")).await.1, before);
}

async fn signatures_over_the_url_without_its_port_are_accepted(app: TestApp) {
    let a = app.user("Alice", Some(ALICE)).await;
    let line = app.line(&[a]).await;
    let mut spec = app.spec(&line).responder(
        ALICE,
        Responder::Answer {
            after_secs: 1,
            talk_secs: 3,
        },
    );
    // The server is reached at http://127.0.0.1:PORT but the signature is over the URL
    // without the port, as some Twilio back ends compute it: the validator tries both.
    spec.signed_url_form = SignedUrlForm::WithoutPort;
    let (t, call) = app.call(&spec).await;
    assert!(t.requests.iter().all(|(_, s)| *s < 300), "{t}");
    assert_eq!(call["outcome"], "answered");
}

async fn an_internal_failure_still_speaks_to_the_caller_and_keeps_the_voicemail(app: TestApp) {
    let a = app.user("Alice", Some(ALICE)).await;
    let line = app.line(&[a]).await;
    // Break the database under the server: resolving the routing plan needs the users table
    // (read again after any change to the configuration, as this one stands for).
    app.exec_sql("UPDATE config_version SET version = version + 1")
        .await;
    app.exec_sql("ALTER TABLE users RENAME TO users_gone").await;
    let t = switchboard_sim::place_call(&app.http, &app.spec(&line))
        .await
        .unwrap();
    assert!(t.application_error.is_none(), "{t}");
    assert_eq!(t.requests[0].1, 200);
    assert!(t.heard("we could not connect your call"), "{t}");
    assert!(t.heard("Your message has been recorded"), "{t}");
    app.exec_sql("ALTER TABLE users_gone RENAME TO users").await;
    // The failed webhook was kept in the spool and is replayed into the log.
    let call = app
        .call_when(&t.call_sid, |c| c["duration_secs"].is_number())
        .await;
    assert_eq!(call["outcome"], "voicemail");
    assert_eq!(call["recordings"][0]["kind"], "voicemail");
    assert_eq!(call["failsafe"], "the database failed");
    let events = call["events"].to_string();
    assert!(
        events.contains("Switchboard could not route this call (the database failed)"),
        "{events}"
    );
}

async fn a_malformed_incoming_call_gets_spoken_xml_not_an_error_tone(app: TestApp) {
    let a = app.user("Alice", Some(ALICE)).await;
    let (_, line) = app
        .post(
            "/lines",
            serde_json::json!({
                "name": "Unsigned", "number": "+15005550999", "provider": "twilio",
                "routing": { "steps": [{ "user": a }] },
            }),
        )
        .await;
    // No CallSid at all.
    let r = app
        .http
        .post(line["webhook_url"].as_str().unwrap())
        .form(&[("From", "+14155550199")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let body = r.text().await.unwrap();
    let doc = roxmltree::Document::parse(&body).unwrap();
    assert!(
        doc.descendants().any(|n| n.has_tag_name("Record")),
        "{body}"
    );
    // The request was kept for the log, and its replay settles it (dropped as malformed)
    // rather than retrying it forever ahead of everything spooled after it.
    let spool = app.data_dir.path().join("spool");
    let spooled = || -> String {
        std::fs::read_dir(&spool)
            .unwrap()
            .filter_map(|e| std::fs::read_to_string(e.unwrap().path()).ok())
            .collect()
    };
    assert!(
        spooled().contains("\"entry\""),
        "kept before the answer was sent"
    );
    app.settle().await;
    // Once every entry is settled the file starts over.
    assert!(
        !spooled().contains("\"entry\""),
        "the malformed request is still pending in the spool"
    );
    assert_eq!(calls_stored(&app).await, 0);
}

async fn unknown_webhook_tokens_and_providers_are_not_found(app: TestApp) {
    for path in ["/hooks/twilio/nope/voice", "/hooks/sms/nope/voice"] {
        let r = app
            .http
            .post(format!("{}{path}", app.url))
            .form(&[("CallSid", "CA1")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404, "{path}");
    }
}

async fn an_oversized_webhook_is_refused_without_storing_anything(app: TestApp) {
    let a = app.user("Alice", Some(ALICE)).await;
    let line = app.line(&[a]).await;
    let huge = "x".repeat(200 * 1024);
    let r = app
        .http
        .post(line["webhook_url"].as_str().unwrap())
        .form(&[("CallSid", "CA1"), ("Junk", huge.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    assert_eq!(calls_stored(&app).await, 0);
}

async fn a_retried_incoming_webhook_does_not_create_a_second_call(app: TestApp) {
    let a = app.user("Alice", Some(ALICE)).await;
    let (_, line) = app
        .post(
            "/lines",
            serde_json::json!({
                "name": "Unsigned", "number": "+15005550998", "provider": "twilio",
                "routing": { "steps": [{ "user": a }] },
            }),
        )
        .await;
    for _ in 0..2 {
        let r = app
            .http
            .post(line["webhook_url"].as_str().unwrap())
            .form(&[
                ("CallSid", "CA42"),
                ("From", "+14155550199"),
                ("To", "+15005550998"),
            ])
            .send()
            .await
            .unwrap();
        let body = r.text().await.unwrap();
        assert!(body.contains("<Number>+14155550101</Number>"), "{body}");
    }
    assert_eq!(calls_stored(&app).await, 1);
}

crate::on_all!(
    a_forged_signature_is_refused_and_changes_nothing,
    an_internal_failure_still_speaks_to_the_caller_and_keeps_the_voicemail,
    every_url_built_hits_a_route,
);

crate::on_both!(
    a_forged_callback_cannot_change_a_stored_call,
    signatures_over_the_url_without_its_port_are_accepted,
    a_malformed_incoming_call_gets_spoken_xml_not_an_error_tone,
    unknown_webhook_tokens_and_providers_are_not_found,
    an_oversized_webhook_is_refused_without_storing_anything,
    a_retried_incoming_webhook_does_not_create_a_second_call,
);

/// Every URL Switchboard hands out reaches a route (a handler answers, whatever it says),
/// and a path no route takes says so.
async fn every_url_built_hits_a_route(app: TestApp) {
    use switchboard::urls::Urls;
    use switchboard_core::call::RecordingKind;
    use switchboard_core::flow::Callback;
    use switchboard_core::{CallId, RecordingId};
    let a = app.user("Alice", Some(ALICE)).await;
    let created = app.line(&[a]).await;
    let line = app
        .store
        .get_line(switchboard_core::LineId(created["id"].as_i64().unwrap()))
        .await
        .unwrap();
    let urls = Urls::new(&app.url);
    let call = CallId(1);
    let mut posts = vec![
        urls.voice(&line),
        urls.status(&line),
        urls.failsafe_voicemail(line.provider, &line.webhook_token),
    ];
    for c in [
        Callback::DialEnded { step: 0 },
        Callback::Voicemail,
        Callback::RecordingReady {
            kind: RecordingKind::Call,
        },
        Callback::RecordingReady {
            kind: RecordingKind::Voicemail,
        },
        Callback::Screen { step: 0, leg: None },
        Callback::Screen {
            step: 1,
            leg: Some(2),
        },
        Callback::ScreenResult { step: 0, leg: None },
        Callback::ScreenResult {
            step: 1,
            leg: Some(2),
        },
    ] {
        posts.push(urls.callback(&line, call, c));
    }
    let gets = [
        urls.media("nope"),
        urls.calendar("nope"),
        urls.call(call),
        urls.incident(switchboard_core::IncidentId(1)),
        urls.recording(call, RecordingId(1)),
    ];
    let no_route = |status: u16, body: &str| status == 405 || body.contains("no such route");
    for u in &posts {
        let r = app
            .http
            .post(u)
            .form(&[("CallSid", "CA1")])
            .send()
            .await
            .unwrap();
        let (status, body) = (r.status().as_u16(), r.text().await.unwrap());
        assert!(!no_route(status, &body), "POST {u}: {status} {body}");
    }
    for u in &gets {
        let r = app
            .http
            .get(u)
            .bearer_auth(&app.token)
            .send()
            .await
            .unwrap();
        let (status, body) = (r.status().as_u16(), r.text().await.unwrap());
        assert!(!no_route(status, &body), "GET {u}: {status} {body}");
    }
    // The check can fail: a path no route takes.
    let r = app
        .http
        .post(format!(
            "{}/nope",
            urls.hooks(line.provider, &line.webhook_token)
        ))
        .send()
        .await
        .unwrap();
    let (status, body) = (r.status().as_u16(), r.text().await.unwrap());
    assert!(no_route(status, &body), "{status} {body}");
    assert_eq!(created["webhook_url"], urls.voice(&line));
    assert_eq!(created["status_callback_url"], urls.status(&line));
}
