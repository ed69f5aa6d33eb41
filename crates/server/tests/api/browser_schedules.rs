//! The schedule pages in Chromium (`tools/browser/schedules.mjs`): Ann, a member of the team
//! owning the schedule, reads it, covers the weekend gap through the preview, reads it on a
//! phone-sized screen and checks a layer change in words.

use crate::browser::{run, shots};
use crate::helpers::{TestApp, PASSWORD};
use serde_json::json;
use switchboard_core::account::Role;

#[tokio::test]
async fn a_member_covers_a_gap_from_the_schedule_page_in_a_browser() {
    if std::env::var("SWITCHBOARD_TEST_BROWSER").is_err() {
        run("schedules", json!({})).await;
        return;
    }
    let app = TestApp::spawn(crate::helpers::Backend::Sqlite, "browser-schedules")
        .await
        .expect("SQLite is always available");
    let (_, team) = app.post("/teams", json!({"name": "Payments"})).await;
    let team = team["id"].as_i64().unwrap();
    let ann = app
        .account("Ann", "ann@example.com", None, Role::Member)
        .await;
    let bob = app
        .account("Bob", "bob@example.com", None, Role::Member)
        .await;
    for u in [ann, bob] {
        let (status, _) = app
            .put(&format!("/teams/{team}/members/{u}"), json!({}))
            .await;
        assert_eq!(status, 200);
    }
    let (status, s) = app
        .post(
            "/schedules",
            json!({"name": "Primary", "time_zone": "Europe/Berlin", "team": team,
                   "layers": [{"name": "weekdays", "participants": [ann, bob],
                               "start": "2026-11-23T09:00", "shift": {"weeks": 1},
                               "restrictions": [{"type": "weekly", "start_day": "monday", "start": "09:00",
                                                 "end_day": "friday", "end": "17:00"}]}]}),
        )
        .await;
    assert_eq!(status, 201, "{s}");
    app.clock.set("2026-11-25T10:00:00Z".parse().unwrap());
    run(
        "schedules",
        json!({"base": app.url, "email": "ann@example.com", "password": PASSWORD,
               "schedule": s["id"], "shots": shots()}),
    )
    .await;
    let (_, after) = app.get(&format!("/schedules/{}", s["id"])).await;
    assert_eq!(after["overrides"][0]["user"], bob);
    assert_eq!(after["overrides"][0]["start"], "2026-11-27T16:00:00Z");
}
