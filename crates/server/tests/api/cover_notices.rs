//! The person asked to cover is told where they are: a Slack direct message from the team's
//! Slack app, and the one who asked hears the answer the same way; someone without a Slack id
//! is told on the dashboard only, and nothing fails. Both backends.

use crate::cover_requests::{as_user, token_for};
use crate::helpers::TestApp;
use reqwest::Method;
use serde_json::json;
use switchboard_core::account::Role;
use switchboard_sim::services::{Kind, Service};

fn dms(slack: &Service, to: &str) -> Vec<String> {
    slack
        .messages()
        .into_iter()
        .filter(|(_, m)| m["channel"] == to)
        .map(|(_, m)| m["text"].as_str().unwrap().to_owned())
        .collect()
}

async fn the_person_asked_hears_it_in_slack(app: TestApp) {
    let slack = Service::start(Kind::SlackApi {
        token: "xoxb-test-token".into(),
    })
    .await
    .unwrap();
    let (_, team) = app.post("/teams", json!({"name": "Ops"})).await;
    let (status, ch) = app
        .post(
            "/channels",
            json!({"name": "#ops", "kind": "slack_app", "webhook_url": slack.url, "team": team["id"],
                   "slack_channel": "C0123456789", "bot_token": "xoxb-test-token",
                   "signing_secret": "8f742231b10e8888abcd99yyyzzz85a5"}),
        )
        .await;
    assert_eq!(status, 201, "{ch}");
    let ann = app
        .account("Ann", "ann@example.com", None, Role::Member)
        .await;
    let bob = app
        .account("Bob <B>", "bob@example.com", None, Role::Member)
        .await;
    let cat = app
        .account("Cat", "cat@example.com", None, Role::Member)
        .await;
    for u in [ann, bob, cat] {
        app.put(&format!("/teams/{}/members/{u}", team["id"]), json!({}))
            .await;
    }
    for (u, id) in [(ann, "U0ANN0001"), (bob, "U0BOB0001")] {
        let (status, v) = app
            .patch(&format!("/users/{u}"), json!({"slack_user_id": id}))
            .await;
        assert_eq!(status, 200, "{v}");
    }
    let (_, s) = app
        .post(
            "/schedules",
            json!({"name": "Primary", "time_zone": "Europe/Berlin", "team": team["id"],
                   "layers": [{"name": "w", "participants": [ann, bob, cat], "start": "2026-11-23T09:00",
                               "shift": {"weeks": 1}}]}),
        )
        .await;
    let path = format!("/schedules/{}/cover-requests", s["id"]);
    let ta = token_for(&app, ann).await;
    let (status, r) = as_user(
        &app,
        &ta,
        Method::POST,
        &path,
        json!({"coverer": bob, "start": "2026-11-25T17:00:00Z", "end": "2026-11-25T23:00:00Z",
               "note": "dentist"}),
    )
    .await;
    assert_eq!(status, 201, "{r}");
    app.settle().await;
    let to_bob = dms(&slack, "U0BOB0001");
    assert_eq!(to_bob.len(), 1, "{to_bob:?}");
    assert!(
        to_bob[0].starts_with("Ann asks you to cover them on Primary from Wed 25 Nov 17:00 UTC to Wed 25 Nov 23:00 UTC (\u{201c}dentist\u{201d}). <"),
        "{to_bob:?}"
    );
    assert!(to_bob[0].contains(&format!("/schedules/{}#covers|Accept or decline>", s["id"])));
    // Bob accepts: Ann hears it, with Bob's name escaped for Slack.
    let tb = token_for(&app, bob).await;
    let (status, _) = as_user(
        &app,
        &tb,
        Method::POST,
        &format!("/cover-requests/{}/accept", r["id"]),
        json!({}),
    )
    .await;
    assert_eq!(status, 200);
    app.settle().await;
    let to_ann = dms(&slack, "U0ANN0001");
    assert_eq!(to_ann.len(), 1, "{to_ann:?}");
    assert!(
        to_ann[0].starts_with("Bob &lt;B&gt; accepted to cover you on Primary"),
        "{to_ann:?}"
    );
    // Cat has no Slack id: asked, she is told on the dashboard only, and nothing fails.
    let (status, _) = as_user(
        &app,
        &ta,
        Method::POST,
        &path,
        json!({"coverer": cat, "start": "2026-11-26T17:00:00Z", "end": "2026-11-26T23:00:00Z"}),
    )
    .await;
    assert_eq!(status, 201);
    app.settle().await;
    assert_eq!(slack.messages().len(), 2);
}

crate::on_both!(the_person_asked_hears_it_in_slack,);
