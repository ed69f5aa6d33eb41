//! Simultaneous ring: a step that rings several people at once, through both carriers and
//! both backends, with and without screening, and both ways a carrier may treat the other
//! legs when one picks up.

use crate::helpers::TestApp;
use serde_json::{json, Value};
use switchboard_sim::{OthersOnPickup, Responder};

const ALICE: &str = "+14155550101";
const BOB: &str = "+14155550102";
const CAROL: &str = "+14155550103";

async fn three(app: &TestApp) -> [i64; 3] {
    [
        app.user("Alice", Some(ALICE)).await,
        app.user("Bob", Some(BOB)).await,
        app.user("Carol", Some(CAROL)).await,
    ]
}

/// A line whose first step rings `steps[0]`, and so on; screening as asked.
async fn line_with(app: &TestApp, steps: Value, screening: bool) -> Value {
    let first = steps[0]["users"][0]
        .as_i64()
        .or_else(|| steps[0]["user"].as_i64());
    let line = match first {
        Some(u) => app.line(&[u]).await,
        None => {
            app.line(&[app.user("Dora", Some("+14155550104")).await])
                .await
        }
    };
    let (status, line) = app
        .patch(
            &format!("/lines/{}", line["id"]),
            json!({ "routing": { "steps": steps, "ring_timeout_secs": 20 }, "screening": screening }),
        )
        .await;
    assert_eq!(status, 200, "{line}");
    line
}

use crate::helpers::log_messages as log;

fn outcomes(call: &Value) -> Vec<(String, String)> {
    call["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["name"].as_str().unwrap().to_owned(),
                a["outcome"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn pair(name: &str, outcome: &str) -> (String, String) {
    (name.to_owned(), outcome.to_owned())
}

async fn the_first_to_answer_is_connected_and_the_other_phone_stops(app: TestApp) {
    let [a, b, c] = three(&app).await;
    let line = line_with(&app, json!([{ "users": [a, b] }, { "user": c }]), false).await;
    let spec = app.spec(&line).responder(
        BOB,
        Responder::Answer {
            after_secs: 4,
            talk_secs: 30,
        },
    );
    let (t, call) = app.call(&spec).await;
    // One dial rang both; Carol, the next step, was never rung.
    assert_eq!(t.dialed, vec![ALICE, BOB], "{t}");
    assert_eq!(t.connected_to.as_deref(), Some(BOB));
    assert_eq!(call["outcome"], "answered");
    assert_eq!(call["answered_by"]["name"], "Bob");
    assert_eq!(
        outcomes(&call),
        [pair("Alice", "canceled"), pair("Bob", "answered")]
    );
    assert_eq!(call["path"], "Alice + Bob rang together: Bob answered");
    let log = log(&call);
    assert!(
        log.iter()
            .any(|m| m == &format!("step 1: Alice ({ALICE}), Bob ({BOB}), rung together")),
        "{log:?}"
    );
    assert!(
        log.iter()
            .any(|m| m == &format!("Dialing Alice ({ALICE}), Bob ({BOB}) together for 20 s")),
        "{log:?}"
    );
    assert!(
        log.iter()
            .any(|m| m.starts_with("Bob answered; the other phones stopped ringing")),
        "{log:?}"
    );
}

async fn nobody_answering_together_moves_on_to_the_next_step(app: TestApp) {
    let [a, b, c] = three(&app).await;
    let line = line_with(&app, json!([{ "users": [a, b] }, { "user": c }]), false).await;
    let spec = app.spec(&line).responder(
        CAROL,
        Responder::Answer {
            after_secs: 2,
            talk_secs: 10,
        },
    );
    let (t, call) = app.call(&spec).await;
    assert_eq!(t.dialed, vec![ALICE, BOB, CAROL], "{t}");
    assert_eq!(call["answered_by"]["name"], "Carol");
    assert_eq!(
        call["path"],
        "Alice + Bob rang together: nobody answered → Carol answered"
    );
}

/// With screening, Alice's voicemail picks up first; Bob, still able to accept, must get the
/// call whatever the carrier does with his leg meanwhile.
async fn a_voicemail_never_wins_the_race_against_a_person(app: TestApp) {
    let [a, b, _] = three(&app).await;
    let line = line_with(&app, json!([{ "users": [a, b] }]), true).await;
    for others in [OthersOnPickup::HungUp, OthersOnPickup::KeepRinging] {
        let mut spec = app
            .spec(&line)
            .responder(
                ALICE,
                Responder::Voicemail {
                    after_secs: 3,
                    message_secs: 30,
                },
            )
            .responder(
                BOB,
                Responder::Answer {
                    after_secs: 6,
                    talk_secs: 20,
                },
            );
        spec.others_on_pickup = others;
        let (t, call) = app.call(&spec).await;
        assert_eq!(t.connected_to.as_deref(), Some(BOB), "{others:?}: {t}");
        assert_eq!(call["outcome"], "answered", "{others:?}");
        assert_eq!(call["answered_by"]["name"], "Bob");
        let log = log(&call);
        match others {
            // The carrier stopped Bob's phone when the voicemail picked up: rung again.
            OthersOnPickup::HungUp => {
                assert_eq!(t.dialed, vec![ALICE, BOB, BOB], "{t}");
                assert_eq!(
                    outcomes(&call),
                    [
                        pair("Alice", "not_accepted"),
                        pair("Bob", "canceled"),
                        pair("Bob", "answered")
                    ]
                );
                assert!(
                    log.iter().any(|m| m.contains(
                        "Alice picked up without accepting, which may have stopped the other phones: ringing Bob again for 20 s"
                    )),
                    "{log:?}"
                );
                assert_eq!(
                    call["path"],
                    "Alice + Bob rang together: Alice did not accept the call → Bob answered"
                );
            }
            // Bob's phone rang on and he accepted in the same dial.
            OthersOnPickup::KeepRinging => {
                assert_eq!(t.dialed, vec![ALICE, BOB], "{t}");
                assert_eq!(
                    outcomes(&call),
                    [pair("Alice", "not_accepted"), pair("Bob", "answered")]
                );
                assert_eq!(
                    call["path"],
                    "Alice + Bob rang together: Alice did not accept the call, Bob answered"
                );
            }
        }
        assert!(
            log.iter().any(|m| m == "Bob pressed 1: accepted the call")
                || app.provider() == "plivo",
            "{log:?}"
        );
        assert_eq!(
            call["attempts"].as_array().unwrap().last().unwrap()["accepted"],
            true
        );
    }
}

/// Everyone who refuses: the step ends after one round per refusal at most, then voicemail.
async fn when_everyone_refuses_the_call_goes_to_voicemail(app: TestApp) {
    let [a, b, _] = three(&app).await;
    let line = line_with(&app, json!([{ "users": [a, b] }]), true).await;
    let spec = app
        .spec(&line)
        .responder(ALICE, Responder::Declines { after_secs: 2 })
        .responder(BOB, Responder::Declines { after_secs: 5 });
    let (t, call) = app.call(&spec).await;
    assert_eq!(t.connected_to, None, "{t}");
    assert_eq!(call["outcome"], "voicemail");
    assert!(t.dialed.len() <= 3, "at most one ring again: {t}");
    let refused: Vec<_> = outcomes(&call)
        .into_iter()
        .filter(|(_, o)| o == "not_accepted")
        .map(|(n, _)| n)
        .collect();
    assert_eq!(refused, ["Alice", "Bob"], "{}", call["path"]);
}

async fn a_schedule_step_rings_everyone_on_call_at_once(app: TestApp) {
    let [a, b, c] = three(&app).await;
    let (status, s) = app
        .post(
            "/schedules",
            json!({
                "name": "Pair", "time_zone": "Europe/Berlin",
                "layers": [{"name": "always", "participants": [[a, b]],
                            "start": "2026-01-05T09:00", "shift": {"weeks": 1}}],
            }),
        )
        .await;
    assert_eq!(status, 201, "{s}");
    let line = line_with(
        &app,
        json!([{ "schedule_all": s["id"] }, { "user": c }]),
        false,
    )
    .await;
    assert_eq!(
        line["routing"]["steps"][0],
        json!({ "schedule_all": s["id"] })
    );
    let spec = app
        .spec(&line)
        .responder(
            ALICE,
            Responder::Answer {
                after_secs: 7,
                talk_secs: 10,
            },
        )
        .responder(
            BOB,
            Responder::Answer {
                after_secs: 3,
                talk_secs: 10,
            },
        );
    let (t, call) = app.call(&spec).await;
    assert_eq!(t.dialed, vec![ALICE, BOB], "{t}");
    assert_eq!(call["answered_by"]["name"], "Bob");
    assert_eq!(call["plan"]["steps"][0]["target"], "Alice + Bob (together)");
}

async fn a_bad_list_of_people_is_refused_by_its_place(app: TestApp) {
    let [a, b, _] = three(&app).await;
    let line = app.line(&[a]).await;
    let id = line["id"].as_i64().unwrap();
    for (steps, field, says) in [
        (
            json!([{ "users": [a] }]),
            "routing.steps[0].users",
            "2 to 10 people",
        ),
        (
            json!([{ "user": a }, { "users": [b, b] }]),
            "routing.steps[1].users",
            "twice",
        ),
        (
            json!([{ "users": [a, 999_999] }]),
            "routing.steps[0].users[1]",
            "999999",
        ),
    ] {
        let (status, err) = app
            .patch(
                &format!("/lines/{id}"),
                json!({ "routing": { "steps": steps, "ring_timeout_secs": 20 } }),
            )
            .await;
        assert_eq!(status, 422, "{err}");
        assert_eq!(err["error"]["field"], field, "{err}");
        assert!(
            err["error"]["message"].as_str().unwrap().contains(says),
            "{err}"
        );
    }
    let (_, still) = app.get(&format!("/lines/{id}")).await;
    assert_eq!(still["routing"]["steps"], json!([{ "user": a }]));
    // A person in a ring-together step cannot be deleted from under the line.
    let (status, body) = app
        .patch(
            &format!("/lines/{id}"),
            json!({ "routing": { "steps": [{ "users": [a, b] }], "ring_timeout_secs": 20 } }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(app.delete(&format!("/users/{b}")).await, 409);
}

/// The settings page builds a step that rings people together from its selects, shows it
/// back the same way, and refuses a schedule in such a run by its number.
async fn the_settings_page_rings_people_together(app: TestApp) {
    use crate::pages::{form_fields, page, set, submit};
    let [a, b, c] = three(&app).await;
    let cookie = crate::pages::owner_session(&app).await;
    let line = app.line(&[c]).await;
    let id = line["id"].as_i64().unwrap();
    let path = format!("/lines/{id}/settings");
    let (_, html) = page(&app, &cookie, &path).await;
    let mut routing = form_fields(&html, "routing");
    set(&mut routing, "step1", &format!("user:{a}"));
    routing.push(("step1_with".into(), "1".into()));
    set(&mut routing, "step2", &format!("user:{b}"));
    set(&mut routing, "step3", &format!("user:{c}"));
    submit(&app, &cookie, &path, &routing).await;
    let (_, l) = app.get(&format!("/lines/{id}")).await;
    assert_eq!(
        l["routing"]["steps"],
        json!([{ "users": [a, b] }, { "user": c }])
    );
    // Shown back as it is: saving the page unchanged keeps it.
    let (_, html) = page(&app, &cookie, &path).await;
    let shown = form_fields(&html, "routing");
    assert!(
        shown.contains(&("step1_with".into(), "1".into())),
        "{shown:?}"
    );
    assert!(!shown.iter().any(|(k, _)| k == "step2_with"), "{shown:?}");
    submit(&app, &cookie, &path, &shown).await;
    let (_, again) = app.get(&format!("/lines/{id}")).await;
    assert_eq!(again["routing"], l["routing"]);
    // A schedule cannot be part of such a run.
    let (_, s) = app
        .post(
            "/schedules",
            json!({"name": "Solo", "time_zone": "UTC",
                   "layers": [{"name": "l", "participants": [a], "start": "2026-01-05T09:00", "shift": {"weeks": 1}}]}),
        )
        .await;
    let mut bad = shown.clone();
    set(&mut bad, "step2", &format!("schedule:{}", s["id"]));
    let refused = submit(&app, &cookie, &path, &bad).await;
    assert!(
        refused.contains("Step 2: only people can ring at the same time as others"),
        "{refused}"
    );
    let (_, still) = app.get(&format!("/lines/{id}")).await;
    assert_eq!(still["routing"], l["routing"]);
}

crate::on_all!(
    the_settings_page_rings_people_together,
    the_first_to_answer_is_connected_and_the_other_phone_stops,
    nobody_answering_together_moves_on_to_the_next_step,
    a_voicemail_never_wins_the_race_against_a_person,
    when_everyone_refuses_the_call_goes_to_voicemail,
    a_schedule_step_rings_everyone_on_call_at_once,
    a_bad_list_of_people_is_refused_by_its_place,
);
