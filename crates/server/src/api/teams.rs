//! `/api/v1/teams`: teams and their members. Teams own lines, schedules and chat channels;
//! a member acts on their teams' only. Admins and owners manage teams; members see their own.

use super::error::{ApiError, ApiJson, ApiResult};
use super::parse_id;
use super::scope;
use crate::app::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::HashMap;
use switchboard_core::account::{team_name, Access, Team};
use switchboard_core::store::StoreError;
use switchboard_core::{TeamId, UserId};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TeamInput {
    name: String,
}

async fn team_json(s: &AppState, t: &Team) -> ApiResult<Value> {
    let names: HashMap<UserId, String> = s
        .store
        .list_users()
        .await
        .map_err(ApiError::store("user"))?
        .into_iter()
        .map(|u| (u.id, u.name))
        .collect();
    Ok(json!({
        "id": t.id,
        "name": t.name,
        "members": t.members.iter().map(|m| json!({"id": m, "name": names.get(m)})).collect::<Vec<_>>(),
        "created_at": t.created_at,
    }))
}

pub async fn create_team(
    State(s): State<AppState>,
    Extension(a): Extension<Access>,
    ApiJson(input): ApiJson<TeamInput>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    a.manage_people().map_err(scope::forbidden)?;
    let name = team_name(&input.name)?;
    let t = s
        .store
        .create_team(&name, s.clock.now())
        .await
        .map_err(ApiError::store("team"))?;
    Ok((StatusCode::CREATED, Json(team_json(&s, &t).await?)))
}

pub async fn list_teams(
    State(s): State<AppState>,
    Extension(a): Extension<Access>,
) -> ApiResult<Json<Value>> {
    let all = s
        .store
        .list_teams()
        .await
        .map_err(ApiError::store("team"))?;
    let mut out = Vec::new();
    for t in all.iter().filter(|t| a.sees(Some(t.id))) {
        out.push(team_json(&s, t).await?);
    }
    Ok(Json(json!({ "teams": out })))
}

pub async fn get_team(
    State(s): State<AppState>,
    Extension(a): Extension<Access>,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let t = scope::team(&s, &a, parse_id(&id, "team")?).await?;
    Ok(Json(team_json(&s, &t).await?))
}

pub async fn rename_team(
    State(s): State<AppState>,
    Extension(a): Extension<Access>,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<TeamInput>,
) -> ApiResult<Json<Value>> {
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
pub async fn add_member(
    State(s): State<AppState>,
    Extension(a): Extension<Access>,
    Path((team, user)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    let (team, user) = membership(&s, &a, &team, &user).await?;
    s.store
        .add_team_member(team, user)
        .await
        .map_err(ApiError::store("team"))?;
    let t = scope::team(&s, &a, team).await?;
    Ok(Json(team_json(&s, &t).await?))
}

/// `DELETE /teams/{id}/members/{user}`.
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
