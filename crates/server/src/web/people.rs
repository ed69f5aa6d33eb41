//! `/people`: people and teams, for admins and owners (members get 403): everyone with their
//! teams and role, adding a person, changing a role (owners only for admins and owners),
//! teams with their members. Every change goes through the API's own handler.

use super::{html_fixing, Chrome, PageError, Viewer};
use crate::api::error::{ApiError, ApiJson};
use crate::app::AppState;
use askama::Template;
use axum::extract::{Form, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Extension;
use serde::Deserialize;
use serde_json::json;
use std::collections::HashMap;

pub struct PersonRow {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub phone: String,
    pub zone: String,
    pub teams: String,
    pub role: &'static str,
    pub can_log_in: bool,
}

pub struct TeamView {
    pub id: i64,
    pub name: String,
    pub members: Vec<(i64, String)>,
}

#[derive(Template)]
#[template(path = "people.html")]
pub struct PeoplePage {
    pub chrome: Chrome,
    pub problem: Option<String>,
    pub users: Vec<PersonRow>,
    pub teams: Vec<TeamView>,
    pub roles: [&'static str; 3],
}

async fn page(s: &AppState, v: &Viewer, problem: Option<String>) -> Result<Response, PageError> {
    v.access
        .manage_people()
        .map_err(|d| PageError::Status(axum::http::StatusCode::FORBIDDEN, d.0.to_owned()))?;
    let users = s
        .store
        .list_users()
        .await
        .map_err(ApiError::store("user"))?;
    let teams = s
        .store
        .list_teams()
        .await
        .map_err(ApiError::store("team"))?;
    let names: HashMap<_, _> = users.iter().map(|u| (u.id, u.name.clone())).collect();
    let rows = users
        .iter()
        .map(|u| PersonRow {
            id: u.id.0,
            name: u.name.clone(),
            email: u.email.clone(),
            phone: u.phone.as_ref().map_or("—".to_owned(), |p| p.to_string()),
            zone: u.time_zone.name().to_owned(),
            teams: teams
                .iter()
                .filter(|t| t.members.contains(&u.id))
                .map(|t| t.name.clone())
                .collect::<Vec<_>>()
                .join(", "),
            role: u.role.as_str(),
            can_log_in: u.has_password,
        })
        .collect();
    let teams = teams
        .iter()
        .map(|t| TeamView {
            id: t.id.0,
            name: t.name.clone(),
            members: t
                .members
                .iter()
                .map(|m| (m.0, names.get(m).cloned().unwrap_or_default()))
                .collect(),
        })
        .collect();
    let fixing = problem.is_some();
    html_fixing(
        &PeoplePage {
            chrome: v.chrome(s, "people").await,
            problem,
            users: rows,
            teams,
            roles: ["member", "admin", "owner"],
        },
        fixing,
    )
}

/// `GET /people`.
pub async fn show(State(s): State<AppState>, v: Viewer) -> Result<Response, PageError> {
    page(&s, &v, None).await
}

/// Back to the page, or the page with what to fix.
async fn after(
    s: &AppState,
    v: &Viewer,
    done: Result<(), ApiError>,
) -> Result<Response, PageError> {
    match done {
        Ok(()) => Ok(Redirect::to("/people").into_response()),
        Err(e) => page(s, v, Some(super::fixable(e)?)).await,
    }
}

#[derive(Debug, Deserialize)]
pub struct PersonForm {
    #[serde(default)]
    csrf: String,
    name: String,
    email: String,
    #[serde(default)]
    phone: String,
    time_zone: String,
}

/// `POST /people`.
pub async fn add(
    State(s): State<AppState>,
    v: Viewer,
    Form(f): Form<PersonForm>,
) -> Result<Response, PageError> {
    v.check_csrf(&f.csrf)?;
    let mut body = json!({"name": f.name, "email": f.email, "time_zone": f.time_zone.trim()});
    if !f.phone.trim().is_empty() {
        body["phone"] = json!(f.phone.trim());
    }
    let done = async {
        crate::api::users::create_user(
            State(s.clone()),
            Extension(v.access.clone()),
            ApiJson(super::input(body)?),
        )
        .await
        .map(|_| ())
    }
    .await;
    after(&s, &v, done).await
}

#[derive(Debug, Deserialize)]
pub struct RoleForm {
    #[serde(default)]
    csrf: String,
    role: String,
}

/// `POST /people/{id}/role`.
pub async fn role(
    State(s): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
    Form(f): Form<RoleForm>,
) -> Result<Response, PageError> {
    v.check_csrf(&f.csrf)?;
    let done = async {
        crate::accounts::routes::set_role(
            State(s.clone()),
            Extension(v.access.clone()),
            axum::extract::Path(id),
            ApiJson(super::input(json!({ "role": f.role }))?),
        )
        .await
        .map(|_| ())
    }
    .await;
    after(&s, &v, done).await
}

#[derive(Debug, Deserialize)]
pub struct TeamForm {
    #[serde(default)]
    csrf: String,
    name: String,
}

/// `POST /teams`.
pub async fn add_team(
    State(s): State<AppState>,
    v: Viewer,
    Form(f): Form<TeamForm>,
) -> Result<Response, PageError> {
    v.check_csrf(&f.csrf)?;
    let done = async {
        crate::api::teams::create_team(
            State(s.clone()),
            Extension(v.access.clone()),
            ApiJson(super::input(json!({"name": f.name}))?),
        )
        .await
        .map(|_| ())
    }
    .await;
    after(&s, &v, done).await
}

#[derive(Debug, Deserialize)]
pub struct MemberForm {
    #[serde(default)]
    csrf: String,
    user: String,
}

/// `POST /teams/{id}/members`.
pub async fn add_member(
    State(s): State<AppState>,
    v: Viewer,
    Path(team): Path<String>,
    Form(f): Form<MemberForm>,
) -> Result<Response, PageError> {
    v.check_csrf(&f.csrf)?;
    let done = crate::api::teams::add_member(
        State(s.clone()),
        Extension(v.access.clone()),
        Path((team, f.user)),
    )
    .await
    .map(|_| ());
    after(&s, &v, done).await
}

/// `POST /teams/{id}/members/{user}/remove`.
pub async fn remove_member(
    State(s): State<AppState>,
    v: Viewer,
    Path((team, user)): Path<(String, String)>,
    Form(f): Form<super::CsrfForm>,
) -> Result<Response, PageError> {
    v.check_csrf(&f.csrf)?;
    let done = crate::api::teams::remove_member(
        State(s.clone()),
        Extension(v.access.clone()),
        Path((team, user)),
    )
    .await
    .map(|_| ());
    after(&s, &v, done).await
}
