//! Texts to a line's number, through both carriers' messaging webhooks: forwarded to the
//! people on call from the hotline's number, acknowledged, relayed back, logged, alerted.

use crate::alerts::{channel, Receiver};
use crate::helpers::TestApp;
use serde_json::{json, Value};
use switchboard_sim::{send_text, TextReply};

const ALICE: &str = "+14155550101";
const BOB: &str = "+14155550102";
const SENDER: &str = "+14155550199";

async fn two(app: &TestApp) -> Value {
    let a = app.user("Alice", Some(ALICE)).await;
    let b = app.user("Bob", Some(BOB)).await;
    app.line(&[a, b]).await
}

/// Sends `body` from `from` to `line`'s number, as its carrier would.
pub(crate) async fn text(app: &TestApp, line: &Value, from: &str, body: &str) -> TextReply {
    let mut spec = app.spec(line);
    spec.from = from.to_owned();
    send_text(
        &app.http,
        &spec,
        line["sms_url"].as_str().unwrap(),
        body,
        0,
        None,
    )
    .await
    .unwrap()
}

async fn conversations(app: &TestApp) -> Vec<Value> {
    let (status, list) = app.get("/calls?archived=true").await;
    assert_eq!(status, 200, "{list}");
    let mut out = Vec::new();
    for c in list["calls"].as_array().unwrap() {
        out.push(app.get(&format!("/calls/{}", c["id"])).await.1);
    }
    out
}

async fn a_text_reaches_everyone_on_the_plan_from_the_hotline_and_is_logged(app: TestApp) {
    let slack = Receiver::start((200, "ok")).await;
    let ch = channel(&app, "slack", &slack.url).await;
    let line = two(&app).await;
    let hotline = line["number"].as_str().unwrap();
    let (status, _) = app
        .patch(
            &format!("/lines/{}", line["id"]),
            json!({ "channels": [ch], "messages": { "text_reply": { "text": "Got it, help is on the way." } } }),
        )
        .await;
    assert_eq!(status, 200);
    let r = text(&app, &line, SENDER, "Our payment gateway is down").await;
    assert_eq!(r.status, 200, "{}", r.body);
    let to: Vec<&str> = r.sent.iter().map(|s| s.to.as_str()).collect();
    assert_eq!(to, [ALICE, BOB, SENDER], "{}", r.body);
    // Every text goes out from the hotline's own number.
    assert!(r.sent.iter().all(|s| s.from == hotline), "{:?}", r.sent);
    let fwd = &r.to(ALICE)[0].body;
    assert!(
        fwd.contains("[Engineering Hotline] Text from +14155550199"),
        "{fwd}"
    );
    assert!(fwd.contains("Our payment gateway is down"), "{fwd}");
    assert_eq!(r.to(SENDER)[0].body, "Got it, help is on the way.");

    // A second text joins the conversation: forwarded again, not acknowledged again.
    let r2 = text(&app, &line, SENDER, "Still down, 40% of payments fail").await;
    let to: Vec<&str> = r2.sent.iter().map(|s| s.to.as_str()).collect();
    assert_eq!(to, [ALICE, BOB]);
    // The carrier repeating the first text sends nothing and stores nothing twice.
    let mut spec = app.spec(&line);
    spec.from = SENDER.to_owned();
    let again = send_text(
        &app.http,
        &spec,
        line["sms_url"].as_str().unwrap(),
        "Our payment gateway is down",
        0,
        Some(r.message_id.clone()),
    )
    .await
    .unwrap();
    assert_eq!(again.status, 200);
    assert!(again.sent.is_empty(), "{}", again.body);

    let all = conversations(&app).await;
    assert_eq!(all.len(), 1, "one conversation in the call log");
    let c = &all[0];
    assert_eq!(c["medium"], "text");
    assert_eq!(c["outcome"], "texted");
    assert_eq!(c["caller"]["number"], SENDER);
    assert_eq!(c["path"], "texted: forwarded to Alice, Bob");
    let texts = c["texts"].as_array().unwrap();
    assert_eq!(texts.len(), 2, "{c}");
    assert_eq!(texts[0]["body"], "Our payment gateway is down");
    assert_eq!(texts[0]["sent_to"], json!(["Alice", "Bob"]));
    assert!(c["events"]
        .to_string()
        .contains("Text forwarded to Alice, Bob"));

    // Announced in chat, and an incident opened as for a voicemail.
    app.settle().await;
    let got = slack.got.lock().unwrap().clone();
    assert_eq!(got.len(), 1, "{got:?}");
    let said = got[0].to_string();
    assert!(
        said.contains("Text to Engineering Hotline from +14155550199"),
        "{said}"
    );
    assert!(said.contains("Our payment gateway is down"), "{said}");
    let (_, inc) = app.get("/incidents").await;
    let inc = &inc["incidents"][0];
    assert_eq!(
        inc["title"],
        "Text from +14155550199 to Engineering Hotline"
    );
    assert_eq!(inc["status"], "triggered");
}

async fn a_reply_is_relayed_through_the_hotline_and_reveals_no_personal_number(app: TestApp) {
    let line = two(&app).await;
    let hotline = line["number"].as_str().unwrap();
    text(&app, &line, SENDER, "Is anyone there?").await;
    // Bob answers from his own phone, to the hotline's number.
    let r = text(&app, &line, BOB, "Bob here, looking at it now").await;
    assert_eq!(r.status, 200, "{}", r.body);
    let to_sender = r.to(SENDER);
    assert_eq!(to_sender.len(), 1, "{:?}", r.sent);
    assert_eq!(to_sender[0].from, hotline);
    assert_eq!(
        to_sender[0].body,
        "[Engineering Hotline] Bob here, looking at it now"
    );
    // Alice learns that Bob answered; Bob gets nothing back.
    assert!(r.to(ALICE)[0]
        .body
        .contains("Bob replied to +14155550199:\nBob here"));
    assert!(r.to(BOB).is_empty());
    // The sender answers back: the responders get it from the hotline.
    let r2 = text(&app, &line, SENDER, "Thanks! Call me at the office").await;
    assert!(r2.sent.iter().all(|s| s.from == hotline), "{:?}", r2.sent);
    // Nothing the sender ever received names a responder's personal number.
    for s in r.sent.iter().chain(&r2.sent).filter(|s| s.to == SENDER) {
        assert!(!s.body.contains(ALICE) && !s.body.contains(BOB), "{s:?}");
        assert!(
            !s.body.contains(&ALICE[1..]) && !s.body.contains(&BOB[1..]),
            "{s:?}"
        );
    }
    let c = &conversations(&app).await[0];
    assert_eq!(c["outcome"], "answered");
    assert_eq!(c["answered_by"]["name"], "Bob");
    assert_eq!(c["path"], "texted: forwarded to Alice, Bob → Bob replied");
    assert_eq!(c["texts"][1]["by"]["name"], "Bob");
    assert_eq!(c["texts"][1]["sent_to"], json!(["the sender", "Alice"]));

    // The dashboard shows the thread on the conversation's page, and it in the call list.
    let cookie = crate::pages::owner_session(&app).await;
    let (status, html) = crate::pages::page(&app, &cookie, &format!("/calls/{}", c["id"])).await;
    assert_eq!(status, 200);
    let doc = scraper::Html::parse_document(&html);
    let h1: String = doc
        .select(&crate::pages::sel("h1"))
        .next()
        .unwrap()
        .text()
        .collect();
    assert_eq!(h1, "Texts from +14155550199");
    let thread: Vec<String> = doc
        .select(&crate::pages::sel("ol.texts li"))
        .map(|li| li.text().collect::<String>())
        .collect();
    assert_eq!(thread.len(), 3, "{thread:?}");
    assert!(thread[0].contains("Is anyone there?") && thread[0].contains("sent to Alice, Bob"));
    assert!(thread[1].contains("Bob") && thread[1].contains("Bob here, looking at it now"));
    assert!(
        html.contains("Bob replied"),
        "the sentence names who replied"
    );
    let (_, list) = crate::pages::page(&app, &cookie, "/calls").await;
    assert!(
        list.contains("texted: forwarded to Alice, Bob → Bob replied"),
        "{list}"
    );
}

async fn with_nobody_on_call_the_sender_is_told_and_a_blocked_sender_gets_nothing(app: TestApp) {
    // Carol has no phone: nobody can be sent the text.
    let c = app.user("Carol", None).await;
    let line = app.line(&[c]).await;
    let r = text(&app, &line, SENDER, "hello?").await;
    assert_eq!(r.sent.len(), 1, "{}", r.body);
    assert_eq!(r.sent[0].to, SENDER);
    assert!(r.sent[0].body.contains("nobody is on call right now"));
    let (status, _) = app
        .patch(
            &format!("/lines/{}", line["id"]),
            json!({ "caller_rules": { "blocked": ["+1900*"] } }),
        )
        .await;
    assert_eq!(status, 200);
    let r = text(&app, &line, "+19005550100", "spam spam").await;
    assert_eq!(r.status, 200);
    assert!(r.sent.is_empty(), "{}", r.body);
    let all = conversations(&app).await;
    let refused = all
        .iter()
        .find(|c| c["caller"]["number"] == "+19005550100")
        .unwrap();
    assert_eq!(refused["outcome"], "rejected");
    assert!(refused["events"]
        .to_string()
        .contains("is blocked on this line"));
    // An acknowledgement longer than two segments is refused by name.
    let (status, err) = app
        .patch(
            &format!("/lines/{}", line["id"]),
            json!({ "messages": { "text_reply": { "text": "x".repeat(400) } } }),
        )
        .await;
    assert_eq!(status, 422, "{err}");
    assert_eq!(err["error"]["field"], "messages.text_reply.text");
}

async fn a_forged_or_malformed_text_changes_nothing(app: TestApp) {
    let line = two(&app).await;
    let mut spec = app.spec(&line);
    spec.auth_token = Some("not-the-line-token".to_owned());
    let r = send_text(
        &app.http,
        &spec,
        line["sms_url"].as_str().unwrap(),
        "forged",
        0,
        None,
    )
    .await
    .unwrap();
    assert_eq!(r.status, 403, "{}", r.body);
    assert!(r.sent.is_empty());
    // A signed request without the message's id is refused, naming what is missing.
    let url = line["sms_url"].as_str().unwrap();
    let form = [("From", SENDER), ("To", line["number"].as_str().unwrap())];
    let req = app.http.post(url).form(&form);
    let req = crate::helpers::signed(req, app.carrier, url, &form, "line-auth-token");
    let resp = req.send().await.unwrap();
    assert_eq!(resp.status(), 400);
    let body = resp.text().await.unwrap();
    assert!(body.contains("Message"), "{body}");
    assert!(conversations(&app).await.is_empty());
}

async fn pictures_are_noted_not_lost(app: TestApp) {
    let line = two(&app).await;
    let mut spec = app.spec(&line);
    spec.from = SENDER.to_owned();
    let r = send_text(
        &app.http,
        &spec,
        line["sms_url"].as_str().unwrap(),
        "see screenshot",
        2,
        None,
    )
    .await
    .unwrap();
    assert!(r.to(ALICE)[0].body.contains(
        "see screenshot\n[2 picture(s) or file(s) sent with this text are not forwarded]"
    ));
}

crate::on_all!(
    a_text_reaches_everyone_on_the_plan_from_the_hotline_and_is_logged,
    a_reply_is_relayed_through_the_hotline_and_reveals_no_personal_number,
    with_nobody_on_call_the_sender_is_told_and_a_blocked_sender_gets_nothing,
    a_forged_or_malformed_text_changes_nothing,
    pictures_are_noted_not_lost,
);
