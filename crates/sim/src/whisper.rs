//! A local stand-in for a transcription server speaking OpenAI's
//! `POST /v1/audio/transcriptions`: multipart with `file` and `model` (400 in OpenAI's error
//! shape without them), a bearer key when one is set (401 otherwise), and `{"text": …}` on
//! success. It can be told to answer the next requests as a busy or broken server would:
//! 429 with `Retry-After`, 500, or no answer at all (a timeout). It records every request.

use axum::extract::{Multipart, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::json;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

/// How the server answers one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// 200 with the configured text.
    Text,
    /// 429, with `Retry-After` seconds when given.
    RateLimited(Option<u32>),
    /// 500 with OpenAI's error shape.
    Broken,
    /// Never answers (the client's timeout decides).
    Hang,
}

/// One request as the server saw it.
#[derive(Debug, Clone, Default)]
pub struct Seen {
    pub model: Option<String>,
    pub language: Option<String>,
    pub response_format: Option<String>,
    pub file_name: Option<String>,
    pub content_type: Option<String>,
    pub file_bytes: usize,
    pub authorized: bool,
}

#[derive(Default)]
struct Inner {
    text: String,
    key: Option<String>,
    script: VecDeque<Answer>,
    seen: Vec<Seen>,
}

/// The running server.
pub struct TranscriptionServer {
    /// The endpoint to configure, ending in `/v1/audio/transcriptions`.
    pub url: String,
    inner: Arc<Mutex<Inner>>,
    task: tokio::task::JoinHandle<()>,
}

impl TranscriptionServer {
    /// Starts on a free local port, answering `text`; with `key`, only to that bearer token.
    pub async fn start(text: &str, key: Option<&str>) -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}/v1/audio/transcriptions", listener.local_addr()?);
        let inner = Arc::new(Mutex::new(Inner {
            text: text.to_owned(),
            key: key.map(str::to_owned),
            ..Inner::default()
        }));
        let app = Router::new()
            .route("/v1/audio/transcriptions", post(transcribe))
            .with_state(inner.clone());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Self { url, inner, task })
    }

    /// Answers the next `times` requests with `answer`, then as before.
    pub fn answer_next(&self, answer: Answer, times: usize) {
        let mut i = self.inner.lock().expect("not poisoned");
        i.script.extend(std::iter::repeat_n(answer, times));
    }

    /// Every request so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.inner.lock().expect("not poisoned").seen.clone()
    }
}

impl Drop for TranscriptionServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn error(status: StatusCode, message: &str, param: Option<&str>) -> Response {
    let kind = match status.as_u16() {
        429 => "rate_limit_exceeded",
        s if s >= 500 => "server_error",
        _ => "invalid_request_error",
    };
    (
        status,
        Json(json!({"error": {"message": message, "type": kind, "param": param, "code": null}})),
    )
        .into_response()
}

async fn transcribe(
    State(inner): State<Arc<Mutex<Inner>>>,
    headers: HeaderMap,
    mut form: Multipart,
) -> Response {
    let mut seen = Seen::default();
    let key = inner.lock().expect("not poisoned").key.clone();
    seen.authorized = key.as_ref().is_none_or(|k| {
        headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v == format!("Bearer {k}"))
    });
    let mut has_file = false;
    while let Ok(Some(field)) = form.next_field().await {
        match field.name().unwrap_or("") {
            "file" => {
                seen.file_name = field.file_name().map(str::to_owned);
                seen.content_type = field.content_type().map(str::to_owned);
                seen.file_bytes = field.bytes().await.map_or(0, |b| b.len());
                has_file = seen.file_bytes > 0;
            }
            "model" => seen.model = field.text().await.ok(),
            "language" => seen.language = field.text().await.ok(),
            "response_format" => seen.response_format = field.text().await.ok(),
            _ => {}
        }
    }
    let (answer, text) = {
        let mut i = inner.lock().expect("not poisoned");
        i.seen.push(seen.clone());
        (i.script.pop_front().unwrap_or(Answer::Text), i.text.clone())
    };
    if !seen.authorized {
        return error(
            StatusCode::UNAUTHORIZED,
            "Incorrect API key provided.",
            None,
        );
    }
    if !has_file {
        return error(
            StatusCode::BAD_REQUEST,
            "No file was uploaded.",
            Some("file"),
        );
    }
    if seen.model.as_deref().is_none_or(str::is_empty) {
        return error(
            StatusCode::BAD_REQUEST,
            "you must provide a model parameter",
            Some("model"),
        );
    }
    match answer {
        Answer::Text => Json(json!({ "text": text })).into_response(),
        Answer::RateLimited(after) => {
            let mut r = error(StatusCode::TOO_MANY_REQUESTS, "Rate limit reached.", None);
            if let Some(s) = after {
                r.headers_mut()
                    .insert("retry-after", s.to_string().parse().expect("digits"));
            }
            r
        }
        Answer::Broken => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "The server had an error while processing your request.",
            None,
        ),
        Answer::Hang => {
            tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
            StatusCode::GATEWAY_TIMEOUT.into_response()
        }
    }
}
