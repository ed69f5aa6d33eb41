//! Voicemail transcripts. Per installation, one engine (`transcription`):
//!
//! - `carrier`: Twilio's `<Record transcribe>` or Plivo's `transcriptionType="auto"`; the
//!   carrier posts the text to the call's `…/transcript` callback ([`carrier_callback`]).
//! - `openai`: any server speaking OpenAI's `POST /v1/audio/transcriptions` (OpenAI, or a
//!   self-hosted Whisper server), at `transcription_url` with `transcription_model` and an
//!   optional `transcription_key`, fed from Switchboard's own stored copy of the voicemail.
//!
//! Either way a voicemail with media is stored "transcribing…" with a `transcribe` job in the
//! same transaction. The job makes the transcript (openai), or waits for the carrier's and
//! gives up when none came ([`CARRIER_WAIT_SECS`]). Every change of state is in the call's
//! log; a failure keeps its reason.

use crate::app::AppState;
use crate::config::{cfg_err, ConfigError};
use crate::jobs::JobError;
use jiff::SignedDuration;
use switchboard_core::call::{CallEvent, EventKind, Recording, RecordingStatus, Transcript};
use switchboard_core::store::{Job, StoreError};
use switchboard_core::RecordingId;

/// How long a carrier's transcript is waited for after the voicemail was recorded.
pub const CARRIER_WAIT_SECS: i64 = 15 * 60;
/// Largest voicemail sent to an engine (OpenAI's upload limit is 25 MB).
pub const MAX_UPLOAD_BYTES: u64 = 25_000_000;
/// How long one request to an engine may take, unless configured.
const DEFAULT_REQUEST_SECS: u64 = 120;

/// The installation's transcription engine.
#[derive(Clone)]
pub enum Engine {
    /// The carrier transcribes.
    Carrier,
    /// An OpenAI-compatible server transcribes our stored copy.
    OpenAi {
        /// The full endpoint, such as `https://api.openai.com/v1/audio/transcriptions` (a
        /// whisper.cpp server answers at `/inference` unless started otherwise).
        url: String,
        model: String,
        /// Sent as a bearer token; never shown.
        key: Option<String>,
        /// ISO-639-1 language of the voicemails (`en`); detected by the engine when unset.
        language: Option<String>,
        /// How long one request may take (`transcription_timeout_secs`, default 120).
        timeout_secs: u64,
    },
}

impl Engine {
    /// The engine's name, as the API shows it.
    pub fn name(&self) -> &'static str {
        match self {
            Engine::Carrier => "carrier",
            Engine::OpenAi { .. } => "openai",
        }
    }
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Engine::Carrier => f.write_str("Carrier"),
            Engine::OpenAi {
                url,
                model,
                key,
                language,
                timeout_secs,
            } => f
                .debug_struct("OpenAi")
                .field("url", &crate::config::redact_url(url))
                .field("model", model)
                .field("key", &key.as_ref().map(|_| "<redacted>"))
                .field("language", language)
                .field("timeout_secs", timeout_secs)
                .finish(),
        }
    }
}

type Layer = Option<(String, String)>;

/// The `transcription*` keys as given: engine, url, model, key, language, timeout.
pub struct Keys {
    pub engine: Layer,
    pub url: Layer,
    pub model: Layer,
    pub key: Layer,
    pub language: Layer,
    pub timeout_secs: Layer,
}

/// The engine from the `transcription*` keys, each checked and named with its source.
pub fn from_layers(k: Keys) -> Result<Option<Engine>, ConfigError> {
    let Keys {
        engine,
        url,
        model,
        key,
        language,
        timeout_secs,
    } = k;
    let only_openai = [
        ("transcription_url", &url),
        ("transcription_model", &model),
        ("transcription_key", &key),
        ("transcription_language", &language),
        ("transcription_timeout_secs", &timeout_secs),
    ];
    let misplaced = |name: &str| {
        only_openai
            .iter()
            .find_map(|(k, v)| v.as_ref().map(|(_, src)| (*k, src.clone())))
            .map(|(k, src)| {
                cfg_err(
                    k,
                    &src,
                    format!("is only used with transcription = openai (it is {name})"),
                )
            })
    };
    let Some((which, src)) = engine else {
        return match misplaced("off") {
            Some(e) => Err(e),
            None => Ok(None),
        };
    };
    match which.as_str() {
        "off" => misplaced("off").map_or(Ok(None), Err),
        "carrier" => misplaced("carrier").map_or(Ok(Some(Engine::Carrier)), Err),
        "openai" => {
            let Some((url, url_src)) = url else {
                return Err(cfg_err(
                    "transcription_url",
                    &src,
                    "is required with transcription = openai, such as https://api.openai.com/v1/audio/transcriptions",
                ));
            };
            crate::outbound::secure_url(
                &url,
                "voicemails",
                "https://api.openai.com/v1/audio/transcriptions",
            )
            .map_err(|m| cfg_err("transcription_url", &url_src, m))?;
            let model = model.map_or_else(|| "whisper-1".to_owned(), |(m, _)| m);
            if model.trim().is_empty() {
                return Err(cfg_err("transcription_model", &src, "must not be empty"));
            }
            if let Some((l, l_src)) = &language {
                if l.len() != 2 || !l.chars().all(|c| c.is_ascii_lowercase()) {
                    return Err(cfg_err(
                        "transcription_language",
                        l_src,
                        format!("'{l}' is not an ISO-639-1 code such as en or de"),
                    ));
                }
            }
            let timeout_secs = match timeout_secs {
                None => DEFAULT_REQUEST_SECS,
                Some((t, t_src)) => t
                    .parse::<u64>()
                    .ok()
                    .filter(|t| (1..=600).contains(t))
                    .ok_or_else(|| {
                        cfg_err(
                            "transcription_timeout_secs",
                            &t_src,
                            format!("'{t}' is not a number of seconds from 1 to 600"),
                        )
                    })?,
            };
            Ok(Some(Engine::OpenAi {
                url,
                model,
                key: key.map(|(k, _)| k),
                language: language.map(|(l, _)| l),
                timeout_secs,
            }))
        }
        other => Err(cfg_err(
            "transcription",
            &src,
            format!("'{other}' is not off, carrier or openai"),
        )),
    }
}

fn event(message: String, at: jiff::Timestamp) -> CallEvent {
    CallEvent {
        at,
        kind: EventKind::Decision,
        message,
    }
}

fn recording_of(job: &Job) -> Result<RecordingId, JobError> {
    job.payload
        .get("recording")
        .and_then(serde_json::Value::as_i64)
        .map(RecordingId)
        .ok_or_else(|| JobError::Permanent("payload has no recording id".into()))
}

/// Runs one `transcribe` job.
pub async fn run(state: &AppState, job: &Job) -> Result<(), JobError> {
    let id = recording_of(job)?;
    let rec: Recording = match state.store.get_recording(id).await {
        Ok(r) => r,
        // The call was erased meanwhile: nothing left to do.
        Err(StoreError::NotFound) => return Ok(()),
        Err(e) => return Err(JobError::Retry(e.to_string())),
    };
    // Made already (a carrier's callback, or a run before a crash), or deleted.
    if !rec.transcript.as_ref().is_some_and(Transcript::pending)
        || rec.status == RecordingStatus::Deleted
    {
        return Ok(());
    }
    let now = state.clock.now();
    match &state.config.transcription {
        None => {
            fail(state, id, "transcription was turned off".into()).await?;
            Ok(())
        }
        Some(Engine::Carrier) => {
            let waited = now.as_second() - rec.created_at.as_second();
            if waited >= CARRIER_WAIT_SECS {
                let reason = format!(
                    "the carrier sent no transcript within {} minutes",
                    CARRIER_WAIT_SECS / 60
                );
                fail(state, id, reason).await?;
                return Ok(());
            }
            // Looked at every few minutes until the wait is over.
            let at = now
                .checked_add(SignedDuration::from_secs(
                    (CARRIER_WAIT_SECS - waited).min(300),
                ))
                .unwrap_or(now);
            Err(JobError::Wait(
                at,
                "waiting for the carrier's transcript".into(),
            ))
        }
        Some(engine @ Engine::OpenAi { .. }) => openai(state, engine, &rec).await,
    }
}

/// Gives up on the transcript of `id` with `reason` (also when the job fails for good).
pub async fn fail(state: &AppState, id: RecordingId, reason: String) -> Result<(), JobError> {
    let now = state.clock.now();
    let e = event(format!("No voicemail transcript: {reason}"), now);
    match state
        .store
        .set_transcript(id, &Transcript::Failed { reason }, Some(&e))
        .await
    {
        Ok(()) => {
            refresh_slack_apps(state, id).await;
            Ok(())
        }
        Err(StoreError::NotFound) => Ok(()),
        Err(e) => Err(JobError::Retry(e.to_string())),
    }
}

/// Stores a finished transcript of `id`, and says so in the call's log.
pub async fn done(state: &AppState, id: RecordingId, t: Transcript) -> Result<(), StoreError> {
    let now = state.clock.now();
    let message = match &t {
        Transcript::Done { text } => format!(
            "Voicemail transcribed ({} characters)",
            text.chars().count()
        ),
        Transcript::Failed { reason } => format!("No voicemail transcript: {reason}"),
        Transcript::Transcribing { .. } => "Voicemail being transcribed".to_owned(),
    };
    state
        .store
        .set_transcript(id, &t, Some(&event(message, now)))
        .await?;
    refresh_slack_apps(state, id).await;
    Ok(())
}

/// Queues the redraw of the call's message in each Slack app channel of its line, so the
/// transcript shows there (the other channels' alert waited for it). Best effort: the
/// transcript is stored either way.
async fn refresh_slack_apps(state: &AppState, id: RecordingId) {
    let Ok(rec) = state.store.get_recording(id).await else {
        return;
    };
    let Ok(call) = state.store.get_call(rec.call_id).await else {
        return;
    };
    let Ok(line) = state.store.get_line(call.line_id).await else {
        return;
    };
    for ch in &line.channels {
        let slack_app = state
            .store
            .get_channel(*ch)
            .await
            .is_ok_and(|c| c.kind == switchboard_core::channel::ChannelKind::SlackApp);
        if slack_app {
            let job = switchboard_core::store::NewJob::refresh(call.id, *ch);
            if let Err(e) = state.store.enqueue_job(&job, state.clock.now()).await {
                tracing::warn!(error = %e, "could not queue the Slack message's redraw");
            }
        }
    }
}

/// Notes why the last try did not finish (the job tries again), then returns `e`.
async fn noted(state: &AppState, id: RecordingId, e: JobError) -> JobError {
    let note = match &e {
        JobError::Retry(m)
        | JobError::RetryAt(_, m)
        | JobError::Permanent(m)
        | JobError::Wait(_, m) => m.clone(),
    };
    let _ = state
        .store
        .set_transcript(id, &Transcript::Transcribing { note: Some(note) }, None)
        .await;
    e
}

/// Sends our stored copy of the voicemail to the OpenAI-compatible engine.
async fn openai(state: &AppState, engine: &Engine, rec: &Recording) -> Result<(), JobError> {
    let Engine::OpenAi {
        url,
        model,
        key,
        language,
        timeout_secs,
    } = engine
    else {
        return Ok(());
    };
    let now = state.clock.now();
    let path = match (&rec.status, &rec.local_path) {
        (RecordingStatus::Stored, Some(p)) => p.clone(),
        // Still being fetched: wait for our copy.
        (RecordingStatus::Pending, _) => {
            let at = now
                .checked_add(SignedDuration::from_secs(10))
                .unwrap_or(now);
            return Err(JobError::Wait(
                at,
                "waiting for the voicemail to be stored".into(),
            ));
        }
        _ => {
            fail(state, rec.id, "the voicemail could not be stored".into()).await?;
            return Ok(());
        }
    };
    let size = state
        .storage
        .size(&path)
        .await
        .map_err(|e| JobError::Retry(format!("could not read the voicemail: {e}")))?;
    if size > MAX_UPLOAD_BYTES {
        let reason = format!("the voicemail is {size} bytes, more than the engine takes");
        fail(state, rec.id, reason).await?;
        return Ok(());
    }
    let bytes = state
        .storage
        .get(&path)
        .await
        .map_err(|e| JobError::Retry(format!("could not read the voicemail: {e}")))?
        .to_vec();
    let mp3 = path.ends_with(".mp3");
    let (name, mime) = match mp3 {
        true => (format!("voicemail-{}.mp3", rec.id), "audio/mpeg"),
        false => (format!("voicemail-{}.wav", rec.id), "audio/wav"),
    };
    let file = reqwest::multipart::Part::bytes(bytes)
        .file_name(name)
        .mime_str(mime)
        .map_err(|e| JobError::Permanent(e.to_string()))?;
    let mut form = reqwest::multipart::Form::new()
        .part("file", file)
        .text("model", model.clone())
        .text("response_format", "json")
        .text("temperature", "0");
    if let Some(l) = language {
        form = form.text("language", l.clone());
    }
    let mut req = state
        .http
        .post(url)
        .multipart(form)
        .timeout(std::time::Duration::from_secs(*timeout_secs));
    if let Some(k) = key {
        req = req.bearer_auth(k);
    }
    let resp = match req.send().await {
        Ok(r) => r,
        Err(e) => {
            let why = if e.is_timeout() {
                format!("the engine did not answer within {timeout_secs} s")
            } else {
                format!("could not reach the engine: {}", e.without_url())
            };
            return Err(noted(state, rec.id, JobError::Retry(why)).await);
        }
    };
    let status = resp.status();
    let retry_after = crate::jobs::retry_after(state, resp.headers());
    let json = resp
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.contains("json"));
    let body = resp.text().await.map_err(|e| {
        JobError::Retry(format!(
            "the engine's answer broke off: {}",
            e.without_url()
        ))
    })?;
    if status.is_success() {
        let text = read_text(&body, json)
            .ok_or_else(|| JobError::Permanent("the engine answered without a text".into()))?;
        done(state, rec.id, Transcript::Done { text })
            .await
            .map_err(|e| JobError::Retry(e.to_string()))?;
        return Ok(());
    }
    let why = format!(
        "the engine answered HTTP {}{}",
        status.as_u16(),
        error_message(&body).map_or(String::new(), |m| format!(": {m}"))
    );
    let e = match status.as_u16() {
        429 | 503 => match retry_after {
            Some(at) => JobError::RetryAt(at, why),
            None => JobError::Retry(why),
        },
        s if s >= 500 || s == 408 => JobError::Retry(why),
        // A bad key, an unknown model, an audio the engine refuses: trying again will not help.
        _ => JobError::Permanent(why),
    };
    Err(noted(state, rec.id, e).await)
}

/// The text of an engine's success: `{"text": …}`, or a plain body (some servers answer
/// text whatever was asked).
fn read_text(body: &str, json: bool) -> Option<String> {
    match serde_json::from_str::<serde_json::Value>(body) {
        Ok(v) => v
            .get("text")
            .and_then(|t| t.as_str())
            .map(|t| t.trim().to_owned()),
        Err(_) if !json => Some(body.trim().to_owned()),
        Err(_) => None,
    }
}

/// What an engine said went wrong: OpenAI's `error.message`, whisper.cpp's `error` string, or
/// FastAPI's `detail`; cut short, never the whole body.
fn error_message(body: &str) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(body).ok()?;
    let m = v
        .pointer("/error/message")
        .or_else(|| v.get("error"))
        .or_else(|| v.get("detail"))?;
    let m = match m {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    Some(m.chars().take(200).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_engine_answer_is_read_whatever_its_shape() {
        assert_eq!(
            read_text(r#"{"text":" Hello there "}"#, true).as_deref(),
            Some("Hello there")
        );
        assert_eq!(
            read_text("Hello there\n", false).as_deref(),
            Some("Hello there")
        );
        assert_eq!(read_text("<html>", true), None);
        assert_eq!(
            error_message(
                r#"{"error":{"message":"Invalid file format.","type":"invalid_request_error"}}"#
            )
            .as_deref(),
            Some("Invalid file format.")
        );
        assert_eq!(
            error_message(r#"{"error":"no file"}"#).as_deref(),
            Some("no file")
        );
        assert_eq!(
            error_message(r#"{"detail":"Model not installed"}"#).as_deref(),
            Some("Model not installed")
        );
        assert_eq!(error_message("<html>"), None);
    }

    fn layer(v: &str) -> Layer {
        Some((v.to_owned(), "file switchboard.toml".to_owned()))
    }

    #[test]
    fn the_engine_settings_are_checked_by_name() {
        let keys = |engine: &str, url: &str, key: &str, language: &str, timeout: &str| {
            let l = |v: &str| (!v.is_empty()).then(|| layer(v)).flatten();
            from_layers(Keys {
                engine: l(engine),
                url: l(url),
                model: None,
                key: l(key),
                language: l(language),
                timeout_secs: l(timeout),
            })
        };
        assert!(keys("", "", "", "", "").unwrap().is_none());
        assert!(matches!(
            keys("carrier", "", "", "", "").unwrap(),
            Some(Engine::Carrier)
        ));
        let e = keys("openai", "", "", "", "").unwrap_err();
        assert_eq!(e.key, "transcription_url");
        let e = keys("openai", "http://whisper.example/v1", "", "", "").unwrap_err();
        assert!(e.message.contains("https"), "{e}");
        let e = keys("carrier", "https://x.example", "", "", "").unwrap_err();
        assert_eq!(e.key, "transcription_url");
        let e = keys("whisper", "", "", "", "").unwrap_err();
        assert_eq!(e.key, "transcription");
        let https = "https://x.example/v1/audio/transcriptions";
        let e = keys("openai", https, "", "english", "").unwrap_err();
        assert_eq!(e.key, "transcription_language");
        let e = keys("openai", https, "", "", "0").unwrap_err();
        assert_eq!(e.key, "transcription_timeout_secs");
        let local = "http://127.0.0.1:9000/v1/audio/transcriptions";
        let ok = keys("openai", local, "sk-secret", "en", "30")
            .unwrap()
            .unwrap();
        let shown = format!("{ok:?}");
        assert!(
            shown.contains("whisper-1") && shown.contains("30") && !shown.contains("sk-secret"),
            "{shown}"
        );
    }
}
