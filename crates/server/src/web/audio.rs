//! Recorded messages, on a line's settings page and in the setup stepper: upload a WAV or MP3
//! for a message (played instead of the spoken text), or go back to speech. Both go through
//! the API's own handlers (`PUT/DELETE /api/v1/lines/{id}/messages/{kind}/audio`: the same
//! checks of type and size).

use super::{PageError, Viewer};
use crate::api::error::ApiError;
use crate::app::AppState;
use axum::body::Bytes;
use axum::extract::{Multipart, Path, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Extension;
use std::collections::HashMap;
use switchboard_core::line::Line;
use switchboard_core::LineId;

/// The body limit of a form carrying up to `files` recordings.
pub fn limit(files: usize) -> axum::extract::DefaultBodyLimit {
    axum::extract::DefaultBodyLimit::max(files * crate::api::audio::MAX_AUDIO_BYTES + 64 * 1024)
}

/// A file from a form, as the browser declared it.
pub struct Upload {
    content_type: Option<String>,
    bytes: Bytes,
}

/// A multipart form's text fields, and its files by field name (a file input left empty is
/// not there).
pub async fn read_form(
    mut form: Multipart,
) -> Result<(HashMap<String, String>, HashMap<String, Upload>), PageError> {
    let (mut fields, mut files) = (HashMap::new(), HashMap::new());
    while let Some(field) = form
        .next_field()
        .await
        .map_err(|e| ApiError::BadRequest(format!("could not read the form: {e}")))?
    {
        let name = field.name().unwrap_or_default().to_owned();
        if field.file_name().is_some() {
            let content_type = field.content_type().map(str::to_owned);
            let bytes = field.bytes().await.map_err(|e| {
                ApiError::PayloadTooLarge(format!("the file could not be read: {e}"))
            })?;
            if !bytes.is_empty() {
                files.insert(
                    name,
                    Upload {
                        content_type,
                        bytes,
                    },
                );
            }
        } else {
            fields.insert(name, field.text().await.unwrap_or_default());
        }
    }
    Ok((fields, files))
}

/// Stores `up` as the recording of the line's `kind` message.
pub async fn store(
    s: &AppState,
    v: &Viewer,
    line: LineId,
    kind: &str,
    up: Upload,
) -> Result<(), ApiError> {
    let mut headers = HeaderMap::new();
    if let Some(t) = up.content_type.and_then(|t| HeaderValue::from_str(&t).ok()) {
        headers.insert(header::CONTENT_TYPE, t);
    }
    crate::api::audio::put_message_audio(
        State(s.clone()),
        Extension(v.access.clone()),
        Path((line.to_string(), kind.to_owned())),
        headers,
        Ok(up.bytes),
    )
    .await
    .map(|_| ())
}

/// A message and its recording, if one was uploaded.
pub struct Recorded {
    pub kind: &'static str,
    pub label: &'static str,
    pub src: Option<String>,
}

/// The line's messages that can be recorded, with their players' sources.
pub fn recorded(l: &Line, closed: bool) -> Vec<Recorded> {
    let mut all = vec![
        ("welcome", "When the call comes in", &l.messages.welcome),
        (
            "no_one_on_call",
            "When nobody is on call",
            &l.messages.no_one_on_call,
        ),
        ("no_answer", "When nobody answered", &l.messages.no_answer),
    ];
    if closed {
        all.push(("closed", "Outside business hours", &l.messages.closed));
    }
    all.into_iter()
        .map(|(kind, label, m)| Recorded {
            kind,
            label,
            src: m.audio.as_ref().map(|t| format!("/media/{t}")),
        })
        .collect()
}

/// `POST /lines/{id}/settings/audio/{kind}`: a multipart form with `csrf`, and `file` (an
/// upload) or `remove`; `draft` (a setup draft's id) returns to that step of the stepper.
pub async fn upload(
    State(s): State<AppState>,
    v: Viewer,
    Path((id, kind)): Path<(String, String)>,
    form: Multipart,
) -> Result<Response, PageError> {
    let (fields, mut files) = read_form(form).await?;
    v.check_csrf(fields.get("csrf").map_or("", String::as_str))?;
    let line: LineId = crate::api::parse_id(&id, "line")?;
    let done = if fields.contains_key("remove") {
        crate::api::audio::delete_message_audio(
            State(s.clone()),
            Extension(v.access.clone()),
            Path((id.clone(), kind.clone())),
        )
        .await
        .map(|_| ())
    } else {
        let up = files.remove("file").unwrap_or(Upload {
            content_type: None,
            bytes: Bytes::new(),
        });
        store(&s, &v, line, &kind, up).await
    };
    if let Err(e) = done {
        return Err(PageError::Status(
            e.status().0,
            format!("The recording was not saved: {e}"),
        ));
    }
    let back = match fields.get("draft").and_then(|d| d.parse::<i64>().ok()) {
        Some(draft) => format!("/lines/new/{draft}/messages"),
        None => format!("/lines/{line}/settings#messages"),
    };
    Ok(Redirect::to(&back).into_response())
}
