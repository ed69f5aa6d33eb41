//! Schedules through the API, calls routed by them on a moved clock, and calendar feeds.

use crate::helpers::TestApp;
use serde_json::{json, Value};
use switchboard_sim::Responder;

const ALICE: &str = "+14155550101";
const BOB: &str = "+14155550102";
const CAROL: &str = "+14155550103";

/// Alice and Bob alternate daily at 09:00 Berlin time, starting with Alice on 2026-11-23.
async fn daily(app: &TestApp, a: i64, b: i64) -> Value {
    let (status, s) = app
        .post(
            "/schedules",
            json!({
                "name": "Primary",
                "time_zone": "Europe/Berlin",
                "layers": [{
                    "name": "daily",
                    "participants": [a, b],
                    "start": "2026-11-23T09:00",
                    "shift": { "days": 1 },
                }],
            }),
        )
        .await;
    assert_eq!(status, 201, "{s}");
    s
}

async fn line_to(app: &TestApp, steps: Value) -> Value {
    let (status, line) = app
        .post(
            "/lines",
            json!({
                "name": "Hotline",
                "number": "+15005550006",
                "provider": "twilio",
                "auth_token": "line-auth-token",
                "routing": { "steps": steps },
            }),
        )
        .await;
    assert_eq!(status, 201, "{line}");
    line
}

fn everyone_answers(app: &TestApp, line: &Value) -> switchboard_sim::CallSpec {
    let answer = Responder::Answer {
        after_secs: 1,
        talk_secs: 5,
    };
    app.spec(line)
        .responder(ALICE, answer)
        .responder(BOB, answer)
        .responder(CAROL, answer)
}

async fn calls_ring_whoever_is_on_call_at_the_handoff(app: TestApp) {
    let a = app.user("Alice", Some(ALICE)).await;
    let b = app.user("Bob", Some(BOB)).await;
    let s = daily(&app, a, b).await;
    let line = line_to(&app, json!([{ "schedule": s["id"] }])).await;
    // 2026-11-24 is Bob's day from 09:00 CET (08:00Z); before that Alice's shift runs on.
    app.clock.set("2026-11-24T07:59:00Z".parse().unwrap());
    let (t, call) = app.call(&everyone_answers(&app, &line)).await;
    assert_eq!(t.dialed, vec![ALICE]);
    assert_eq!(call["answered_by"]["name"], "Alice");
    app.clock.set("2026-11-24T08:01:00Z".parse().unwrap());
    let (t, call) = app.call(&everyone_answers(&app, &line)).await;
    assert_eq!(t.dialed, vec![BOB]);
    assert_eq!(call["answered_by"]["name"], "Bob");
}

async fn an_override_wins(app: TestApp) {
    let a = app.user("Alice", Some(ALICE)).await;
    let b = app.user("Bob", Some(BOB)).await;
    let c = app.user("Carol", Some(CAROL)).await;
    let s = daily(&app, a, b).await;
    let id = s["id"].as_i64().unwrap();
    let (status, s) = app
        .post(
            &format!("/schedules/{id}/overrides"),
            json!({ "user": c, "start": "2026-11-24T10:00:00Z", "end": "2026-11-24T12:00:00Z" }),
        )
        .await;
    assert_eq!(status, 201, "{s}");
    let (_, oc) = app
        .get(&format!("/schedules/{id}/on-call?at=2026-11-24T11:00:00Z"))
        .await;
    assert_eq!(oc["user"]["name"], "Carol");
    assert_eq!(oc["source"], "override");
    let line = line_to(&app, json!([{ "schedule": id }])).await;
    app.clock.set("2026-11-24T11:00:00Z".parse().unwrap());
    let (t, _) = app.call(&everyone_answers(&app, &line)).await;
    assert_eq!(t.dialed, vec![CAROL]);
    app.clock.set("2026-11-24T12:00:00Z".parse().unwrap());
    let (t, _) = app.call(&everyone_answers(&app, &line)).await;
    assert_eq!(t.dialed, vec![BOB]);
}

/// Compiled schedules are kept between calls; a change made through another instance (here a
/// second store over the same database, as a second process would) still routes the next call.
async fn a_schedule_changed_elsewhere_routes_the_next_call(app: TestApp) {
    let a = app.user("Alice", Some(ALICE)).await;
    let b = app.user("Bob", Some(BOB)).await;
    let c = app.user("Carol", Some(CAROL)).await;
    let s = daily(&app, a, b).await;
    let id = switchboard_core::schedule::ScheduleId(s["id"].as_i64().unwrap());
    let line = line_to(&app, json!([{ "schedule": id.0 }])).await;
    app.clock.set("2026-11-24T11:00:00Z".parse().unwrap());
    for _ in 0..2 {
        let (t, _) = app.call(&everyone_answers(&app, &line)).await;
        assert_eq!(t.dialed, vec![BOB]);
    }
    let other = switchboard_store::open(app.db_url()).await.unwrap();
    let stored = other.get_schedule(id).await.unwrap();
    let mut changed = stored.schedule.clone();
    changed
        .overrides
        .push(switchboard_core::schedule::Override {
            id: 1,
            user: switchboard_core::UserId(c),
            start: "2026-11-24T10:00:00Z".parse().unwrap(),
            end: "2026-11-24T12:00:00Z".parse().unwrap(),
            covering: None,
            add: false,
        });
    other
        .update_schedule(id, &changed, stored.team, stored.version)
        .await
        .unwrap();
    let (t, _) = app.call(&everyone_answers(&app, &line)).await;
    assert_eq!(
        t.dialed,
        vec![CAROL],
        "the cached schedule was not used once it changed"
    );
    // Deleted elsewhere: the line's step rings nobody (its fallback is voicemail).
    other.delete_schedule(id).await.unwrap();
    let (t, _) = app.call(&everyone_answers(&app, &line)).await;
    assert!(t.dialed.is_empty(), "{t}");
}

async fn an_empty_schedule_moves_to_the_fallbacks_or_the_no_one_on_call_message(app: TestApp) {
    let a = app.user("Alice", Some(ALICE)).await;
    let c = app.user("Carol", Some(CAROL)).await;
    // Business hours only: nobody at night.
    let (_, s) = app
        .post(
            "/schedules",
            json!({
                "name": "Day desk", "time_zone": "Europe/Berlin",
                "layers": [{
                    "name": "day", "participants": [a], "start": "2026-11-02T00:00",
                    "shift": { "weeks": 1 },
                    "restrictions": [{ "type": "daily", "start": "09:00", "end": "17:00" }],
                }],
            }),
        )
        .await;
    let with_fallback = line_to(&app, json!([{ "schedule": s["id"] }, { "user": c }])).await;
    app.clock.set("2026-11-24T22:00:00Z".parse().unwrap());
    let (t, call) = app.call(&everyone_answers(&app, &with_fallback)).await;
    assert_eq!(t.dialed, vec![CAROL]);
    assert_eq!(call["plan"]["steps"][0]["skipped"], "nobody_on_call");
    assert_eq!(call["answered_by"]["name"], "Carol");

    let id = with_fallback["id"].as_i64().unwrap();
    let (status, _) = app
        .patch(
            &format!("/lines/{id}"),
            json!({ "routing": { "steps": [{ "schedule": s["id"] }] } }),
        )
        .await;
    assert_eq!(status, 200);
    let (t, call) = app.call(&everyone_answers(&app, &with_fallback)).await;
    assert!(t.dialed.is_empty());
    assert!(t.heard("Nobody is on call right now"), "{t}");
    assert_eq!(call["path"], "Nobody on call → voicemail left");
}

async fn shifts_and_gaps_through_the_api(app: TestApp) {
    let a = app.user("Alice", Some(ALICE)).await;
    let b = app.user("Bob", Some(BOB)).await;
    let s = daily(&app, a, b).await;
    let id = s["id"].as_i64().unwrap();
    let (status, body) = app
        .get(&format!(
            "/schedules/{id}/shifts?from=2026-11-22T00:00:00Z&to=2026-11-25T00:00:00Z"
        ))
        .await;
    assert_eq!(status, 200, "{body}");
    let shifts = body["shifts"].as_array().unwrap();
    let got: Vec<(&str, &str, &str)> = shifts
        .iter()
        .map(|x| {
            (
                x["start"].as_str().unwrap(),
                x["end"].as_str().unwrap(),
                x["user"]["name"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("2026-11-23T08:00:00Z", "2026-11-24T08:00:00Z", "Alice"),
            ("2026-11-24T08:00:00Z", "2026-11-25T00:00:00Z", "Bob"),
        ]
    );
    assert_eq!(
        body["gaps"][0]["end"], "2026-11-23T08:00:00Z",
        "before the start"
    );
    let (status, err) = app
        .get(&format!(
            "/schedules/{id}/shifts?from=2026-11-22T00:00:00Z&to=yesterday"
        ))
        .await;
    assert_eq!(status, 422);
    assert_eq!(err["error"]["field"], "to");
    // Unknown participants and bad zones name the field; nothing is stored.
    let (status, err) = app
        .post(
            "/schedules",
            json!({ "name": "x", "time_zone": "Europe/Berlin", "layers": [{
                "name": "l", "participants": [999], "start": "2026-11-23T09:00", "shift": {"days": 1}
            }]}),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(err["error"]["field"], "layers[0].participants");
    let (status, err) = app
        .post("/schedules", json!({ "name": "x", "time_zone": "Berlin" }))
        .await;
    assert_eq!(status, 422);
    assert_eq!(err["error"]["field"], "time_zone");
    assert_eq!(
        err["error"]["message"],
        "time_zone: 'Berlin' is not an IANA time zone name (e.g. Europe/Berlin)"
    );
    // A change to a zone that does not exist is refused the same way, and changes nothing.
    let (status, err) = app
        .patch(
            &format!("/schedules/{id}"),
            json!({ "time_zone": "Mars/Base" }),
        )
        .await;
    assert_eq!(status, 422, "{err}");
    assert_eq!(err["error"]["field"], "time_zone");
    assert_eq!(
        app.get(&format!("/schedules/{id}")).await.1["time_zone"],
        "Europe/Berlin"
    );
    // A zone of the wrong JSON type is the body's shape, not a refused value.
    let (status, _) = app
        .post("/schedules", json!({ "name": "x", "time_zone": 5 }))
        .await;
    assert_eq!(status, 400);
    assert_eq!(
        app.get("/schedules").await.1["schedules"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    // A schedule in use and its users cannot be deleted from under a line.
    let line = line_to(&app, json!([{ "schedule": id }])).await;
    assert_eq!(app.delete(&format!("/schedules/{id}")).await, 409);
    assert_eq!(app.delete(&format!("/users/{a}")).await, 409);
    assert_eq!(app.delete(&format!("/lines/{}", line["id"])).await, 204);
    assert_eq!(app.delete(&format!("/schedules/{id}")).await, 204);
}

async fn calendar_feeds_parse_as_icalendar(app: TestApp) {
    let a = app.user("Alice", Some(ALICE)).await;
    let b = app.user("Bob", Some(BOB)).await;
    let s = daily(&app, a, b).await;
    let url = s["calendar_url"].as_str().unwrap().to_owned();
    let body = app.http.get(&url).send().await.unwrap();
    assert_eq!(body.status(), 200);
    assert!(body.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/calendar"));
    let text = body.text().await.unwrap();
    let cal = ical::IcalParser::new(text.as_bytes())
        .next()
        .expect("one calendar")
        .expect("a valid calendar");
    let prop = |e: &ical::parser::ical::component::IcalEvent, name: &str| {
        e.properties
            .iter()
            .find(|p| p.name == name)
            .and_then(|p| p.value.clone())
            .unwrap_or_default()
    };
    // 30 days back to 90 days ahead of 2026-11-24T09:00Z; the rotation began 2026-11-23.
    let first = &cal.events[0];
    assert_eq!(prop(first, "DTSTART"), "20261123T080000Z");
    assert_eq!(prop(first, "DTEND"), "20261124T080000Z");
    assert_eq!(prop(first, "SUMMARY"), "On call: Alice (Primary)");
    assert_eq!(prop(&cal.events[1], "SUMMARY"), "On call: Bob (Primary)");
    assert!(cal.events.len() >= 89, "{}", cal.events.len());
    let uids: std::collections::HashSet<_> = cal.events.iter().map(|e| prop(e, "UID")).collect();
    assert_eq!(uids.len(), cal.events.len(), "UIDs are unique");

    // A user's own feed holds only their shifts.
    let (_, feed) = app
        .post(&format!("/users/{b}/calendar-feed"), json!({}))
        .await;
    let text = app
        .http
        .get(feed["calendar_url"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let cal = ical::IcalParser::new(text.as_bytes())
        .next()
        .unwrap()
        .unwrap();
    assert!(!cal.events.is_empty());
    assert!(cal
        .events
        .iter()
        .all(|e| prop(e, "SUMMARY") == "On call: Bob (Primary)"));

    // Rotating the secret retires the old URL.
    let id = s["id"].as_i64().unwrap();
    let (_, rotated) = app
        .post(&format!("/schedules/{id}/calendar-feed"), json!({}))
        .await;
    assert_eq!(app.http.get(&url).send().await.unwrap().status(), 404);
    let new_url = rotated["calendar_url"].as_str().unwrap();
    assert_eq!(app.http.get(new_url).send().await.unwrap().status(), 200);
}

async fn layers_can_be_added_changed_and_removed(app: TestApp) {
    let a = app.user("Alice", Some(ALICE)).await;
    let b = app.user("Bob", Some(BOB)).await;
    let s = daily(&app, a, b).await;
    let id = s["id"].as_i64().unwrap();
    let (status, s) = app
        .post(
            &format!("/schedules/{id}/layers"),
            json!({ "name": "weekend", "participants": [b], "start": "2026-11-01T00:00",
                    "shift": { "weeks": 1 },
                    "restrictions": [{ "type": "weekly", "start_day": "saturday", "start": "00:00",
                                       "end_day": "monday", "end": "00:00" }] }),
        )
        .await;
    assert_eq!(status, 201, "{s}");
    let layer_id = s["layers"][1]["id"].as_u64().unwrap();
    assert_ne!(layer_id, s["layers"][0]["id"].as_u64().unwrap());
    // Saturday: the higher weekend layer wins over Alice's day.
    let (_, oc) = app
        .get(&format!("/schedules/{id}/on-call?at=2026-11-28T12:00:00Z"))
        .await;
    assert_eq!(oc["user"]["name"], "Bob");
    assert_eq!(oc["source"], "layer:weekend");
    let r = app
        .http
        .delete(app.api(&format!("/schedules/{id}/layers/{layer_id}")))
        .bearer_auth(&app.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let (_, oc) = app
        .get(&format!("/schedules/{id}/on-call?at=2026-11-28T12:00:00Z"))
        .await;
    assert_eq!(oc["source"], "layer:daily");
}

async fn concurrent_overrides_are_all_kept(app: TestApp) {
    let a = app.user("Alice", Some(ALICE)).await;
    let b = app.user("Bob", Some(BOB)).await;
    let s = daily(&app, a, b).await;
    let id = s["id"].as_i64().unwrap();
    let app = std::sync::Arc::new(app);
    let mut tasks = Vec::new();
    for i in 0..12 {
        let app = app.clone();
        tasks.push(tokio::spawn(async move {
            let start = format!("2026-12-{:02}T10:00:00Z", i + 1);
            let end = format!("2026-12-{:02}T12:00:00Z", i + 1);
            app.post(
                &format!("/schedules/{id}/overrides"),
                json!({ "user": b, "start": start, "end": end }),
            )
            .await
            .0
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), 201);
    }
    let (_, s) = app.get(&format!("/schedules/{id}")).await;
    let overrides = s["overrides"].as_array().unwrap();
    assert_eq!(overrides.len(), 12, "no override was lost");
    let ids: std::collections::HashSet<_> = overrides.iter().map(|o| o["id"].as_u64()).collect();
    assert_eq!(ids.len(), 12);
}

async fn coverage_warns_of_gaps_and_unreachable_responders(app: TestApp) {
    let a = app.user("Alice", Some(ALICE)).await;
    let dana = app.user("Dana", None).await;
    let c = app.user("Carol", Some(CAROL)).await;
    // Weekdays 09:00-17:00 Berlin only; Dana (no phone) takes Wednesdays.
    let (_, s) = app
        .post(
            "/schedules",
            json!({
                "name": "Day desk", "time_zone": "Europe/Berlin",
                "layers": [{
                    "name": "day", "participants": [a], "start": "2026-11-02T00:00",
                    "shift": { "weeks": 1 },
                    "restrictions": [{ "type": "daily", "start": "09:00", "end": "17:00" }],
                }],
                "overrides": [{ "user": dana, "start": "2026-11-25T08:00:00Z", "end": "2026-11-25T16:00:00Z" }],
            }),
        )
        .await;
    let (_, line) = app
        .post(
            "/lines",
            json!({
                "name": "Hotline", "number": "+15005550006", "provider": "twilio",
                "routing": { "steps": [{ "schedule": s["id"] }] },
            }),
        )
        .await;
    let id = line["id"].as_i64().unwrap();
    let (status, cov) = app.get(&format!("/lines/{id}/coverage?days=2")).await;
    assert_eq!(status, 200, "{cov}");
    assert_eq!(cov["covered"], false);
    let kinds: Vec<&str> = cov["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["kind"].as_str().unwrap())
        .collect();
    for k in [
        "no_signature_check",
        "schedule_gap",
        "no_phone",
        "line_uncovered",
    ] {
        assert!(kinds.contains(&k), "{k} missing in {cov}");
    }
    // From 09:00Z on the 24th (10:00 Berlin): Alice until 16:00Z, then the night, then
    // Dana's override (unreachable) covers all of Wednesday's day shift.
    let holes = cov["uncovered"].as_array().unwrap();
    assert_eq!(holes[0]["start"], "2026-11-24T16:00:00Z");
    assert_eq!(holes[0]["end"], "2026-11-26T08:00:00Z", "{cov}");
    // A fallback with a phone closes every hole.
    let (status, _) = app
        .patch(
            &format!("/lines/{id}"),
            json!({ "routing": { "steps": [{ "schedule": s["id"] }, { "user": c }] },
                    "auth_token": "tok" }),
        )
        .await;
    assert_eq!(status, 200);
    let (_, cov) = app.get(&format!("/lines/{id}/coverage?days=2")).await;
    assert_eq!(cov["covered"], true, "{cov}");
    assert!(cov["uncovered"].as_array().unwrap().is_empty());
    let (status, err) = app.get(&format!("/lines/{id}/coverage?days=400")).await;
    assert_eq!(status, 422);
    assert_eq!(err["error"]["field"], "days");
}

/// After-hours routing is checked like the routing: a closed line that rings an empty
/// schedule is a hole; a closed line set to take voicemail is not.
async fn coverage_checks_the_after_hours_routing(app: TestApp) {
    let a = app.user("Alice", Some(ALICE)).await;
    let (_, night) = app
        .post(
            "/schedules",
            json!({
                "name": "Night desk", "time_zone": "UTC",
                "layers": [{
                    "name": "evening", "participants": [a], "start": "2026-11-02T00:00",
                    "shift": { "weeks": 1 },
                    "restrictions": [{ "type": "daily", "start": "17:00", "end": "22:00" }],
                }],
            }),
        )
        .await;
    // Open 09:00-17:00 UTC; after hours the night desk, which has nobody from 22:00 to 09:00.
    let (status, line) = app
        .post(
            "/lines",
            json!({
                "name": "Hotline", "number": "+15005550006", "provider": "twilio",
                "auth_token": "tok",
                "routing": { "steps": [{ "user": a }] },
                "business_hours": {
                    "time_zone": "UTC",
                    "open": [{ "type": "daily", "start": "09:00", "end": "17:00" }],
                    "after_hours": { "action": "route", "steps": [{ "schedule": night["id"] }] },
                },
            }),
        )
        .await;
    assert_eq!(status, 201, "{line}");
    let id = line["id"].as_i64().unwrap();
    // The routing preview asks the same resolver a call does.
    let (status, day) = app
        .get(&format!("/lines/{id}/routing?at=2026-11-24T10:00:00Z"))
        .await;
    assert_eq!(status, 200, "{day}");
    assert_eq!(day["after_hours"], false);
    assert_eq!(day["steps"][0]["responder"]["name"], "Alice");
    let (_, evening) = app
        .get(&format!("/lines/{id}/routing?at=2026-11-24T18:00:00Z"))
        .await;
    assert_eq!(evening["after_hours"], true, "{evening}");
    assert_eq!(evening["rings_anyone"], true);
    assert_eq!(evening["steps"][0]["responder"]["name"], "Alice");
    let (_, night) = app
        .get(&format!("/lines/{id}/routing?at=2026-11-24T23:00:00Z"))
        .await;
    assert_eq!(night["rings_anyone"], false, "{night}");
    assert_eq!(night["steps"][0]["skipped"], "nobody_on_call");
    assert_eq!(night["steps"][0]["target"], "Night desk (schedule)");
    let (status, bad) = app.get(&format!("/lines/{id}/routing?at=tomorrow")).await;
    assert_eq!(status, 422, "{bad}");
    assert_eq!(bad["error"]["field"], "at");
    let (_, cov) = app.get(&format!("/lines/{id}/coverage?days=1")).await;
    assert_eq!(cov["covered"], false, "{cov}");
    let holes = cov["uncovered"].as_array().unwrap();
    assert_eq!(holes[0]["start"], "2026-11-24T22:00:00Z", "{cov}");
    assert_eq!(holes[0]["end"], "2026-11-25T09:00:00Z", "{cov}");
    assert!(
        cov["warnings"]
            .to_string()
            .contains("after-hours step 1: nobody is on call in 'Night desk'"),
        "{cov}"
    );
    // Closed with a voicemail instead: by design, not a hole.
    let (status, _) = app
        .patch(
            &format!("/lines/{id}"),
            json!({ "business_hours": {
                "time_zone": "UTC",
                "open": [{ "type": "daily", "start": "09:00", "end": "17:00" }],
                "after_hours": { "action": "voicemail" },
            }}),
        )
        .await;
    assert_eq!(status, 200);
    let (_, cov) = app.get(&format!("/lines/{id}/coverage?days=1")).await;
    assert_eq!(cov["covered"], true, "{cov}");
    assert_eq!(cov["closed"][0]["start"], "2026-11-24T17:00:00Z", "{cov}");
    assert_eq!(cov["closed"][0]["end"], "2026-11-25T09:00:00Z", "{cov}");
}

crate::on_both!(
    coverage_checks_the_after_hours_routing,
    coverage_warns_of_gaps_and_unreachable_responders,
    concurrent_overrides_are_all_kept,
    calls_ring_whoever_is_on_call_at_the_handoff,
    an_override_wins,
    a_schedule_changed_elsewhere_routes_the_next_call,
    an_empty_schedule_moves_to_the_fallbacks_or_the_no_one_on_call_message,
    shifts_and_gaps_through_the_api,
    calendar_feeds_parse_as_icalendar,
    layers_can_be_added_changed_and_removed,
);
