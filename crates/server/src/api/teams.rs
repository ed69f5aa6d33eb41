//! `/api/v1/teams`: teams and their members. Teams own lines, schedules and chat channels;
//! a member acts on their teams' only. Admins and owners manage teams; members see their own.

use super::error::{ApiError, ApiJson, ApiResult};
use super::parse_id;
use super::scope;
use crate::app::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use switchboard_core::account::{team_name, Access, Team};
use switchboard_core::store::StoreError;
use switchboard_core::{TeamId, UserId};
use utoipa::ToSchema;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(examples(json!({"name": "Payments"})))]
pub struct TeamInput {
    name: String,
}

/// A team and its members.
#[derive(Debug, Serialize, ToSchema)]
pub struct TeamView {
    pub id: TeamId,
    #[schema(examples("Payments"))]
    pub name: String,
    pub members: Vec<Member>,
    pub created_at: jiff::Timestamp,
}

/// A member of a team, with their name.
#[derive(Debug, Serialize, ToSchema)]
pub struct Member {
    pub id: UserId,
    pub name: Option<String>,
}

/// `{"teams": [...]}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct TeamList {
    pub teams: Vec<TeamView>,
}

async fn team_json(s: &AppState, t: &Team) -> ApiResult<TeamView> {
    let names: HashMap<UserId, String> = s
        .store
        .list_users()
        .await
        .map_err(ApiError::store("user"))?
        .into_iter()
        .map(|u| (u.id, u.name))
        .collect();
    Ok(TeamView {
        id: t.id,
        name: t.name.clone(),
        members: t
            .members
            .iter()
            .map(|m| Member {
                id: *m,
                name: names.get(m).cloned(),
            })
            .collect(),
        created_at: t.created_at,
    })
}

#[utoipa::path(
    post,
    path = "/teams",
    tag = "teams",
    request_body = TeamInput,
    responses((status = 201, description = "Created", body = TeamView))
)]
pub async fn create_team(
    State(s): State<AppState>,
    Extension(a): Extension<Access>,
    ApiJson(input): ApiJson<TeamInput>,
) -> ApiResult<(StatusCode, Json<TeamView>)> {
    a.manage_people().map_err(scope::forbidden)?;
    let name = team_name(&input.name)?;
    let t = s
        .store
        .create_team(&name, s.clock.now())
        .await
        .map_err(ApiError::store("team"))?;
    Ok((StatusCode::CREATED, Json(team_json(&s, &t).await?)))
}

#[utoipa::path(
    get,
    path = "/teams",
    tag = "teams",
    responses((status = 200, description = "OK", body = TeamList))
)]
pub async fn list_teams(
    State(s): State<AppState>,
    Extension(a): Extension<Access>,
) -> ApiResult<Json<TeamList>> {
    let all = s
        .store
        .list_teams()
        .await
        .map_err(ApiError::store("team"))?;
    let mut teams = Vec::new();
    for t in all.iter().filter(|t| a.sees(Some(t.id))) {
        teams.push(team_json(&s, t).await?);
    }
    Ok(Json(TeamList { teams }))
}

#[utoipa::path(
    get,
    path = "/teams/{id}",
    tag = "teams",
    params(("id" = i64, Path, description = "The team's id", example = 1)),
    responses((status = 200, description = "OK", body = TeamView))
)]
pub async fn get_team(
    State(s): State<AppState>,
    Extension(a): Extension<Access>,
    Path(id): Path<String>,
) -> ApiResult<Json<TeamView>> {
    let t = scope::team(&s, &a, parse_id(&id, "team")?).await?;
    Ok(Json(team_json(&s, &t).await?))
}

#[utoipa::path(
    patch,
    path = "/teams/{id}",
    tag = "teams",
    params(("id" = i64, Path, description = "The team's id", example = 1)),
    request_body = TeamInput,
    responses((status = 200, description = "OK", body = TeamView))
)]
pub async fn rename_team(
    State(s): State<AppState>,
    Extension(a): Extension<Access>,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<TeamInput>,
) -> ApiResult<Json<TeamView>> {
    let id: TeamId = parse_id(&id, "team")?;
    scope::team(&s, &a, id).await?;
    a.manage_people().map_err(scope::forbidden)?;
    let t = s
        .store
        .rename_team(id, &team_name(&input.name)?)
        .await
        .map_err(ApiError::store("team"))?;
    Ok(Json(team_json(&s, &t).await?))
}

#[utoipa::path(
    delete,
    path = "/teams/{id}",
    tag = "teams",
    params(("id" = i64, Path, description = "The team's id", example = 1)),
    responses((status = 204, description = "Done"))
)]
pub async fn delete_team(
    State(s): State<AppState>,
    Extension(a): Extension<Access>,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let id: TeamId = parse_id(&id, "team")?;
    scope::team(&s, &a, id).await?;
    a.manage_people().map_err(scope::forbidden)?;
    s.store.delete_team(id).await.map_err(|e| match e {
        // The conflict names what the team still owns.
        StoreError::Conflict(why) => ApiError::Conflict(why),
        other => ApiError::store("team")(other),
    })?;
    Ok(StatusCode::NO_CONTENT)
}

/// The team and user of a membership route, both visible, for an admin.
async fn membership(
    s: &AppState,
    a: &Access,
    team: &str,
    user: &str,
) -> ApiResult<(TeamId, UserId)> {
    let team: TeamId = parse_id(team, "team")?;
    let user: UserId = parse_id(user, "user")?;
    scope::team(s, a, team).await?;
    scope::user(s, a, user).await?;
    a.manage_people().map_err(scope::forbidden)?;
    Ok((team, user))
}

/// `PUT /teams/{id}/members/{user}`: adds a member (again: nothing changes).
#[utoipa::path(
    put,
    path = "/teams/{id}/members/{user}",
    tag = "teams",
    params(("id" = i64, Path, description = "The team's id", example = 1), ("user" = i64, Path, description = "The user's id", example = 1)),
    responses((status = 200, description = "OK", body = TeamView))
)]
pub async fn add_member(
    State(s): State<AppState>,
    Extension(a): Extension<Access>,
    Path((team, user)): Path<(String, String)>,
) -> ApiResult<Json<TeamView>> {
    let (team, user) = membership(&s, &a, &team, &user).await?;
    s.store
        .add_team_member(team, user)
        .await
        .map_err(ApiError::store("team"))?;
    let t = scope::team(&s, &a, team).await?;
    Ok(Json(team_json(&s, &t).await?))
}

/// `DELETE /teams/{id}/members/{user}`.
#[utoipa::path(
    delete,
    path = "/teams/{id}/members/{user}",
    tag = "teams",
    params(("id" = i64, Path, description = "The team's id", example = 1), ("user" = i64, Path, description = "The user's id", example = 1)),
    responses((status = 204, description = "Done"))
)]
pub async fn remove_member(
    State(s): State<AppState>,
    Extension(a): Extension<Access>,
    Path((team, user)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let (team, user) = membership(&s, &a, &team, &user).await?;
    s.store
        .remove_team_member(team, user)
        .await
        .map_err(ApiError::store("membership"))?;
    Ok(StatusCode::NO_CONTENT)
}
