//! Cover requests: Alice asks Bob to take an evening of hers; Bob accepts and the schedule
//! gets an override recording that he covers her, so calls ring him then; a request is
//! decided once; only the people concerned (or an admin) decide; declining and withdrawing
//! change nothing on the schedule. Both backends.

use crate::helpers::TestApp;
use reqwest::Method;
use serde_json::{json, Value};
use switchboard_core::account::Role;

pub(crate) async fn as_user(
    app: &TestApp,
    token: &str,
    method: Method,
    path: &str,
    body: Value,
) -> (u16, Value) {
    let r = app
        .http
        .request(method, app.api(path))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

pub(crate) async fn token_for(app: &TestApp, user: i64) -> String {
    let token = switchboard::api::new_token();
    app.store
        .create_api_token(
            &switchboard_core::store::NewApiToken {
                name: "t".into(),
                user_id: Some(switchboard_core::UserId(user)),
                read_only: false,
                expires_at: None,
            },
            &switchboard::api::hash_token(&token),
            jiff::Timestamp::now(),
        )
        .await
        .unwrap();
    token
}

async fn a_covered_evening_rings_the_coverer(app: TestApp) {
    let (_, team) = app.post("/teams", json!({"name": "Ops"})).await;
    let mut ids = Vec::new();
    for name in ["Alice", "Bob", "Carol"] {
        let id = app
            .account(
                name,
                &format!("{}@example.com", name.to_lowercase()),
                Some("+14155550101"),
                Role::Member,
            )
            .await;
        app.put(&format!("/teams/{}/members/{id}", team["id"]), json!({}))
            .await;
        ids.push(id);
    }
    let (alice, bob, carol) = (ids[0], ids[1], ids[2]);
    let (status, sched) = app
        .post(
            "/schedules",
            json!({"name": "Primary", "time_zone": "Europe/Berlin", "team": team["id"],
                   "layers": [{"name": "weekly", "participants": [alice], "start": "2026-11-23T09:00",
                               "shift": {"weeks": 1}}]}),
        )
        .await;
    assert_eq!(status, 201, "{sched}");
    let path = format!("/schedules/{}/cover-requests", sched["id"]);
    let (ta, tb, tc) = (
        token_for(&app, alice).await,
        token_for(&app, bob).await,
        token_for(&app, carol).await,
    );
    let evening = json!({"coverer": bob, "start": "2026-11-25T17:00:00Z",
                         "end": "2026-11-25T23:00:00Z", "note": "Parents' evening"});
    let (status, req) = as_user(&app, &ta, Method::POST, &path, evening.clone()).await;
    assert_eq!(status, 201, "{req}");
    assert_eq!(
        (&req["status"], &req["requester"]),
        (&json!("pending"), &json!(alice))
    );
    let id = req["id"].as_i64().unwrap();
    // Bad requests name their field; asking oneself is refused.
    let (status, err) = as_user(
        &app,
        &ta,
        Method::POST,
        &path,
        json!({"coverer": alice, "start": "2026-11-25T17:00:00Z", "end": "2026-11-25T23:00:00Z"}),
    )
    .await;
    assert_eq!((status, &err["error"]["field"]), (422, &json!("coverer")));
    let (status, err) = as_user(
        &app,
        &ta,
        Method::POST,
        &path,
        json!({"coverer": bob, "start": "2026-11-25T17:00:00Z", "end": "2026-11-25T16:00:00Z"}),
    )
    .await;
    assert_eq!((status, &err["error"]["field"]), (422, &json!("end")));
    // Carol, who was not asked, may not decide.
    let accept = format!("/cover-requests/{id}/accept");
    let (status, _) = as_user(&app, &tc, Method::POST, &accept, json!({})).await;
    assert_eq!(status, 403);
    let (_, before) = app.get(&format!("/schedules/{}", sched["id"])).await;
    assert!(before["overrides"].as_array().unwrap().is_empty());

    // Bob accepts: the override says whom he covers; the on-call answer follows.
    let (status, done) = as_user(&app, &tb, Method::POST, &accept, json!({})).await;
    assert_eq!(status, 200, "{done}");
    assert_eq!(done["status"], "accepted");
    let (_, after) = app.get(&format!("/schedules/{}", sched["id"])).await;
    let o = &after["overrides"][0];
    assert_eq!(
        (&o["user"], &o["covering"]),
        (&json!(bob), &json!(alice)),
        "{after}"
    );
    let (_, oc) = app
        .get(&format!(
            "/schedules/{}/on-call?at=2026-11-25T18:00:00Z",
            sched["id"]
        ))
        .await;
    assert_eq!(
        (&oc["user"]["id"], &oc["source"]),
        (&json!(bob), &json!("override"))
    );
    // Decided once: accepting again is refused (422, saying why) and adds nothing.
    let (status, err) = as_user(&app, &tb, Method::POST, &accept, json!({})).await;
    assert_eq!(status, 422, "{err}");
    assert!(err["error"]["message"]
        .as_str()
        .unwrap()
        .contains("accepted already"));
    let (_, again) = app.get(&format!("/schedules/{}", sched["id"])).await;
    assert_eq!(again["overrides"].as_array().unwrap().len(), 1);

    // Declined and withdrawn requests change nothing on the schedule.
    let (_, second) = as_user(&app, &ta, Method::POST, &path, evening.clone()).await;
    let (status, d) = as_user(
        &app,
        &tb,
        Method::POST,
        &format!("/cover-requests/{}/decline", second["id"]),
        json!({}),
    )
    .await;
    assert_eq!((status, &d["status"]), (200, &json!("declined")));
    let (_, third) = as_user(&app, &ta, Method::POST, &path, evening).await;
    let withdraw = format!("/cover-requests/{}/withdraw", third["id"]);
    let (status, _) = as_user(&app, &tb, Method::POST, &withdraw, json!({})).await;
    assert_eq!(status, 403, "only the one who asked withdraws");
    let (status, w) = as_user(&app, &ta, Method::POST, &withdraw, json!({})).await;
    assert_eq!((status, &w["status"]), (200, &json!("withdrawn")));
    let (_, list) = as_user(&app, &tc, Method::GET, &path, json!({})).await;
    let states: Vec<&str> = list["cover_requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["withdrawn", "declined", "accepted"]);
    let (_, last) = app.get(&format!("/schedules/{}", sched["id"])).await;
    assert_eq!(last["overrides"].as_array().unwrap().len(), 1);
}

crate::on_both!(a_covered_evening_rings_the_coverer);
