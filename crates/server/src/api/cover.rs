//! Cover requests: `POST /schedules/{id}/cover-requests` asks someone to take a span of the
//! requester's time; the person asked accepts (the override is added, recording whom it
//! covers, in the same transaction) or declines; the requester may withdraw it. Admins may
//! act for anyone. Team-scoped through the schedule.

use super::error::{ApiError, ApiJson, ApiResult};
use super::{parse_id, scope};
use crate::app::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use switchboard_core::account::Access;
use switchboard_core::schedule::cover::{CoverRequest, CoverStatus, NewCoverRequest};
use switchboard_core::schedule::ScheduleId;
use switchboard_core::store::StoreError;
use switchboard_core::{DomainError, UserId};
use utoipa::ToSchema;

/// `{"cover_requests": [...]}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct CoverList {
    pub cover_requests: Vec<CoverRequest>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(examples(json!({"coverer": 3, "start": "2026-12-24T09:00:00Z", "end": "2026-12-25T09:00:00Z", "note": "Family visit"})))]
pub struct CoverInput {
    coverer: UserId,
    start: jiff::Timestamp,
    end: jiff::Timestamp,
    #[serde(default)]
    note: String,
    /// Who asks (an admin, or an owner-level token, asking for someone); default: the caller.
    requester: Option<UserId>,
}

/// Whether `a` may act as `who` here: themselves, or anyone as an admin.
fn acts_as(a: &Access, who: UserId, what: &str) -> ApiResult<()> {
    if a.user == Some(who) || a.manage_people().is_ok() {
        Ok(())
    } else {
        Err(ApiError::Forbidden(format!(
            "only the person {what}, or an admin, may do this"
        )))
    }
}

/// `POST /schedules/{id}/cover-requests`.
#[utoipa::path(
    post,
    path = "/schedules/{id}/cover-requests",
    tag = "schedules",
    params(("id" = i64, Path, description = "The schedule's id", example = 1)),
    request_body = CoverInput,
    responses((status = 201, description = "Created", body = CoverRequest))
)]
pub async fn create_cover(
    State(s): State<AppState>,
    Extension(a): Extension<Access>,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<CoverInput>,
) -> ApiResult<(StatusCode, Json<CoverRequest>)> {
    let st = scope::schedule(&s, &a, parse_id::<ScheduleId>(&id, "schedule")?).await?;
    let requester = input
        .requester
        .or(a.user)
        .ok_or_else(|| DomainError::new("requester", "is required with an owner-level token"))?;
    acts_as(&a, requester, "asking")?;
    for (field, u) in [("requester", requester), ("coverer", input.coverer)] {
        if let Err(ApiError::NotFound(_)) = scope::user(&s, &a, u).await {
            return Err(DomainError::new(field, format!("user {u} does not exist")).into());
        }
    }
    let new = NewCoverRequest {
        schedule: st.id,
        requester,
        coverer: input.coverer,
        start: input.start,
        end: input.end,
        note: input.note.trim().to_owned(),
    }
    .validate()?;
    let made = s
        .store
        .create_cover_request(&new, s.clock.now())
        .await
        .map_err(ApiError::store("cover request"))?;
    notify(&s, made.id, made.coverer, "asked").await;
    Ok((StatusCode::CREATED, Json(made)))
}

/// Queues a Slack direct message to `to` about request `id` (see `cover_notice`). The request
/// is saved already: if this fails, the person still sees it on the dashboard, so the
/// failure is logged rather than refused.
async fn notify(s: &AppState, id: i64, to: UserId, what: &str) {
    let job = switchboard_core::store::NewJob::cover_notice(id, to, what);
    if let Err(e) = s.store.enqueue_job(&job, s.clock.now()).await {
        tracing::warn!(request = id, error = %e, "could not queue a cover request's notice");
    }
}

/// `GET /schedules/{id}/cover-requests`, newest first.
#[utoipa::path(
    get,
    path = "/schedules/{id}/cover-requests",
    tag = "schedules",
    params(("id" = i64, Path, description = "The schedule's id", example = 1)),
    responses((status = 200, description = "OK", body = CoverList))
)]
pub async fn list_covers(
    State(s): State<AppState>,
    Extension(a): Extension<Access>,
    Path(id): Path<String>,
) -> ApiResult<Json<CoverList>> {
    let st = scope::schedule(&s, &a, parse_id::<ScheduleId>(&id, "schedule")?).await?;
    let all = s
        .store
        .list_cover_requests(st.id)
        .await
        .map_err(ApiError::store("cover request"))?;
    Ok(Json(CoverList {
        cover_requests: all,
    }))
}

/// The request, if its schedule is visible (404 otherwise, as for a missing one).
async fn load(s: &AppState, a: &Access, id: &str) -> ApiResult<CoverRequest> {
    let r = s
        .store
        .get_cover_request(parse_id(id, "cover request")?)
        .await
        .map_err(ApiError::store("cover request"))?;
    match scope::schedule(s, a, r.schedule).await {
        Ok(_) => Ok(r),
        Err(ApiError::NotFound(_)) => Err(ApiError::NotFound("cover request")),
        Err(e) => Err(e),
    }
}

/// `POST /cover-requests/{id}/accept`: the person asked (or an admin) takes the time; the
/// schedule gets the override in the same transaction.
#[utoipa::path(
    post,
    path = "/cover-requests/{id}/accept",
    tag = "schedules",
    params(("id" = i64, Path, description = "The cover request's id", example = 1)),
    responses((status = 200, description = "OK", body = CoverRequest))
)]
pub async fn accept_cover(
    State(s): State<AppState>,
    Extension(a): Extension<Access>,
    Path(id): Path<String>,
) -> ApiResult<Json<CoverRequest>> {
    let r = load(&s, &a, &id).await?;
    acts_as(&a, r.coverer, "asked")?;
    r.decide(CoverStatus::Accepted)?;
    // Over the schedule's version; another edit in between: read it again and retry.
    for _ in 0..5 {
        let st = scope::schedule(&s, &a, r.schedule).await?;
        crate::history::record(&s, &st, s.clock.now())
            .await
            .map_err(ApiError::store("schedule"))?;
        let mut sched = st.schedule.clone();
        let mut o = r.as_override();
        o.id = sched.overrides.iter().map(|o| o.id).max().unwrap_or(0) + 1;
        sched.overrides.push(o);
        sched.validate()?;
        match s
            .store
            .accept_cover_request(r.id, &sched, st.version, s.clock.now())
            .await
        {
            Ok((done, _)) => {
                notify(&s, done.id, done.requester, "accepted").await;
                return Ok(Json(done));
            }
            Err(StoreError::Conflict(why)) if why.contains("schedule") => continue,
            Err(e) => return Err(ApiError::store("cover request")(e)),
        }
    }
    Err(ApiError::Conflict(
        "the schedule keeps changing; try again".to_owned(),
    ))
}

async fn close(
    s: &AppState,
    a: &Access,
    id: &str,
    to: CoverStatus,
) -> ApiResult<Json<CoverRequest>> {
    let r = load(s, a, id).await?;
    match to {
        CoverStatus::Withdrawn => acts_as(a, r.requester, "who asked")?,
        _ => acts_as(a, r.coverer, "asked")?,
    }
    r.decide(to)?;
    let done = s
        .store
        .close_cover_request(r.id, to, s.clock.now())
        .await
        .map_err(ApiError::store("cover request"))?;
    if to == CoverStatus::Declined {
        notify(s, done.id, done.requester, "declined").await;
    }
    Ok(Json(done))
}

/// `POST /cover-requests/{id}/decline`: the person asked (or an admin) says no.
#[utoipa::path(
    post,
    path = "/cover-requests/{id}/decline",
    tag = "schedules",
    params(("id" = i64, Path, description = "The cover request's id", example = 1)),
    responses((status = 200, description = "OK", body = CoverRequest))
)]
pub async fn decline_cover(
    State(s): State<AppState>,
    Extension(a): Extension<Access>,
    Path(id): Path<String>,
) -> ApiResult<Json<CoverRequest>> {
    close(&s, &a, &id, CoverStatus::Declined).await
}

/// `POST /cover-requests/{id}/withdraw`: the person who asked (or an admin) takes it back.
#[utoipa::path(
    post,
    path = "/cover-requests/{id}/withdraw",
    tag = "schedules",
    params(("id" = i64, Path, description = "The cover request's id", example = 1)),
    responses((status = 200, description = "OK", body = CoverRequest))
)]
pub async fn withdraw_cover(
    State(s): State<AppState>,
    Extension(a): Extension<Access>,
    Path(id): Path<String>,
) -> ApiResult<Json<CoverRequest>> {
    close(&s, &a, &id, CoverStatus::Withdrawn).await
}
