//! Data protection: a line's retention period deletes our copies of its recordings and
//! voicemails, with the deletion in each call's log. Both backends.

use crate::helpers::TestApp;
use serde_json::json;
use switchboard_sim::VoicemailScript;

const ALICE: &str = "+14155550101";

async fn recordings_past_the_retention_period_are_deleted_and_logged(app: TestApp) {
    let alice = app.user("Alice", Some(ALICE)).await;
    let kept = app.line(&[alice]).await;
    let short = app.line(&[alice]).await;
    let (status, bad) = app
        .patch(
            &format!("/lines/{}", short["id"]),
            json!({"recording_retention_days": 0}),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(bad["error"]["field"], "recording_retention_days");
    let (status, l) = app
        .patch(
            &format!("/lines/{}", short["id"]),
            json!({"recording_retention_days": 30}),
        )
        .await;
    assert_eq!(status, 200, "{l}");
    assert_eq!(l["recording_retention_days"], 30);
    let mut ids = Vec::new();
    for line in [&kept, &short] {
        let mut spec = app.spec(line);
        spec.caller.voicemail = VoicemailScript::Leave { secs: 20 };
        let (_, call) = app.call(&spec).await;
        let id = call["id"].as_i64().unwrap();
        app.stored_recordings(id).await;
        ids.push(id);
    }
    let files = |dir: &std::path::Path| {
        walk(dir)
            .into_iter()
            .filter(|p| p.extension().is_some_and(|e| e == "wav" || e == "mp3"))
            .count()
    };
    let before = files(app.data_dir.path());
    assert!(before >= 2, "{before} media files");
    // Twenty-nine days on, nothing goes; thirty-one days on, the short line's voicemail does.
    app.clock.advance_secs(29 * 86400);
    app.settle().await;
    assert_eq!(files(app.data_dir.path()), before);
    app.clock.advance_secs(2 * 86400);
    app.settle().await;
    assert_eq!(files(app.data_dir.path()), before - 1, "one file deleted");
    let (_, gone) = app.get(&format!("/calls/{}", ids[1])).await;
    let rec = &gone["recordings"][0];
    assert_eq!(rec["status"], "deleted", "{gone}");
    assert!(rec["media_url"].is_null());
    let log: Vec<&str> = gone["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["message"].as_str().unwrap())
        .collect();
    assert!(
        log.iter().any(|m| m.starts_with("voicemail recording")
            && m.ends_with("deleted: the line keeps recordings for 30 days")),
        "{log:?}"
    );
    let media = app
        .http
        .get(format!(
            "{}/api/v1/calls/{}/recordings/{}/media",
            app.url, ids[1], rec["id"]
        ))
        .bearer_auth(&app.token)
        .send()
        .await
        .unwrap();
    assert_eq!(media.status(), 409, "the media is gone");
    // The other line keeps its voicemail; a second sweep deletes nothing more and logs once.
    let (_, kept_call) = app.get(&format!("/calls/{}", ids[0])).await;
    assert_eq!(kept_call["recordings"][0]["status"], "stored");
    app.settle().await;
    let (_, again) = app.get(&format!("/calls/{}", ids[1])).await;
    assert_eq!(
        again["events"].as_array().unwrap().len(),
        gone["events"].as_array().unwrap().len()
    );
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// A caller asks to be forgotten: every call from their number, on every line, goes with its
/// log and recordings; other callers' calls stay.
async fn erasing_a_caller_removes_everything_stored_about_them(app: TestApp) {
    let alice = app.user("Alice", Some(ALICE)).await;
    let one = app.line(&[alice]).await;
    let two = app.line(&[alice]).await;
    let mut forgotten = Vec::new();
    for (line, from) in [
        (&one, "+14155550188"),
        (&two, "+14155550188"),
        (&one, "+14155550177"),
    ] {
        let mut spec = app.spec(line);
        spec.from = from.to_owned();
        spec.caller.voicemail = VoicemailScript::Leave { secs: 12 };
        let (_, call) = app.call(&spec).await;
        app.stored_recordings(call["id"].as_i64().unwrap()).await;
        if from.ends_with("188") {
            forgotten.push(call["id"].as_i64().unwrap());
        }
    }
    let (status, bad) = app
        .post("/erasures", json!({"caller_number": "not a number"}))
        .await;
    assert_eq!(
        (status, &bad["error"]["field"]),
        (422, &json!("caller_number"))
    );
    let before = walk(app.data_dir.path()).len();
    let (status, done) = app
        .post("/erasures", json!({"caller_number": "+1 415 555 0188"}))
        .await;
    assert_eq!(status, 200, "{done}");
    assert_eq!(done["calls_deleted"], 2);
    assert_eq!(done["recordings_deleted"], 2);
    assert_eq!(
        walk(app.data_dir.path()).len(),
        before - 2,
        "their media files are gone"
    );
    for id in forgotten {
        assert_eq!(app.get(&format!("/calls/{id}")).await.0, 404);
    }
    let (_, left) = app.get("/calls?archived=true").await;
    let left = left["calls"].as_array().unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0]["caller"]["number"], "+14155550177");
    let (_, again) = app
        .post("/erasures", json!({"caller_number": "+14155550188"}))
        .await;
    assert_eq!(again["calls_deleted"], 0);
}

crate::on_both!(
    recordings_past_the_retention_period_are_deleted_and_logged,
    erasing_a_caller_removes_everything_stored_about_them,
);
