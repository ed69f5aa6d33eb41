//! Call screening, caller rules and business hours, through both carriers.

use crate::helpers::TestApp;
use serde_json::json;
use switchboard_sim::Responder;

const ALICE: &str = "+14155550101";
const BOB: &str = "+14155550102";
const CAROL: &str = "+14155550103";

async fn three(app: TestApp) -> (TestApp, [i64; 3]) {
    let a = app.user("Alice", Some(ALICE)).await;
    let b = app.user("Bob", Some(BOB)).await;
    let c = app.user("Carol", Some(CAROL)).await;
    (app, [a, b, c])
}

async fn screened_line(app: &TestApp, users: &[i64]) -> serde_json::Value {
    let line = app.line(users).await;
    let (status, line) = app
        .patch(
            &format!("/lines/{}", line["id"]),
            json!({ "screening": true }),
        )
        .await;
    assert_eq!(status, 200, "{line}");
    assert_eq!(line["screening"], true);
    line
}

async fn screening_connects_a_responder_who_presses_1(app: TestApp) {
    let (app, [a, b, _]) = three(app).await;
    let line = screened_line(&app, &[a, b]).await;
    let spec = app.spec(&line).responder(
        ALICE,
        Responder::Answer {
            after_secs: 3,
            talk_secs: 45,
        },
    );
    let (t, call) = app.call(&spec).await;
    assert_eq!(t.dialed, vec![ALICE]);
    assert_eq!(t.connected_to.as_deref(), Some(ALICE));
    assert!(
        t.entries.iter().any(|e| e
            .text
            .contains("call from ACME SECURITY. Press 1 to accept")),
        "{t}"
    );
    assert_eq!(call["outcome"], "answered");
    assert_eq!(call["path"], "Alice answered");
    assert_eq!(call["attempts"][0]["accepted"], true);
}

async fn screening_keeps_a_voicemail_from_swallowing_the_call(app: TestApp) {
    let (app, [a, b, _]) = three(app).await;
    let line = screened_line(&app, &[a, b]).await;
    let spec = app
        .spec(&line)
        .responder(
            ALICE,
            Responder::Voicemail {
                after_secs: 8,
                message_secs: 30,
            },
        )
        .responder(
            BOB,
            Responder::Answer {
                after_secs: 2,
                talk_secs: 20,
            },
        );
    let (t, call) = app.call(&spec).await;
    assert_eq!(t.dialed, vec![ALICE, BOB]);
    assert_eq!(t.connected_to.as_deref(), Some(BOB), "{t}");
    assert_eq!(call["outcome"], "answered");
    assert_eq!(call["answered_by"]["name"], "Bob");
    assert_eq!(call["path"], "Alice did not accept the call → Bob answered");
    assert_eq!(call["attempts"][0]["outcome"], "not_accepted");
}

async fn a_responder_who_declines_moves_the_call_on(app: TestApp) {
    let (app, [a, b, _]) = three(app).await;
    let line = screened_line(&app, &[a, b]).await;
    let spec = app
        .spec(&line)
        .responder(ALICE, Responder::Declines { after_secs: 4 });
    let (t, call) = app.call(&spec).await;
    assert_eq!(t.dialed, vec![ALICE, BOB]);
    assert_eq!(t.connected_to, None);
    assert_eq!(call["outcome"], "voicemail");
    assert_eq!(
        call["path"],
        "Alice did not accept the call → Bob did not answer → voicemail left"
    );
}

/// Twilio lets Switchboard hear the responder's 2: the call moves on at once, logged as
/// passed. Plivo hears only its confirm key: the prompt says to hang up instead, which also
/// moves the call on at once (logged as not accepted, since Plivo cannot tell the two apart).
async fn a_responder_who_presses_2_passes_the_call_on_at_once(app: TestApp) {
    let (app, [a, b, _]) = three(app).await;
    let line = screened_line(&app, &[a, b]).await;
    let spec = app
        .spec(&line)
        .responder(ALICE, Responder::Passes { after_secs: 3 })
        .responder(
            BOB,
            Responder::Answer {
                after_secs: 2,
                talk_secs: 30,
            },
        );
    let (t, call) = app.call(&spec).await;
    assert_eq!(t.dialed, vec![ALICE, BOB]);
    assert_eq!(t.connected_to.as_deref(), Some(BOB), "{t}");
    assert_eq!(call["answered_by"]["name"], "Bob");
    let plivo = app.carrier == switchboard_sim::Carrier::Plivo;
    let (prompt, alice) = if plivo {
        ("Press 1 to accept, or hang up to pass.", "not_accepted")
    } else {
        ("Press 1 to accept, 2 to pass it on.", "passed")
    };
    assert!(t.entries.iter().any(|e| e.text.contains(prompt)), "{t}");
    assert_eq!(call["attempts"][0]["outcome"], alice, "{call}");
    if !plivo {
        assert_eq!(call["path"], "Alice passed the call on → Bob answered");
        assert!(
            t.entries
                .iter()
                .any(|e| e.text.contains("hears: Passing the call on")),
            "{t}"
        );
        assert!(call["events"]
            .to_string()
            .contains("Alice pressed 2: passed the call on"));
    }
    // At once: Bob's phone rings seconds after Alice passed (the sentence she hears), not
    // after the 10 s the key may take or the 20 s ring time.
    let at = |what: &str| {
        t.entries
            .iter()
            .find(|e| e.text.contains(what))
            .map(|e| e.at)
            .unwrap_or_else(|| panic!("no '{what}' in {t}"))
    };
    let passed = at(if plivo {
        "hangs up to pass"
    } else {
        "presses 2"
    });
    let bob = at(&format!("Dial {BOB}"));
    assert!(
        bob - passed <= 4,
        "Bob rang {} s after Alice passed: {t}",
        bob - passed
    );
}

async fn blocked_numbers_are_rejected_without_ringing_anyone(app: TestApp) {
    let (app, [a, ..]) = three(app).await;
    let line = app.line(&[a]).await;
    let (status, body) = app
        .patch(
            &format!("/lines/{}", line["id"]),
            json!({ "caller_rules": { "blocked": ["+1415555019*"] } }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (t, call) = app
        .call(&app.spec(&line).responder(
            ALICE,
            Responder::Answer {
                after_secs: 1,
                talk_secs: 5,
            },
        ))
        .await;
    assert!(t.dialed.is_empty(), "{t}");
    assert!(t.said.is_empty(), "a rejected caller is not answered: {t}");
    assert_eq!(call["outcome"], "rejected");
    assert_eq!(call["path"], "rejected");
    assert!(call["events"]
        .to_string()
        .contains("is blocked on this line"));
    let (status, err) = app
        .patch(
            &format!("/lines/{}", line["id"]),
            json!({ "caller_rules": { "blocked": ["415*"] } }),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(err["error"]["field"], "caller_rules.blocked[0]");
}

async fn a_flood_of_calls_from_one_number_is_cut_off(app: TestApp) {
    let (app, [a, ..]) = three(app).await;
    let line = app.line(&[a]).await;
    app.patch(
        &format!("/lines/{}", line["id"]),
        json!({ "caller_rules": {
            "flood_limit": { "calls": 2, "window_secs": 600 },
            "allowed": ["+4930*"],
        } }),
    )
    .await;
    let answer = Responder::Answer {
        after_secs: 1,
        talk_secs: 5,
    };
    for _ in 0..2 {
        let (t, _) = app.call(&app.spec(&line).responder(ALICE, answer)).await;
        assert_eq!(t.dialed, vec![ALICE]);
    }
    let (t, call) = app.call(&app.spec(&line).responder(ALICE, answer)).await;
    assert!(t.dialed.is_empty());
    assert_eq!(call["outcome"], "rejected");
    assert!(call["events"].to_string().contains("flood limit 2"));
    // Another caller, and an exempt one, still get through.
    let mut other = app.spec(&line).responder(ALICE, answer);
    other.from = "+4930123456".into();
    for _ in 0..3 {
        let (t, _) = app.call(&other).await;
        assert_eq!(t.dialed, vec![ALICE]);
    }
    // Ten minutes later the window has passed.
    app.clock.advance_secs(601);
    let (t, _) = app.call(&app.spec(&line).responder(ALICE, answer)).await;
    assert_eq!(t.dialed, vec![ALICE]);
}

async fn business_hours_send_after_hours_calls_to_voicemail_or_other_routing(app: TestApp) {
    let (app, [a, _, c]) = three(app).await;
    let line = app.line(&[a]).await;
    let id = line["id"].as_i64().unwrap();
    let hours = |after: serde_json::Value| {
        json!({ "business_hours": {
            "time_zone": "Europe/Berlin",
            "open": [{ "type": "weekly", "start_day": "monday", "start": "09:00",
                       "end_day": "friday", "end": "17:00" }],
            "after_hours": after,
        } })
    };
    let (status, body) = app
        .patch(
            &format!("/lines/{id}"),
            hours(json!({ "action": "voicemail" })),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["open_now"], true, "Tuesday 10:00 in Berlin");
    let answer = Responder::Answer {
        after_secs: 1,
        talk_secs: 5,
    };
    let spec = || {
        app.spec(&line)
            .responder(ALICE, answer)
            .responder(CAROL, answer)
    };
    let (t, _) = app.call(&spec()).await;
    assert_eq!(t.dialed, vec![ALICE]);
    // Saturday noon: closed, straight to voicemail.
    app.clock.set("2026-11-28T11:00:00Z".parse().unwrap());
    let (t, call) = app.call(&spec()).await;
    assert!(t.dialed.is_empty());
    assert!(t.heard("We are closed right now"), "{t}");
    assert_eq!(call["outcome"], "voicemail");
    assert_eq!(call["plan"]["after_hours"], true);
    let left_while_closed = call["id"].clone();
    // Or to an after-hours responder.
    let (status, _) = app
        .patch(
            &format!("/lines/{id}"),
            hours(json!({ "action": "route", "steps": [{ "user": c }] })),
        )
        .await;
    assert_eq!(status, 200);
    let (t, call) = app.call(&spec()).await;
    assert_eq!(t.dialed, vec![CAROL]);
    assert_eq!(call["answered_by"]["name"], "Carol");
    // Bad hours name the field; removing them reopens the line.
    let (status, err) = app
        .patch(
            &format!("/lines/{id}"),
            hours(json!({ "action": "route", "steps": [{ "user": 999 }] })),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(
        err["error"]["field"],
        "business_hours.after_hours.steps[0].user"
    );
    let (status, err) = app
        .patch(
            &format!("/lines/{id}"),
            json!({ "business_hours": { "time_zone": "Berlin", "open": [], "after_hours": { "action": "voicemail" } } }),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(err["error"]["field"], "business_hours.time_zone");
    let (status, body) = app
        .patch(&format!("/lines/{id}"), json!({ "business_hours": null }))
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["open_now"], true);
    let (t, _) = app.call(&spec()).await;
    assert_eq!(t.dialed, vec![ALICE]);
    // On Monday morning Saturday's voicemail is not alerted again: the same caller's later call,
    // answered by Carol, acknowledged their incident (after_hours.rs tells the rest).
    app.clock.set("2026-11-30T08:00:00Z".parse().unwrap());
    app.settle().await;
    let (_, call) = app.get(&format!("/calls/{left_while_closed}")).await;
    assert!(
        call["events"]
            .to_string()
            .contains("the voicemail was handled already (incident 1 was acknowledged)"),
        "{}",
        call["events"]
    );
}

crate::on_all!(
    business_hours_send_after_hours_calls_to_voicemail_or_other_routing,
    blocked_numbers_are_rejected_without_ringing_anyone,
    a_flood_of_calls_from_one_number_is_cut_off,
    screening_connects_a_responder_who_presses_1,
    screening_keeps_a_voicemail_from_swallowing_the_call,
    a_responder_who_declines_moves_the_call_on,
    a_responder_who_presses_2_passes_the_call_on_at_once,
);
