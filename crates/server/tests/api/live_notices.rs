//! Live notices: a chat channel may ask for a short "ringing now" message when a call starts,
//! before the full alert at its end; a notice that would only arrive after the call ended is
//! not sent; the setting is changed through `PATCH /channels/{id}`. Both carriers, both
//! backends, through the simulator.

use crate::alerts::Receiver;
use crate::helpers::TestApp;
use serde_json::{json, Value};
use std::sync::Arc;
use switchboard_sim::{Responder, Transcript};
use tokio::sync::Mutex;

const ALICE: &str = "+14155550101";

/// Places a call Alice answers; when `mid_call`, the due jobs run while she is being rung.
async fn call(app: &Arc<Mutex<TestApp>>, line: &Value, mid_call: bool) -> Transcript {
    let mut spec = app.lock().await.spec(line).responder(
        ALICE,
        Responder::Answer {
            after_secs: 2,
            talk_secs: 5,
        },
    );
    if mid_call {
        let a = app.clone();
        spec.before_request = Some(Arc::new(move |i, _url| {
            let app = a.clone();
            Box::pin(async move {
                if i == 1 {
                    app.lock().await.settle().await;
                }
            })
        }));
    }
    let t = switchboard_sim::place_call(&switchboard_sim::client(), &spec)
        .await
        .unwrap();
    app.lock().await.settle().await;
    t
}

fn texts(r: &Receiver) -> Vec<String> {
    r.got
        .lock()
        .unwrap()
        .iter()
        .map(|v| {
            v["text"]
                .as_str()
                .map(str::to_owned)
                .unwrap_or_else(|| v["attachments"][0]["content"]["body"][0]["text"].to_string())
        })
        .collect()
}

async fn a_channel_can_see_a_call_while_it_rings(app: TestApp) {
    let slack = Receiver::start((200, "ok")).await;
    let teams = Receiver::start((202, "")).await;
    let (status, s) = app
        .post(
            "/channels",
            json!({"name": "#oncall", "kind": "slack", "webhook_url": slack.url, "live_notices": true}),
        )
        .await;
    assert_eq!(status, 201, "{s}");
    assert_eq!(s["live_notices"], true);
    let (_, t) = app
        .post(
            "/channels",
            json!({"name": "Ops", "kind": "teams", "webhook_url": teams.url}),
        )
        .await;
    assert_eq!(t["live_notices"], false);
    let alice = app.user("Alice", Some(ALICE)).await;
    let line = app.line(&[alice]).await;
    let (status, _) = app
        .patch(
            &format!("/lines/{}", line["id"]),
            json!({"channels": [s["id"], t["id"]]}),
        )
        .await;
    assert_eq!(status, 200);
    let name = line["name"].as_str().unwrap().to_owned();
    let app = Arc::new(Mutex::new(app));

    // The Slack channel hears of the call while Alice's phone rings, then gets the alert;
    // the Teams channel only the alert.
    call(&app, &line, true).await;
    let got = texts(&slack);
    assert_eq!(got.len(), 2, "{got:?}");
    assert_eq!(
        got[0],
        format!("Ringing now: call from ACME SECURITY (+14155550199) to {name}")
    );
    let notice = slack.got.lock().unwrap()[0]["blocks"][0]["text"]["text"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(notice.contains("Alice is ringing"), "{notice}");
    assert!(got[1].contains("answered by Alice"), "{got:?}");
    assert_eq!(texts(&teams).len(), 1);
    assert!(texts(&teams)[0].contains("answered by Alice"));

    // When the notice could only be sent after the call ended, only the alert goes out.
    call(&app, &line, false).await;
    let got = texts(&slack);
    assert_eq!(got.len(), 3, "{got:?}");
    assert!(got[2].contains("answered by Alice"), "{got:?}");

    // Teams asks for notices too; Slack stops.
    let guard = app.lock().await;
    let (status, v) = guard
        .patch(
            &format!("/channels/{}", t["id"]),
            json!({"live_notices": true}),
        )
        .await;
    assert_eq!((status, &v["live_notices"]), (200, &json!(true)), "{v}");
    let (status, _) = guard
        .patch(
            &format!("/channels/{}", s["id"]),
            json!({"live_notices": false}),
        )
        .await;
    assert_eq!(status, 200);
    // A bad change names its field and changes nothing.
    let (status, err) = guard
        .patch(&format!("/channels/{}", s["id"]), json!({"name": " "}))
        .await;
    assert_eq!(
        (status, &err["error"]["field"]),
        (422, &json!("name")),
        "{err}"
    );
    let (status, _) = guard
        .patch(
            &format!("/channels/{}", s["id"]),
            json!({"webhook_url": "https://x.example/"}),
        )
        .await;
    assert_eq!(status, 400);
    let (_, still) = guard.get(&format!("/channels/{}", s["id"])).await;
    assert_eq!(
        (&still["name"], &still["live_notices"]),
        (&json!("#oncall"), &json!(false))
    );
    drop(guard);
    call(&app, &line, true).await;
    assert_eq!(texts(&slack).len(), 4, "no notice any more, the alert only");
    let got = texts(&teams);
    assert_eq!(got.len(), 4, "{got:?}");
    assert!(
        got[2].contains("Ringing now: call from ACME SECURITY (+14155550199)"),
        "{got:?}"
    );
}

crate::on_all!(a_channel_can_see_a_call_while_it_rings);

/// The channels page turns notices on and off through the API's own change.
async fn the_channels_page_turns_notices_on_and_off(app: TestApp) {
    use crate::pages::{form_at, login_with_token, page, submit};
    let hook = Receiver::start((200, "ok")).await;
    let (_, c) = app
        .post(
            "/channels",
            json!({"name": "#oncall", "kind": "slack", "webhook_url": hook.url}),
        )
        .await;
    app.account(
        "Ada",
        "ada@example.com",
        None,
        switchboard_core::account::Role::Admin,
    )
    .await;
    let (cookie, _) = login_with_token(&app, "ada@example.com").await;
    let (_, html) = page(&app, &cookie, "/channels").await;
    assert!(html.contains("Nothing until the call ends"));
    let action = format!("/channels/{}/live", c["id"]);
    submit(&app, &cookie, &action, &form_at(&html, &action)).await;
    let (_, now) = app.get(&format!("/channels/{}", c["id"])).await;
    assert_eq!(now["live_notices"], true);
    let (_, html) = page(&app, &cookie, "/channels").await;
    assert!(html.contains("Posts \"ringing now\""));
    submit(&app, &cookie, &action, &form_at(&html, &action)).await;
    let (_, now) = app.get(&format!("/channels/{}", c["id"])).await;
    assert_eq!(now["live_notices"], false);
}

crate::on_both!(the_channels_page_turns_notices_on_and_off,);
