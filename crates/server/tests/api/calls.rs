//! Whole calls through the carrier simulator, asserting the call log a user would read.

use crate::helpers::TestApp;
use serde_json::json;
use switchboard_sim::{Responder, VoicemailScript};

const ALICE: &str = "+14155550101";
const BOB: &str = "+14155550102";
const CAROL: &str = "+14155550103";

async fn three(app: TestApp) -> (TestApp, [i64; 3]) {
    let a = app.user("Alice", Some(ALICE)).await;
    let b = app.user("Bob", Some(BOB)).await;
    let c = app.user("Carol", Some(CAROL)).await;
    (app, [a, b, c])
}

async fn the_primary_answers(app: TestApp) {
    let (app, [a, b, c]) = three(app).await;
    let line = app.line(&[a, b, c]).await;
    let spec = app.spec(&line).responder(
        ALICE,
        Responder::Answer {
            after_secs: 4,
            talk_secs: 95,
        },
    );
    let (t, call) = app.call(&spec).await;
    assert_eq!(t.dialed, vec![ALICE]);
    assert_eq!(t.connected_to.as_deref(), Some(ALICE));
    assert!(t.heard("Thank you for calling"), "{t}");
    assert_eq!(call["outcome"], "answered");
    assert_eq!(call["answered_by"]["id"], a);
    assert_eq!(call["answered_by"]["name"], "Alice");
    assert_eq!(call["path"], "Alice answered");
    assert_eq!(call["duration_secs"], t.duration_secs);
    assert_eq!(call["attempts"][0]["duration_secs"], 95);
    assert_eq!(call["caller"]["number"], "+14155550199");
    assert_eq!(call["caller"]["name"], "ACME SECURITY");
    if app.carrier == switchboard_sim::Carrier::Twilio {
        assert_eq!(
            call["caller"]["city"], "SAN FRANCISCO",
            "Twilio's geo fields are kept"
        );
    }
    // The conversation was recorded and fetched into our own storage.
    let recs = app.stored_recordings(call["id"].as_i64().unwrap()).await;
    assert_eq!(recs.as_array().unwrap().len(), 1);
    assert_eq!(recs[0]["kind"], "call");
    assert_eq!(recs[0]["duration_secs"], 95);
    let media = app
        .http
        .get(format!(
            "{}{}",
            app.url,
            recs[0]["media_url"].as_str().unwrap()
        ))
        .bearer_auth(&app.token)
        .send()
        .await
        .unwrap();
    assert_eq!(media.status(), 200);
    let bytes = media.bytes().await.unwrap();
    match app.carrier {
        switchboard_sim::Carrier::Twilio => assert_eq!(&bytes[..4], b"RIFF"),
        switchboard_sim::Carrier::Plivo => assert_eq!(&bytes[..2], &[0xFF, 0xFB]),
    }
    // The provider's media host demanded Basic auth, and got it.
    assert_eq!(app.media.refused(), 0);
}

async fn no_answer_moves_to_the_first_fallback(app: TestApp) {
    let (app, [a, b, c]) = three(app).await;
    let line = app.line(&[a, b, c]).await;
    let spec = app
        .spec(&line)
        .responder(ALICE, Responder::NoAnswer)
        .responder(
            BOB,
            Responder::Answer {
                after_secs: 2,
                talk_secs: 30,
            },
        );
    let (t, call) = app.call(&spec).await;
    assert_eq!(t.dialed, vec![ALICE, BOB]);
    assert_eq!(call["outcome"], "answered");
    assert_eq!(call["answered_by"]["id"], b);
    assert_eq!(call["path"], "Alice did not answer → Bob answered");
    assert_eq!(call["duration_secs"], t.duration_secs);
    // The welcome takes a few seconds, Alice rings the full 20 s, Bob 2 s, then 30 s talk.
    assert!(t.duration_secs >= 52, "{t}");
}

async fn busy_and_failed_move_on(app: TestApp) {
    let (app, [a, b, c]) = three(app).await;
    let line = app.line(&[a, b, c]).await;
    let spec = app
        .spec(&line)
        .responder(ALICE, Responder::Busy)
        .responder(BOB, Responder::Failed)
        .responder(
            CAROL,
            Responder::Answer {
                after_secs: 1,
                talk_secs: 10,
            },
        );
    let (t, call) = app.call(&spec).await;
    assert_eq!(t.dialed, vec![ALICE, BOB, CAROL]);
    assert_eq!(call["outcome"], "answered");
    assert_eq!(call["answered_by"]["id"], c);
    assert_eq!(
        call["path"],
        "Alice was busy → Bob could not be reached → Carol answered"
    );
    let outcomes: Vec<_> = call["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["outcome"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(outcomes, ["busy", "failed", "answered"]);
}

async fn when_all_miss_the_caller_hears_no_answer_and_leaves_a_voicemail(app: TestApp) {
    let (app, [a, b, c]) = three(app).await;
    let line = app.line(&[a, b, c]).await;
    let mut spec = app.spec(&line);
    spec.caller.voicemail = VoicemailScript::Leave { secs: 25 };
    let (t, call) = app.call(&spec).await;
    assert_eq!(t.dialed, vec![ALICE, BOB, CAROL]);
    assert!(t.heard("nobody could take your call"), "{t}");
    assert!(t.heard("Your message has been recorded"), "{t}");
    assert_eq!(call["outcome"], "voicemail");
    assert_eq!(call["answered_by"], serde_json::Value::Null);
    assert_eq!(
        call["path"],
        "Alice did not answer → Bob did not answer → Carol did not answer → voicemail left"
    );
    assert_eq!(call["duration_secs"], t.duration_secs);
    let recs = app.stored_recordings(call["id"].as_i64().unwrap()).await;
    assert_eq!(recs.as_array().unwrap().len(), 1);
    assert_eq!(recs[0]["kind"], "voicemail");
    assert_eq!(recs[0]["duration_secs"], 25);
}

async fn with_nobody_to_dial_the_caller_hears_no_one_on_call_and_leaves_a_voicemail(app: TestApp) {
    let nophone = app.user("Dana", None).await;
    let line = app.line(&[nophone]).await;
    let (t, call) = app.call(&app.spec(&line)).await;
    assert!(t.dialed.is_empty());
    assert!(t.heard("Nobody is on call right now"), "{t}");
    assert_eq!(call["outcome"], "voicemail");
    assert_eq!(call["path"], "Nobody on call → voicemail left");
    assert_eq!(call["plan"]["steps"][0]["skipped"], "no_phone");
    assert_eq!(call["duration_secs"], t.duration_secs);
}

async fn a_responders_voicemail_picking_up_counts_as_answered(app: TestApp) {
    let (app, [a, b, c]) = three(app).await;
    let line = app.line(&[a, b, c]).await;
    let spec = app.spec(&line).responder(
        ALICE,
        Responder::Voicemail {
            after_secs: 15,
            message_secs: 20,
        },
    );
    let (t, call) = app.call(&spec).await;
    assert_eq!(t.dialed, vec![ALICE], "no fallback is rung");
    assert_eq!(call["outcome"], "answered");
    assert_eq!(call["answered_by"]["id"], a);
    assert_eq!(call["path"], "Alice answered");
}

async fn the_caller_hanging_up_while_ringing_abandons_the_call(app: TestApp) {
    let (app, [a, b, c]) = three(app).await;
    let line = app.line(&[a, b, c]).await;
    let mut spec = app.spec(&line);
    spec.caller.hang_up_at = Some(12);
    let (t, call) = app.call(&spec).await;
    assert_eq!(t.dialed, vec![ALICE], "nobody else is dialed");
    assert!(t.caller_hung_up);
    assert_eq!(call["outcome"], "abandoned");
    assert_eq!(call["path"], "Alice was ringing when the caller hung up");
    assert_eq!(call["duration_secs"], 12);
    // Whatever Twilio reports in that case, the outcome is the same.
    spec.dial_status_when_caller_hangs_up = "canceled".into();
    spec.call_sid = None;
    let (_, call) = app.call(&spec).await;
    assert_eq!(call["outcome"], "abandoned");
}

async fn hanging_up_during_the_welcome_is_recorded_as_the_end_of_the_call(app: TestApp) {
    let (app, [a, ..]) = three(app).await;
    let line = app.line(&[a]).await;
    let mut spec = app.spec(&line);
    spec.caller.hang_up_at = Some(2);
    let (t, call) = app.call(&spec).await;
    assert!(t.dialed.is_empty());
    assert_eq!(call["outcome"], "abandoned");
    assert_eq!(call["duration_secs"], 2);
    assert!(call["ended_at"].is_string());
}

async fn a_responder_listed_twice_is_dialed_once(app: TestApp) {
    let (app, [a, b, _]) = three(app).await;
    let line = app.line(&[a, b, a]).await;
    let spec = app.spec(&line);
    let (t, call) = app.call(&spec).await;
    assert_eq!(t.dialed, vec![ALICE, BOB]);
    assert_eq!(call["outcome"], "voicemail");
    assert_eq!(call["plan"]["steps"][2]["skipped"], "already_in_plan");
    assert_eq!(
        call["path"],
        "Alice did not answer → Bob did not answer → voicemail left"
    );
}

async fn test_mode_rings_only_the_tester_for_five_minutes(app: TestApp) {
    let (app, [a, b, c]) = three(app).await;
    let line = app.line(&[a, b]).await;
    let id = line["id"].as_i64().unwrap();
    let (status, body) = app
        .post(&format!("/lines/{id}/test-mode"), json!({ "user": c }))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["test_mode"]["remaining_secs"], 300);
    let spec = app.spec(&line).responder(
        CAROL,
        Responder::Answer {
            after_secs: 1,
            talk_secs: 5,
        },
    );
    let (t, call) = app.call(&spec).await;
    assert_eq!(t.dialed, vec![CAROL]);
    assert_eq!(call["test_call"], true);
    assert_eq!(call["answered_by"]["id"], c);
    assert!(call["plan"]["test_mode"].as_bool().unwrap());

    // Five minutes later it has expired by itself.
    app.clock.advance_secs(301);
    let (_, line_now) = app.get(&format!("/lines/{id}")).await;
    assert_eq!(line_now["test_mode"], serde_json::Value::Null);
    let mut spec = app.spec(&line).responder(
        ALICE,
        Responder::Answer {
            after_secs: 1,
            talk_secs: 5,
        },
    );
    spec.call_sid = None;
    let (t, call) = app.call(&spec).await;
    assert_eq!(t.dialed, vec![ALICE]);
    assert_eq!(call["test_call"], false);
}

async fn a_restart_between_two_webhooks_continues_the_call(app: TestApp) {
    let (app, [a, b, c]) = three(app).await;
    let line = app.line(&[a, b, c]).await;
    let app = std::sync::Arc::new(tokio::sync::Mutex::new(app));
    let mut spec = app.lock().await.spec(&line);
    spec = spec.responder(ALICE, Responder::NoAnswer).responder(
        BOB,
        Responder::Answer {
            after_secs: 3,
            talk_secs: 40,
        },
    );
    let restarts = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let (a2, r2) = (app.clone(), restarts.clone());
    // Restart the server right before the first dial result arrives.
    spec.before_request = Some(std::sync::Arc::new(move |i, _url| {
        let (app, restarts) = (a2.clone(), r2.clone());
        Box::pin(async move {
            if i == 1 {
                app.lock().await.restart().await;
                restarts.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            }
        })
    }));
    let http = switchboard_sim::client();
    let t = switchboard_sim::place_call(&http, &spec).await.unwrap();
    assert_eq!(restarts.load(std::sync::atomic::Ordering::SeqCst), 1);
    let app = app.lock().await;
    let call = app.call_by_sid(&t.call_sid).await;
    assert_eq!(t.dialed, vec![ALICE, BOB]);
    assert_eq!(call["outcome"], "answered");
    assert_eq!(call["answered_by"]["id"], b);
    assert_eq!(call["path"], "Alice did not answer → Bob answered");
    assert_eq!(call["duration_secs"], t.duration_secs);
}

async fn hanging_up_during_the_voicemail_still_stores_the_recording(app: TestApp) {
    let (app, [a, ..]) = three(app).await;
    let line = app.line(&[a]).await;
    let mut spec = app.spec(&line);
    spec.caller.voicemail = VoicemailScript::Leave { secs: 60 };
    // Welcome (~6 s) + 20 s ringing + the no-answer message (~10 s): hang up mid-message.
    spec.caller.hang_up_at = Some(50);
    let (t, call) = app.call(&spec).await;
    assert!(t.caller_hung_up);
    let secs = t.voicemail_secs.expect("a partial voicemail was recorded");
    assert!(secs > 0 && secs < 60, "{t}");
    assert_eq!(call["outcome"], "voicemail");
    assert_eq!(call["duration_secs"], 50);
    let recs = app.stored_recordings(call["id"].as_i64().unwrap()).await;
    assert_eq!(recs[0]["kind"], "voicemail");
    assert_eq!(recs[0]["duration_secs"], secs);
}

async fn a_silent_caller_leaves_no_voicemail_and_the_call_is_missed(app: TestApp) {
    let (app, [a, ..]) = three(app).await;
    let line = app.line(&[a]).await;
    let mut spec = app.spec(&line);
    spec.caller.voicemail = VoicemailScript::Silent;
    let (t, call) = app.call(&spec).await;
    assert!(t.heard("We did not receive a message"), "{t}");
    assert_eq!(call["outcome"], "missed");
    assert_eq!(call["path"], "Alice did not answer → no voicemail left");
    assert!(call["recordings"].as_array().unwrap().is_empty());
}

async fn the_activity_log_tells_the_whole_story(app: TestApp) {
    let (app, [a, b, _]) = three(app).await;
    let line = app.line(&[a, b]).await;
    let spec = app.spec(&line).responder(
        BOB,
        Responder::Answer {
            after_secs: 1,
            talk_secs: 10,
        },
    );
    let (_, call) = app.call(&spec).await;
    let messages: Vec<String> = call["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["message"].as_str().unwrap().to_owned())
        .collect();
    let joined = messages.join("\n");
    let incoming = format!("Incoming {} call from +14155550199", app.provider());
    let no_answer = match app.carrier {
        switchboard_sim::Carrier::Twilio => "DialCallStatus=no-answer",
        switchboard_sim::Carrier::Plivo => "DialStatus=no-answer",
    };
    for needle in [
        incoming.as_str(),
        "Dialing Alice (+14155550101) for 20 s",
        no_answer,
        "Alice did not answer",
        "Dialing Bob",
        "Bob answered; talked 10 s",
        "Recording callback (call)",
        "Call ended after",
    ] {
        assert!(joined.contains(needle), "missing '{needle}' in:\n{joined}");
    }
    assert!(call["events"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["at"].is_string()));
}

async fn recording_callbacks_before_the_action_give_the_same_log(app: TestApp) {
    let (app, [a, ..]) = three(app).await;
    let line = app.line(&[a]).await;
    let mut spec = app.spec(&line);
    spec.recording_callback_first = true;
    spec.caller.voicemail = VoicemailScript::Leave { secs: 12 };
    let (_, call) = app.call(&spec).await;
    assert_eq!(call["outcome"], "voicemail");
    assert_eq!(call["path"], "Alice did not answer → voicemail left");
    let recs = app.stored_recordings(call["id"].as_i64().unwrap()).await;
    assert_eq!(recs.as_array().unwrap().len(), 1, "one recording, not two");
    assert_eq!(recs[0]["duration_secs"], 12);
    let mut answered = app.spec(&line).responder(
        ALICE,
        Responder::Answer {
            after_secs: 1,
            talk_secs: 40,
        },
    );
    answered.recording_callback_first = true;
    let (_, call) = app.call(&answered).await;
    assert_eq!(call["outcome"], "answered");
    let recs = app.stored_recordings(call["id"].as_i64().unwrap()).await;
    assert_eq!(recs.as_array().unwrap().len(), 1);
    assert_eq!(recs[0]["kind"], "call");
}

async fn an_uploaded_welcome_recording_is_played_instead_of_speech(app: TestApp) {
    let (app, [a, ..]) = three(app).await;
    let line = app.line(&[a]).await;
    let id = line["id"].as_i64().unwrap();
    let wav = switchboard_sim::media::wav(2);
    let put = |body: Vec<u8>, ct: &'static str| {
        app.http
            .put(app.api(&format!("/lines/{id}/messages/welcome/audio")))
            .bearer_auth(&app.token)
            .header("content-type", ct)
            .body(body)
            .send()
    };
    // Not audio, or too big: refused, nothing changes.
    let r = put(b"<html>not audio</html>".to_vec(), "audio/wav")
        .await
        .unwrap();
    assert_eq!(r.status(), 415);
    let r = put(wav.clone(), "text/plain").await.unwrap();
    assert_eq!(r.status(), 415);
    let r = put(vec![0u8; 6 * 1024 * 1024], "audio/wav").await.unwrap();
    assert_eq!(r.status(), 413);
    let r = put(wav.clone(), "audio/wav").await.unwrap();
    assert_eq!(r.status(), 200);
    let body: serde_json::Value = r.json().await.unwrap();
    let url = body["messages"]["welcome"]["audio_url"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(url.ends_with(".wav"), "{url}");

    let (t, call) = app.call(&app.spec(&line)).await;
    assert_eq!(t.played, vec![(url.clone(), 200)], "{t}");
    assert!(
        !t.heard("Thank you for calling"),
        "the text is not spoken: {t}"
    );
    assert!(
        t.heard("nobody could take your call"),
        "the other messages still speak"
    );
    assert_eq!(call["outcome"], "voicemail");
    let fetched = app.http.get(&url).send().await.unwrap();
    assert_eq!(fetched.headers()["content-type"], "audio/wav");
    assert_eq!(fetched.bytes().await.unwrap().to_vec(), wav);

    // Removing it goes back to speech, and the old file is gone.
    let r = app
        .http
        .delete(app.api(&format!("/lines/{id}/messages/welcome/audio")))
        .bearer_auth(&app.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(app.http.get(&url).send().await.unwrap().status(), 404);
    let (t, _) = app.call(&app.spec(&line)).await;
    assert!(t.played.is_empty());
    assert!(t.heard("Thank you for calling"));
}

crate::on_all!(
    an_uploaded_welcome_recording_is_played_instead_of_speech,
    recording_callbacks_before_the_action_give_the_same_log,
    the_primary_answers,
    no_answer_moves_to_the_first_fallback,
    busy_and_failed_move_on,
    when_all_miss_the_caller_hears_no_answer_and_leaves_a_voicemail,
    with_nobody_to_dial_the_caller_hears_no_one_on_call_and_leaves_a_voicemail,
    a_responders_voicemail_picking_up_counts_as_answered,
    the_caller_hanging_up_while_ringing_abandons_the_call,
    hanging_up_during_the_welcome_is_recorded_as_the_end_of_the_call,
    a_responder_listed_twice_is_dialed_once,
    test_mode_rings_only_the_tester_for_five_minutes,
    a_restart_between_two_webhooks_continues_the_call,
    hanging_up_during_the_voicemail_still_stores_the_recording,
    a_silent_caller_leaves_no_voicemail_and_the_call_is_missed,
    the_activity_log_tells_the_whole_story,
);
