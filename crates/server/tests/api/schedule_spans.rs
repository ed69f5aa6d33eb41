//! Removals and temporary schedules through the API, and the calls they route: a holiday
//! plan rings its own people while it runs; a removal sends the call to the line's next step.

use crate::helpers::TestApp;
use serde_json::json;
use switchboard_sim::Responder;

const ALICE: &str = "+14155550101";
const BOB: &str = "+14155550102";
const CAROL: &str = "+14155550103";

async fn holiday_plans_and_removals_route_calls(app: TestApp) {
    let a = app.user("Alice", Some(ALICE)).await;
    let b = app.user("Bob", Some(BOB)).await;
    let c = app.user("Carol", Some(CAROL)).await;
    let (status, s) = app
        .post(
            "/schedules",
            json!({
                "name": "Primary", "time_zone": "Europe/Berlin",
                "layers": [{"name": "weekly", "participants": [a], "start": "2026-11-23T09:00",
                            "shift": {"weeks": 1}}],
                "temporary": [{"name": "Holiday", "start": "2026-12-24T00:00:00Z",
                               "end": "2026-12-27T00:00:00Z",
                               "layers": [{"name": "daily", "participants": [b],
                                           "start": "2026-12-24T00:00", "shift": {"days": 1}}]}],
                "removals": [{"start": "2026-12-31T18:00:00Z", "end": "2027-01-01T06:00:00Z"}],
            }),
        )
        .await;
    assert_eq!(status, 201, "{s}");
    let id = s["id"].as_i64().unwrap();
    assert_eq!(s["temporary"][0]["id"], 1, "ids are given: {s}");
    assert_eq!(s["removals"][0]["id"], 1);
    let on_call = |at: &'static str| {
        let app = &app;
        async move { app.get(&format!("/schedules/{id}/on-call?at={at}")).await.1 }
    };
    let oc = on_call("2026-12-25T12:00:00Z").await;
    assert_eq!(
        (&oc["user"]["name"], &oc["source"]),
        (&json!("Bob"), &json!("layer:Holiday/daily"))
    );
    let oc = on_call("2026-12-31T20:00:00Z").await;
    assert_eq!(
        (&oc["user"], &oc["source"]),
        (&json!(null), &json!("removed"))
    );
    let oc = on_call("2027-01-01T06:00:00Z").await;
    assert_eq!(oc["user"]["name"], "Alice");

    // A line: the schedule, then Carol. The holiday rings Bob; the removal goes to Carol.
    let (status, line) = app
        .post(
            "/lines",
            json!({"name": "Hotline", "number": "+15005550006", "provider": app.provider(),
                   "auth_token": "line-auth-token",
                   "routing": {"steps": [{"schedule": id}, {"user": c}]}}),
        )
        .await;
    assert_eq!(status, 201, "{line}");
    let answer = Responder::Answer {
        after_secs: 1,
        talk_secs: 5,
    };
    let spec = app
        .spec(&line)
        .responder(ALICE, answer)
        .responder(BOB, answer)
        .responder(CAROL, answer);
    app.clock.set("2026-12-25T12:00:00Z".parse().unwrap());
    let (t, _) = app.call(&spec).await;
    assert_eq!(t.dialed, vec![BOB]);
    app.clock.set("2026-12-31T20:00:00Z".parse().unwrap());
    let (t, _) = app.call(&spec).await;
    assert_eq!(
        t.dialed,
        vec![CAROL],
        "nobody from the schedule: the next step"
    );

    // Changed through PATCH; a temporary layer naming nobody known is refused by its path.
    let (status, patched) = app
        .patch(&format!("/schedules/{id}"), json!({"removals": []}))
        .await;
    assert_eq!(status, 200, "{patched}");
    assert_eq!(patched["removals"], json!([]));
    let (status, err) = app
        .patch(
            &format!("/schedules/{id}"),
            json!({"temporary": [{"name": "X", "start": "2026-12-24T00:00:00Z",
                                  "end": "2026-12-25T00:00:00Z",
                                  "layers": [{"name": "l", "participants": [999],
                                              "start": "2026-12-24T00:00", "shift": {"days": 1}}]}]}),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(err["error"]["field"], "temporary[0].layers[0].participants");
    let (_, still) = app.get(&format!("/schedules/{id}")).await;
    assert_eq!(
        still["temporary"][0]["name"], "Holiday",
        "a refused change changes nothing"
    );
}

/// Editing a layer changes the future, not the past: shifts already over answer from the
/// recorded history.
async fn editing_a_layer_does_not_rewrite_the_past(app: TestApp) {
    let a = app.user("Alice", Some(ALICE)).await;
    let b = app.user("Bob", Some(BOB)).await;
    let c = app.user("Carol", Some(CAROL)).await;
    let (status, s) = app
        .post(
            "/schedules",
            json!({
                "name": "Primary", "time_zone": "Europe/Berlin",
                "layers": [{"name": "daily", "participants": [a, b], "start": "2026-11-23T09:00",
                            "shift": {"days": 1}}],
            }),
        )
        .await;
    assert_eq!(status, 201, "{s}");
    let id = s["id"].as_i64().unwrap();
    let created: jiff::Timestamp = s["created_at"].as_str().unwrap().parse().unwrap();
    let past = format!(
        "/schedules/{id}/shifts?from={}&to={}",
        created,
        created + jiff::SignedDuration::from_hours(72)
    );
    app.clock.advance_secs(3 * 86_400 + 3600);
    let (_, before) = app.get(&past).await;
    let names: Vec<&str> = before["shifts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["user"]["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"Alice") && names.contains(&"Bob"),
        "{before}"
    );
    // The layer now has Carol only.
    let (status, _) = app
        .patch(
            &format!("/schedules/{id}"),
            json!({"layers": [{"name": "daily", "participants": [c], "start": "2026-11-23T09:00",
                               "shift": {"days": 1}}]}),
        )
        .await;
    assert_eq!(status, 200);
    let (_, after) = app.get(&past).await;
    assert_eq!(after["shifts"], before["shifts"], "the past is as it was");
    // The future is Carol's.
    let now = "2026-11-28T12:00:00Z";
    let (_, oc) = app.get(&format!("/schedules/{id}/on-call?at={now}")).await;
    assert_eq!(oc["user"]["name"], "Carol");
    // Across the edge: recorded shifts, then the engine's.
    let (_, both) = app
        .get(&format!(
            "/schedules/{id}/shifts?from={}&to=2026-11-30T00:00:00Z",
            created
        ))
        .await;
    let last = both["shifts"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["user"]["name"], "Carol", "{both}");
    let first = &both["shifts"][0];
    assert_ne!(first["user"]["name"], "Carol", "{both}");
    // The calendar feed tells the same story: the past as it was, then Carol.
    let feed = app
        .http
        .get(s["calendar_url"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        feed.contains("On call: Alice") && feed.contains("On call: Carol"),
        "{feed}"
    );
}
crate::on_both!(
    holiday_plans_and_removals_route_calls,
    editing_a_layer_does_not_rewrite_the_past,
);
