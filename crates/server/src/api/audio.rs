//! Uploaded audio messages: `PUT/DELETE /api/v1/lines/{id}/messages/{kind}/audio`, and the
//! public `/media/{token}` the providers fetch them from (the token is the secret).

use super::error::{ApiError, ApiResult};
use super::lines::line_json;
use super::scope;
use super::{parse_id, random_secret};
use crate::app::AppState;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use axum::Json;

use switchboard_core::account::Access;
use switchboard_core::line::{Line, Message};
use switchboard_core::store::StoreError;
use switchboard_core::LineId;

/// Largest audio message accepted.
pub const MAX_AUDIO_BYTES: usize = 5 * 1024 * 1024;

/// The kinds of audio a provider plays: WAV or MP3, recognised by their bytes.
fn sniff(bytes: &[u8]) -> Option<(&'static str, &'static str)> {
    if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WAVE" {
        Some(("audio/wav", "wav"))
    } else if bytes.starts_with(b"ID3")
        || (bytes.len() >= 2 && bytes[0] == 0xFF && bytes[1] & 0xE0 == 0xE0)
    {
        Some(("audio/mpeg", "mp3"))
    } else {
        None
    }
}

fn message_mut<'l>(line: &'l mut Line, kind: &str) -> ApiResult<&'l mut Message> {
    match kind {
        "welcome" => Ok(&mut line.messages.welcome),
        "no_one_on_call" => Ok(&mut line.messages.no_one_on_call),
        "no_answer" => Ok(&mut line.messages.no_answer),
        "closed" => Ok(&mut line.messages.closed),
        // The caller menu's prompt, while the line has a menu.
        "menu" => match line.menu.as_mut() {
            Some(m) => Ok(&mut m.prompt),
            None => Err(ApiError::Conflict(
                "the line has no caller menu; set one first (PATCH with \"menu\")".to_owned(),
            )),
        },
        _ => Err(ApiError::NotFound(
            "message (welcome, no_one_on_call, no_answer, closed or menu)",
        )),
    }
}

async fn set_audio(
    s: &AppState,
    a: &Access,
    id: &str,
    kind: &str,
    token: Option<String>,
) -> ApiResult<Json<super::lines::LineView>> {
    let id: LineId = parse_id(id, "line")?;
    let mut line = scope::line(s, a, id).await?;
    let msg = message_mut(&mut line, kind)?;
    let old = std::mem::replace(&mut msg.audio, token);
    let saved = s
        .store
        .update_line(id, &line.settings())
        .await
        .map_err(ApiError::store("line"))?;
    if let Some(old) = old {
        if let Err(e) = s.store.delete_audio(&old).await {
            tracing::warn!(error = %e, "could not remove a replaced audio message");
        }
    }
    Ok(Json(line_json(s, &saved)))
}

/// `PUT …/messages/{kind}/audio` with the WAV or MP3 file as the body.
#[utoipa::path(
    put,
    path = "/lines/{id}/messages/{kind}/audio",
    tag = "lines",
    params(("id" = i64, Path, description = "The line's id", example = 1), ("kind" = String, Path, description = "Which message: welcome, no_one_on_call, no_answer, closed or menu", example = "welcome")),
    request_body(description = "The recording, WAV or MP3, up to 5 MiB", content(
        (super::doc::AudioFile = "audio/mpeg"),
        (super::doc::AudioFile = "audio/wav")
    )),
    responses((status = 200, description = "The line, playing the recording for that message", body = super::lines::LineView))
)]
pub async fn put_message_audio(
    State(s): State<AppState>,
    Extension(a): Extension<Access>,
    Path((id, kind)): Path<(String, String)>,
    headers: HeaderMap,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> ApiResult<Json<super::lines::LineView>> {
    let body = body.map_err(|r| {
        if r.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::PayloadTooLarge(format!(
                "the audio file is larger than {} MiB",
                MAX_AUDIO_BYTES / (1024 * 1024)
            ))
        } else {
            ApiError::BadRequest(format!("could not read the body: {}", r.body_text()))
        }
    })?;
    let declared = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let declared_ok = matches!(
        declared.split(';').next().unwrap_or("").trim(),
        "audio/wav" | "audio/x-wav" | "audio/wave" | "audio/mpeg" | "audio/mp3"
    );
    if !declared_ok {
        return Err(ApiError::UnsupportedMediaType(format!(
            "Content-Type '{declared}' is not audio/wav or audio/mpeg"
        )));
    }
    if body.is_empty() {
        return Err(ApiError::BadRequest(
            "the body is empty: send the audio file".into(),
        ));
    }
    let Some((content_type, ext)) = sniff(&body) else {
        return Err(ApiError::UnsupportedMediaType(
            "the body is neither a WAV nor an MP3 file".into(),
        ));
    };
    // Check the line and message exist before storing anything.
    let id_num: LineId = parse_id(&id, "line")?;
    let mut line = scope::line(&s, &a, id_num).await?;
    message_mut(&mut line, &kind)?;
    let token = format!("{}.{ext}", random_secret());
    s.store
        .put_audio(&token, content_type, &body, s.clock.now())
        .await
        .map_err(ApiError::store("audio"))?;
    set_audio(&s, &a, &id, &kind, Some(token)).await
}

/// `DELETE …/messages/{kind}/audio`: back to text-to-speech.
#[utoipa::path(
    delete,
    path = "/lines/{id}/messages/{kind}/audio",
    tag = "lines",
    params(("id" = i64, Path, description = "The line's id", example = 1), ("kind" = String, Path, description = "Which message: welcome, no_one_on_call, no_answer, closed or menu", example = "welcome")),
    responses((status = 200, description = "OK", body = super::lines::LineView))
)]
pub async fn delete_message_audio(
    State(s): State<AppState>,
    Extension(a): Extension<Access>,
    Path((id, kind)): Path<(String, String)>,
) -> ApiResult<Json<super::lines::LineView>> {
    set_audio(&s, &a, &id, &kind, None).await
}

/// `GET /media/{token}`: an audio message, for the provider to play.
pub async fn get_media(
    State(s): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> Response {
    match s.store.get_audio(&token).await {
        Ok((content_type, bytes)) => {
            // Ranges too, so a player can seek (the dashboard plays these).
            let mut resp = super::range::ranged(bytes, &content_type, &headers);
            resp.headers_mut().insert(
                header::CACHE_CONTROL,
                axum::http::HeaderValue::from_static("public, max-age=300"),
            );
            resp
        }
        Err(StoreError::NotFound) => (StatusCode::NOT_FOUND, "unknown media").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "audio message unavailable");
            (StatusCode::SERVICE_UNAVAILABLE, "temporarily unavailable").into_response()
        }
    }
}

/// The line with each uploaded message's token replaced by its absolute URL, as the
/// renderers need it.
pub fn with_audio_urls(mut line: Line, public_url: &str) -> Line {
    for m in line.recordable_messages_mut() {
        if let Some(t) = &m.audio {
            m.audio = Some(crate::urls::Urls::new(public_url).media(t));
        }
    }
    line
}
