//! Email channels against a real SMTP server on loopback (aiosmtpd, `tools/smtp/server.py`,
//! run by the Python that `SWITCHBOARD_TEST_SMTP_PYTHON` names; `.ci/run` installs it): a
//! voicemail's alert arrives as plain text and HTML with the voicemail attached, byte for
//! byte; a server that says "later" or is down gets the alert once it takes it; one that
//! refuses it permanently fails the delivery with its reason. Both carriers, both backends.

use crate::helpers::TestApp;
use serde_json::{json, Value};
use sha2::Digest;
use std::sync::{Arc, Mutex};
use switchboard_sim::{Responder, VoicemailScript};
use tokio::io::AsyncWriteExt;

const ALICE: &str = "+14155550101";

/// The SMTP server process and what it took.
struct Smtp {
    port: u16,
    got: Arc<Mutex<Vec<Value>>>,
    arrived: Arc<tokio::sync::Notify>,
    child: tokio::process::Child,
}

impl Smtp {
    /// Starts the server on `port` (0: a free one) in `mode`; `None` (after saying so) when
    /// no Python with aiosmtpd is configured here.
    async fn start(port: u16, mode: &str) -> Option<Smtp> {
        let port = match port {
            0 => crate::binary::free_port(),
            p => p,
        };
        let (child, mut lines) = crate::helpers::python_tool(
            "SWITCHBOARD_TEST_SMTP_PYTHON",
            "aiosmtpd",
            "smtp/server.py",
            &[port.to_string(), mode.to_owned()],
        )
        .await?;
        let (got, arrived) = (
            Arc::new(Mutex::new(vec![])),
            Arc::new(tokio::sync::Notify::new()),
        );
        let (g, a) = (got.clone(), arrived.clone());
        tokio::spawn(async move {
            while let Ok(Some(line)) = lines.next_line().await {
                g.lock().unwrap().push(serde_json::from_str(&line).unwrap());
                a.notify_waiters();
            }
        });
        Some(Smtp {
            port,
            got,
            arrived,
            child,
        })
    }

    /// The messages taken, once there are `n` (the server prints each before it answers 250,
    /// so this waits only for our reader).
    async fn messages(&self, n: usize) -> Vec<Value> {
        let wait = async {
            loop {
                let notified = self.arrived.notified();
                if self.got.lock().unwrap().len() >= n {
                    return;
                }
                notified.await;
            }
        };
        tokio::time::timeout(std::time::Duration::from_secs(10), wait)
            .await
            .unwrap_or_else(|_| {
                panic!("{n} messages expected, got {:?}", self.got.lock().unwrap())
            });
        self.got.lock().unwrap().clone()
    }

    async fn stop(mut self) {
        let _ = self.child.stdin.take().unwrap().shutdown().await;
        let _ = self.child.kill().await;
    }
}

async fn with_smtp(app: &mut TestApp, smtp: &Smtp) {
    app.smtp = Some(switchboard::email::SmtpConfig {
        url: format!("smtp://127.0.0.1:{}", smtp.port),
        from: "Switchboard <switchboard@example.com>".parse().unwrap(),
    });
    app.restart().await;
}

/// An email channel on a line ringing Alice.
async fn email_line(app: &TestApp) -> (Value, i64) {
    let (status, c) = app
        .post(
            "/channels",
            json!({"name": "Ops mail", "kind": "email",
                   "email_to": ["oncall@example.com", "lead@example.com"]}),
        )
        .await;
    assert_eq!(status, 201, "{c}");
    assert_eq!(
        c["email_to"],
        json!(["oncall@example.com", "lead@example.com"])
    );
    let alice = app.user("Alice", Some(ALICE)).await;
    let line = app.line(&[alice]).await;
    let (status, _) = app
        .patch(
            &format!("/lines/{}", line["id"]),
            json!({"channels": [c["id"]]}),
        )
        .await;
    assert_eq!(status, 200);
    (line, c["id"].as_i64().unwrap())
}

/// A call Alice answers (no voicemail to wait for).
async fn answered_call(app: &TestApp, line: &Value) -> Value {
    let spec = app.spec(line).responder(
        ALICE,
        Responder::Answer {
            after_secs: 1,
            talk_secs: 5,
        },
    );
    let (_, call) = app.call(&spec).await;
    assert_eq!(call["outcome"], "answered");
    call
}

async fn voicemail_call(app: &TestApp, line: &Value) -> Value {
    let mut spec = app.spec(line).responder(ALICE, Responder::NoAnswer);
    spec.caller.voicemail = VoicemailScript::Leave { secs: 8 };
    let (_, call) = app.call(&spec).await;
    assert_eq!(call["outcome"], "voicemail");
    call
}

async fn a_voicemail_is_mailed_with_the_recording_attached(mut app: TestApp) {
    // Without SMTP settings an email channel is refused, naming what is missing.
    let (status, err) = app
        .post(
            "/channels",
            json!({"name": "x", "kind": "email", "email_to": ["a@example.com"]}),
        )
        .await;
    assert_eq!(
        (status, &err["error"]["field"]),
        (422, &json!("kind")),
        "{err}"
    );
    let Some(smtp) = Smtp::start(0, "accept").await else {
        return;
    };
    with_smtp(&mut app, &smtp).await;
    let (status, err) = app
        .post(
            "/channels",
            json!({"name": "x", "kind": "email", "email_to": ["Ops <ops@example.com>"]}),
        )
        .await;
    assert_eq!(
        (status, &err["error"]["field"]),
        (422, &json!("email_to")),
        "{err}"
    );
    let (line, channel) = email_line(&app).await;
    let (status, err) = app
        .patch(
            &format!("/channels/{channel}"),
            json!({"live_notices": true}),
        )
        .await;
    assert_eq!(status, 422, "{err}");

    let call = voicemail_call(&app, &line).await;
    app.settle().await;
    // The alert may wait for the voicemail to be stored; it is, after settling.
    app.clock.advance_secs(30);
    app.settle().await;
    let got = smtp.messages(1).await;
    let m = &got[0];
    assert_eq!(
        m["rcpt_tos"],
        json!(["oncall@example.com", "lead@example.com"])
    );
    assert_eq!(m["from"], "Switchboard <switchboard@example.com>");
    assert!(
        m["subject"]
            .as_str()
            .unwrap()
            .starts_with("🚨 Call to Engineering Hotline from"),
        "{m}"
    );
    assert!(
        m["subject"].as_str().unwrap().ends_with("VOICEMAIL left"),
        "{m}"
    );
    assert_eq!(m["content_type"], "multipart/mixed");
    let parts = m["parts"].as_array().unwrap();
    let of = |t: &str| {
        parts
            .iter()
            .find(|p| p["type"] == t)
            .unwrap_or_else(|| panic!("no {t} in {m}"))
    };
    let text = of("text/plain")["text"].as_str().unwrap();
    assert!(
        text.contains("Outcome: voicemail") && text.contains("Path: Alice did not answer"),
        "{text}"
    );
    assert!(text.contains(&format!("/calls/{}", call["id"])), "{text}");
    assert!(of("text/html")["text"]
        .as_str()
        .unwrap()
        .contains("<table>"));
    // The attachment is the stored voicemail (WAV from one carrier, MP3 from the other), byte
    // for byte.
    let file = parts
        .iter()
        .find(|p| p["type"].as_str().unwrap().starts_with("audio/"))
        .unwrap_or_else(|| panic!("no voicemail attached: {m}"));
    let ext = if file["type"] == "audio/mpeg" {
        "mp3"
    } else {
        "wav"
    };
    assert_eq!(file["filename"], format!("voicemail-{}.{ext}", call["id"]));
    let recs = app.stored_recordings(call["id"].as_i64().unwrap()).await;
    let media = app
        .http
        .get(format!(
            "{}{}",
            app.url,
            recs[0]["media_url"].as_str().unwrap()
        ))
        .bearer_auth(&app.token)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(file["sha256"], hex(&sha2::Sha256::digest(&media)));
    let (_, stored) = app.get(&format!("/calls/{}", call["id"])).await;
    assert_eq!(
        stored["alerts"][0]["status"], "delivered",
        "{}",
        stored["alerts"]
    );
    smtp.stop().await;
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

async fn an_alert_waits_for_a_mail_server_that_is_busy_or_down(mut app: TestApp) {
    let Some(smtp) = Smtp::start(0, "later").await else {
        return;
    };
    with_smtp(&mut app, &smtp).await;
    let (line, _) = email_line(&app).await;
    // 451: tried again later, then taken.
    let call = answered_call(&app, &line).await;
    app.settle().await;
    let (_, c) = app.get(&format!("/calls/{}", call["id"])).await;
    assert_eq!(c["alerts"][0]["status"], "queued", "{}", c["alerts"]);
    assert!(
        c["alerts"][0]["last_error"]
            .as_str()
            .unwrap()
            .contains("451"),
        "{}",
        c["alerts"]
    );
    assert!(smtp.got.lock().unwrap().is_empty());
    app.clock.advance_secs(60);
    app.settle().await;
    assert_eq!(smtp.messages(1).await.len(), 1);
    let (_, c) = app.get(&format!("/calls/{}", call["id"])).await;
    assert_eq!(c["alerts"][0]["status"], "delivered");
    // The server is down: the alert waits; it is delivered once the server is back.
    let port = smtp.port;
    smtp.stop().await;
    let call = answered_call(&app, &line).await;
    app.settle().await;
    let (_, c) = app.get(&format!("/calls/{}", call["id"])).await;
    assert_eq!(c["alerts"][0]["status"], "queued", "{}", c["alerts"]);
    assert!(
        c["alerts"][0]["last_error"]
            .as_str()
            .unwrap()
            .starts_with("the mail server did not take the message"),
        "{}",
        c["alerts"]
    );
    let back = Smtp::start(port, "accept").await.unwrap();
    app.clock.advance_secs(600);
    app.settle().await;
    let got = back.messages(1).await;
    assert!(
        got[0]["subject"]
            .as_str()
            .unwrap()
            .ends_with("answered by Alice"),
        "{}",
        got[0]
    );
    let (_, c) = app.get(&format!("/calls/{}", call["id"])).await;
    assert_eq!(c["alerts"][0]["status"], "delivered");
    back.stop().await;
}

async fn a_permanent_refusal_fails_the_delivery_with_its_reason(mut app: TestApp) {
    let Some(smtp) = Smtp::start(0, "reject").await else {
        return;
    };
    with_smtp(&mut app, &smtp).await;
    let (line, _) = email_line(&app).await;
    let call = voicemail_call(&app, &line).await;
    app.settle().await;
    app.clock.advance_secs(30);
    app.settle().await;
    let (_, c) = app.get(&format!("/calls/{}", call["id"])).await;
    let alert = &c["alerts"][0];
    assert_eq!(alert["status"], "failed", "{alert}");
    let why = alert["last_error"].as_str().unwrap();
    assert!(why.contains("refused") && why.contains("550"), "{why}");
    smtp.stop().await;
}

crate::on_all!(a_voicemail_is_mailed_with_the_recording_attached);
mod faults {
    use super::*;
    crate::on_both!(
        an_alert_waits_for_a_mail_server_that_is_busy_or_down,
        a_permanent_refusal_fails_the_delivery_with_its_reason,
    );
}
