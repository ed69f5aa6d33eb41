//! `/api/v1/incidents`: list, open (also from a call), read with linked calls and timeline,
//! change status, severity, title or assignee, add notes, link and unlink calls. Team-scoped
//! like everything else: another team's incident answers 404. Every change is core's
//! (`core::incident`), stored with its timeline in one transaction over the version read.

use super::error::{ApiError, ApiJson, ApiQuery, ApiResult};
pub use super::incident_view::incident_json;
use super::incident_view::{
    ActorView, Delivery, IncidentDetail, IncidentList, IncidentView, LinkedCall, TimelineView,
};
use super::{instant, parse_id, scope};
use crate::app::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use serde::Deserialize;
use switchboard_core::account::Access;
use switchboard_core::incident::{self, Actor, Change, Incident, Opening, Severity, Status};
use switchboard_core::store::IncidentFilter;
use switchboard_core::{CallId, DomainError, IncidentId, TeamId, UserId};
use utoipa::ToSchema;

/// The incident, if the request may see it (404 otherwise, as for a missing one).
pub async fn load(s: &AppState, a: &Access, id: IncidentId) -> ApiResult<Incident> {
    let i = s
        .store
        .get_incident(id)
        .await
        .map_err(ApiError::store("incident"))?;
    scope::visible(a, i.team, "incident")?;
    Ok(i)
}

/// Who is making a change, as the timeline names them.
pub async fn actor(s: &AppState, a: &Access) -> ApiResult<Actor> {
    match a.user {
        Some(id) => {
            let u = s
                .store
                .get_user(id)
                .await
                .map_err(ApiError::store("user"))?;
            Ok(Actor::user(id, &u.name))
        }
        None => Ok(Actor {
            user: None,
            name: "An owner-level API token".to_owned(),
        }),
    }
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    #[param(value_type = Option<Status>, example = "triggered")]
    status: Option<String>,
    /// `true`: leave out resolved incidents.
    #[param(example = true)]
    open: Option<bool>,
    #[param(example = 1)]
    team: Option<i64>,
    #[param(example = 1)]
    line: Option<i64>,
    #[param(value_type = Option<String>, format = DateTime, example = "2026-11-24T09:00:00Z")]
    since: Option<String>,
    #[param(value_type = Option<String>, format = DateTime, example = "2026-11-24T09:00:00Z")]
    until: Option<String>,
    #[param(example = 120)]
    before: Option<i64>,
    /// Incidents per page: 1 to 500 (50 by default).
    #[param(minimum = 1, maximum = 500, example = 50)]
    limit: Option<u32>,
}

fn status(raw: &str) -> Result<Status, ApiError> {
    Status::parse(raw).ok_or_else(|| {
        DomainError::new(
            "status",
            format!("'{raw}' is not one of: triggered, acknowledged, resolved"),
        )
        .into()
    })
}

/// The filter a list request asks for, in the request's scope.
pub fn filter(a: &Access, q: &ListQuery) -> ApiResult<IncidentFilter> {
    Ok(IncidentFilter {
        status: q.status.as_deref().map(status).transpose()?,
        open_only: q.open == Some(true),
        team: q.team.map(TeamId),
        line: q.line.map(switchboard_core::LineId),
        member: (!a.sees_everything()).then(|| a.user.unwrap_or(UserId(0))),
        since: q
            .since
            .as_deref()
            .map(|t| instant("since", t))
            .transpose()?,
        until: q
            .until
            .as_deref()
            .map(|t| instant("until", t))
            .transpose()?,
        before: q.before.map(IncidentId),
        limit: super::page_limit(q.limit, 50, 500)?,
    })
}

#[utoipa::path(
    get,
    path = "/incidents",
    tag = "incidents",
    params(ListQuery),
    responses((status = 200, description = "OK", body = IncidentList))
)]
pub async fn list_incidents(
    State(s): State<AppState>,
    Extension(a): Extension<Access>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<IncidentList>> {
    let f = filter(&a, &q)?;
    let list = s
        .store
        .list_incidents(&f)
        .await
        .map_err(ApiError::store("incident"))?;
    let next_before = (list.len() as u32 == f.limit)
        .then(|| list.last().map(|i| i.id))
        .flatten();
    Ok(Json(IncidentList {
        incidents: list.iter().map(incident_json).collect(),
        next_before,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(examples(json!({"title": "Vendor reports a breach", "severity": "high", "calls": [42]})))]
pub struct NewIncidentInput {
    title: Option<String>,
    #[schema(value_type = Option<Severity>)]
    severity: Option<String>,
    team: Option<TeamId>,
    assignee: Option<UserId>,
    /// Calls linked from the start.
    #[serde(default)]
    calls: Vec<CallId>,
}

fn severity(raw: Option<&str>) -> ApiResult<Severity> {
    Ok(raw.map(Severity::parse).transpose()?.unwrap_or_default())
}

async fn assignee(s: &AppState, a: &Access, u: UserId) -> ApiResult<String> {
    match scope::user(s, a, u).await {
        Ok(user) => Ok(user.name),
        Err(ApiError::NotFound(_)) => {
            Err(DomainError::new("assignee", format!("user {u} does not exist")).into())
        }
        Err(e) => Err(e),
    }
}

async fn create(
    s: &AppState,
    a: &Access,
    mut o: Opening,
) -> ApiResult<(StatusCode, Json<IncidentView>)> {
    if let Some(u) = o.assignee {
        assignee(s, a, u).await?;
    }
    o.calls.dedup();
    let by = actor(s, a).await?;
    let (inc, change) = incident::open(o, &by, s.clock.now())?;
    let stored = s
        .store
        .create_incident(&inc, &change)
        .await
        .map_err(ApiError::store("incident"))?;
    Ok((StatusCode::CREATED, Json(incident_json(&stored))))
}

/// `POST /incidents`: `{title, severity?, team?, assignee?, calls?}`.
#[utoipa::path(
    post,
    path = "/incidents",
    tag = "incidents",
    request_body = NewIncidentInput,
    responses((status = 201, description = "Created", body = IncidentView))
)]
pub async fn create_incident(
    State(s): State<AppState>,
    Extension(a): Extension<Access>,
    ApiJson(input): ApiJson<NewIncidentInput>,
) -> ApiResult<(StatusCode, Json<IncidentView>)> {
    for (i, c) in input.calls.iter().enumerate() {
        if let Err(ApiError::NotFound(_)) = scope::call(&s, &a, *c).await {
            return Err(DomainError::new(
                format!("calls[{i}]"),
                format!("call {c} does not exist"),
            )
            .into());
        }
    }
    let team = scope::team_for_new(&s, &a, input.team).await?;
    let title = input
        .title
        .ok_or_else(|| DomainError::new("title", "is required"))?;
    create(
        &s,
        &a,
        Opening {
            title,
            severity: severity(input.severity.as_deref())?,
            team,
            line: None,
            caller_number: None,
            assignee: input.assignee,
            calls: input.calls,
        },
    )
    .await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(examples(json!({"severity": "critical"})))]
pub struct FromCallInput {
    title: Option<String>,
    #[schema(value_type = Option<Severity>)]
    severity: Option<String>,
    assignee: Option<UserId>,
}

/// `POST /calls/{id}/incident` (`{}`, or `{title?, severity?, assignee?}`): an incident about
/// the call, titled from its caller and line unless a title is given, owned by the line's
/// team, the call linked.
#[utoipa::path(
    post,
    path = "/calls/{id}/incident",
    tag = "calls",
    params(("id" = i64, Path, description = "The call's id", example = 1)),
    request_body = FromCallInput,
    responses((status = 201, description = "Created", body = IncidentView))
)]
pub async fn incident_from_call(
    State(s): State<AppState>,
    Extension(a): Extension<Access>,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<FromCallInput>,
) -> ApiResult<(StatusCode, Json<IncidentView>)> {
    let call = scope::call(&s, &a, parse_id(&id, "call")?).await?;
    // The line may have been deleted since; the call still names it and its team.
    let (name, team) = match s.store.get_line(call.line_id).await {
        Ok(l) => (l.name, l.team),
        Err(_) => (
            format!("line {}", call.line_id),
            s.store
                .line_team(call.line_id)
                .await
                .map_err(ApiError::store("call"))?,
        ),
    };
    let title = input
        .title
        .unwrap_or_else(|| format!("Call from {} to {name}", call.caller.number));
    create(
        &s,
        &a,
        Opening {
            title,
            severity: severity(input.severity.as_deref())?,
            team,
            line: Some(call.line_id),
            caller_number: Some(call.caller.number.clone()),
            assignee: input.assignee,
            calls: vec![call.id],
        },
    )
    .await
}

/// `GET /incidents/{id}`: the incident, its calls (newest first) and its timeline.
#[utoipa::path(
    get,
    path = "/incidents/{id}",
    tag = "incidents",
    params(("id" = i64, Path, description = "The incident's id", example = 1)),
    responses((status = 200, description = "OK", body = IncidentDetail))
)]
pub async fn get_incident(
    State(s): State<AppState>,
    Extension(a): Extension<Access>,
    Path(id): Path<String>,
) -> ApiResult<Json<IncidentDetail>> {
    let inc = load(&s, &a, parse_id(&id, "incident")?).await?;
    let store = ApiError::store("incident");
    let calls = s.store.incident_calls(inc.id).await.map_err(&store)?;
    let mut linked = Vec::new();
    for c in calls {
        // A call of another team's line stays hidden, even when linked.
        if let Ok(call) = scope::call(&s, &a, c).await {
            linked.push(LinkedCall {
                id: call.id,
                started_at: call.started_at,
                caller_number: call.caller.number,
                outcome: call.outcome,
                line: call.line_id,
            });
        }
    }
    let timeline = s.store.incident_timeline(inc.id).await.map_err(&store)?;
    let jobs = s.store.incident_jobs(inc.id).await.map_err(&store)?;
    Ok(Json(IncidentDetail {
        incident: incident_json(&inc),
        calls: linked,
        timeline: timeline
            .iter()
            .map(|e| TimelineView {
                at: e.at,
                kind: e.kind.as_str().to_owned(),
                message: e.message.clone(),
                actor: ActorView {
                    user: e.actor.user,
                    name: e.actor.name.clone(),
                },
            })
            .collect(),
        // Each event sent to each integration, with its delivery state (failures visible).
        deliveries: jobs
            .iter()
            .map(|j| Delivery {
                integration: j.payload["integration"].as_i64(),
                action: j.payload["action"].as_str().map(str::to_owned),
                status: j.status.clone(),
                attempts: j.attempts,
                last_error: j.last_error.clone(),
                next_attempt_at: (j.status == "queued").then_some(j.run_at),
            })
            .collect(),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(examples(json!({"status": "acknowledged", "assignee": 2})))]
pub struct ChangeInput {
    #[schema(value_type = Option<Status>)]
    status: Option<String>,
    #[schema(value_type = Option<Severity>)]
    severity: Option<String>,
    title: Option<String>,
    /// A user id, or `null` for nobody.
    #[serde(default, deserialize_with = "super::lines::explicit_null")]
    assignee: Option<Option<UserId>>,
}

/// Stores `change` of `inc` (over the version it was read at) and answers with it.
async fn save(s: &AppState, inc: &Incident, change: &Change) -> ApiResult<Json<IncidentView>> {
    if change == &Change::default() {
        return Ok(Json(incident_json(inc)));
    }
    let saved = s
        .store
        .save_incident(inc, change)
        .await
        .map_err(ApiError::store("incident"))?;
    Ok(Json(incident_json(&saved)))
}

/// `PATCH /incidents/{id}`: `{status?, severity?, title?, assignee?}`; all or nothing.
#[utoipa::path(
    patch,
    path = "/incidents/{id}",
    tag = "incidents",
    params(("id" = i64, Path, description = "The incident's id", example = 1)),
    request_body = ChangeInput,
    responses((status = 200, description = "OK", body = IncidentView))
)]
pub async fn update_incident(
    State(s): State<AppState>,
    Extension(a): Extension<Access>,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<ChangeInput>,
) -> ApiResult<Json<IncidentView>> {
    let mut inc = load(&s, &a, parse_id(&id, "incident")?).await?;
    let by = actor(&s, &a).await?;
    let now = s.clock.now();
    let mut change = Change::default();
    if let Some(t) = &input.title {
        change = change.and(inc.retitle(t, &by, now)?);
    }
    if let Some(sev) = &input.severity {
        change = change.and(inc.set_severity(Severity::parse(sev)?, &by, now));
    }
    if let Some(to) = input.assignee {
        let name = match to {
            Some(u) => assignee(&s, &a, u).await?,
            None => String::new(),
        };
        change = change.and(inc.assign(to, &name, &by, now));
    }
    if let Some(st) = &input.status {
        change = change.and(inc.set_status(status(st)?, &by, now)?);
    }
    save(&s, &inc, &change).await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(examples(json!({"text": "Called the vendor back: the leak is contained."})))]
pub struct NoteInput {
    text: String,
}

/// `POST /incidents/{id}/notes`: `{text}` on the timeline.
#[utoipa::path(
    post,
    path = "/incidents/{id}/notes",
    tag = "incidents",
    params(("id" = i64, Path, description = "The incident's id", example = 1)),
    request_body = NoteInput,
    responses((status = 201, description = "Created", body = IncidentView))
)]
pub async fn add_note(
    State(s): State<AppState>,
    Extension(a): Extension<Access>,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<NoteInput>,
) -> ApiResult<(StatusCode, Json<IncidentView>)> {
    let inc = load(&s, &a, parse_id(&id, "incident")?).await?;
    let by = actor(&s, &a).await?;
    let change = inc.note(&input.text, &by, s.clock.now())?;
    Ok((StatusCode::CREATED, save(&s, &inc, &change).await?))
}

/// `PUT /incidents/{id}/calls/{call}`: links the call (an open incident only).
#[utoipa::path(
    put,
    path = "/incidents/{id}/calls/{call}",
    tag = "incidents",
    params(("id" = i64, Path, description = "The incident's id", example = 1), ("call" = i64, Path, description = "The call's id", example = 1)),
    responses((status = 200, description = "OK", body = IncidentView))
)]
pub async fn link_call(
    State(s): State<AppState>,
    Extension(a): Extension<Access>,
    Path((id, call)): Path<(String, String)>,
) -> ApiResult<Json<IncidentView>> {
    let mut inc = load(&s, &a, parse_id(&id, "incident")?).await?;
    let call = scope::call(&s, &a, parse_id(&call, "call")?).await?;
    let by = actor(&s, &a).await?;
    let linked = s
        .store
        .incident_calls(inc.id)
        .await
        .map_err(ApiError::store("incident"))?;
    if linked.contains(&call.id) {
        return Ok(Json(incident_json(&inc)));
    }
    let change = inc.link(call.id, &by, s.clock.now())?;
    save(&s, &inc, &change).await
}

/// `DELETE /incidents/{id}/calls/{call}`: unlinks the call.
#[utoipa::path(
    delete,
    path = "/incidents/{id}/calls/{call}",
    tag = "incidents",
    params(("id" = i64, Path, description = "The incident's id", example = 1), ("call" = i64, Path, description = "The call's id", example = 1)),
    responses((status = 200, description = "OK", body = IncidentView))
)]
pub async fn unlink_call(
    State(s): State<AppState>,
    Extension(a): Extension<Access>,
    Path((id, call)): Path<(String, String)>,
) -> ApiResult<Json<IncidentView>> {
    let mut inc = load(&s, &a, parse_id(&id, "incident")?).await?;
    let call: CallId = parse_id(&call, "call")?;
    let linked = s
        .store
        .incident_calls(inc.id)
        .await
        .map_err(ApiError::store("incident"))?;
    if !linked.contains(&call) {
        return Err(ApiError::NotFound("call"));
    }
    let by = actor(&s, &a).await?;
    let change = inc.unlink(call, &by, s.clock.now());
    save(&s, &inc, &change).await
}
