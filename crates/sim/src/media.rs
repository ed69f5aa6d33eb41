//! A tiny stand-in for the providers' recording media hosts (Twilio and Plivo URL forms).

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use base64::Engine;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

#[derive(Clone)]
struct MediaState {
    /// Accepted (user, password) pairs; empty means no authentication.
    basic_auth: Arc<Vec<(String, String)>>,
    served: Arc<AtomicUsize>,
    refused: Arc<AtomicUsize>,
    /// A WAV file served instead of silence (speech, for a transcription test).
    audio: Arc<std::sync::Mutex<Option<Vec<u8>>>>,
}

/// Serves a small WAV file for any `/2010-04-01/Accounts/{ac}/Recordings/{sid}` URL.
pub struct MediaServer {
    /// Base URL to put in `RecordingUrl`s.
    pub base_url: String,
    state: MediaState,
    task: tokio::task::JoinHandle<()>,
}

impl MediaServer {
    /// Starts on a free local port. With credentials in `basic_auth`, requests without one
    /// of those pairs get 401, as with Twilio's "Enforce HTTP Auth on Media URLs".
    pub async fn start(basic_auth: Vec<(String, String)>) -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let base_url = format!("http://{}", listener.local_addr()?);
        let state = MediaState {
            basic_auth: Arc::new(basic_auth),
            served: Arc::default(),
            refused: Arc::default(),
            audio: Arc::default(),
        };
        let app = Router::new()
            .route(
                "/2010-04-01/Accounts/{account}/Recordings/{sid}",
                get(recording),
            )
            .route("/v1/Account/{account}/Recording/{sid}", get(recording))
            .with_state(state.clone());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Self {
            base_url,
            state,
            task,
        })
    }

    /// Recordings served so far.
    pub fn served(&self) -> usize {
        self.state.served.load(Ordering::SeqCst)
    }

    /// Serves `wav` for every WAV recording from now on (`None`: silence again).
    pub fn set_audio(&self, wav: Option<Vec<u8>>) {
        *self.state.audio.lock().expect("not poisoned") = wav;
    }

    /// Requests refused for missing credentials.
    pub fn refused(&self) -> usize {
        self.state.refused.load(Ordering::SeqCst)
    }
}

impl Drop for MediaServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A valid, silent, 8 kHz mono WAV file of `secs` seconds (capped at 2 s of data).
pub fn wav(secs: u32) -> Vec<u8> {
    let samples = 8000 * secs.clamp(1, 2);
    let data_len = samples * 2;
    let mut v = Vec::with_capacity(44 + data_len as usize);
    v.extend_from_slice(b"RIFF");
    v.extend_from_slice(&(36 + data_len).to_le_bytes());
    v.extend_from_slice(b"WAVEfmt ");
    v.extend_from_slice(&16u32.to_le_bytes());
    v.extend_from_slice(&1u16.to_le_bytes());
    v.extend_from_slice(&1u16.to_le_bytes());
    v.extend_from_slice(&8000u32.to_le_bytes());
    v.extend_from_slice(&16000u32.to_le_bytes());
    v.extend_from_slice(&2u16.to_le_bytes());
    v.extend_from_slice(&16u16.to_le_bytes());
    v.extend_from_slice(b"data");
    v.extend_from_slice(&data_len.to_le_bytes());
    v.resize(44 + data_len as usize, 0);
    v
}

async fn recording(
    State(s): State<MediaState>,
    Path((_account, sid)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    if !s.basic_auth.is_empty() {
        let got = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let ok = s.basic_auth.iter().any(|(user, pass)| {
            got == format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"))
            )
        });
        if !ok {
            s.refused.fetch_add(1, Ordering::SeqCst);
            return (StatusCode::UNAUTHORIZED, "authentication required").into_response();
        }
    }
    if sid.ends_with(".json") {
        return StatusCode::NOT_FOUND.into_response();
    }
    s.served.fetch_add(1, Ordering::SeqCst);
    if sid.ends_with(".mp3") {
        // Not a real MP3 encoder: an MPEG audio frame header and silence is enough for a copy.
        let mut mp3 = vec![0xFF, 0xFB, 0x90, 0x64];
        mp3.resize(4096, 0);
        return ([(header::CONTENT_TYPE, "audio/mpeg")], mp3).into_response();
    }
    let body = s
        .audio
        .lock()
        .expect("not poisoned")
        .clone()
        .unwrap_or_else(|| wav(1));
    ([(header::CONTENT_TYPE, "audio/x-wav")], body).into_response()
}
