//! Voicemail transcripts through the simulator on both carriers and both backends: an
//! OpenAI-compatible engine (success, 429, 500, a timeout, a refused key) fed from our stored
//! copy, and the carrier's own transcription callback (text, failure, none at all); the
//! transcript in the call, the log, the list search, the CSV and the chat alert.

use crate::alerts::Receiver;
use crate::helpers::TestApp;
use serde_json::{json, Value};
use switchboard::transcribe::Engine;
use switchboard_sim::whisper::{Answer, TranscriptionServer};
use switchboard_sim::VoicemailScript;

const ALICE: &str = "+14155550101";
const SPOKEN: &str = "Hi, this is Dana from Acme. Our payment gateway is down since nine.";

fn openai(server: &TranscriptionServer, key: &str) -> Engine {
    Engine::OpenAi {
        url: server.url.clone(),
        model: "whisper-1".into(),
        key: Some(key.into()),
        language: Some("en".into()),
        timeout_secs: 2,
    }
}

/// A line ringing Alice (who does not answer), alerting a Slack channel; a voicemail left.
async fn voicemail_call(app: &TestApp) -> (Value, Receiver) {
    let slack = Receiver::start((200, "ok")).await;
    let (_, ch) = app
        .post(
            "/channels",
            json!({"name": "#oncall", "kind": "slack", "webhook_url": slack.url}),
        )
        .await;
    let alice = app.user("Alice", Some(ALICE)).await;
    let line = app.line(&[alice]).await;
    let (status, body) = app
        .patch(
            &format!("/lines/{}", line["id"]),
            json!({"channels": [ch["id"]]}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let mut spec = app.spec(&line);
    spec.caller.voicemail = VoicemailScript::Leave { secs: 12 };
    let (t, call) = app.call(&spec).await;
    assert_eq!(call["outcome"], "voicemail", "{t}");
    (call, slack)
}

async fn call(app: &TestApp, id: &Value) -> Value {
    app.get(&format!("/calls/{id}")).await.1
}

use crate::helpers::log_messages as log;

fn slack_texts(r: &Receiver) -> Vec<String> {
    r.got
        .lock()
        .unwrap()
        .iter()
        .map(|v| v.to_string())
        .collect()
}

async fn an_engine_transcribes_our_copy_and_everyone_sees_it(mut app: TestApp) {
    let server = TranscriptionServer::start(SPOKEN, Some("sk-test"))
        .await
        .unwrap();
    app.transcription = Some(openai(&server, "sk-test"));
    app.restart().await;
    let (c, slack) = voicemail_call(&app).await;
    // Transcribing from the moment the voicemail is known.
    assert_eq!(c["transcript"], json!({"state": "transcribing"}), "{c}");
    app.settle().await;
    let c = call(&app, &c["id"]).await;
    assert_eq!(
        c["transcript"],
        json!({"state": "done", "text": SPOKEN}),
        "{c}"
    );
    let vm = c["recordings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["kind"] == "voicemail")
        .unwrap();
    assert_eq!(vm["transcript"]["text"], SPOKEN);
    assert!(
        log(&c).iter().any(|m| *m
            == format!(
                "Voicemail transcribed ({} characters)",
                SPOKEN.chars().count()
            )),
        "{:?}",
        log(&c)
    );
    // What the engine got: our stored copy, with the model and language configured.
    let seen = server.seen();
    assert_eq!(seen.len(), 1);
    let s = &seen[0];
    assert!(s.authorized);
    assert_eq!(s.model.as_deref(), Some("whisper-1"));
    assert_eq!(s.language.as_deref(), Some("en"));
    assert_eq!(s.response_format.as_deref(), Some("json"));
    let ext = if app.provider() == "plivo" {
        ".mp3"
    } else {
        ".wav"
    };
    assert!(s.file_name.as_deref().unwrap().ends_with(ext), "{s:?}");
    assert!(s.file_bytes > 0);
    // The chat alert has it (it waits for it a bounded time: see the next test).
    let sent = slack_texts(&slack);
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert!(
        sent[0].contains("Voicemail transcript") && sent[0].contains("payment gateway is down")
    );
    // The call list finds it by its words, in any case; other words find nothing.
    let (_, found) = app.get("/calls?q=GATEWAY%20is%20DOWN").await;
    assert_eq!(found["calls"].as_array().unwrap().len(), 1, "{found}");
    assert_eq!(found["calls"][0]["id"], c["id"]);
    let (_, none) = app.get("/calls?q=refund").await;
    assert!(none["calls"].as_array().unwrap().is_empty(), "{none}");
    let (status, err) = app.get("/calls?q=").await;
    assert_eq!(status, 422, "{err}");
    assert_eq!(err["error"]["field"], "q");
    // The call page shows it under the voicemail; the calls page finds the call by it.
    let cookie = crate::pages::owner_session(&app).await;
    let (status, html) = crate::pages::page(&app, &cookie, &format!("/calls/{}", c["id"])).await;
    assert_eq!(status, 200);
    let doc = scraper::Html::parse_document(&html);
    let shown: Vec<String> = doc
        .select(&crate::pages::sel(
            "figure.transcript[data-state=done] blockquote",
        ))
        .map(|e| e.text().collect())
        .collect();
    assert_eq!(shown, [SPOKEN], "{html}");
    let (_, list) = crate::pages::page(&app, &cookie, "/calls?caller=gateway").await;
    assert!(list.contains(&format!("/calls/{}", c["id"])), "{list}");
    let (_, list) = crate::pages::page(&app, &cookie, "/calls?caller=refund").await;
    assert!(!list.contains(&format!("/calls/{}\"", c["id"])), "{list}");
    // The CSV has it in its last column.
    let csv = app
        .http
        .get(app.api("/calls/export.csv"))
        .bearer_auth(&app.token)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        csv.lines()
            .next()
            .unwrap()
            .ends_with(",voicemail_transcript"),
        "{csv}"
    );
    assert!(csv.contains(SPOKEN), "{csv}");
}

async fn a_busy_or_broken_engine_is_tried_again_with_the_reason_shown(mut app: TestApp) {
    let server = TranscriptionServer::start(SPOKEN, Some("sk-test"))
        .await
        .unwrap();
    server.answer_next(Answer::RateLimited(Some(30)), 1);
    server.answer_next(Answer::Broken, 1);
    server.answer_next(Answer::Hang, 1);
    app.transcription = Some(openai(&server, "sk-test"));
    app.restart().await;
    let (c, slack) = voicemail_call(&app).await;
    let id = c["id"].clone();
    app.settle().await;
    let waiting = |slack: &Receiver| slack_texts(slack).is_empty();
    let c = call(&app, &id).await;
    assert_eq!(
        c["transcript"],
        json!({"state": "transcribing", "note": "the engine answered HTTP 429: Rate limit reached."})
    );
    // Not before the engine's Retry-After.
    app.clock.advance_secs(20);
    app.settle().await;
    assert_eq!(server.seen().len(), 1);
    app.clock.advance_secs(11);
    app.settle().await;
    assert!(waiting(&slack), "the alert waits for the transcript");
    let c = call(&app, &id).await;
    assert_eq!(
        c["transcript"]["note"],
        "the engine answered HTTP 500: The server had an error while processing your request."
    );
    app.clock.advance_secs(60);
    app.settle().await;
    assert!(waiting(&slack), "the alert waits for the transcript");
    let c = call(&app, &id).await;
    assert_eq!(
        c["transcript"]["note"],
        "the engine did not answer within 2 s"
    );
    app.clock.advance_secs(120);
    app.settle().await;
    let c = call(&app, &id).await;
    assert_eq!(c["transcript"], json!({"state": "done", "text": SPOKEN}));
    assert_eq!(server.seen().len(), 4);
    // The alert waited no longer than its bound (2 minutes after the call): it went once,
    // saying the transcript was still being made; the call log has it.
    let sent = slack_texts(&slack);
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert!(
        sent[0].contains("transcribing… (on the call log when it is made)"),
        "{sent:?}"
    );
    assert!(log(&c)
        .iter()
        .any(|m| m.starts_with("Voicemail transcribed")));
}

async fn a_refused_key_fails_for_good_with_the_engines_reason(mut app: TestApp) {
    let server = TranscriptionServer::start(SPOKEN, Some("sk-right"))
        .await
        .unwrap();
    app.transcription = Some(openai(&server, "sk-wrong"));
    app.restart().await;
    let (c, slack) = voicemail_call(&app).await;
    app.settle().await;
    let c = call(&app, &c["id"]).await;
    let reason = "the engine answered HTTP 401: Incorrect API key provided.";
    assert_eq!(
        c["transcript"],
        json!({"state": "failed", "reason": reason})
    );
    assert!(
        log(&c).contains(&format!("No voicemail transcript: {reason}")),
        "{:?}",
        log(&c)
    );
    // The key is never shown, in the call or the log.
    assert!(!c.to_string().contains("sk-wrong"));
    // The alert did not wait for a transcript that will not come, and says why.
    let sent = slack_texts(&slack);
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert!(
        sent[0].contains("no transcript: the engine answered HTTP 401"),
        "{sent:?}"
    );
}

async fn the_carrier_transcribes_by_callback(mut app: TestApp) {
    app.transcription = Some(Engine::Carrier);
    app.restart().await;
    let alice = app.user("Alice", Some(ALICE)).await;
    let line = app.line(&[alice]).await;
    let text = "Please call me back about invoice forty two.";
    for outcome in [
        Some(Ok(text.to_owned())),
        Some(Err("Recording file size too large".to_owned())),
        None,
    ] {
        let mut spec = app.spec(&line);
        spec.caller.voicemail = VoicemailScript::Leave { secs: 12 };
        spec.carrier_transcript = outcome.clone();
        let (t, c) = app.call(&spec).await;
        // The <Record> asked for it, and the callback was taken.
        let asked = t
            .documents
            .iter()
            .any(|d| d.contains("transcribeCallback=") || d.contains("transcriptionType=\"auto\""));
        assert!(asked, "{t}");
        match &outcome {
            Some(Ok(text)) => {
                assert_eq!(t.transcript_status, Some(204), "{t}");
                assert_eq!(c["transcript"], json!({"state": "done", "text": text}));
            }
            Some(Err(e)) => {
                assert_eq!(t.transcript_status, Some(204), "{t}");
                let carrier = if app.provider() == "plivo" {
                    "Plivo"
                } else {
                    "Twilio"
                };
                let reason = c["transcript"]["reason"].as_str().unwrap();
                assert!(
                    reason.starts_with(&format!("{carrier} could not transcribe")),
                    "{reason}"
                );
                if carrier == "Plivo" {
                    assert!(reason.ends_with(e.as_str()), "{reason}");
                }
            }
            None => {
                // Nothing came: "transcribing…" until the wait is over, then failed.
                assert_eq!(c["transcript"]["state"], "transcribing");
                app.settle().await;
                app.clock.advance_secs(15 * 60);
                app.settle().await;
                let c = call(&app, &c["id"]).await;
                assert_eq!(
                    c["transcript"],
                    json!({"state": "failed", "reason": "the carrier sent no transcript within 15 minutes"})
                );
            }
        }
    }
}

async fn a_forged_transcript_callback_stores_nothing(mut app: TestApp) {
    app.transcription = Some(Engine::Carrier);
    app.restart().await;
    let alice = app.user("Alice", Some(ALICE)).await;
    let line = app.line(&[alice]).await;
    let spec = app.spec(&line).responder(
        ALICE,
        switchboard_sim::Responder::Answer {
            after_secs: 2,
            talk_secs: 5,
        },
    );
    let (_, c) = app.call(&spec).await;
    // A forged, unsigned transcript callback is refused and stores nothing.
    let url = format!(
        "{}/calls/{}/transcript",
        line["webhook_url"]
            .as_str()
            .unwrap()
            .trim_end_matches("/voice"),
        c["id"]
    );
    let r = app
        .http
        .post(&url)
        .form(&[
            ("TranscriptionStatus", "completed"),
            ("TranscriptionText", "x"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let c = call(&app, &c["id"]).await;
    assert!(c["transcript"].is_null(), "{c}");
}

/// A Slack app channel does not wait for the transcript: its message says it is being made,
/// and is updated in place once it is.
async fn a_slack_app_message_is_updated_with_the_transcript(mut app: TestApp) {
    use switchboard_sim::services::{Kind, Service};
    let server = TranscriptionServer::start(SPOKEN, Some("sk-test"))
        .await
        .unwrap();
    server.answer_next(Answer::RateLimited(Some(30)), 1);
    app.transcription = Some(openai(&server, "sk-test"));
    app.restart().await;
    let slack = Service::start(Kind::SlackApi {
        token: "xoxb-test-token".into(),
    })
    .await
    .unwrap();
    let (status, ch) = app
        .post(
            "/channels",
            json!({"name": "#ops", "kind": "slack_app", "webhook_url": slack.url,
                   "slack_channel": "C0123456789", "bot_token": "xoxb-test-token",
                   "signing_secret": "8f742231b10e8888abcd99yyyzzz85a5"}),
        )
        .await;
    assert_eq!(status, 201, "{ch}");
    let alice = app.user("Alice", Some(ALICE)).await;
    let line = app.line(&[alice]).await;
    app.patch(
        &format!("/lines/{}", line["id"]),
        json!({"channels": [ch["id"]]}),
    )
    .await;
    let mut spec = app.spec(&line);
    spec.caller.voicemail = VoicemailScript::Leave { secs: 12 };
    app.call(&spec).await;
    app.settle().await;
    let message = || slack.messages()[0].1.to_string();
    assert!(message().contains("transcribing…"), "{}", message());
    app.clock.advance_secs(31);
    app.settle().await;
    assert!(
        message().contains("payment gateway is down"),
        "{}",
        message()
    );
    let methods: Vec<String> = slack.api_calls().into_iter().map(|c| c.0).collect();
    assert_eq!(
        methods.last().map(String::as_str),
        Some("chat.update"),
        "{methods:?}"
    );
}

crate::on_all!(
    a_slack_app_message_is_updated_with_the_transcript,
    an_engine_transcribes_our_copy_and_everyone_sees_it,
    a_busy_or_broken_engine_is_tried_again_with_the_reason_shown,
    a_refused_key_fails_for_good_with_the_engines_reason,
    the_carrier_transcribes_by_callback,
    a_forged_transcript_callback_stores_nothing,
);
