//! Conformance with the providers' official helper libraries (PyPI `twilio` and `plivo`),
//! through `tools/sdk_conformance.py`: requests signed by each SDK's own code are accepted and
//! the same requests tampered with are refused; every element and attribute of every XML
//! document we answer, in every flow (voice, and replies to texts), is one the SDK's own XML
//! builders know.
//!
//! Needs `SWITCHBOARD_SDK_PYTHON`, a Python with both packages (`.ci/run` makes one).

use crate::helpers::{Backend, TestApp};
use serde_json::{json, Value};
use std::process::Command;
use switchboard_sim::{Carrier, Responder, VoicemailScript};

const ALICE: &str = "+14155550101";
const BOB: &str = "+14155550102";

fn python() -> Option<String> {
    match std::env::var("SWITCHBOARD_SDK_PYTHON") {
        Ok(p) => Some(p),
        Err(_) => {
            eprintln!("skipped SDK conformance: SWITCHBOARD_SDK_PYTHON is not set");
            None
        }
    }
}

fn script() -> String {
    format!(
        "{}/../../tools/sdk_conformance.py",
        env!("CARGO_MANIFEST_DIR")
    )
}

fn sdk_sign(py: &str, provider: &str, url: &str, params: &[(&str, &str)]) -> Value {
    let map: serde_json::Map<String, Value> = params
        .iter()
        .map(|(k, v)| (k.to_string(), json!(v)))
        .collect();
    let out = Command::new(py)
        .args([
            &script(),
            "sign",
            "--provider",
            provider,
            "--token",
            "line-auth-token",
        ])
        .args(["--url", url, "--params", &Value::Object(map).to_string()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Checks `docs` against the SDK's XML builders of `kind` (`voice` or `messaging`): no
/// problem, and the summary of which elements were seen.
fn check_xml(py: &str, provider: &str, kind: &str, docs: &[String]) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let files: Vec<String> = docs
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let p = dir.path().join(format!("{i}.xml"));
            std::fs::write(&p, d).unwrap();
            p.display().to_string()
        })
        .collect();
    let out = Command::new(py)
        .args([&script(), "xml", "--kind", kind, "--provider", provider])
        .args(&files)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary: Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    assert_eq!(summary["problems"], 0);
    summary
}

async fn post_signed(app: &TestApp, url: &str, params: &[(&str, &str)], headers: &Value) -> u16 {
    let mut req = app.http.post(url).form(params);
    for (k, v) in headers.as_object().unwrap() {
        req = req.header(k.as_str(), v.as_str().unwrap());
    }
    req.send().await.unwrap().status().as_u16()
}

async fn signatures_from_the_sdk(carrier: Carrier) {
    let Some(py) = python() else { return };
    let app = TestApp::spawn_with(Backend::Sqlite, carrier, "sdk")
        .await
        .unwrap();
    let a = app.user("Alice", Some(ALICE)).await;
    let line = app.line(&[a]).await;
    let url = line["webhook_url"].as_str().unwrap();
    let provider = app.provider();
    let params: Vec<(&str, &str)> = match carrier {
        Carrier::Twilio => vec![
            ("CallSid", "CA0123456789abcdef0123456789abcdef"),
            ("AccountSid", "AC00000000000000000000000000000001"),
            ("From", "+14155550199"),
            ("To", "+15005550006"),
            ("CallStatus", "ringing"),
            ("Direction", "inbound"),
            ("FromCity", ""),
        ],
        Carrier::Plivo => vec![
            ("CallUUID", "11111111-2222-3333-4444-555555555555"),
            ("From", "14155550199"),
            ("To", "15005550006"),
            ("CallStatus", "ringing"),
            ("Direction", "inbound"),
            ("Event", "StartApp"),
        ],
    };
    let headers = sdk_sign(&py, provider, url, &params);
    assert_eq!(post_signed(&app, url, &params, &headers).await, 200);
    // The same request with one parameter changed, or signed with another token, is refused.
    let mut tampered = params.clone();
    tampered[2].1 = "+19005550100";
    assert_eq!(post_signed(&app, url, &tampered, &headers).await, 403);
    let other = {
        let out = Command::new(&py)
            .args([
                &script(),
                "sign",
                "--provider",
                provider,
                "--token",
                "wrong-token",
            ])
            .args(["--url", url, "--params"])
            .arg(
                Value::Object(
                    params
                        .iter()
                        .map(|(k, v)| (k.to_string(), json!(v)))
                        .collect(),
                )
                .to_string(),
            )
            .output()
            .unwrap();
        serde_json::from_slice::<Value>(&out.stdout).unwrap()
    };
    assert_eq!(post_signed(&app, url, &params, &other).await, 403);
    let (_, calls) = app.get("/calls").await;
    assert_eq!(
        calls["calls"].as_array().unwrap().len(),
        1,
        "only the genuine call"
    );
}

async fn every_document_is_known_to_the_sdk(carrier: Carrier) {
    let Some(py) = python() else { return };
    let mut app = TestApp::spawn_with(Backend::Sqlite, carrier, "sdk")
        .await
        .unwrap();
    // The carrier's transcription, so the voicemail's <Record> carries its attributes too.
    app.transcription = Some(switchboard::transcribe::Engine::Carrier);
    app.restart().await;
    let a = app.user("Alice", Some(ALICE)).await;
    let b = app.user("Bob", Some(BOB)).await;
    let nobody = app.user("Dana", None).await;
    let line = app.line(&[a, b]).await;
    let empty = app.line(&[nobody]).await;
    // Hostile message text must not break the documents either.
    let id = line["id"].as_i64().unwrap();
    app.patch(
        &format!("/lines/{id}"),
        json!({ "messages": { "welcome": { "text": "Hi <b>&\"'", "voice": "Polly.Joanna" } } }),
    )
    .await;
    // An uploaded recording for the no-answer message, so <Play> is checked too.
    let r = app
        .http
        .put(app.api(&format!("/lines/{id}/messages/no_answer/audio")))
        .bearer_auth(&app.token)
        .header("content-type", "audio/wav")
        .body(switchboard_sim::media::wav(1))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let answer = Responder::Answer {
        after_secs: 2,
        talk_secs: 10,
    };
    let mut specs = vec![
        app.spec(&line).responder(ALICE, answer),
        app.spec(&line).responder(BOB, answer),
        app.spec(&line).responder(ALICE, Responder::Busy),
        app.spec(&line),
        app.spec(&empty),
    ];
    let mut silent = app.spec(&line);
    silent.caller.voicemail = VoicemailScript::Silent;
    specs.push(silent);
    // A rejected caller.
    let blocking = app.line(&[a]).await;
    app.patch(
        &format!("/lines/{}", blocking["id"]),
        json!({ "caller_rules": { "blocked": ["+14155550199"] } }),
    )
    .await;
    specs.push(app.spec(&blocking));
    // Call screening: accepted, and a voicemail that never presses the key.
    let screened = app.line(&[a, b]).await;
    app.patch(
        &format!("/lines/{}", screened["id"]),
        json!({ "screening": true }),
    )
    .await;
    specs.push(app.spec(&screened).responder(ALICE, answer));
    specs.push(app.spec(&screened).responder(
        ALICE,
        Responder::Voicemail {
            after_secs: 5,
            message_secs: 10,
        },
    ));
    // A caller menu: a key, and no key (Twilio asks again without input, Plivo redirects).
    let menu = app.line(&[a]).await;
    let (status, body) = app
        .patch(
            &format!("/lines/{}", menu["id"]),
            json!({"menu": {"prompt": {"text": "For payments, press 1.", "voice": null, "language": "en-US"},
                   "options": [{"key": 1, "name": "Payments",
                                "routing": {"steps": [{"user": b}], "ring_timeout_secs": 20}}],
                   "default_key": 1}}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let mut pressed = app.spec(&menu).responder(BOB, answer);
    pressed.caller.menu_keys = "1";
    specs.push(pressed);
    specs.push(app.spec(&menu).responder(BOB, answer));
    // Ringing together: several numbers in one dial, each leg's pickup document (an empty one
    // without screening, the prompt with it), and a ring-again dial after a voicemail.
    for screening in [false, true] {
        let together = app.line(&[a]).await;
        let (status, body) = app
            .patch(
                &format!("/lines/{}", together["id"]),
                json!({"screening": screening,
                       "routing": {"steps": [{"users": [a, b]}], "ring_timeout_secs": 20}}),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        specs.push(
            app.spec(&together)
                .responder(
                    ALICE,
                    Responder::Voicemail {
                        after_secs: 3,
                        message_secs: 10,
                    },
                )
                .responder(
                    BOB,
                    Responder::Answer {
                        after_secs: 6,
                        talk_secs: 10,
                    },
                ),
        );
    }
    // A PIN gate (a wrong code, then a right one), and a line showing its own number (the
    // responder hears who calls).
    let gated = app.line(&[a]).await;
    let (status, body) = app
        .patch(
            &format!("/lines/{}", gated["id"]),
            json!({"pins": [{"label": "Acme", "pin": "4321"}], "caller_id": "hotline"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let mut pin = app.spec(&gated).responder(ALICE, answer);
    pin.caller.codes = &["1111", "4321"];
    specs.push(pin);
    let mut docs = Vec::new();
    for s in &specs {
        let (t, _) = app.call(s).await;
        docs.extend(t.documents);
    }
    // The failure document and the failsafe goodbye.
    // A new configuration version (what any change to a line makes) has the server read
    // the users again, from a table that is gone.
    app.exec_sql("UPDATE config_version SET version = version + 1")
        .await;
    app.exec_sql("ALTER TABLE users RENAME TO users_gone").await;
    let t = switchboard_sim::place_call(&app.http, &app.spec(&line))
        .await
        .unwrap();
    assert!(t.heard("we could not connect your call"), "{t}");
    docs.extend(t.documents);
    app.exec_sql("ALTER TABLE users_gone RENAME TO users").await;

    assert!(docs.len() >= 12, "{} documents", docs.len());
    let summary = check_xml(&py, app.provider(), "voice", &docs);
    // Every element we emit was checked, not just some.
    let elements = summary["elements"].to_string();
    let screening_tag = match carrier {
        Carrier::Twilio => "Gather",
        Carrier::Plivo => "Speak",
    };
    let menu_tag = match carrier {
        Carrier::Twilio => "Gather",
        Carrier::Plivo => "GetDigits",
    };
    for tag in [
        "Dial",
        "Number",
        "Record",
        "Hangup",
        "Play",
        screening_tag,
        menu_tag,
    ] {
        assert!(elements.contains(tag), "{elements}");
    }
}

/// Every messaging reply (forwards with an acknowledgement, a relayed reply, the sender's
/// notice that nobody is on call, a refused sender's empty reply) is checked against the
/// SDK's builders of replies to incoming texts (Twilio's `MessagingResponse`, Plivo's
/// `MessageElement`).
async fn every_messaging_reply_is_known_to_the_sdk(carrier: Carrier) {
    let Some(py) = python() else { return };
    let app = TestApp::spawn_with(Backend::Sqlite, carrier, "sdk")
        .await
        .unwrap();
    let a = app.user("Alice", Some(ALICE)).await;
    let b = app.user("Bob", Some(BOB)).await;
    let nobody = app.user("Dana", None).await;
    let line = app.line(&[a, b]).await;
    let empty = app.line(&[nobody]).await;
    app.patch(
        &format!("/lines/{}", empty["id"]),
        json!({ "caller_rules": { "blocked": ["+1900*"] } }),
    )
    .await;
    let mut docs = Vec::new();
    for (l, from, body) in [
        (&line, "+14155550199", "Hostile <b>&\"' text"),
        (&line, BOB, "On it"),
        (&line, "+14155550199", "thanks"),
        (&empty, "+14155550199", "anyone?"),
        (&empty, "+19005550100", "spam"),
    ] {
        let mut spec = app.spec(l);
        spec.from = from.to_owned();
        let r = switchboard_sim::send_text(
            &app.http,
            &spec,
            l["sms_url"].as_str().unwrap(),
            body,
            0,
            None,
        )
        .await
        .unwrap();
        assert_eq!(r.status, 200, "{}", r.body);
        docs.push(r.body);
    }
    let summary = check_xml(&py, app.provider(), "messaging", &docs);
    assert!(
        summary["elements"].to_string().contains("Message"),
        "{summary}"
    );
}

#[tokio::test]
async fn every_twilio_messaging_reply_is_known_to_the_twilio_sdk() {
    every_messaging_reply_is_known_to_the_sdk(Carrier::Twilio).await;
}

#[tokio::test]
async fn every_plivo_messaging_reply_is_known_to_the_plivo_sdk() {
    every_messaging_reply_is_known_to_the_sdk(Carrier::Plivo).await;
}

#[tokio::test]
async fn twilio_sdk_signatures_are_accepted_and_tampering_refused() {
    signatures_from_the_sdk(Carrier::Twilio).await;
}

#[tokio::test]
async fn plivo_sdk_signatures_are_accepted_and_tampering_refused() {
    signatures_from_the_sdk(Carrier::Plivo).await;
}

#[tokio::test]
async fn every_twiml_document_is_known_to_the_twilio_sdk() {
    every_document_is_known_to_the_sdk(Carrier::Twilio).await;
}

#[tokio::test]
async fn every_plivo_document_is_known_to_the_plivo_sdk() {
    every_document_is_known_to_the_sdk(Carrier::Plivo).await;
}
