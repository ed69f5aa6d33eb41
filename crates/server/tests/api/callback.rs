//! Calling back as the hotline: a responder who calls the line from their own number and
//! enters their PIN calls back the last unanswered caller, or any number, with the line's
//! number as caller ID; recorded and logged, never announced, never a voicemail.

use crate::helpers::TestApp;
use serde_json::{json, Value};
use switchboard_sim::Responder;

const ALICE: &str = "+14155550101";
const BOB: &str = "+14155550102";
const CALLER: &str = "+14155550199";
const LONDON: &str = "+442071838750";

const ANSWER: Responder = Responder::Answer {
    after_secs: 2,
    talk_secs: 40,
};

/// Alice has a call-back PIN; Bob is on call.
async fn setup(app: &TestApp) -> Value {
    let a = app.user("Alice", Some(ALICE)).await;
    let b = app.user("Bob", Some(BOB)).await;
    let (status, body) = app
        .patch(&format!("/users/{a}"), json!({ "callback_pin": "2468" }))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["has_callback_pin"], true);
    assert!(!body.to_string().contains("2468"));
    app.line(&[b]).await
}

fn heard_dial_with_caller_id(t: &switchboard_sim::Transcript, to: &str, line: &Value) -> bool {
    let hotline = line["number"].as_str().unwrap();
    t.entries.iter().any(|e| {
        e.text.starts_with(&format!("Dial {to} "))
            && e.text.contains(&format!("caller id {}", &hotline[1..]))
            || e.text.starts_with(&format!("Dial {to} "))
                && e.text.contains(&format!("caller id {hotline}"))
    })
}

async fn a_responder_calls_back_the_last_unanswered_caller_as_the_hotline(app: TestApp) {
    let line = setup(&app).await;
    // Someone called and nobody answered: they left a voicemail.
    let (_, missed) = app.call(&app.spec(&line)).await;
    assert_eq!(missed["outcome"], "voicemail");
    app.settle().await;
    let (_, before) = app.get("/incidents").await;

    let mut spec = app.spec(&line).responder(CALLER, ANSWER);
    spec.from = ALICE.to_owned();
    spec.caller_name = None;
    spec.caller.codes = &["2468", "1"];
    let (t, call) = app.call(&spec).await;
    assert!(
        t.heard("Hello Alice. To call back as Engineering Hotline"),
        "{t}"
    );
    assert!(
        t.heard("To call back 1 4 1 5 5 5 5 0 1 9 9, press 1"),
        "{t}"
    );
    assert!(
        t.heard("Calling 1 4 1 5 5 5 5 0 1 9 9. This call is recorded."),
        "{t}"
    );
    // The caller sees the hotline's number, not Alice's.
    assert!(heard_dial_with_caller_id(&t, CALLER, &line), "{t}");
    assert_eq!(t.connected_to.as_deref(), Some(CALLER));
    assert_eq!(t.dialed, vec![CALLER], "Bob, on call, is not rung: {t}");
    assert_eq!(call["outcome"], "answered");
    assert_eq!(call["answered_by"]["name"], "Alice");
    assert_eq!(
        call["path"],
        "Alice called back as the hotline → +14155550199 answered"
    );
    assert!(
        !call.to_string().contains("2468"),
        "the PIN is never logged"
    );
    // Recorded like any call; announced nowhere, and no incident.
    let recordings = app.stored_recordings(call["id"].as_i64().unwrap()).await;
    assert_eq!(recordings[0]["kind"], "call");
    app.settle().await;
    let (_, after) = app.get("/incidents").await;
    assert_eq!(before, after);
}

async fn any_number_can_be_called_and_wrong_pins_are_limited(app: TestApp) {
    let line = setup(&app).await;
    let mut spec = app.spec(&line).responder(LONDON, ANSWER);
    spec.from = ALICE.to_owned();
    spec.caller.codes = &["1111", "2468", "442071838750"];
    let (t, call) = app.call(&spec).await;
    assert!(t.heard("That PIN is not valid."), "{t}");
    // No unanswered caller yet: asked for a number straight away.
    assert!(
        t.heard("Enter the number to call with its country code"),
        "{t}"
    );
    assert!(heard_dial_with_caller_id(&t, LONDON, &line), "{t}");
    assert_eq!(t.connected_to.as_deref(), Some(LONDON));
    assert!(call["events"]
        .to_string()
        .contains("Alice entered a wrong PIN (try 1 of 3)"));

    // Nobody answers: it ends, with no voicemail on one's own hotline.
    let mut spec = app.spec(&line);
    spec.from = ALICE.to_owned();
    spec.caller.codes = &["2468", "442071838750"];
    let (t, call) = app.call(&spec).await;
    assert!(t.heard("Nobody answered. Goodbye."), "{t}");
    assert_eq!(t.voicemail_secs, None, "{t}");
    assert_eq!(call["outcome"], "missed");

    let mut spec = app.spec(&line);
    spec.from = ALICE.to_owned();
    spec.caller.codes = &["1", "22", "333"];
    let (t, call) = app.call(&spec).await;
    assert!(t.dialed.is_empty(), "{t}");
    assert!(t.heard("That PIN is not valid. Goodbye."), "{t}");
    assert_eq!(call["outcome"], "rejected");
    assert!(call["events"]
        .to_string()
        .contains("Alice entered a wrong PIN 3 times: the call is ended"));
    // Someone else's phone, or Alice's without a PIN set, is just a caller.
    let (status, _) = app.patch("/users/1", json!({ "callback_pin": null })).await;
    assert_eq!(status, 200);
    let mut spec = app.spec(&line).responder(BOB, ANSWER);
    spec.from = ALICE.to_owned();
    let (t, call) = app.call(&spec).await;
    assert!(!t.heard("To call back"), "{t}");
    assert_eq!(t.connected_to.as_deref(), Some(BOB));
    assert_eq!(call["path"], "Bob answered");
}

async fn a_responder_who_enters_nothing_is_connected_as_a_caller(app: TestApp) {
    let line = setup(&app).await;
    let mut spec = app.spec(&line).responder(BOB, ANSWER);
    spec.from = ALICE.to_owned();
    let (t, call) = app.call(&spec).await;
    assert!(t.heard("To be connected as a caller, just wait"), "{t}");
    assert_eq!(t.connected_to.as_deref(), Some(BOB), "{t}");
    assert_eq!(call["path"], "Bob answered");
    // A bad PIN is refused by name, and nothing changes.
    let (status, err) = app
        .patch("/users/1", json!({ "callback_pin": "24a8" }))
        .await;
    assert_eq!(status, 422);
    assert_eq!(err["error"]["field"], "callback_pin");
    let (_, u) = app.get("/users/1").await;
    assert_eq!(u["has_callback_pin"], true);
}

/// A responder is known by any of their numbers, the moment one is added (through the API,
/// with the line and its users already in memory from an earlier call); someone without a
/// PIN is known by none.
async fn a_responder_calling_from_another_of_their_numbers_is_known(app: TestApp) {
    const DESK: &str = "+14155550131";
    let line = setup(&app).await;
    // A first call fills what the server keeps between calls.
    let (_, first) = app.call(&app.spec(&line).responder(BOB, ANSWER)).await;
    assert_eq!(first["path"], "Bob answered");
    let mut spec = app.spec(&line).responder(BOB, ANSWER);
    spec.from = DESK.to_owned();
    let (t, _) = app.call(&spec).await;
    assert!(!t.heard("To call back"), "not yet Alice's number: {t}");
    let (status, body) = app
        .patch(
            "/users/1",
            json!({ "other_phones": [{ "number": DESK, "label": "desk" }] }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let mut spec = app.spec(&line).responder(BOB, ANSWER);
    spec.from = DESK.to_owned();
    let (t, call) = app.call(&spec).await;
    assert!(
        t.heard("Hello Alice. To call back as Engineering Hotline"),
        "{t}"
    );
    assert_eq!(
        call["path"], "Bob answered",
        "entering nothing connects: {t}"
    );
    // Bob has no PIN: calling from his own number, he is a caller like any other.
    let mut spec = app.spec(&line).responder(BOB, ANSWER);
    spec.from = BOB.to_owned();
    let (t, _) = app.call(&spec).await;
    assert!(!t.heard("To call back"), "{t}");
}

crate::on_all!(
    a_responder_calls_back_the_last_unanswered_caller_as_the_hotline,
    a_responder_calling_from_another_of_their_numbers_is_known,
    any_number_can_be_called_and_wrong_pins_are_limited,
    a_responder_who_enters_nothing_is_connected_as_a_caller,
);
