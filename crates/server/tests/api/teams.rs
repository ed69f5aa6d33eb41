//! Teams: a member sees and changes their teams' lines, schedules, channels, calls and
//! recordings only; another team's answer 404 exactly as a missing one would, through every
//! route of the API's table. Both backends.

use crate::helpers::{NowTs, TestApp};
use reqwest::Method;
use serde_json::{json, Value};
use std::collections::HashMap;
use switchboard_core::account::Role;
use switchboard_sim::Responder;

const ALICE: &str = "+14155550101";

/// An account with its own API token.
pub(crate) struct Person {
    pub id: i64,
    pub token: String,
}

/// An account with `role`, in `teams`, with an API token of its own.
pub(crate) async fn person(app: &TestApp, name: &str, role: Role, teams: &[i64]) -> Person {
    let email = format!("{}@example.com", name.to_lowercase());
    let made = app.account(name, &email, None, role).await;
    for t in teams {
        let (status, body) = send(
            app,
            &app.token,
            Method::PUT,
            &format!("/teams/{t}/members/{made}"),
            None,
        )
        .await;
        assert_eq!(status, 200, "{body}");
    }
    let token = switchboard::api::new_token();
    app.store
        .create_api_token(
            &switchboard_core::store::NewApiToken {
                name: format!("{name}'s"),
                user_id: Some(switchboard_core::UserId(made)),
                read_only: false,
                expires_at: None,
            },
            &switchboard::api::hash_token(&token),
            app.clock.now_ts(),
        )
        .await
        .unwrap();
    Person { id: made, token }
}

/// A request body: JSON, or audio bytes.
enum Body {
    Json(Value),
    Wav,
}

async fn send(
    app: &TestApp,
    token: &str,
    method: Method,
    path: &str,
    body: Option<Body>,
) -> (u16, Value) {
    let mut req = app.http.request(method, app.api(path)).bearer_auth(token);
    match body {
        Some(Body::Json(v)) => req = req.json(&v),
        Some(Body::Wav) => {
            let mut wav = b"RIFF\x24\0\0\0WAVEfmt ".to_vec();
            wav.resize(64, 0);
            req = req.header("content-type", "audio/wav").body(wav);
        }
        None => {}
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

async fn team(app: &TestApp, name: &str) -> i64 {
    let (status, body) = app.post("/teams", json!({ "name": name })).await;
    assert_eq!(status, 201, "{body}");
    body["id"].as_i64().unwrap()
}

/// Team A's things: a responder, a schedule with a layer and an override, a channel, a line
/// routed to the schedule, and an answered call with its recordings.
struct Owned {
    ids: HashMap<&'static str, i64>,
    recording: i64,
    call: Value,
}

async fn team_a_things(app: &TestApp, a: i64) -> Owned {
    let alice = app.user("Alice", Some(ALICE)).await;
    let (s, _) = send(
        app,
        &app.token,
        Method::PUT,
        &format!("/teams/{a}/members/{alice}"),
        None,
    )
    .await;
    assert_eq!(s, 200);
    let (status, sched) = app
        .post(
            "/schedules",
            json!({
                "name": "Ops primary", "time_zone": "UTC", "team": a,
                "layers": [{"name": "weekly", "participants": [alice], "start": "2020-01-06T09:00", "shift": {"weeks": 1}}],
                "overrides": [{"user": alice, "start": "2030-01-01T00:00:00Z", "end": "2030-01-02T00:00:00Z"}],
            }),
        )
        .await;
    assert_eq!(status, 201, "{sched}");
    let (status, channel) = app
        .post(
            "/channels",
            json!({"name": "#ops", "kind": "slack", "team": a,
                   "webhook_url": "http://127.0.0.1:9/services/T0/B0/secret"}),
        )
        .await;
    assert_eq!(status, 201, "{channel}");
    let (status, line) = app
        .post(
            "/lines",
            json!({
                "name": "Ops hotline", "number": "+15005550006", "provider": app.provider(),
                "auth_token": "line-auth-token", "team": a,
                "routing": {"steps": [{"schedule": sched["id"]}]},
            }),
        )
        .await;
    assert_eq!(status, 201, "{line}");
    assert_eq!(line["team"], a);
    let spec = app.spec(&line).responder(
        ALICE,
        Responder::Answer {
            after_secs: 3,
            talk_secs: 20,
        },
    );
    let (_, call) = app.call(&spec).await;
    assert_eq!(call["outcome"], "answered", "{call}");
    let recs = app.stored_recordings(call["id"].as_i64().unwrap()).await;
    let call = app.get(&format!("/calls/{}", call["id"])).await.1;
    let mut ids = HashMap::new();
    ids.insert("users", alice);
    ids.insert("teams", a);
    ids.insert("schedules", sched["id"].as_i64().unwrap());
    ids.insert("channels", channel["id"].as_i64().unwrap());
    ids.insert("lines", line["id"].as_i64().unwrap());
    ids.insert("calls", call["id"].as_i64().unwrap());
    let (status, inc) = app
        .post(&format!("/calls/{}/incident", call["id"]), json!({}))
        .await;
    assert_eq!((status, &inc["team"]), (201, &json!(a)), "{inc}");
    ids.insert("incidents", inc["id"].as_i64().unwrap());
    let (status, tool) = app
        .post(
            "/integrations",
            json!({"name": "Ops PagerDuty", "kind": "pagerduty", "team": a,
                   "url": "http://127.0.0.1:9/v2/enqueue", "secret": "0123456789abcdef0123456789abcdef"}),
        )
        .await;
    assert_eq!(status, 201, "{tool}");
    ids.insert("integrations", tool["id"].as_i64().unwrap());
    // A cover request in team A: Alice asks Bea.
    let bea = app.user("Bea", Some("+14155550177")).await;
    let (status, cover) = app
        .post(
            &format!("/schedules/{}/cover-requests", sched["id"]),
            json!({"requester": alice, "coverer": bea, "start": "2031-01-01T00:00:00Z",
                   "end": "2031-01-02T00:00:00Z"}),
        )
        .await;
    assert_eq!(status, 201, "{cover}");
    ids.insert("cover-requests", cover["id"].as_i64().unwrap());
    Owned {
        ids,
        recording: recs[0]["id"].as_i64().unwrap(),
        call,
    }
}

/// `path` with its placeholders filled with team A's things.
fn concrete(path: &str, o: &Owned, token_id: i64) -> String {
    let kind = path.split('/').nth(1).unwrap_or("");
    let mut out = path
        .replace("{kind}", "welcome")
        .replace("{layer}", "1")
        .replace("{override}", "1")
        .replace("{recording}", &o.recording.to_string())
        .replace("{user}", &o.ids["users"].to_string())
        .replace("{call}", &o.ids["calls"].to_string());
    let id = match kind {
        "tokens" => token_id,
        k => o.ids.get(k).copied().unwrap_or(1),
    };
    out = out.replace("{id}", &id.to_string());
    if path.ends_with("/shifts") {
        out.push_str("?from=2026-12-01T00:00:00Z&to=2026-12-08T00:00:00Z");
    }
    out
}

/// What a request to `path` with `method` carries, so that it gets past parsing and the
/// answer is about the resource.
fn body_for(method: &Method, path: &str, alice: i64) -> Option<Body> {
    let layer = json!({"name": "night", "participants": [alice], "start": "2026-01-05T09:00", "shift": {"days": 1}});
    match (method.as_str(), path) {
        ("PUT", p) if p.ends_with("/audio") => Some(Body::Wav),
        ("PUT", "/users/{id}/role") => Some(Body::Json(json!({"role": "member"}))),
        ("PATCH", "/teams/{id}") => Some(Body::Json(json!({"name": "Renamed"}))),
        ("POST", "/schedules/{id}/layers") | ("PUT", "/schedules/{id}/layers/{layer}") => {
            Some(Body::Json(layer))
        }
        ("POST", "/schedules/{id}/overrides") => Some(Body::Json(
            json!({"user": alice, "start": "2031-01-01T00:00:00Z", "end": "2031-01-02T00:00:00Z"}),
        )),
        ("POST", "/incidents/{id}/notes") => Some(Body::Json(json!({"text": "x"}))),
        ("POST", "/schedules/{id}/cover-requests") => Some(Body::Json(json!({
            "coverer": alice, "start": "2031-02-01T00:00:00Z", "end": "2031-02-02T00:00:00Z"
        }))),
        ("POST", p) if p.starts_with("/cover-requests/") => Some(Body::Json(json!({}))),
        ("PATCH", _) | ("POST", "/lines/{id}/test-mode" | "/calls/{id}/incident") => {
            Some(Body::Json(json!({})))
        }
        _ => None,
    }
}

/// Routes about the requester themselves, not about a team's resource.
fn about_oneself(path: &str) -> bool {
    path.starts_with("/me") || path.starts_with("/logout")
}

async fn another_teams_resources_answer_404_on_every_route(app: TestApp) {
    let (a, b) = (team(&app, "Ops").await, team(&app, "Payments").await);
    let o = team_a_things(&app, a).await;
    let alice = o.ids["users"];
    let mia = person(&app, "Mia", Role::Member, &[a]).await;
    let ben = person(&app, "Ben", Role::Member, &[b]).await;
    let mia_token_id = app
        .store
        .list_api_tokens()
        .await
        .unwrap()
        .iter()
        .find(|t| t.user_id.map(|u| u.0) == Some(mia.id))
        .unwrap()
        .id;
    let before = app.get(&format!("/lines/{}", o.ids["lines"])).await.1;
    let routes = switchboard::api::routes::protected().routes;
    let mut walked = 0;
    for (method, path) in &routes {
        if about_oneself(path) || !path.contains('{') {
            continue;
        }
        let url = concrete(path, &o, mia_token_id);
        let body = body_for(method, path, alice);
        let (status, answer) = send(&app, &ben.token, method.clone(), &url, body).await;
        assert_eq!(
            status, 404,
            "a member of another team: {method} {url} answered {answer}"
        );
        assert_eq!(answer["error"]["code"], "not_found", "{method} {url}");
        walked += 1;
        // Team A's own member reads what Ben could not.
        if *method == Method::GET && !path.starts_with("/tokens") {
            let (status, answer) = send(&app, &mia.token, Method::GET, &url, None).await;
            assert_eq!(status, 200, "a member of the team: GET {url}: {answer}");
        }
    }
    assert!(walked > 25, "only {walked} routes with an id");
    // Nothing Ben tried changed anything.
    assert_eq!(
        app.get(&format!("/lines/{}", o.ids["lines"])).await.1,
        before
    );
    let (_, call) = app.get(&format!("/calls/{}", o.ids["calls"])).await;
    assert_eq!(call["archived"], false);
    assert_eq!(call["recordings"], o.call["recordings"]);

    // Lists hold only Ben's team's things (and Ben).
    for (path, key) in [
        ("/lines", "lines"),
        ("/schedules", "schedules"),
        ("/channels", "channels"),
        ("/calls", "calls"),
        ("/incidents", "incidents"),
        ("/integrations", "integrations"),
        ("/teams", "teams"),
        ("/users", "users"),
    ] {
        let (status, list) = send(&app, &ben.token, Method::GET, path, None).await;
        assert_eq!(status, 200, "{path}: {list}");
        let items = list[key].as_array().unwrap();
        let expected = match key {
            "teams" => vec![b],
            "users" => vec![ben.id],
            _ => vec![],
        };
        let got: Vec<i64> = items.iter().map(|i| i["id"].as_i64().unwrap()).collect();
        assert_eq!(got, expected, "{path}: {list}");
    }
    let (_, csv) = send(&app, &ben.token, Method::GET, "/calls/export.csv", None).await;
    assert_eq!(
        csv.as_str().unwrap().lines().count(),
        1,
        "only the header: {csv}"
    );
    let (_, mine) = send(&app, &mia.token, Method::GET, "/calls", None).await;
    assert_eq!(mine["calls"].as_array().unwrap().len(), 1, "{mine}");
    let (_, mine) = send(&app, &mia.token, Method::GET, "/users", None).await;
    let mut seen: Vec<i64> = mine["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_i64().unwrap())
        .collect();
    seen.sort();
    assert_eq!(seen, vec![alice, mia.id], "herself and her teammate");

    // Managing people and erasing callers is for admins: 403, whatever the target.
    for (method, path, body) in [
        (
            Method::POST,
            "/users",
            json!({"name": "Eve", "email": "eve@example.com"}),
        ),
        (Method::POST, "/teams", json!({"name": "Mine"})),
        (
            Method::POST,
            "/erasures",
            json!({"caller_number": "+14155550199"}),
        ),
    ] {
        let (status, answer) = send(&app, &ben.token, method, path, Some(Body::Json(body))).await;
        assert_eq!(status, 403, "{path}: {answer}");
    }
    // An admin in no team sees team A's things.
    let ada = person(&app, "Ada", Role::Admin, &[]).await;
    for kind in ["lines", "schedules", "channels", "calls", "users", "teams"] {
        let path = format!("/{kind}/{}", o.ids[kind]);
        assert_eq!(
            send(&app, &ada.token, Method::GET, &path, None).await.0,
            200,
            "{path}"
        );
    }
}

/// What a member creates goes to their team; they cannot reach into another team's things
/// by reference, nor hand their own to a team they are not in.
async fn members_create_in_their_team_and_reference_only_its_things(app: TestApp) {
    let (a, b) = (team(&app, "Ops").await, team(&app, "Payments").await);
    let o = team_a_things(&app, a).await;
    let ben = person(&app, "Ben", Role::Member, &[b]).await;
    let new_line = |extra: Value| {
        let mut v = json!({
            "name": "Payments hotline", "number": "+15005550077", "provider": "twilio",
            "routing": {"steps": [{"user": ben.id}]},
        });
        for (k, val) in extra.as_object().unwrap() {
            v[k] = val.clone();
        }
        Some(Body::Json(v))
    };
    let try_line = |extra: Value| {
        let app = &app;
        let body = new_line(extra);
        let token = ben.token.clone();
        async move { send(app, &token, Method::POST, "/lines", body).await }
    };
    let (status, err) =
        try_line(json!({"routing": {"steps": [{"schedule": o.ids["schedules"]}]}})).await;
    assert_eq!(
        (status, err["error"]["field"].as_str()),
        (422, Some("routing.steps[0].schedule")),
        "{err}"
    );
    assert!(err["error"]["message"]
        .as_str()
        .unwrap()
        .contains("does not exist"));
    let (status, err) = try_line(json!({"channels": [o.ids["channels"]]})).await;
    assert_eq!(
        (status, err["error"]["field"].as_str()),
        (422, Some("channels[0]")),
        "{err}"
    );
    let (status, err) = try_line(json!({"routing": {"steps": [{"user": o.ids["users"]}]}})).await;
    assert_eq!(status, 422, "Alice is not Ben's teammate: {err}");
    let (status, err) = try_line(json!({"team": a})).await;
    assert_eq!(
        (status, err["error"]["field"].as_str()),
        (422, Some("team")),
        "{err}"
    );
    let (status, line) = try_line(json!({})).await;
    assert_eq!(status, 201, "{line}");
    assert_eq!(line["team"], b, "his only team");
    let id = line["id"].as_i64().unwrap();
    // Handing it to team A, or to no team, is refused; the line stays Payments'.
    for to in [json!(a), Value::Null] {
        let (status, err) = send(
            &app,
            &ben.token,
            Method::PATCH,
            &format!("/lines/{id}"),
            Some(Body::Json(json!({ "team": to }))),
        )
        .await;
        assert_eq!(status, 422, "{err}");
    }
    assert_eq!(app.get(&format!("/lines/{id}")).await.1["team"], b);
    // An admin routes Ben's line to someone outside his teams as well; Ben can still change
    // the rest of his line (what it named already need only exist), but not add another.
    let outsider = app.user("Olaf", Some("+14155550150")).await;
    let (status, _) = app
        .patch(
            &format!("/lines/{id}"),
            json!({"routing": {"steps": [{"user": ben.id}, {"user": outsider}]}}),
        )
        .await;
    assert_eq!(status, 200);
    let rename = json!({"name": "Payments hotline (EU)"});
    let (status, err) = send(
        &app,
        &ben.token,
        Method::PATCH,
        &format!("/lines/{id}"),
        Some(Body::Json(rename)),
    )
    .await;
    assert_eq!(status, 200, "{err}");
    let (status, err) = send(
        &app,
        &ben.token,
        Method::PATCH,
        &format!("/lines/{id}"),
        Some(Body::Json(json!({"routing": {"steps": [{"user": ben.id}, {"user": outsider}, {"user": o.ids["users"]}]}}))),
    )
    .await;
    assert_eq!(
        (status, err["error"]["field"].as_str()),
        (422, Some("routing.steps[2].user")),
        "{err}"
    );
    // A schedule of his own may only name his teammates.
    let (status, err) = send(
        &app,
        &ben.token,
        Method::POST,
        "/schedules",
        Some(Body::Json(json!({"name": "Pay", "time_zone": "UTC",
            "layers": [{"name": "w", "participants": [o.ids["users"]], "start": "2026-01-05T09:00", "shift": {"weeks": 1}}]}))),
    )
    .await;
    assert_eq!(
        (status, err["error"]["field"].as_str()),
        (422, Some("layers[0].participants")),
        "{err}"
    );
    // A member in two teams must say which.
    let both = person(&app, "Dora", Role::Member, &[a, b]).await;
    let (status, err) = send(
        &app,
        &both.token,
        Method::POST,
        "/channels",
        Some(Body::Json(json!({"name": "#x", "kind": "slack",
            "webhook_url": "http://127.0.0.1:9/services/T0/B0/y"}))),
    )
    .await;
    assert_eq!(
        (status, err["error"]["field"].as_str()),
        (422, Some("team")),
        "{err}"
    );
    // A team that still owns things is not deleted; the answer names what it owns.
    let (status, err) = send(
        &app,
        &app.token,
        Method::DELETE,
        &format!("/teams/{a}"),
        None,
    )
    .await;
    assert_eq!(status, 409, "{err}");
    assert!(
        err["error"]["message"].as_str().unwrap().contains("lines"),
        "{err}"
    );
    // Taken out of team A, Mia-like access ends at once: Dora no longer sees A's line.
    let path = format!("/lines/{}", o.ids["lines"]);
    assert_eq!(
        send(&app, &both.token, Method::GET, &path, None).await.0,
        200
    );
    let (status, _) = send(
        &app,
        &app.token,
        Method::DELETE,
        &format!("/teams/{a}/members/{}", both.id),
        None,
    )
    .await;
    assert_eq!(status, 204);
    assert_eq!(
        send(&app, &both.token, Method::GET, &path, None).await.0,
        404
    );
}

/// Admins manage members, not other admins or owners; the last owner is never deleted.
async fn admins_cannot_touch_owners_and_the_last_owner_stays(app: TestApp) {
    let olga = person(&app, "Olga", Role::Owner, &[]).await;
    let ada = person(&app, "Ada", Role::Admin, &[]).await;
    let path = format!("/users/{}", olga.id);
    let (status, err) = send(&app, &ada.token, Method::DELETE, &path, None).await;
    assert_eq!(status, 403, "{err}");
    let rename = Some(Body::Json(json!({"name": "Not Olga"})));
    assert_eq!(
        send(&app, &ada.token, Method::PATCH, &path, rename).await.0,
        403
    );
    let (status, err) = send(&app, &app.token, Method::DELETE, &path, None).await;
    assert_eq!(status, 409, "the last owner: {err}");
    assert!(err["error"]["message"]
        .as_str()
        .unwrap()
        .contains("last owner"));
    person(&app, "Otto", Role::Owner, &[]).await;
    assert_eq!(
        send(&app, &app.token, Method::DELETE, &path, None).await.0,
        204
    );
    assert_eq!(app.get(&path).await.0, 404);
}

crate::on_both!(
    admins_cannot_touch_owners_and_the_last_owner_stays,
    another_teams_resources_answer_404_on_every_route,
    members_create_in_their_team_and_reference_only_its_things,
);
