//! Faults caused for real: a full disk under SQLite, a stopped database, shutdown under load.

use crate::helpers::TestApp;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use switchboard_sim::{Carrier, Responder};
use switchboard_store::testing::TestDb;

const ALICE: &str = "+14155550101";

/// A small tmpfs mounted for one test (needs root, as on CI); unmounted on drop.
pub struct Tmpfs {
    dir: tempfile::TempDir,
}

impl Tmpfs {
    /// Mounts a tmpfs of `mib` MiB, or says why not and returns `None`.
    pub fn mount(mib: u32, test: &str) -> Option<Tmpfs> {
        let dir = tempfile::tempdir().unwrap();
        let out = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={mib}m"), "tmpfs"])
            .arg(dir.path())
            .output();
        match out {
            Ok(o) if o.status.success() => Some(Tmpfs { dir }),
            Ok(o) => {
                eprintln!(
                    "skipped {test}: cannot mount a tmpfs (needs root): {}",
                    String::from_utf8_lossy(&o.stderr).trim()
                );
                None
            }
            Err(e) => {
                eprintln!("skipped {test}: cannot run mount: {e}");
                None
            }
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes a file until the file system is full; returns it.
    pub fn fill(&self) -> PathBuf {
        fill(self.path())
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .status();
    }
}

async fn spawn_on_tmpfs(fs: &Tmpfs) -> TestApp {
    let db = TestDb::sqlite_in(fs.path());
    let data_dir = tempfile::tempdir_in(fs.path()).unwrap();
    TestApp::spawn_on(db, data_dir, Carrier::Twilio).await
}

async fn ready(app: &TestApp) -> u16 {
    app.http
        .get(format!("{}/readyz", app.url))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

fn user_body(n: usize) -> Value {
    json!({"name": format!("User {n}"), "email": format!("u{n}@example.com"), "phone": null})
}

/// A write on a full disk either is stored or returns an error, and once space is back every
/// write is stored again: the one SQLite writer is never left inside a dead transaction.
#[tokio::test]
async fn a_full_disk_loses_no_write_and_the_store_recovers() {
    let Some(fs) = Tmpfs::mount(8, "a_full_disk_loses_no_write_and_the_store_recovers") else {
        return;
    };
    let app = spawn_on_tmpfs(&fs).await;
    let alice = app.user("Alice", Some(ALICE)).await;
    let line = app.line(&[alice]).await;
    let answer = Responder::Answer {
        after_secs: 3,
        talk_secs: 30,
    };

    let filler = fs.fill();
    // Writes until one fails (the WAL may still have room for a few).
    let mut acknowledged = vec![];
    let mut refused = 0;
    for n in 0..300 {
        let (status, body) = app.post("/users", user_body(n)).await;
        match status {
            201 => acknowledged.push(body["id"].as_i64().unwrap()),
            500 => {
                assert_eq!(body["error"]["code"], "internal", "{body}");
                refused += 1;
                if refused >= 3 {
                    break;
                }
            }
            other => panic!("unexpected {other}: {body}"),
        }
    }
    let ready_while_full = ready(&app).await;
    // Two calls while the disk is full: each caller hears something sensible.
    for _ in 0..2 {
        let spec = app.spec(&line).responder(ALICE, answer);
        let t = switchboard_sim::place_call(&app.http, &spec).await.unwrap();
        assert!(
            t.heard("sorry") || t.heard("Thank you for calling"),
            "the caller heard nothing sensible: {t}"
        );
    }

    std::fs::remove_file(filler).unwrap();
    // Every acknowledged write is there.
    for id in &acknowledged {
        let (status, body) = app.get(&format!("/users/{id}")).await;
        assert_eq!(
            status, 200,
            "user {id} was acknowledged but is gone: {body}"
        );
    }
    assert!(refused > 0, "no write on the full disk was refused");
    assert_eq!(
        ready_while_full, 503,
        "a store that cannot write is not ready"
    );
    // And new writes are stored, not just acknowledged.
    let (status, body) = app.post("/users", user_body(1000)).await;
    assert_eq!(status, 201, "{body}");
    let id = body["id"].as_i64().unwrap();
    let (status, body) = app.get(&format!("/users/{id}")).await;
    assert_eq!(
        status, 200,
        "the new user was acknowledged but not stored: {body}"
    );
    assert_eq!(body["name"], "User 1000");
    assert_eq!(ready(&app).await, 200);
    // The next call is routed and logged as usual.
    let spec = app.spec(&line).responder(ALICE, answer);
    let (t, call) = app.call(&spec).await;
    assert_eq!(t.connected_to.as_deref(), Some(ALICE), "{t}");
    assert_eq!(call["outcome"], "answered", "{call}");
    assert_eq!(call["path"], "Alice answered");
}

use crate::helpers::log_messages as messages;

/// The database goes away after the call was routed to Alice: her dial result cannot be
/// stored, the caller hears the apology and leaves a voicemail. Nothing of it is lost, and the
/// log tells what happened once the database is back.
async fn a_voicemail_left_during_an_outage_reaches_the_log(app: TestApp) {
    let Some(outage) = app._db.outage() else {
        return;
    };
    let alice = app.user("Alice", Some(ALICE)).await;
    let line = app.line(&[alice]).await;
    let slack = crate::alerts::Receiver::start((200, "ok")).await;
    let (_, ch) = app
        .post(
            "/channels",
            json!({"name": "ops", "kind": "slack", "webhook_url": slack.url}),
        )
        .await;
    app.patch(
        &format!("/lines/{}", line["id"]),
        json!({"channels": [ch["id"]]}),
    )
    .await;
    let mut spec = app.spec(&line).responder(ALICE, Responder::NoAnswer);
    let o = outage.clone();
    spec.before_request = Some(std::sync::Arc::new(move |i, _url| {
        let o = o.clone();
        Box::pin(async move {
            if i == 1 {
                o.begin().await;
            }
        })
    }));
    let t = switchboard_sim::place_call(&app.http, &spec).await.unwrap();
    eprintln!("{t}");
    assert!(t.heard("sorry"), "the caller heard the apology: {t}");
    assert!(t.heard("Your message has been recorded"), "{t}");
    assert_eq!(ready(&app).await, 503, "readyz while the database is away");
    outage.end().await;

    let call = app
        .call_when(&t.call_sid, |c| c["duration_secs"].is_number())
        .await;
    assert_eq!(call["outcome"], "voicemail", "{call}");
    assert_eq!(call["failsafe"], "the database was unavailable");
    assert_eq!(
        call["path"],
        "Alice did not answer → Switchboard failed (the database was unavailable): apology played → voicemail left"
    );
    assert_eq!(call["duration_secs"], t.duration_secs);
    let log = messages(&call);
    assert!(
        log.iter().any(|m| m.starts_with("Switchboard could not handle the dial result for step 1 (the database was unavailable); the caller heard the apology")),
        "{log:?}"
    );
    assert!(!log.iter().any(|m| m.contains("hung up")), "{log:?}");
    let recs = app.stored_recordings(call["id"].as_i64().unwrap()).await;
    assert_eq!(recs[0]["kind"], "voicemail");
    assert_eq!(ready(&app).await, 200);
    // The alert tells the same story.
    app.settle().await;
    assert_eq!(slack.count(), 1, "one alert for the call");
    let alert = slack.got.lock().unwrap()[0].to_string();
    assert!(alert.contains("VOICEMAIL left"), "{alert}");
    assert!(
        alert.contains("Switchboard failed (the database was unavailable): apology played"),
        "{alert}"
    );
}

/// The database is away when the call comes in, and the instance is stopped before it
/// returns: the next instance replays what the first one kept, and the call is in the log.
async fn a_call_that_came_in_during_an_outage_is_logged_after_a_restart(mut app: TestApp) {
    let Some(outage) = app._db.outage() else {
        return;
    };
    let alice = app.user("Alice", Some(ALICE)).await;
    let line = app.line(&[alice]).await;
    outage.begin().await;
    let spec = app.spec(&line).responder(ALICE, Responder::NoAnswer);
    let t = switchboard_sim::place_call(&app.http, &spec).await.unwrap();
    eprintln!("{t}");
    assert!(t.heard("sorry"), "{t}");
    assert!(t.dialed.is_empty());
    let o = outage.clone();
    app.restart_after(async move { o.end().await }).await;

    let call = app
        .call_when(&t.call_sid, |c| c["duration_secs"].is_number())
        .await;
    assert_eq!(call["outcome"], "voicemail", "{call}");
    assert_eq!(call["caller"]["number"], "+14155550199");
    assert_eq!(
        call["path"],
        "Switchboard failed (the database was unavailable): apology played → voicemail left"
    );
    assert_eq!(call["started_at"], call["events"][0]["at"]);
    let log = messages(&call);
    assert!(
        log.iter()
            .any(|m| m
                .contains("Switchboard could not route this call (the database was unavailable)")),
        "{log:?}"
    );
    let recs = app.stored_recordings(call["id"].as_i64().unwrap()).await;
    assert_eq!(recs[0]["kind"], "voicemail");
    // The replayed spool file is gone; only the running instance's own remains.
    let files = std::fs::read_dir(app.data_dir.path().join("spool"))
        .unwrap()
        .count();
    assert_eq!(files, 1);
}

/// Runs each named `async fn(TestApp)` on PostgreSQL (where one test's database can be taken
/// away) through both carriers.
macro_rules! on_postgres_both_carriers {
    ($($name:ident),* $(,)?) => {
        mod postgres_outage {
            $(
                #[tokio::test]
                async fn $name() {
                    for carrier in [switchboard_sim::Carrier::Twilio, switchboard_sim::Carrier::Plivo] {
                        if let Some(app) = crate::helpers::TestApp::spawn_with(
                            crate::helpers::Backend::Postgres,
                            carrier,
                            stringify!($name),
                        )
                        .await
                        {
                            super::$name(app).await;
                        }
                    }
                }
            )*
        }
    };
}

on_postgres_both_carriers!(
    a_voicemail_left_during_an_outage_reaches_the_log,
    a_call_that_came_in_during_an_outage_is_logged_after_a_restart,
);

/// SQLite's disk fills up after the call was routed to Alice: her dial result cannot be
/// stored, the caller hears the apology and leaves a voicemail, kept in the spool (on another
/// disk); once space is back it is in the log. Both carriers.
#[tokio::test]
async fn a_voicemail_left_while_the_disk_is_full_reaches_the_log() {
    for carrier in [Carrier::Twilio, Carrier::Plivo] {
        let Some(fs) = Tmpfs::mount(8, "a_voicemail_left_while_the_disk_is_full_reaches_the_log")
        else {
            return;
        };
        let app = TestApp::spawn_on(
            TestDb::sqlite_in(fs.path()),
            tempfile::tempdir().unwrap(),
            carrier,
        )
        .await;
        let alice = app.user("Alice", Some(ALICE)).await;
        let line = app.line(&[alice]).await;
        let mut spec = app.spec(&line).responder(ALICE, Responder::NoAnswer);
        let filler = std::sync::Arc::new(std::sync::Mutex::new(None));
        let (f, root) = (filler.clone(), fs.path().to_path_buf());
        let (http, users, token) = (app.http.clone(), app.api("/users"), app.token.clone());
        spec.before_request = Some(std::sync::Arc::new(move |i, _url| {
            let (f, root) = (f.clone(), root.clone());
            let (http, users, token) = (http.clone(), users.clone(), token.clone());
            Box::pin(async move {
                if i == 1 {
                    *f.lock().unwrap() = Some(fill(&root));
                    // Use up whatever room the journal still has: writes fail from here on.
                    for n in 0..300 {
                        let r = http
                            .post(&users)
                            .bearer_auth(&token)
                            .json(&user_body(n))
                            .send();
                        if r.await.unwrap().status() != 201 {
                            break;
                        }
                    }
                }
            })
        }));
        let t = switchboard_sim::place_call(&app.http, &spec).await.unwrap();
        assert!(t.heard("sorry"), "the caller heard the apology: {t}");
        assert!(t.heard("Your message has been recorded"), "{t}");
        std::fs::remove_file(filler.lock().unwrap().take().unwrap()).unwrap();
        let call = app
            .call_when(&t.call_sid, |c| {
                c["outcome"] == "voicemail" && c["duration_secs"].is_number()
            })
            .await;
        assert_eq!(call["failsafe"], "the database failed", "{call}");
        assert_eq!(
            call["path"],
            "Alice did not answer → Switchboard failed (the database failed): apology played → voicemail left"
        );
        let recs = app.stored_recordings(call["id"].as_i64().unwrap()).await;
        assert_eq!(recs[0]["kind"], "voicemail");
    }
}

/// Fills the file system under `root`; returns the filler file.
fn fill(root: &Path) -> PathBuf {
    use std::io::Write;
    let path = root.join("filler");
    let mut f = std::fs::File::create(&path).unwrap();
    let chunk = vec![0u8; 4096];
    while f.write_all(&chunk).is_ok() {}
    let _ = f.sync_all();
    path
}

/// SIGTERM while webhooks are arriving: every request the server took is answered in full
/// (a document, not a reset), and every call it answered is stored; later ones are refused
/// at connect, which a provider retries or sends to its fallback URL.
#[tokio::test]
async fn shutdown_finishes_the_webhooks_in_flight() {
    use crate::binary::{create_token, Served};
    use std::sync::atomic::{AtomicUsize, Ordering};
    let dir = tempfile::tempdir().unwrap();
    let (token, _) = create_token(dir.path());
    let server = Served::start(dir.path(), &token, &[], &[]).await;
    let port = server.port;
    let line = server.alice_and_a_line(json!({})).await;
    let webhook = line["webhook_url"].as_str().unwrap().to_owned();

    let answered = std::sync::Arc::new(AtomicUsize::new(0));
    let mut tasks = vec![];
    for i in 0..300 {
        let (http, webhook, answered) = (server.http.clone(), webhook.clone(), answered.clone());
        tasks.push(tokio::spawn(async move {
            let mut spec = switchboard_sim::CallSpec::new(&webhook, "+14155550199", "+15005550006");
            spec.auth_token = Some("secret".to_owned());
            spec.call_sid = Some(format!("CA{i:032}"));
            let r = switchboard_sim::incoming_webhook(&http, &spec).await;
            if r.is_ok() {
                answered.fetch_add(1, Ordering::SeqCst);
            }
            (spec.call_sid.unwrap(), r)
        }));
        if i % 10 == 9 {
            tokio::task::yield_now().await;
        }
    }
    while answered.load(Ordering::SeqCst) < 30 {
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    }
    let exited_cleanly = std::thread::spawn(move || server.terminate());
    let mut ok = vec![];
    let mut refused = 0;
    for t in tasks {
        let (sid, r) = t.await.unwrap();
        match r {
            Ok((200, body)) => {
                assert!(body.contains("<Dial"), "{sid}: {body}");
                ok.push(sid);
            }
            Ok((status, body)) => panic!("{sid}: {status} {body}"),
            Err(e) => {
                let e = format!("{e:#}");
                assert!(
                    e.contains("onnect") || e.contains("refused"),
                    "{sid}: a request was cut off instead of answered or refused: {e}"
                );
                refused += 1;
            }
        }
    }
    assert!(
        exited_cleanly.join().unwrap(),
        "the exit after SIGTERM was not clean"
    );
    eprintln!("{} answered, {refused} refused at connect", ok.len());
    assert!(ok.len() >= 30);

    let server = Served::start_on(port, dir.path(), &token, &[], &[]).await;
    let calls = server.get("/calls?limit=500").await;
    let stored: std::collections::HashSet<String> = calls["calls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["provider_call_id"].as_str().unwrap().to_owned())
        .collect();
    for sid in &ok {
        assert!(
            stored.contains(sid),
            "call {sid} was answered but not stored"
        );
    }
}

/// A recording whose host does not answer stays pending, and the API says why and when the
/// next attempt is.
async fn a_recording_that_cannot_be_fetched_says_why(app: TestApp) {
    let alice = app.user("Alice", Some(ALICE)).await;
    let line = app.line(&[alice]).await;
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let mut spec = app.spec(&line).responder(
        ALICE,
        Responder::Answer {
            after_secs: 2,
            talk_secs: 20,
        },
    );
    spec.recording_base_url = format!("http://{closed}");
    let (_, call) = app.call(&spec).await;
    let id = call["id"].as_i64().unwrap();
    app.settle().await;
    let (_, c) = app.get(&format!("/calls/{id}")).await;
    let rec = c["recordings"][0].clone();
    // The download is retried later.
    app.expect_jobs_left();
    assert_eq!(rec["status"], "pending", "{rec}");
    let detail = rec["status_detail"].as_str().unwrap_or_default();
    assert!(detail.starts_with("pending: next attempt at "), "{rec}");
    assert!(detail.contains("last error: download failed"), "{rec}");
    assert_eq!(rec["download_attempts"], 1);
}

crate::on_both!(a_recording_that_cannot_be_fetched_says_why);

/// The database goes away under a running server and comes back: `/readyz` follows, and the
/// log says when it went and when it returned.
#[tokio::test]
async fn an_outage_and_its_end_are_logged_and_readyz_follows() {
    use crate::binary::{create_token_with, Served};
    let Some(db) = TestDb::postgres("an_outage_and_its_end_are_logged_and_readyz_follows").await
    else {
        return;
    };
    let outage = db.outage().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let args = ["--database-url", db.url.as_str()];
    let (token, _) = create_token_with(dir.path(), &args);
    let server = Served::start(dir.path(), &token, &args, &[("SWITCHBOARD_LOG", "info")]).await;
    let ready = || async {
        let r = server
            .http
            .get(format!("{}/readyz", server.url))
            .send()
            .await;
        r.map(|r| r.status().as_u16()).unwrap_or(0)
    };
    assert_eq!(ready().await, 200);
    outage.begin().await;
    assert_eq!(ready().await, 503, "readyz while the database is away");
    // The health loop looks every 10 s while all is well, every second otherwise.
    server.wait_for_log("the database is unavailable").await;
    outage.end().await;
    server.wait_for_log("the database is reachable again").await;
    assert_eq!(ready().await, 200);
}

/// A database that hangs (a lock held on the lines table) instead of failing: the caller
/// still gets the apology within the 8 s deadline — the line's lookup included — and the
/// call reaches the log once the lock is gone.
#[tokio::test]
async fn a_hanging_database_still_answers_the_caller_within_the_deadline() {
    use sqlx::Connection;
    let Some(app) = TestApp::spawn(
        crate::helpers::Backend::Postgres,
        "a_hanging_database_still_answers_the_caller_within_the_deadline",
    )
    .await
    else {
        return;
    };
    let alice = app.user("Alice", Some(ALICE)).await;
    let line = app.line(&[alice]).await;
    let mut locker = sqlx::PgConnection::connect(&app._db.url).await.unwrap();
    sqlx::query("BEGIN").execute(&mut locker).await.unwrap();
    sqlx::query("LOCK TABLE lines IN ACCESS EXCLUSIVE MODE")
        .execute(&mut locker)
        .await
        .unwrap();
    let mut spec = app.spec(&line);
    spec.call_sid = Some("CA0000000000000000000000000000hang".to_owned());
    let started = std::time::Instant::now();
    let (status, body) = switchboard_sim::incoming_webhook(&app.http, &spec)
        .await
        .unwrap();
    let took = started.elapsed();
    assert_eq!(status, 200);
    assert!(
        body.contains("failsafe-voicemail"),
        "the failure document: {body}"
    );
    assert!(
        took < std::time::Duration::from_millis(9500),
        "answered after {took:?}, past the deadline"
    );
    sqlx::query("ROLLBACK").execute(&mut locker).await.unwrap();
    let call = app
        .call_when("CA0000000000000000000000000000hang", |_| true)
        .await;
    assert_eq!(call["failsafe"], "the database was unavailable", "{call}");
}

#[tokio::test]
/// A text that comes while the database is away is kept (the carrier gets 204, nobody's phone
/// gets a forward), then logged, announced and opens its incident when the database is back.
async fn a_text_sent_during_an_outage_reaches_the_log() {
    for carrier in [Carrier::Twilio, Carrier::Plivo] {
        let Some(app) = TestApp::spawn_with(
            crate::helpers::Backend::Postgres,
            carrier,
            "a_text_sent_during_an_outage_reaches_the_log",
        )
        .await
        else {
            return;
        };
        let outage = app._db.outage().unwrap();
        let alice = app.user("Alice", Some(ALICE)).await;
        let line = app.line(&[alice]).await;
        let slack = crate::alerts::Receiver::start((200, "ok")).await;
        let ch = crate::alerts::channel(&app, "slack", &slack.url).await;
        app.patch(&format!("/lines/{}", line["id"]), json!({"channels": [ch]}))
            .await;
        outage.begin().await;
        let mut spec = app.spec(&line);
        spec.from = "+14155550199".to_owned();
        let url = line["sms_url"].as_str().unwrap();
        let r = switchboard_sim::send_text(&app.http, &spec, url, "Breach at Acme", 0, None)
            .await
            .unwrap();
        assert_eq!(r.status, 204, "{}", r.body);
        outage.end().await;
        let conv = app
            .call_when(&r.message_id, |c| c["outcome"] == "texted")
            .await;
        assert_eq!(conv["medium"], "text");
        assert_eq!(conv["texts"][0]["body"], "Breach at Acme");
        let log = messages(&conv);
        assert!(
            log.iter().any(|m| m.contains(
                "(replayed from the spool: the database was unavailable; nothing could be forwarded or answered)"
            )),
            "{log:#?}"
        );
        app.settle().await;
        assert_eq!(slack.count(), 1, "the text is announced once");
        assert!(slack.got.lock().unwrap()[0]
            .to_string()
            .contains("Breach at Acme"));
        let (_, inc) = app.get("/incidents").await;
        assert_eq!(
            inc["incidents"][0]["title"],
            format!("Text from +14155550199 to Engineering Hotline")
        );
    }
}

/// The database goes away as a screened responder picks up (Twilio asks for the screening
/// prompt on the responder's leg): that leg gets the failure document, and once the database
/// is back the log says what happened. The screening request carries the responder's call
/// id, not the caller's, and is replayed as such rather than dropped.
#[tokio::test]
async fn a_screening_request_during_an_outage_reaches_the_log() {
    let Some(app) = TestApp::spawn_with(
        crate::helpers::Backend::Postgres,
        Carrier::Twilio,
        "a_screening_request_during_an_outage_reaches_the_log",
    )
    .await
    else {
        return;
    };
    let outage = app._db.outage().unwrap();
    let alice = app.user("Alice", Some(ALICE)).await;
    let line = app.line(&[alice]).await;
    let (status, _) = app
        .patch(
            &format!("/lines/{}", line["id"]),
            json!({ "screening": true }),
        )
        .await;
    assert_eq!(status, 200);
    let mut spec = app.spec(&line).responder(
        ALICE,
        Responder::Answer {
            after_secs: 3,
            talk_secs: 45,
        },
    );
    let o = outage.clone();
    spec.before_request = Some(std::sync::Arc::new(move |_, url| {
        let prompt = url.contains("/screen/0") && !url.contains("/result");
        let o = o.clone();
        Box::pin(async move {
            if prompt {
                o.begin().await;
            }
        })
    }));
    let t = switchboard_sim::place_call(&app.http, &spec).await.unwrap();
    outage.end().await;
    let call = app
        .call_when(&t.call_sid, |c| c["duration_secs"].is_number())
        .await;
    let log = messages(&call);
    assert!(
        log.iter()
            .any(|m| m.contains("screening prompt of step 1 (the database was unavailable)")),
        "{t}\n{log:#?}"
    );
}
