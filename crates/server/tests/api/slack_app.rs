//! A Slack app channel, against a local stand-in of Slack's Web API: a call's message is
//! posted once and then updated in place, with the incident's buttons; a button press signed
//! with the app's signing secret acknowledges as the Switchboard user with that Slack id
//! (timeline and audit trail name them); a forged or stale press, or one from a Slack user
//! nobody has, changes nothing.

use crate::helpers::{NowTs, TestApp};
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use switchboard_sim::services::{Kind, Service};
use switchboard_sim::{Responder, VoicemailScript};

const ALICE: &str = "+14155550101";
const SECRET: &str = "8f742231b10e8888abcd99yyyzzz85a5";

fn sign(secret: &str, ts: i64, body: &str) -> String {
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("v0:{ts}:{body}").as_bytes());
    let hex: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("v0={hex}")
}

/// Presses `action` on incident `id` as Slack user `user`; `ts` and `secret` as given.
async fn press(
    app: &TestApp,
    path: &str,
    slack: &Service,
    (action, id, user): (&str, i64, &str),
    (ts, secret): (i64, &str),
) -> u16 {
    let payload = json!({
        "type": "block_actions",
        "user": {"id": user, "username": "someone"},
        "actions": [{"type": "button", "action_id": action, "value": id.to_string(),
                     "block_id": format!("incident-{id}"), "action_ts": "1700000000.1"}],
        "response_url": slack.response_url(),
        "container": {"type": "message", "message_ts": "1700000000.000001", "channel_id": "C0123456789"},
    });
    let body: String = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("payload", &payload.to_string())
        .finish();
    app.http
        .post(format!("{}{path}", app.url))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("x-slack-request-timestamp", ts.to_string())
        .header("x-slack-signature", sign(secret, ts, &body))
        .body(body)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// What the presser was told (sent from a task spawned after the answer), once there are `n`.
async fn told(slack: &Service, n: usize) -> Vec<Value> {
    slack
        .wait_responses(n, std::time::Duration::from_secs(10))
        .await
}

fn buttons(message: &Value) -> Vec<String> {
    message["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b["type"] == "actions")
        .flat_map(|b| b["elements"].as_array().unwrap().clone())
        .map(|e| e["action_id"].as_str().unwrap().to_owned())
        .collect()
}

async fn a_slack_button_press_acknowledges_and_a_forged_one_changes_nothing(app: TestApp) {
    let slack = Service::start(Kind::SlackApi {
        token: "xoxb-test-token".into(),
    })
    .await
    .unwrap();
    let (status, channel) = app
        .post(
            "/channels",
            json!({"name": "#ops", "kind": "slack_app", "webhook_url": slack.url,
                   "slack_channel": "C0123456789", "bot_token": "xoxb-test-token",
                   "signing_secret": SECRET}),
        )
        .await;
    assert_eq!(status, 201, "{channel}");
    assert!(
        !channel.to_string().contains(SECRET) && !channel.to_string().contains("xoxb-"),
        "secrets are never shown: {channel}"
    );
    let path = channel["interactivity_path"].as_str().unwrap().to_owned();
    let alice = app.user("Alice", Some(ALICE)).await;
    let (status, ada) = app
        .post(
            "/users",
            json!({"name": "Ada", "email": "ada@example.com", "slack_user_id": "U0ADA000001"}),
        )
        .await;
    assert_eq!(
        (status, &ada["slack_user_id"]),
        (201, &json!("U0ADA000001"))
    );
    let (status, err) = app
        .patch(
            &format!("/users/{alice}"),
            json!({"slack_user_id": "not-slack"}),
        )
        .await;
    assert_eq!(
        (status, &err["error"]["field"]),
        (422, &json!("slack_user_id"))
    );
    let line = app.line(&[alice]).await;
    let (status, _) = app
        .patch(
            &format!("/lines/{}", line["id"]),
            json!({"channels": [channel["id"]]}),
        )
        .await;
    assert_eq!(status, 200);

    // Nobody answers: the message is posted (the ringing notice), then updated in place.
    let mut spec = app.spec(&line).responder(ALICE, Responder::NoAnswer);
    spec.caller.voicemail = VoicemailScript::Leave { secs: 10 };
    app.call(&spec).await;
    app.settle().await;
    let calls = slack.api_calls();
    let methods: Vec<&str> = calls.iter().map(|c| c.0.as_str()).collect();
    assert_eq!(methods, ["chat.postMessage", "chat.update"], "{calls:?}");
    assert_eq!(calls[0].1, calls[1].1, "the same message");
    let messages = slack.messages();
    assert_eq!(messages.len(), 1);
    assert!(messages[0].1["text"]
        .as_str()
        .unwrap()
        .contains("VOICEMAIL"));
    assert_eq!(
        buttons(&messages[0].1),
        ["incident_acknowledge", "incident_resolve"]
    );
    let (_, list) = app.get("/incidents").await;
    let id = list["incidents"][0]["id"].as_i64().unwrap();
    let now = app.clock.now_ts().as_second();

    // Forged, stale, or from a Slack user nobody has: nothing changes.
    let ack = ("incident_acknowledge", id, "U0ADA000001");
    assert_eq!(
        press(
            &app,
            &path,
            &slack,
            ack,
            (now, "0000000000000000forged00000000")
        )
        .await,
        401
    );
    assert_eq!(
        press(&app, &path, &slack, ack, (now - 301, SECRET)).await,
        401
    );
    let stranger = ("incident_acknowledge", id, "U0NOBODY001");
    assert_eq!(
        press(&app, &path, &slack, stranger, (now, SECRET)).await,
        200
    );
    let said = told(&slack, 1).await;
    assert!(
        said[0]["text"].as_str().unwrap().contains("not linked"),
        "{said:?}"
    );
    let (_, inc) = app.get(&format!("/incidents/{id}")).await;
    assert_eq!(inc["status"], "triggered", "nothing changed");

    // Ada has no team, and the line none: its incidents are for admins only.
    assert_eq!(press(&app, &path, &slack, ack, (now, SECRET)).await, 200);
    let said = told(&slack, 2).await;
    assert_eq!(
        said[1]["text"],
        format!("Incident #{id} is not one you can change.")
    );
    let (status, _) = app
        .put(
            &format!("/users/{}/role", ada["id"]),
            json!({"role": "admin"}),
        )
        .await;
    assert_eq!(status, 200);

    // Now Ada's press acknowledges in her name, in the timeline and the audit trail.
    assert_eq!(press(&app, &path, &slack, ack, (now, SECRET)).await, 200);
    let said = told(&slack, 3).await;
    assert_eq!(
        said[2]["text"],
        format!("Incident #{id} is acknowledged now.")
    );
    assert_eq!(said[2]["response_type"], "ephemeral");
    let (_, inc) = app.get(&format!("/incidents/{id}")).await;
    assert_eq!(inc["status"], "acknowledged");
    let last = inc["timeline"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["message"], "Acknowledged by Ada (from Slack)");
    assert_eq!(last["actor"]["user"], ada["id"]);
    let (_, audit) = app
        .get(&format!("/audit?target=incidents/{id}&action=slack"))
        .await;
    let entry = &audit["entries"][0];
    assert_eq!(entry["action"], "slack incident_acknowledge", "{audit}");
    assert!(entry["actor"]
        .as_str()
        .unwrap()
        .starts_with("Ada <ada@example.com>"));
    // The message is redrawn in place: only Resolve is left.
    app.settle().await;
    assert_eq!(slack.messages().len(), 1, "still one message");
    assert_eq!(buttons(&slack.messages()[0].1), ["incident_resolve"]);
    // Pressing Acknowledge again says why nothing changed.
    assert_eq!(press(&app, &path, &slack, ack, (now, SECRET)).await, 200);
    let said = told(&slack, 4).await;
    assert!(
        said[3]["text"]
            .as_str()
            .unwrap()
            .contains("acknowledged already"),
        "{said:?}"
    );
    assert!(slack.refused().is_empty(), "{:?}", slack.refused());
    // Resolved elsewhere (the API): the message is redrawn without buttons.
    let (status, _) = app
        .patch(&format!("/incidents/{id}"), json!({"status": "resolved"}))
        .await;
    assert_eq!(status, 200);
    app.settle().await;
    assert!(buttons(&slack.messages()[0].1).is_empty());
    assert!(slack.messages()[0].1.to_string().contains("(resolved)"));
}

/// Posts a Twilio webhook to `url`, signed with the line's auth token.
async fn twilio(app: &TestApp, url: &str, params: &[(&str, &str)]) -> u16 {
    let form = switchboard_providers::form::Form(
        params
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    );
    let sig = switchboard_providers::twilio::signature::sign("line-auth-token", url, &form);
    app.http
        .post(url)
        .header("x-twilio-signature", sig)
        .form(&form.0)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// The message goes out while the call still rings, and the end of the call updates it.
async fn the_message_is_posted_while_it_rings_and_updated_when_it_ends(app: TestApp) {
    let slack = Service::start(Kind::SlackApi {
        token: "xoxb-test-token".into(),
    })
    .await
    .unwrap();
    let (_, channel) = app
        .post(
            "/channels",
            json!({"name": "#ops", "kind": "slack_app", "webhook_url": slack.url,
                   "slack_channel": "C0123456789", "bot_token": "xoxb-test-token",
                   "signing_secret": SECRET}),
        )
        .await;
    let alice = app.user("Alice", Some(ALICE)).await;
    let line = app.line(&[alice]).await;
    app.patch(
        &format!("/lines/{}", line["id"]),
        json!({"channels": [channel["id"]]}),
    )
    .await;
    let call = [
        ("AccountSid", "AC00000000000000000000000000000001"),
        ("CallSid", "CA5000000000000000000000000000ring"),
        ("From", "+14155550142"),
        ("To", line["number"].as_str().unwrap()),
        ("Direction", "inbound"),
    ];
    let mut ringing = call.to_vec();
    ringing.push(("CallStatus", "ringing"));
    assert_eq!(
        twilio(&app, line["webhook_url"].as_str().unwrap(), &ringing).await,
        200
    );
    app.settle().await;
    let posted = slack.messages();
    assert_eq!(posted.len(), 1, "posted while it rings");
    let text = posted[0].1["text"].as_str().unwrap().to_owned();
    assert!(text.contains("ringing now"), "{text}");
    assert!(buttons(&posted[0].1).is_empty(), "no incident yet");
    let mut ended = call.to_vec();
    ended.extend([("CallStatus", "completed"), ("CallDuration", "9")]);
    let status_url = line["status_callback_url"].as_str().unwrap();
    assert_eq!(twilio(&app, status_url, &ended).await, 204);
    app.settle().await;
    let methods: Vec<String> = slack.api_calls().into_iter().map(|c| c.0).collect();
    assert_eq!(methods, ["chat.postMessage", "chat.update"]);
    let now = &slack.messages()[0].1;
    assert!(
        !now["text"].as_str().unwrap().contains("ringing now"),
        "{now}"
    );
    assert_eq!(
        buttons(now),
        ["incident_acknowledge", "incident_resolve"],
        "the hang-up opened an incident"
    );
}

crate::on_all!(a_slack_button_press_acknowledges_and_a_forged_one_changes_nothing);
mod twilio_only {
    crate::on_both!(the_message_is_posted_while_it_rings_and_updated_when_it_ends);
    use super::*;
}
