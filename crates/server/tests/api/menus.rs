//! A caller menu through the simulator, on both carriers and both backends: the key picks the
//! option whose routing is followed (resolved when the key arrives), no key takes the
//! default, a wrong key plays the menu once more, a second one takes the default; the path
//! and the log name the option; a caller who hangs up during the menu abandoned the call;
//! a bad menu is refused by its field and changes nothing.

use crate::helpers::TestApp;
use serde_json::{json, Value};
use switchboard_sim::Responder;

const ALICE: &str = "+14155550101";
const BOB: &str = "+14155550102";
const CAROL: &str = "+14155550103";

fn answers() -> Responder {
    Responder::Answer {
        after_secs: 1,
        talk_secs: 5,
    }
}

fn menu(bob: i64, carol: i64) -> Value {
    json!({
        "prompt": {"text": "For payments, press 1. For anything else, press 2.", "voice": null, "language": "en-US"},
        "options": [
            {"key": 1, "name": "Payments", "routing": {"steps": [{"user": bob}], "ring_timeout_secs": 20}},
            {"key": 2, "name": "Other", "routing": {"steps": [{"user": carol}], "ring_timeout_secs": 20},
             "no_answer": {"text": "Nobody from the team could answer.", "voice": null, "language": "en-US"}}
        ],
        "default_key": 2,
        "timeout_secs": 5
    })
}

async fn call(
    app: &TestApp,
    line: &Value,
    keys: &'static str,
) -> (switchboard_sim::Transcript, Value) {
    let mut spec = app
        .spec(line)
        .responder(ALICE, answers())
        .responder(BOB, answers())
        .responder(CAROL, answers());
    spec.caller.menu_keys = keys;
    app.call(&spec).await
}

async fn a_caller_menu_routes_by_the_key_pressed(app: TestApp) {
    let alice = app.user("Alice", Some(ALICE)).await;
    let bob = app.user("Bob", Some(BOB)).await;
    let carol = app.user("Carol", Some(CAROL)).await;
    let line = app.line(&[alice]).await;
    let id = line["id"].as_i64().unwrap();
    let (status, saved) = app
        .patch(&format!("/lines/{id}"), json!({"menu": menu(bob, carol)}))
        .await;
    assert_eq!(status, 200, "{saved}");
    assert_eq!(saved["menu"]["options"][1]["name"], "Other");
    // The line's page says what each key rings now.
    app.account(
        "Ada",
        "ada@example.com",
        None,
        switchboard_core::account::Role::Admin,
    )
    .await;
    let (cookie, _) = crate::pages::login_with_token(&app, "ada@example.com").await;
    let (_, html) = crate::pages::page(&app, &cookie, &format!("/lines/{id}")).await;
    assert!(html.contains("Press 1: Payments → Bob</li>"), "{html}");
    assert!(
        html.contains("Press 2: Other → Carol (the default: no key, or a wrong one twice)"),
        "{html}"
    );

    // 1: Payments, Bob.
    let (t, c) = call(&app, &line, "1").await;
    assert!(t.heard("For payments, press 1"), "{t}");
    assert_eq!(t.dialed, vec![BOB]);
    assert_eq!(c["path"], "pressed 1: Payments → Bob answered");
    let log: Vec<&str> = c["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["message"].as_str().unwrap())
        .collect();
    assert!(log.contains(&"Pressed 1: Payments"), "{log:?}");
    // No key: the default, Other, Carol.
    let (t, c) = call(&app, &line, "").await;
    assert_eq!(t.dialed, vec![CAROL]);
    assert_eq!(c["path"], "default 2: Other → Carol answered");
    // A wrong key, then 1: the menu once more, then Payments.
    let (t, c) = call(&app, &line, "71").await;
    assert!(t.heard("Sorry, that is not one of the options."), "{t}");
    assert_eq!(t.dialed, vec![BOB]);
    assert_eq!(c["path"], "pressed 1: Payments → Bob answered");
    // Two wrong keys: the default.
    let (t, c) = call(&app, &line, "77").await;
    assert_eq!(t.dialed, vec![CAROL]);
    assert_eq!(c["path"], "default 2: Other → Carol answered");
    // The option's own no-answer message when nobody of it answers.
    let mut spec = app.spec(&line).responder(CAROL, Responder::NoAnswer);
    spec.caller.menu_keys = "2";
    let (t, c) = app.call(&spec).await;
    assert!(t.heard("Nobody from the team could answer."), "{t}");
    assert_eq!(c["outcome"], "voicemail");
    // Hanging up during the menu: nobody was rung, the call is abandoned.
    let mut spec = app.spec(&line);
    spec.caller.hang_up_at = Some(3);
    let (t, c) = app.call(&spec).await;
    assert!(t.dialed.is_empty());
    assert_eq!(c["outcome"], "abandoned");
    assert_eq!(c["path"], "caller hung up");
}

async fn a_bad_menu_is_refused_by_its_field(app: TestApp) {
    let alice = app.user("Alice", Some(ALICE)).await;
    let bob = app.user("Bob", Some(BOB)).await;
    let line = app.line(&[alice]).await;
    let id = line["id"].as_i64().unwrap();
    let (_, before) = app.get(&format!("/lines/{id}")).await;
    let mut twice = menu(bob, bob);
    twice["options"][1]["key"] = json!(1);
    let mut no_default = menu(bob, bob);
    no_default["default_key"] = json!(5);
    let mut ten = menu(bob, bob);
    ten["options"][0]["key"] = json!(0);
    let mut nobody = menu(bob, 999);
    nobody["options"][0]["name"] = json!("Payments");
    for (bad, field) in [
        (twice, "menu.options[1].key"),
        (no_default, "menu.default_key"),
        (ten, "menu.options[0].key"),
        (nobody, "menu.options[1].routing.steps[0].user"),
    ] {
        let (status, err) = app
            .patch(&format!("/lines/{id}"), json!({"menu": bad}))
            .await;
        assert_eq!(
            (status, err["error"]["field"].as_str()),
            (422, Some(field)),
            "{err}"
        );
    }
    let (_, after) = app.get(&format!("/lines/{id}")).await;
    assert_eq!(before["menu"], after["menu"]);
    assert_eq!(after["menu"], Value::Null);
}

async fn upload(app: &TestApp, id: i64) -> (u16, Value) {
    let r = app
        .http
        .put(app.api(&format!("/lines/{id}/messages/menu/audio")))
        .bearer_auth(&app.token)
        .header("content-type", "audio/wav")
        .body(switchboard_sim::media::wav(1))
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

async fn the_menu_prompt_can_be_a_recording(app: TestApp) {
    let alice = app.user("Alice", Some(ALICE)).await;
    let bob = app.user("Bob", Some(BOB)).await;
    let carol = app.user("Carol", Some(CAROL)).await;
    let line = app.line(&[alice]).await;
    let id = line["id"].as_i64().unwrap();
    // No menu yet: nothing to attach it to.
    let (status, err) = upload(&app, id).await;
    assert_eq!(status, 409, "{err}");
    app.patch(&format!("/lines/{id}"), json!({"menu": menu(bob, carol)}))
        .await;
    let (status, saved) = upload(&app, id).await;
    assert_eq!(status, 200, "{saved}");
    let url = saved["menu"]["prompt"]["audio_url"]
        .as_str()
        .unwrap()
        .to_owned();
    // The caller hears the recording (the carrier fetches it), then presses 1.
    let (t, c) = call(&app, &line, "1").await;
    assert!(
        t.played
            .iter()
            .any(|(u, status)| *u == url && *status == 200),
        "{t}"
    );
    assert!(!t.heard("For payments, press 1"), "{t}");
    assert_eq!(c["path"], "pressed 1: Payments → Bob answered");
    // A new menu keeps the uploaded prompt; removing the menu removes it.
    let (_, again) = app
        .patch(&format!("/lines/{id}"), json!({"menu": menu(carol, bob)}))
        .await;
    assert_eq!(
        again["menu"]["prompt"]["audio_url"].as_str(),
        Some(url.as_str())
    );
    let (_, gone) = app
        .patch(&format!("/lines/{id}"), json!({"menu": null}))
        .await;
    assert_eq!(gone["menu"], Value::Null);
    let r = app.http.get(&url).send().await.unwrap();
    assert_eq!(r.status(), 404);
}

crate::on_all!(
    a_caller_menu_routes_by_the_key_pressed,
    a_bad_menu_is_refused_by_its_field,
    the_menu_prompt_can_be_a_recording,
);

/// The settings page's menu section: saved as shown it changes nothing (the options' own
/// messages included); a menu is made from it, and taken off.
async fn the_menu_is_edited_on_the_settings_page(app: TestApp) {
    use crate::pages::{login_with_token, page, sel, set, submit};
    let alice = app.user("Alice", Some(ALICE)).await;
    let bob = app.user("Bob", Some(BOB)).await;
    let carol = app.user("Carol", Some(CAROL)).await;
    let line = app.line(&[alice]).await;
    let id = line["id"].as_i64().unwrap();
    app.account(
        "Ada",
        "ada@example.com",
        None,
        switchboard_core::account::Role::Admin,
    )
    .await;
    let (cookie, _) = login_with_token(&app, "ada@example.com").await;
    let path = format!("/lines/{id}/settings");
    let action = path.clone();
    let fields = |html: &str| crate::pages::form_fields(html, "menu");

    // Made from the form.
    let (_, html) = page(&app, &cookie, &path).await;
    let value_of = |html: &str, select: &str, who: &str| -> String {
        scraper::Html::parse_document(html)
            .select(&sel(&format!("{select} option")))
            .find(|o| o.text().collect::<String>().contains(who))
            .and_then(|o| o.value().attr("value").map(str::to_owned))
            .unwrap()
    };
    let mut f = fields(&html);
    f.push(("menu_on".into(), "true".into()));
    for (k, v) in [
        ("menu_prompt", "Payments: 1. Anything else: 2.".to_owned()),
        ("menu_default", "2".to_owned()),
        ("opt1_key", "1".to_owned()),
        ("opt1_name", "Payments".to_owned()),
        ("opt1_step1", value_of(&html, "#opt1-step1", "Bob")),
        ("opt2_key", "2".to_owned()),
        ("opt2_name", "Other".to_owned()),
        ("opt2_step1", value_of(&html, "#opt2-step1", "Carol")),
    ] {
        set(&mut f, k, &v);
    }
    submit(&app, &cookie, &action, &f).await;
    let (_, l) = app.get(&format!("/lines/{id}")).await;
    assert_eq!(
        l["menu"]["prompt"]["text"],
        "Payments: 1. Anything else: 2."
    );
    assert_eq!(
        l["menu"]["options"][0]["routing"]["steps"],
        json!([{"user": bob}])
    );
    assert_eq!(
        l["menu"]["options"][1]["routing"]["steps"],
        json!([{"user": carol}])
    );
    assert_eq!(l["menu"]["default_key"], 2);

    // Saved as shown: nothing changes, not even what the form does not show.
    app.patch(&format!("/lines/{id}"), json!({"menu": menu(bob, carol)}))
        .await;
    let (_, before) = app.get(&format!("/lines/{id}")).await;
    let (_, html) = page(&app, &cookie, &path).await;
    submit(&app, &cookie, &action, &fields(&html)).await;
    let (_, after) = app.get(&format!("/lines/{id}")).await;
    assert_eq!(before["menu"], after["menu"]);

    // Taken off.
    let mut f = fields(&html);
    f.retain(|(k, _)| k != "menu_on");
    submit(&app, &cookie, &action, &f).await;
    let (_, l) = app.get(&format!("/lines/{id}")).await;
    assert_eq!(l["menu"], Value::Null);
}

/// Coverage checks each option: a caller who chooses one that rings nobody is warned of,
/// with its key and name, and its people without a phone are named.
async fn coverage_checks_every_option(app: TestApp) {
    let alice = app.user("Alice", Some(ALICE)).await;
    let dave = app.user("Dave", None).await;
    let line = app.line(&[alice]).await;
    let id = line["id"].as_i64().unwrap();
    let mut m = menu(alice, alice);
    m["options"][0]["name"] = json!("Night");
    m["options"][0]["routing"]["steps"] = json!([{"user": dave}]);
    let (status, body) = app.patch(&format!("/lines/{id}"), json!({"menu": m})).await;
    assert_eq!(status, 200, "{body}");
    let (_, c) = app.get(&format!("/lines/{id}/coverage?days=2")).await;
    let warnings = c["warnings"].as_array().unwrap();
    let option = warnings
        .iter()
        .find(|w| w["kind"] == "menu_option_uncovered")
        .unwrap_or_else(|| panic!("{c}"));
    assert_eq!(option["key"], 1);
    assert!(
        option["message"].as_str().unwrap().starts_with(
            "menu option 1 (Night): callers who choose it would reach nobody for 48 h 0 min"
        ),
        "{option}"
    );
    assert!(
        warnings
            .iter()
            .any(|w| w["kind"] == "no_phone" && w["user"] == dave),
        "{c}"
    );
    // The default option (Alice) covers a caller who presses nothing.
    assert_eq!(c["covered"], true, "{c}");
}

crate::on_both!(
    the_menu_is_edited_on_the_settings_page,
    coverage_checks_every_option,
);
