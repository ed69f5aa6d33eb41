//! A voicemail spoken by a speech synthesizer (Debian's `espeak-ng`) is transcribed by a
//! real speech recognizer (CMU PocketSphinx with its US English model, from PyPI) behind the
//! OpenAI-compatible API (`tools/speech/server.py`), fed from Switchboard's stored copy: the
//! words come back. Needs `SWITCHBOARD_TEST_SPEECH_PYTHON` (a Python with `pocketsphinx`)
//! and `espeak-ng`; `.ci/run` installs both.

use crate::helpers::{Backend, TestApp};
use serde_json::Value;
use switchboard_sim::{Carrier, VoicemailScript};
use tokio::io::AsyncBufReadExt;

/// Said by the synthesizer, and what the recognizer must hear of it. (PocketSphinx's general
/// model hears synthetic speech imperfectly; these words it hears.)
const SAID: &str = "Hello. This is a test. One two three four five.";
const HEARD: [&str; 2] = ["this is a", "one two three four five"];

#[tokio::test]
async fn a_spoken_voicemail_is_transcribed_by_a_real_recognizer() {
    let Ok(python) = std::env::var("SWITCHBOARD_TEST_SPEECH_PYTHON") else {
        eprintln!("skipped: SWITCHBOARD_TEST_SPEECH_PYTHON is not set (a Python with pocketsphinx; .ci/run sets it)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let wav = dir.path().join("voicemail.wav");
    let spoken = std::process::Command::new("espeak-ng")
        .args(["-v", "en-us", "-s", "130", "-w"])
        .arg(&wav)
        .arg(SAID)
        .status()
        .expect("espeak-ng runs (.ci/run installs it)");
    assert!(spoken.success());
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let script =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tools/speech/server.py");
    let mut child = tokio::process::Command::new(python)
        .args(["-W", "ignore"])
        .arg(script)
        .arg(port.to_string())
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("python runs");
    let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
    assert_eq!(lines.next_line().await.unwrap().as_deref(), Some("ready"));

    let mut app = TestApp::spawn_with(Backend::Sqlite, Carrier::Twilio, "speech")
        .await
        .unwrap();
    let check = app.job_check();
    app.transcription = Some(switchboard::transcribe::Engine::OpenAi {
        url: format!("http://127.0.0.1:{port}/v1/audio/transcriptions"),
        model: "en-us".into(),
        key: None,
        language: Some("en".into()),
        timeout_secs: 60,
    });
    app.restart().await;
    // The carrier's recording of the message is the synthesizer's speech.
    app.media.set_audio(Some(std::fs::read(&wav).unwrap()));
    let alice = app.user("Alice", Some("+14155550101")).await;
    let line = app.line(&[alice]).await;
    let mut spec = app.spec(&line);
    spec.caller.voicemail = VoicemailScript::Leave { secs: 5 };
    let (t, call) = app.call(&spec).await;
    assert_eq!(call["outcome"], "voicemail", "{t}");
    app.settle().await;
    let (_, call): (u16, Value) = app.get(&format!("/calls/{}", call["id"])).await;
    assert_eq!(call["transcript"]["state"], "done", "{call}");
    let text = call["transcript"]["text"].as_str().unwrap().to_lowercase();
    for words in HEARD {
        assert!(
            text.contains(words),
            "'{words}' not in the transcript '{text}'"
        );
    }
    check.assert_settled().await;
}
