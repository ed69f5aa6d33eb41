//! `/api/v1/calls`: the call log.

pub(crate) use super::call_view::{
    call_detail, call_summary, recording_json, voicemail_transcript, Archived, CallDetail,
    CallList, Erasure, IncidentRef,
};
use super::error::{ApiError, ApiJson, ApiQuery, ApiResult};
use super::scope;
use super::{instant, parse_id};
use crate::app::AppState;
use crate::storage::StorageError;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::Response;
use axum::Extension;
use axum::Json;
use serde::Deserialize;
use switchboard_core::account::Access;
use switchboard_core::call::Outcome;
use switchboard_core::store::CallFilter;
use switchboard_core::{CallId, DomainError, LineId, RecordingId};
use utoipa::ToSchema;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    #[param(value_type = Option<i64>, example = 1)]
    line: Option<String>,
    #[param(value_type = Option<Outcome>, example = "voicemail")]
    outcome: Option<String>,
    #[param(max_length = 64, example = "+1415")]
    caller: Option<String>,
    /// Only calls whose caller (number, name, place) or voicemail transcript contains this.
    #[param(min_length = 1, max_length = 64, example = "breach")]
    q: Option<String>,
    #[param(value_type = Option<String>, format = DateTime, example = "2026-11-24T09:00:00Z")]
    since: Option<String>,
    #[param(value_type = Option<String>, format = DateTime, example = "2026-11-24T09:00:00Z")]
    until: Option<String>,
    #[param(example = true)]
    archived: Option<bool>,
    /// `false`: leave out calls made in test mode (included by default).
    #[param(example = false)]
    test_calls: Option<bool>,
    /// Only calls this user answered.
    #[param(value_type = Option<i64>, example = 2)]
    answered_by: Option<String>,
    /// Calls per page: 1 to 500 (50 by default); the CSV export takes up to 10,000.
    #[param(minimum = 1, maximum = 10000, example = 50)]
    limit: Option<u32>,
    #[param(value_type = Option<i64>, example = 120)]
    before: Option<String>,
}

impl ListQuery {
    /// The store filter, with `max_limit` as the largest page.
    /// The store filter for a request that may reach `a`, with `max_limit` as the largest
    /// page: a member sees only calls to their teams' lines.
    fn filter(
        self,
        a: &Access,
        default_limit: u32,
        max_limit: u32,
    ) -> Result<CallFilter, ApiError> {
        let q = self;
        Ok(CallFilter {
            member: if a.sees_everything() {
                None
            } else {
                // A member without a user is impossible; nobody's calls then.
                Some(a.user.unwrap_or(switchboard_core::UserId(0)))
            },
            line: q
                .line
                .map(|l| {
                    l.parse::<LineId>()
                        .map_err(|_| DomainError::new("line", format!("'{l}' is not a line id")))
                })
                .transpose()?,
            outcome: q
                .outcome
                .map(|o| {
                    Outcome::parse(&o).ok_or_else(|| {
                        DomainError::new(
                            "outcome",
                            format!("'{o}' is not one of answered, voicemail, missed, abandoned, rejected, in_progress"),
                        )
                    })
                })
                .transpose()?,
            caller: match q.caller {
                Some(c) if c.contains('\0') || c.chars().count() > 64 => {
                    return Err(DomainError::new(
                        "caller",
                        "must be up to 64 characters, without NUL",
                    )
                    .into())
                }
                c => c,
            },
            text: match q.q {
                Some(t) if t.contains('\0') || t.chars().count() > 64 || t.trim().is_empty() => {
                    return Err(DomainError::new(
                        "q",
                        "must be 1 to 64 characters of text to look for, without NUL",
                    )
                    .into())
                }
                t => t,
            },
            since: q.since.map(|t| instant("since", &t)).transpose()?,
            until: q.until.map(|t| instant("until", &t)).transpose()?,
            include_archived: q.archived.unwrap_or(false),
            before: q
                .before
                .map(|b| {
                    b.parse::<CallId>()
                        .map_err(|_| DomainError::new("before", format!("'{b}' is not a call id")))
                })
                .transpose()?,
            exclude_test: q.test_calls == Some(false),
            answered_by: q
                .answered_by
                .map(|u| {
                    u.parse::<switchboard_core::UserId>().map_err(|_| {
                        DomainError::new("answered_by", format!("'{u}' is not a user id"))
                    })
                })
                .transpose()?,
            after: None,
            limit: super::page_limit(q.limit, default_limit, max_limit)?,
        })
    }
}

#[utoipa::path(
    get,
    path = "/calls",
    tag = "calls",
    params(ListQuery),
    responses((status = 200, description = "OK", body = CallList))
)]
pub async fn list_calls(
    State(s): State<AppState>,
    Extension(a): Extension<Access>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<CallList>> {
    let filter = q.filter(&a, 50, 500)?;
    let calls = s
        .store
        .list_calls(&filter)
        .await
        .map_err(ApiError::store("call"))?;
    let next_before = (calls.len() as u32 == filter.limit)
        .then(|| calls.last().map(|c| c.id))
        .flatten();
    Ok(Json(CallList {
        calls: calls.iter().map(call_summary).collect(),
        next_before,
    }))
}

/// One CSV field, quoted when it must be, and defused against spreadsheet formulas.
fn csv_field(v: &str) -> String {
    // A cell starting like a formula would run in a spreadsheet; caller names come from the
    // phone network, so they are not trusted. Phone numbers (+ and digits) stay as they are.
    let risky = match v.chars().next() {
        Some('=' | '@' | '-' | '\t' | '\r') => true,
        Some('+') => !v[1..].chars().all(|c| c.is_ascii_digit()),
        _ => false,
    };
    let v = if risky { format!("'{v}") } else { v.to_owned() };
    if v.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", v.replace('"', "\"\""))
    } else {
        v
    }
}

/// `GET /calls/export.csv`: the call log as CSV, same filters as the list (up to 10,000 rows).
#[utoipa::path(
    get,
    path = "/calls/export.csv",
    tag = "calls",
    params(ListQuery),
    responses((status = 200, description = "The calls as CSV, one row each", content_type = "text/csv", body = String))
)]
pub async fn export_calls(
    State(s): State<AppState>,
    Extension(a): Extension<Access>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Response> {
    let filter = q.filter(&a, 10_000, 10_000)?;
    let calls = s
        .store
        .list_calls(&filter)
        .await
        .map_err(ApiError::store("call"))?;
    let mut out = String::from(
        "id,line_id,started_at,ended_at,caller_number,caller_name,outcome,answered_by,path,duration_secs,test_call,archived,voicemail_transcript\r\n",
    );
    for c in &calls {
        let answered = c.answered_by_name().unwrap_or_default();
        // Only calls that ended in a voicemail can have a transcript.
        let transcript = match c.outcome {
            Outcome::Voicemail => {
                let recordings = s
                    .store
                    .list_recordings(c.id)
                    .await
                    .map_err(ApiError::store("recording"))?;
                voicemail_transcript(&recordings)
                    .map(|t| t.words())
                    .unwrap_or_default()
            }
            _ => String::new(),
        };
        let row = [
            c.id.to_string(),
            c.line_id.to_string(),
            c.started_at.to_string(),
            c.ended_at.map(|t| t.to_string()).unwrap_or_default(),
            c.caller.number.clone(),
            c.caller.name.clone().unwrap_or_default(),
            c.outcome.as_str().to_owned(),
            answered,
            c.path(),
            c.duration_secs.map(|d| d.to_string()).unwrap_or_default(),
            c.test_call.to_string(),
            c.archived.to_string(),
            transcript,
        ];
        let fields: Vec<String> = row.iter().map(|f| csv_field(f)).collect();
        out.push_str(&fields.join(","));
        out.push_str("\r\n");
    }
    Ok(Response::builder()
        .header(header::CONTENT_TYPE, "text/csv; charset=utf-8")
        .header(
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"switchboard-calls.csv\"",
        )
        .body(Body::from(out))
        .expect("static headers are valid"))
}

#[utoipa::path(
    get,
    path = "/calls/{id}",
    tag = "calls",
    params(("id" = i64, Path, description = "The call's id", example = 1)),
    responses((status = 200, description = "OK", body = CallDetail))
)]
pub async fn get_call(
    State(s): State<AppState>,
    Extension(a): Extension<Access>,
    Path(id): Path<String>,
) -> ApiResult<Json<CallDetail>> {
    let id: CallId = parse_id(&id, "call")?;
    let c = scope::call(&s, &a, id).await?;
    let recordings = s
        .store
        .list_recordings(id)
        .await
        .map_err(ApiError::store("call"))?;
    let events = s
        .store
        .list_events(id)
        .await
        .map_err(ApiError::store("call"))?;
    let jobs = s
        .store
        .list_call_jobs(id)
        .await
        .map_err(ApiError::store("call"))?;
    let mut out = call_detail(&c, &recordings, &events, &jobs);
    let incidents = s
        .store
        .call_incidents(id)
        .await
        .map_err(ApiError::store("call"))?;
    out.incidents = incidents
        .iter()
        .filter(|i| a.sees(i.team))
        .map(|i| IncidentRef {
            id: i.id,
            title: i.title.clone(),
            status: i.status,
        })
        .collect();
    Ok(Json(out))
}

async fn set_archived(
    s: &AppState,
    a: &Access,
    id: &str,
    archived: bool,
) -> ApiResult<Json<Archived>> {
    let id: CallId = parse_id(id, "call")?;
    scope::call(s, a, id).await?;
    s.store
        .set_call_archived(id, archived)
        .await
        .map_err(ApiError::store("call"))?;
    Ok(Json(Archived { id, archived }))
}

#[utoipa::path(
    post,
    path = "/calls/{id}/archive",
    tag = "calls",
    params(("id" = i64, Path, description = "The call's id", example = 1)),
    responses((status = 200, description = "OK", body = Archived))
)]
pub async fn archive_call(
    State(s): State<AppState>,
    Extension(a): Extension<Access>,
    Path(id): Path<String>,
) -> ApiResult<Json<Archived>> {
    set_archived(&s, &a, &id, true).await
}

#[utoipa::path(
    post,
    path = "/calls/{id}/unarchive",
    tag = "calls",
    params(("id" = i64, Path, description = "The call's id", example = 1)),
    responses((status = 200, description = "OK", body = Archived))
)]
pub async fn unarchive_call(
    State(s): State<AppState>,
    Extension(a): Extension<Access>,
    Path(id): Path<String>,
) -> ApiResult<Json<Archived>> {
    set_archived(&s, &a, &id, false).await
}

/// Deletes a call, its log and its recordings, including our stored copies of the media.
#[utoipa::path(
    delete,
    path = "/calls/{id}",
    tag = "calls",
    params(("id" = i64, Path, description = "The call's id", example = 1)),
    responses((status = 204, description = "Done"))
)]
pub async fn delete_call(
    State(s): State<AppState>,
    Extension(a): Extension<Access>,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let id: CallId = parse_id(&id, "call")?;
    scope::call(&s, &a, id).await?;
    erase_call(&s, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Deletes a call with everything stored about it; returns how many recordings it had. The
/// media files go first: if one cannot be removed, the call stays (and the error says so), so
/// no file outlives the record that would let someone find and delete it.
pub async fn erase_call(s: &AppState, id: CallId) -> ApiResult<usize> {
    let recordings = s
        .store
        .list_recordings(id)
        .await
        .map_err(ApiError::store("call"))?;
    for r in &recordings {
        let Some(p) = &r.local_path else { continue };
        s.storage
            .delete(p)
            .await
            .map_err(|e| ApiError::Internal(Box::new(e)))?;
    }
    s.store
        .delete_call(id)
        .await
        .map_err(ApiError::store("call"))?;
    Ok(recordings.len())
}

#[derive(Debug, serde::Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(examples(json!({"caller_number": "+14155550199"})))]
pub struct ErasureInput {
    caller_number: String,
}

/// `POST /api/v1/erasures {caller_number}`: erases every call from that number, on every
/// line, with its log and recordings (a caller's request to be forgotten).
#[utoipa::path(
    post,
    path = "/erasures",
    tag = "calls",
    request_body = ErasureInput,
    responses((status = 200, description = "OK", body = Erasure))
)]
pub async fn erase_caller(
    State(s): State<AppState>,
    Extension(a): Extension<Access>,
    ApiJson(input): ApiJson<ErasureInput>,
) -> ApiResult<Json<Erasure>> {
    // It reaches every line, whichever team owns it.
    a.manage_people().map_err(scope::forbidden)?;
    let number = switchboard_core::PhoneNumber::parse(input.caller_number.trim())
        .map_err(|m| switchboard_core::DomainError::new("caller_number", m))?;
    let (mut calls, mut recordings) = (0, 0);
    let mut before = None;
    loop {
        // Pages of calls whose number contains it, newest first; only exact ones go.
        let page = s
            .store
            .list_calls(&CallFilter {
                caller: Some(number.as_str().to_owned()),
                include_archived: true,
                before,
                limit: 500,
                ..Default::default()
            })
            .await
            .map_err(ApiError::store("call"))?;
        let Some(last) = page.last() else { break };
        before = Some(last.id);
        for c in page.iter().filter(|c| c.caller.number == number.as_str()) {
            recordings += erase_call(&s, c.id).await?;
            calls += 1;
        }
    }
    tracing::info!(calls, recordings, "erased a caller's calls on request");
    Ok(Json(Erasure {
        caller_number: number,
        calls_deleted: calls,
        recordings_deleted: recordings as u64,
    }))
}

#[utoipa::path(
    get,
    path = "/calls/{id}/recordings/{recording}/media",
    tag = "calls",
    params(("id" = i64, Path, description = "The call's id", example = 1), ("recording" = i64, Path, description = "The recording's id", example = 1)),
    responses(
        (status = 200, description = "The audio (a `Range` request is answered in part)", content(
            (super::doc::AudioFile = "audio/mpeg"),
            (super::doc::AudioFile = "audio/wav")
        )),
        (status = 206, description = "The requested part of the audio", content(
            (super::doc::AudioFile = "audio/mpeg"),
            (super::doc::AudioFile = "audio/wav")
        ))
    )
)]
pub async fn get_recording_media(
    State(s): State<AppState>,
    Extension(a): Extension<Access>,
    Path((call, rec)): Path<(String, String)>,
    headers: axum::http::HeaderMap,
) -> ApiResult<Response> {
    let call: CallId = parse_id(&call, "call")?;
    scope::call(&s, &a, call).await?;
    let rec: RecordingId = parse_id(&rec, "recording")?;
    let r = s
        .store
        .get_recording(rec)
        .await
        .map_err(ApiError::store("recording"))?;
    if r.call_id != call {
        return Err(ApiError::NotFound("recording"));
    }
    let Some(path) = r.local_path else {
        return Err(ApiError::Conflict(format!(
            "recording {rec} is {}; its media is not stored yet",
            r.status.as_str()
        )));
    };
    let bytes = match s.storage.get(&path).await {
        Ok(b) => b.to_vec(),
        // Removed from the store behind Switchboard's back.
        Err(StorageError::NotFound(_)) => return Err(ApiError::NotFound("recording's media")),
        Err(e) => {
            tracing::error!(recording = %rec, error = %e, "could not read a recording");
            return Err(ApiError::BadGateway(
                "the recordings' store did not answer; try again".into(),
            ));
        }
    };
    let content_type = if path.ends_with(".mp3") {
        "audio/mpeg"
    } else {
        "audio/wav"
    };
    Ok(super::range::ranged(bytes, content_type, &headers))
}
