//! After hours, not forgotten: a voicemail or text left while a line is closed is alerted
//! again (and its incident triggered again) when the line opens, unless someone handled it.

use crate::alerts::{channel, Receiver};
use crate::helpers::TestApp;
use serde_json::{json, Value};
use switchboard_sim::services::{Kind, Service};

const ALICE: &str = "+14155550101";

/// A line open Monday to Friday 09:00–17:00 in Berlin, closed to voicemail otherwise, alerting
/// a Slack channel; the clock at Saturday noon in Berlin.
async fn closed_line(app: &TestApp, slack: &Receiver) -> Value {
    let a = app.user("Alice", Some(ALICE)).await;
    let line = app.line(&[a]).await;
    let ch = channel(app, "slack", &slack.url).await;
    let (status, body) = app
        .patch(
            &format!("/lines/{}", line["id"]),
            json!({ "channels": [ch], "business_hours": {
                "time_zone": "Europe/Berlin",
                "open": [{ "type": "weekly", "start_day": "monday", "start": "09:00",
                           "end_day": "friday", "end": "17:00" }],
                "after_hours": { "action": "voicemail" },
            } }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    app.clock.set("2026-11-28T11:00:00Z".parse().unwrap());
    body
}

async fn text_from(app: &TestApp, line: &Value, from: &str, body: &str) -> String {
    let r = crate::texts::text(app, line, from, body).await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.message_id
}

fn alerts(slack: &Receiver) -> Vec<String> {
    slack
        .got
        .lock()
        .unwrap()
        .iter()
        .map(|v| v["text"].as_str().unwrap_or_default().to_owned())
        .collect()
}

async fn a_message_left_after_hours_is_alerted_again_when_the_line_opens(app: TestApp) {
    let slack = Receiver::start((200, "ok")).await;
    let line = closed_line(&app, &slack).await;
    // PagerDuty is told of the incidents, and told again when the line opens.
    let pd = Service::start(Kind::Pagerduty).await.unwrap();
    let (status, made) = app
        .post(
            "/integrations",
            json!({"name": "PagerDuty", "kind": "pagerduty", "url": pd.url,
                   "secret": "0123456789abcdef0123456789abcdef"}),
        )
        .await;
    assert_eq!(status, 201, "{made}");
    let (t, call) = app.call(&app.spec(&line)).await;
    assert!(t.heard("We are closed right now"), "{t}");
    assert_eq!(call["outcome"], "voicemail");
    let sid = text_from(
        &app,
        &line,
        "+14155550198",
        "Card payments failing since 11:00",
    )
    .await;
    app.settle().await;
    assert_eq!(alerts(&slack).len(), 2, "{:?}", alerts(&slack));
    let triggers = || {
        pd.accepted()
            .iter()
            .filter(|e| e["event_action"] == "trigger")
            .count()
    };
    assert_eq!(triggers(), 2);

    // Monday 08:59 in Berlin (07:59 UTC): still closed, nothing new.
    app.clock.set("2026-11-30T07:59:00Z".parse().unwrap());
    app.settle().await;
    assert_eq!(alerts(&slack).len(), 2);
    // 09:00 in Berlin: both are alerted again, as new messages.
    app.clock.set("2026-11-30T08:00:00Z".parse().unwrap());
    app.settle().await;
    let all = alerts(&slack);
    assert_eq!(all.len(), 4, "{all:?}");
    let again: Vec<&String> = all[2..].iter().collect();
    assert!(
        again
            .iter()
            .all(|a| a.contains("Still unhandled now that the line is open")),
        "{all:?}"
    );
    assert!(
        again
            .iter()
            .any(|a| a.contains("Call to Engineering Hotline")),
        "{all:?}"
    );
    assert!(
        again
            .iter()
            .any(|a| a.contains("Text to Engineering Hotline")),
        "{all:?}"
    );
    let (_, call) = app.get(&format!("/calls/{}", call["id"])).await;
    assert!(call["events"]
        .to_string()
        .contains("The line opened again and nobody has handled the voicemail: alerting again"));
    let conv = app.call_by_sid(&sid).await;
    assert!(conv["events"]
        .to_string()
        .contains("nobody has handled the text: alerting again"));
    // Their incidents are triggered again, on their timelines.
    let (_, list) = app.get("/incidents").await;
    let incidents = list["incidents"].as_array().unwrap();
    assert_eq!(incidents.len(), 2, "{list}");
    for inc in incidents {
        let (_, detail) = app.get(&format!("/incidents/{}", inc["id"])).await;
        assert!(
            detail["timeline"].to_string().contains("triggered again"),
            "{detail}"
        );
    }
    assert_eq!(triggers(), 4, "each incident triggered again at PagerDuty");
    // Once only.
    app.clock.set("2026-12-01T08:00:00Z".parse().unwrap());
    app.settle().await;
    assert_eq!(alerts(&slack).len(), 4);
    assert_eq!(triggers(), 4);
}

async fn a_message_handled_meanwhile_is_not_alerted_again(app: TestApp) {
    let slack = Receiver::start((200, "ok")).await;
    let line = closed_line(&app, &slack).await;
    let (_, call) = app.call(&app.spec(&line)).await;
    let sid = text_from(&app, &line, "+14155550198", "Card payments failing").await;
    app.settle().await;
    assert_eq!(alerts(&slack).len(), 2);
    // Sunday: someone acknowledges the voicemail's incident and archives the text.
    app.clock.set("2026-11-29T10:00:00Z".parse().unwrap());
    let (_, inc) = app.get(&format!("/calls/{}", call["id"])).await;
    let (_, list) = app.get("/incidents").await;
    let voicemail_incident = list["incidents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["caller_number"] == "+14155550199")
        .unwrap_or_else(|| panic!("{list} {inc}"))["id"]
        .clone();
    let (status, _) = app
        .patch(
            &format!("/incidents/{voicemail_incident}"),
            json!({ "status": "acknowledged" }),
        )
        .await;
    assert_eq!(status, 200);
    let conv = app.call_by_sid(&sid).await;
    let (status, _) = app
        .post(&format!("/calls/{}/archive", conv["id"]), json!({}))
        .await;
    assert_eq!(status, 200);
    app.clock.set("2026-11-30T08:00:00Z".parse().unwrap());
    app.settle().await;
    assert_eq!(alerts(&slack).len(), 2, "no reminder: {:?}", alerts(&slack));
    let (_, call) = app.get(&format!("/calls/{}", call["id"])).await;
    assert!(
        call["events"].to_string().contains(&format!(
            "the voicemail was handled already (incident {voicemail_incident} was acknowledged)"
        )),
        "{}",
        call["events"]
    );
    let conv = app.call_by_sid(&sid).await;
    assert!(conv["events"]
        .to_string()
        .contains("the text was handled already (it was archived)"));
}

crate::on_all!(
    a_message_left_after_hours_is_alerted_again_when_the_line_opens,
    a_message_handled_meanwhile_is_not_alerted_again,
);
