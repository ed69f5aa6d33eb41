//! Several people on call at once, through the API and on real calls: a layer's group rings
//! in the order it is written, an adding override puts one more person on call, and the
//! on-call and shifts answers list everyone.

use crate::helpers::TestApp;
use serde_json::{json, Value};
use switchboard_sim::Responder;

const ALICE: &str = "+14155550101";
const BOB: &str = "+14155550102";
const CAROL: &str = "+14155550103";

fn names(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|u| u["name"].as_str().unwrap().to_owned())
        .collect()
}

async fn a_group_on_call_rings_in_order_and_an_added_person_after_it(app: TestApp) {
    let a = app.user("Alice", Some(ALICE)).await;
    let b = app.user("Bob", Some(BOB)).await;
    let c = app.user("Carol", Some(CAROL)).await;
    // Bob and Alice together one week, Carol alone the next (Mondays 09:00 Berlin).
    let (status, s) = app
        .post(
            "/schedules",
            json!({
                "name": "Pairs", "time_zone": "Europe/Berlin",
                "layers": [{"name": "weekly", "participants": [[b, a], c],
                            "start": "2026-11-23T09:00", "shift": {"weeks": 1}}],
            }),
        )
        .await;
    assert_eq!(status, 201, "{s}");
    let id = s["id"].as_i64().unwrap();
    // Carol is added on Wednesday from noon to 14:00 UTC, replacing nobody.
    let (status, body) = app
        .post(
            &format!("/schedules/{id}/overrides"),
            json!({"user": c, "start": "2026-11-25T12:00:00Z", "end": "2026-11-25T14:00:00Z",
                   "add": true}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let (_, oc) = app
        .get(&format!("/schedules/{id}/on-call?at=2026-11-25T13:00:00Z"))
        .await;
    assert_eq!(names(&oc["users"]), ["Bob", "Alice", "Carol"]);
    assert_eq!(oc["user"]["name"], "Bob");
    assert_eq!(oc["source"], "layer:weekly");
    let (_, shifts) = app
        .get(&format!(
            "/schedules/{id}/shifts?from=2026-11-25T00:00:00Z&to=2026-11-26T00:00:00Z"
        ))
        .await;
    let got: Vec<(String, Vec<String>)> = shifts["shifts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| (x["start"].as_str().unwrap().to_owned(), names(&x["users"])))
        .collect();
    assert_eq!(
        got,
        [
            (
                "2026-11-25T00:00:00Z".to_owned(),
                vec!["Bob".to_owned(), "Alice".into()]
            ),
            (
                "2026-11-25T12:00:00Z".into(),
                vec!["Bob".into(), "Alice".into(), "Carol".into()]
            ),
            (
                "2026-11-25T14:00:00Z".into(),
                vec!["Bob".into(), "Alice".into()]
            ),
        ]
    );

    let (status, line) = app
        .post(
            "/lines",
            json!({"name": "Hotline", "number": "+15005550006", "provider": "twilio",
                   "auth_token": "line-auth-token", "routing": {"steps": [{"schedule": id}]}}),
        )
        .await;
    assert_eq!(status, 201, "{line}");
    // Bob does not answer: Alice, the next in the group, does.
    app.clock.set("2026-11-25T10:00:00Z".parse().unwrap());
    let spec = app
        .spec(&line)
        .responder(BOB, Responder::NoAnswer)
        .responder(
            ALICE,
            Responder::Answer {
                after_secs: 1,
                talk_secs: 5,
            },
        );
    let (t, call) = app.call(&spec).await;
    assert_eq!(t.dialed, vec![BOB, ALICE]);
    assert_eq!(call["answered_by"]["name"], "Alice");
    // While Carol is added, she is rung after the pair.
    app.clock.set("2026-11-25T13:00:00Z".parse().unwrap());
    let spec = app
        .spec(&line)
        .responder(BOB, Responder::NoAnswer)
        .responder(ALICE, Responder::Busy)
        .responder(
            CAROL,
            Responder::Answer {
                after_secs: 1,
                talk_secs: 5,
            },
        );
    let (t, call) = app.call(&spec).await;
    assert_eq!(t.dialed, vec![BOB, ALICE, CAROL]);
    assert_eq!(call["answered_by"]["name"], "Carol");
    // A group naming the same person twice is refused by its place, and nothing changes.
    let (status, err) = app
        .patch(
            &format!("/schedules/{id}"),
            json!({"layers": [{"name": "weekly", "participants": [[b, b]],
                               "start": "2026-11-23T09:00", "shift": {"weeks": 1}}]}),
        )
        .await;
    assert_eq!(status, 422, "{err}");
    assert_eq!(err["error"]["field"], "layers[0].participants[0]");
    let (_, still) = app.get(&format!("/schedules/{id}")).await;
    assert_eq!(still["layers"][0]["participants"], json!([[b, a], c]));
}

crate::on_both!(a_group_on_call_rings_in_order_and_an_added_person_after_it,);
