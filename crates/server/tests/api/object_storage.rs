//! Recordings in an S3-compatible bucket: a real S3 API (moto's server mode,
//! `tools/s3/server.py`, run by the Python `SWITCHBOARD_TEST_S3_PYTHON` names; `.ci/run`
//! installs it) on loopback. A voicemail is kept in the bucket below the configured prefix and
//! nothing is written to the data directory; the API serves it from there; deleting the call
//! deletes the object; a bucket that is down delays the download and loses nothing. Both
//! carriers, both backends. Several instances sharing one bucket: `instances.rs`.

use crate::helpers::TestApp;
use switchboard::storage::{Storage, StorageConfig, StorageError};
use switchboard_sim::VoicemailScript;

const ALICE: &str = "+14155550101";

/// The S3 API process; it ends when this is dropped (its standard input closes).
pub struct S3 {
    pub port: u16,
    child: tokio::process::Child,
}

impl S3 {
    /// Starts the S3 API on `port` (0: a free one) with `buckets` created; `None` (after
    /// saying so) when no Python with moto is configured here.
    pub async fn start(port: u16, buckets: &[&str]) -> Option<S3> {
        let port = match port {
            0 => crate::binary::free_port(),
            p => p,
        };
        let mut args = vec![port.to_string()];
        args.extend(buckets.iter().map(|b| b.to_string()));
        let (child, _) = crate::helpers::python_tool(
            "SWITCHBOARD_TEST_S3_PYTHON",
            "moto[server]",
            "s3/server.py",
            &args,
        )
        .await?;
        Some(S3 { port, child })
    }

    /// Switchboard's settings for `bucket` on this server, below `prefix`.
    pub fn config(&self, bucket: &str, prefix: &str) -> StorageConfig {
        StorageConfig::S3 {
            bucket: bucket.into(),
            prefix: Some(prefix.into()).filter(|p: &String| !p.is_empty()),
            endpoint: Some(format!("http://127.0.0.1:{}", self.port)),
            region: "us-east-1".into(),
            keys: Some(("test-key-id".into(), "test-secret".into())),
        }
    }

    /// Stops the server (everything it held is gone, as with a bucket that was lost).
    pub async fn stop(mut self) {
        self.child.kill().await.unwrap();
    }
}

/// The bucket as any S3 client sees it (here through the same crate, with no prefix).
fn bucket_view(s3: &S3, bucket: &str) -> Storage {
    let dir = tempfile::tempdir().unwrap();
    Storage::open(&s3.config(bucket, ""), dir.path()).unwrap()
}

fn media_files(dir: &std::path::Path) -> usize {
    let mut n = 0;
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            n += media_files(&p);
        } else if p.extension().is_some_and(|e| e == "wav" || e == "mp3") {
            n += 1;
        }
    }
    n
}

async fn fetch(app: &TestApp, url: &str) -> reqwest::Response {
    app.http
        .get(format!("{}{url}", app.url))
        .bearer_auth(&app.token)
        .send()
        .await
        .unwrap()
}

async fn media(app: &TestApp, url: &str) -> (u16, Vec<u8>) {
    let r = fetch(app, url).await;
    (r.status().as_u16(), r.bytes().await.unwrap().to_vec())
}

async fn a_voicemail_is_kept_in_the_bucket_and_deleted_with_its_call(mut app: TestApp) {
    let Some(s3) = S3::start(0, &["calls"]).await else {
        return;
    };
    app.storage = s3.config("calls", "team/prod");
    app.restart().await;
    let alice = app.user("Alice", Some(ALICE)).await;
    let line = app.line(&[alice]).await;
    let mut audio = switchboard_sim::media::wav(2);
    audio[100..116].copy_from_slice(b"voicemail-bytes!");
    app.media.set_audio(Some(audio.clone()));
    let mut spec = app.spec(&line);
    spec.caller.voicemail = VoicemailScript::Leave { secs: 20 };
    let (_, call) = app.call(&spec).await;
    let id = call["id"].as_i64().unwrap();
    let recs = app.stored_recordings(id).await;
    let rec = &recs[0];
    let (status, served) = media(&app, rec["media_url"].as_str().unwrap()).await;
    assert_eq!(status, 200);
    // Below the prefix, under the key the log records; nothing on this machine's disk.
    let ext = if app.provider() == "plivo" {
        "mp3"
    } else {
        "wav"
    };
    let key = format!("team/prod/recordings/{id}/{}.{ext}", rec["id"]);
    let view = bucket_view(&s3, "calls");
    let stored = view
        .get(&key)
        .await
        .expect("the voicemail is in the bucket");
    assert_eq!(served, stored.to_vec(), "the API serves the bucket's copy");
    if ext == "wav" {
        assert_eq!(served, audio, "byte for byte what the carrier served");
    } else {
        assert!(!served.is_empty());
    }
    assert_eq!(
        media_files(app.data_dir.path()),
        0,
        "nothing written locally"
    );
    // A range request is served from the bucket too (the dashboard's player asks for one).
    let part = app
        .http
        .get(format!("{}{}", app.url, rec["media_url"].as_str().unwrap()))
        .bearer_auth(&app.token)
        .header("range", "bytes=100-115")
        .send()
        .await
        .unwrap();
    assert_eq!(part.status(), 206);
    assert_eq!(part.bytes().await.unwrap(), stored.slice(100..116));
    // Deleting the call deletes the object.
    let r = app
        .http
        .delete(app.api(&format!("/calls/{id}")))
        .bearer_auth(&app.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert!(matches!(
        view.get(&key).await,
        Err(StorageError::NotFound(_))
    ));
}

async fn a_bucket_that_is_down_delays_the_voicemail_and_loses_nothing(mut app: TestApp) {
    let Some(s3) = S3::start(0, &["calls"]).await else {
        return;
    };
    let port = s3.port;
    app.storage = s3.config("calls", "");
    app.restart().await;
    let alice = app.user("Alice", Some(ALICE)).await;
    let line = app.line(&[alice]).await;
    s3.stop().await;
    let mut spec = app.spec(&line);
    spec.caller.voicemail = VoicemailScript::Leave { secs: 20 };
    let (t, call) = app.call(&spec).await;
    assert!(
        t.application_error.is_none(),
        "the caller is unaffected: {t}"
    );
    let id = call["id"].as_i64().unwrap();
    app.settle().await;
    let (_, c) = app.get(&format!("/calls/{id}")).await;
    let rec = &c["recordings"][0];
    assert_eq!(rec["status"], "pending", "{rec}");
    let detail = rec["status_detail"].as_str().unwrap_or_default();
    assert!(
        detail.contains("last error: cannot store the recording: s3://calls/recordings/"),
        "the reason names where it could not be stored: {rec}"
    );
    assert!(!detail.contains("test-secret"), "{detail}");
    // The bucket is back (an empty one, on the same address): the next attempt stores it.
    let s3 = S3::start(port, &["calls"]).await.unwrap();
    app.clock.advance_secs(3600);
    let recs = app.stored_recordings(id).await;
    let (status, served) = media(&app, recs[0]["media_url"].as_str().unwrap()).await;
    assert_eq!(status, 200);
    assert!(!served.is_empty());
    let ext = if app.provider() == "plivo" {
        "mp3"
    } else {
        "wav"
    };
    let key = format!("recordings/{id}/{}.{ext}", recs[0]["id"]);
    assert_eq!(
        bucket_view(&s3, "calls").get(&key).await.unwrap().to_vec(),
        served
    );
    // The bucket away again: the media says so (502), not an opaque error.
    let url = recs[0]["media_url"].as_str().unwrap().to_owned();
    s3.stop().await;
    let r = fetch(&app, &url).await;
    assert_eq!(r.status(), 502);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(
        body["error"]["message"],
        "the recordings' store did not answer; try again"
    );
    // Back, but emptied behind Switchboard's back: not found, said as such.
    let _s3 = S3::start(port, &["calls"]).await.unwrap();
    let r = fetch(&app, &url).await;
    assert_eq!(r.status(), 404);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"]["message"], "recording's media not found");
}

crate::on_all!(
    a_voicemail_is_kept_in_the_bucket_and_deleted_with_its_call,
    a_bucket_that_is_down_delays_the_voicemail_and_loses_nothing,
);
