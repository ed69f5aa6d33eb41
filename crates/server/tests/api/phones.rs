//! Every phone a responder has: their numbers tried in order within the step's ring time, or
//! rung together; the call log names which number answered.

use crate::helpers::TestApp;
use serde_json::json;
use switchboard_sim::Responder;

const ALICE: &str = "+14155550101";
const ALICE_DESK: &str = "+14155550111";
const ALICE_HOME: &str = "+14155550121";
const BOB: &str = "+14155550102";

async fn alice_with_three_numbers(app: &TestApp, ring: &str) -> i64 {
    let a = app.user("Alice", Some(ALICE)).await;
    let (status, body) = app
        .patch(
            &format!("/users/{a}"),
            json!({ "other_phones": [
                { "number": ALICE_DESK, "label": "desk" },
                { "number": ALICE_HOME },
            ], "ring_phones": ring }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["other_phones"][0],
        json!({ "number": ALICE_DESK, "label": "desk" })
    );
    assert_eq!(body["ring_phones"], ring);
    a
}

const ANSWER: Responder = Responder::Answer {
    after_secs: 2,
    talk_secs: 30,
};

async fn each_number_is_tried_in_order_within_the_ring_time(app: TestApp) {
    let a = alice_with_three_numbers(&app, "in_order").await;
    let b = app.user("Bob", Some(BOB)).await;
    let line = app.line(&[a, b]).await;
    let ring = |t: &switchboard_sim::Transcript, n: &str| {
        t.entries
            .iter()
            .find(|e| e.text.starts_with(&format!("Dial {n} ")))
            .map(|e| e.text.clone())
            .unwrap_or_default()
    };
    let (t, call) = app
        .call(&app.spec(&line).responder(ALICE_DESK, ANSWER))
        .await;
    assert_eq!(t.dialed, vec![ALICE, ALICE_DESK], "{t}");
    // 20 s of ring time shared by three numbers, at least 10 s each.
    assert!(ring(&t, ALICE).contains("timeout 10 s"), "{t}");
    assert!(ring(&t, ALICE_DESK).contains("timeout 10 s"), "{t}");
    assert_eq!(t.connected_to.as_deref(), Some(ALICE_DESK));
    assert_eq!(call["answered_by"]["name"], "Alice");
    assert_eq!(call["path"], "Alice did not answer → Alice (desk) answered");
    assert_eq!(call["attempts"][1]["number"], ALICE_DESK);

    // Nobody on any of her numbers: then Bob, with the whole ring time.
    let (t, call) = app.call(&app.spec(&line).responder(BOB, ANSWER)).await;
    assert_eq!(t.dialed, vec![ALICE, ALICE_DESK, ALICE_HOME, BOB], "{t}");
    assert!(ring(&t, BOB).contains("timeout 20 s"), "{t}");
    assert_eq!(
        call["path"],
        "Alice did not answer → Alice (desk) did not answer → Alice (number 3) did not answer → Bob answered"
    );
}

async fn every_number_rings_together_when_asked(app: TestApp) {
    let a = alice_with_three_numbers(&app, "together").await;
    let line = app.line(&[a]).await;
    let (t, call) = app
        .call(&app.spec(&line).responder(ALICE_HOME, ANSWER))
        .await;
    assert!(
        t.entries.iter().any(|e| e.text.starts_with(&format!(
            "Dial {ALICE}, {ALICE_DESK}, {ALICE_HOME} (timeout 20 s"
        ))),
        "{t}"
    );
    assert_eq!(t.connected_to.as_deref(), Some(ALICE_HOME));
    assert_eq!(call["answered_by"]["name"], "Alice");
    assert!(
        call["path"]
            .as_str()
            .unwrap()
            .ends_with(": Alice (number 3) answered"),
        "{}",
        call["path"]
    );
    // The same person in a later step is not rung again.
    let again = app.line(&[a, a]).await;
    let (t, _) = app.call(&app.spec(&again)).await;
    assert_eq!(t.dialed, vec![ALICE, ALICE_DESK, ALICE_HOME], "{t}");
}

async fn bad_numbers_are_refused_by_place(app: TestApp) {
    let a = app.user("Alice", Some(ALICE)).await;
    let path = format!("/users/{a}");
    for (body, field) in [
        (
            json!({ "other_phones": [{ "number": ALICE }] }),
            "other_phones[0].number",
        ),
        (
            json!({ "other_phones": [{ "number": ALICE_DESK }, { "number": "555-0111" }] }),
            "other_phones[1].number",
        ),
        (
            json!({ "other_phones": [{ "number": ALICE_DESK, "label": "x".repeat(40) }] }),
            "other_phones[0].label",
        ),
        (json!({ "ring_phones": "all" }), "ring_phones"),
        (
            json!({ "phone": "", "other_phones": [{ "number": ALICE_DESK }] }),
            "other_phones",
        ),
    ] {
        let (status, err) = app.patch(&path, body).await;
        assert_eq!(status, 422, "{err}");
        assert_eq!(err["error"]["field"], field, "{err}");
    }
    let (_, u) = app.get(&path).await;
    assert_eq!(u["other_phones"], json!([]));
    assert_eq!(u["phone"], ALICE);
}

/// A responder manages their numbers and their call-back PIN on their profile page.
async fn the_profile_page_sets_ones_phones_and_call_back_pin(app: TestApp) {
    let cookie = crate::pages::owner_session(&app).await;
    let (_, html) = crate::pages::page(&app, &cookie, "/profile").await;
    let mut details = crate::pages::form_at(&html, "/profile");
    crate::pages::set(&mut details, "phone", ALICE);
    crate::pages::submit(&app, &cookie, "/profile", &details).await;
    let (_, html) = crate::pages::page(&app, &cookie, "/profile").await;
    let mut form = crate::pages::form_at(&html, "/profile/phones");
    crate::pages::set(
        &mut form,
        "other_phones",
        &format!("{ALICE_DESK} desk\n{ALICE_HOME}"),
    );
    crate::pages::set(&mut form, "callback_pin", "2468");
    form.push(("ring_together".to_owned(), "true".to_owned()));
    let after = crate::pages::submit(&app, &cookie, "/profile/phones", &form).await;
    assert!(!after.contains("class=\"problem\""), "{after}");
    let (_, me) = app.get("/users").await;
    let me = me["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["phone"] == ALICE)
        .cloned()
        .unwrap();
    assert_eq!(
        me["other_phones"],
        json!([{ "number": ALICE_DESK, "label": "desk" }, { "number": ALICE_HOME }])
    );
    assert_eq!(me["ring_phones"], "together");
    assert_eq!(me["has_callback_pin"], true);
    // The page shows them back, never the PIN; a bad number is refused by its place.
    let (_, html) = crate::pages::page(&app, &cookie, "/profile").await;
    assert!(html.contains(&format!("{ALICE_DESK} desk")));
    assert!(!html.contains("2468"));
    let mut form = crate::pages::form_at(&html, "/profile/phones");
    crate::pages::set(&mut form, "other_phones", "0800 FLOWERS");
    let refused = crate::pages::submit(&app, &cookie, "/profile/phones", &form).await;
    assert!(refused.contains("other_phones[0].number"), "{refused}");
}

crate::on_all!(
    each_number_is_tried_in_order_within_the_ring_time,
    every_number_rings_together_when_asked,
    bad_numbers_are_refused_by_place,
    the_profile_page_sets_ones_phones_and_call_back_pin,
);
