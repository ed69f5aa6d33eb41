//! A line's PIN gate: callers enter one of its PINs before anyone is rung; the PIN's label is
//! logged and alerted, never its digits; wrong PINs are limited, logged, and page nobody.

use crate::alerts::{channel, Receiver};
use crate::helpers::TestApp;
use serde_json::{json, Value};
use switchboard_sim::Responder;

const ALICE: &str = "+14155550101";

async fn gated(app: &TestApp) -> Value {
    let a = app.user("Alice", Some(ALICE)).await;
    let line = app.line(&[a]).await;
    let (status, body) = app
        .patch(
            &format!("/lines/{}", line["id"]),
            json!({ "pins": [
                { "label": "Acme Corp", "pin": "4321" },
                { "label": "Globex", "pin": "98765" },
            ] }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    body
}

async fn a_caller_with_a_valid_pin_gets_through_named_by_it(app: TestApp) {
    let slack = Receiver::start((200, "ok")).await;
    let ch = channel(&app, "slack", &slack.url).await;
    let line = gated(&app).await;
    app.patch(
        &format!("/lines/{}", line["id"]),
        json!({ "channels": [ch] }),
    )
    .await;
    // The digits are never shown, only whose each PIN is.
    assert_eq!(
        line["pins"],
        json!([{ "label": "Acme Corp", "pin_hint": "…21" }, { "label": "Globex", "pin_hint": "…65" }])
    );
    let mut spec = app.spec(&line).responder(
        ALICE,
        Responder::Answer {
            after_secs: 2,
            talk_secs: 30,
        },
    );
    spec.caller.codes = &["1111", "98765"];
    let (t, call) = app.call(&spec).await;
    assert!(t.heard("Please enter your access code"), "{t}");
    assert!(t.heard("That code is not valid"), "{t}");
    assert_eq!(t.dialed, vec![ALICE]);
    assert_eq!(t.connected_to.as_deref(), Some(ALICE));
    assert_eq!(call["outcome"], "answered");
    assert_eq!(call["path"], "PIN of Globex → Alice answered");
    let log = call["events"].to_string();
    assert!(
        log.contains("A wrong PIN was entered (try 1 of 3); asking again"),
        "{log}"
    );
    assert!(
        log.contains("The caller entered the PIN of Globex"),
        "{log}"
    );
    // Neither PIN's digits are anywhere in the call's record; the chat alert names whose PIN.
    let all = call.to_string();
    assert!(!all.contains("1111") && !all.contains("98765"), "{all}");
    app.settle().await;
    let alert = slack.got.lock().unwrap()[0].to_string();
    assert!(alert.contains("PIN of Globex"), "{alert}");
    assert!(!alert.contains("98765"), "{alert}");
    // Nor in the audit trail of the change that set them.
    let (_, audit) = app.get("/audit?limit=50").await;
    let audit = audit.to_string();
    assert!(audit.contains("Globex"), "{audit}");
    assert!(
        !audit.contains("98765") && !audit.contains("4321"),
        "{audit}"
    );
}

async fn wrong_pins_are_limited_logged_and_page_nobody(app: TestApp) {
    let slack = Receiver::start((200, "ok")).await;
    let ch = channel(&app, "slack", &slack.url).await;
    let line = gated(&app).await;
    app.patch(
        &format!("/lines/{}", line["id"]),
        json!({ "channels": [ch] }),
    )
    .await;
    let mut spec = app.spec(&line).responder(
        ALICE,
        Responder::Answer {
            after_secs: 2,
            talk_secs: 30,
        },
    );
    spec.caller.codes = &["0000", "12345678", ""];
    let (t, call) = app.call(&spec).await;
    assert!(t.dialed.is_empty(), "nobody is rung: {t}");
    assert!(t.heard("Sorry, that code is not valid. Goodbye."), "{t}");
    assert_eq!(call["outcome"], "rejected");
    let log = call["events"].to_string();
    assert!(
        log.contains("A wrong PIN was entered (try 2 of 3); asking again"),
        "{log}"
    );
    assert!(
        log.contains("No PIN was entered (try 3 of 3): the call is refused"),
        "{log}"
    );
    // A caller who hangs up at the gate pages nobody either.
    let mut gone = app.spec(&line);
    gone.caller.hang_up_at = Some(4);
    let (_, left) = app.call(&gone).await;
    assert_eq!(left["outcome"], "rejected");
    assert!(left["events"]
        .to_string()
        .contains("The caller hung up before entering a valid PIN"));
    app.settle().await;
    assert_eq!(
        slack.count(),
        0,
        "no chat alert for callers who were not let through"
    );
    let (_, inc) = app.get("/incidents").await;
    assert_eq!(inc["incidents"], json!([]));

    // Bad PIN lists are refused by place, and the gate stays as it was.
    let path = format!("/lines/{}", line["id"]);
    for (pins, field) in [
        (json!([{ "label": "A", "pin": "12a4" }]), "pins[0].pin"),
        (json!([{ "label": "A", "pin": "123" }]), "pins[0].pin"),
        (
            json!([{ "label": "A", "pin": "1234" }, { "label": "B", "pin": "1234" }]),
            "pins[1].pin",
        ),
        (json!([{ "label": " ", "pin": "1234" }]), "pins[0].label"),
    ] {
        let (status, err) = app.patch(&path, json!({ "pins": pins })).await;
        assert_eq!(status, 422, "{err}");
        assert_eq!(err["error"]["field"], field, "{err}");
    }
    let (_, kept) = app.get(&path).await;
    assert_eq!(kept["pins"].as_array().unwrap().len(), 2);
    // Removing the gate lets callers straight through.
    let (status, _) = app.patch(&path, json!({ "pins": [] })).await;
    assert_eq!(status, 200);
    let (t, _) = app.call(&app.spec(&line)).await;
    assert_eq!(t.dialed, vec![ALICE]);
}

/// The settings page sets and replaces the PIN gate without ever showing the digits.
async fn the_settings_page_sets_the_pin_gate_without_showing_it(app: TestApp) {
    let line = gated(&app).await;
    let cookie = crate::pages::owner_session(&app).await;
    let path = format!("/lines/{}/settings", line["id"]);
    let (status, html) = crate::pages::page(&app, &cookie, &path).await;
    assert_eq!(status, 200);
    assert!(html.contains("Acme Corp (ends in 21)"), "{html}");
    for digits in ["4321", "98765"] {
        assert!(!html.contains(digits), "the page shows the PIN {digits}");
    }
    let mut form = crate::pages::form_fields(&html, "pins");
    crate::pages::set(&mut form, "pins", "Initech: 55555\nno colon here");
    let refused = crate::pages::submit(&app, &cookie, &path, &form).await;
    assert!(refused.contains("PIN line 2: write it as"), "{refused}");
    crate::pages::set(&mut form, "pins", "Initech: 55555\nUmbrella: 123");
    let refused = crate::pages::submit(&app, &cookie, &path, &form).await;
    assert!(
        refused.contains("pins[1].pin") || refused.contains("4 to 8 digits"),
        "{refused}"
    );
    let (_, kept) = app.get(&format!("/lines/{}", line["id"])).await;
    assert_eq!(
        kept["pins"].as_array().unwrap().len(),
        2,
        "a refused form changes nothing"
    );
    crate::pages::set(&mut form, "pins", "Initech: 55555");
    crate::pages::submit(&app, &cookie, &path, &form).await;
    let (_, now) = app.get(&format!("/lines/{}", line["id"])).await;
    assert_eq!(
        now["pins"],
        json!([{ "label": "Initech", "pin_hint": "…55" }])
    );
    // Saved as shown (the digits field left empty), it is refused rather than emptied.
    let (_, html) = crate::pages::page(&app, &cookie, &path).await;
    let form = crate::pages::form_fields(&html, "pins");
    let refused = crate::pages::submit(&app, &cookie, &path, &form).await;
    assert!(
        refused.contains("or tick “Remove the PIN gate”"),
        "{refused}"
    );
    let mut form = crate::pages::form_fields(&html, "pins");
    form.push(("remove".to_owned(), "true".to_owned()));
    crate::pages::submit(&app, &cookie, &path, &form).await;
    let (_, now) = app.get(&format!("/lines/{}", line["id"])).await;
    assert_eq!(now["pins"], json!([]));
}

crate::on_all!(
    a_caller_with_a_valid_pin_gets_through_named_by_it,
    wrong_pins_are_limited_logged_and_page_nobody,
    the_settings_page_sets_the_pin_gate_without_showing_it,
);
