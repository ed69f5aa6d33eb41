//! Recorded messages on a line's settings page: upload a WAV or MP3 for a message (played
//! instead of the spoken text), or go back to speech. Both go through the API's own handlers
//! (`PUT/DELETE /api/v1/lines/{id}/messages/{kind}/audio`: the same checks of type and size).

use super::{PageError, Viewer};
use crate::api::error::ApiError;
use crate::app::AppState;
use axum::body::Bytes;
use axum::extract::{Multipart, Path, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Extension;

/// `POST /lines/{id}/settings/audio/{kind}`: a multipart form with `csrf`, and `file` (an
/// upload) or `remove`.
pub async fn upload(
    State(s): State<AppState>,
    v: Viewer,
    Path((id, kind)): Path<(String, String)>,
    mut form: Multipart,
) -> Result<Response, PageError> {
    let (mut csrf, mut file, mut kind_of, mut remove) = (String::new(), None, None, false);
    while let Some(field) = form
        .next_field()
        .await
        .map_err(|e| ApiError::BadRequest(format!("could not read the form: {e}")))?
    {
        match field.name() {
            Some("csrf") => csrf = field.text().await.unwrap_or_default(),
            Some("remove") => remove = true,
            Some("file") => {
                kind_of = field.content_type().map(str::to_owned);
                let bytes = field.bytes().await.map_err(|e| {
                    ApiError::PayloadTooLarge(format!("the file could not be read: {e}"))
                })?;
                file = Some(bytes);
            }
            _ => {}
        }
    }
    v.check_csrf(&csrf)?;
    let (st, access, path) = (
        State(s.clone()),
        Extension(v.access.clone()),
        Path((id.clone(), kind.clone())),
    );
    let done = if remove {
        crate::api::audio::delete_message_audio(st, access, path)
            .await
            .map(|_| ())
    } else {
        let mut headers = HeaderMap::new();
        if let Some(t) = kind_of.and_then(|t| HeaderValue::from_str(&t).ok()) {
            headers.insert(header::CONTENT_TYPE, t);
        }
        let body: Bytes = file.unwrap_or_default();
        crate::api::audio::put_message_audio(st, access, path, headers, Ok(body))
            .await
            .map(|_| ())
    };
    match done {
        Ok(()) => Ok(Redirect::to(&format!("/lines/{id}/settings#messages")).into_response()),
        Err(e) => Err(PageError::Status(
            e.status().0,
            format!("The recording was not saved: {e}"),
        )),
    }
}
