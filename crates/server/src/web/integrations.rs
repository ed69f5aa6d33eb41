//! `/integrations`: the tools told about the viewer's teams' incidents (PagerDuty,
//! incident.io, Standard Webhooks receivers): the list, adding one (a webhook's signing
//! secret is made when left out and shown once, here), deleting one. Through the API's
//! handlers.

use super::calls::Opt;
use super::{html_fixing, Chrome, PageError, Viewer};
use crate::api::error::{ApiError, ApiJson};
use crate::api::integrations as api;
use crate::app::AppState;
use askama::Template;
use axum::extract::{Form, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Extension;
use serde_json::json;
use std::collections::HashMap;

pub struct Row {
    pub id: i64,
    pub name: String,
    pub kind: &'static str,
    pub host: String,
}

#[derive(Template)]
#[template(path = "integrations.html")]
pub struct IntegrationsPage {
    pub chrome: Chrome,
    pub problem: Option<String>,
    /// A signing secret just made: shown once.
    pub secret: Option<String>,
    pub rows: Vec<Row>,
    pub teams: Vec<Opt>,
}

async fn page(
    s: &AppState,
    v: &Viewer,
    problem: Option<String>,
    secret: Option<String>,
) -> Result<Response, PageError> {
    let all = s
        .store
        .list_integrations()
        .await
        .map_err(ApiError::store("integration"))?;
    let rows = all
        .iter()
        .filter(|i| v.access.sees(i.team))
        .map(|i| Row {
            id: i.id.0,
            name: i.name.clone(),
            kind: match i.kind {
                switchboard_core::incident::integration::Kind::Pagerduty => "PagerDuty",
                switchboard_core::incident::integration::Kind::IncidentIo => "incident.io",
                switchboard_core::incident::integration::Kind::Webhook => "Webhook",
            },
            host: url::Url::parse(&i.url)
                .ok()
                .and_then(|u| u.host_str().map(str::to_owned))
                .unwrap_or_default(),
        })
        .collect();
    let teams = super::setup::team_options(s, v, v.access.teams.first().copied()).await?;
    let fixing = problem.is_some();
    html_fixing(
        &IntegrationsPage {
            chrome: v.chrome(s, "incidents").await,
            problem,
            secret,
            rows,
            teams,
        },
        fixing,
    )
}

/// `GET /integrations`.
pub async fn show(State(s): State<AppState>, v: Viewer) -> Result<Response, PageError> {
    page(&s, &v, None, None).await
}

/// `POST /integrations`: through `POST /api/v1/integrations`.
pub async fn add(
    State(s): State<AppState>,
    v: Viewer,
    Form(f): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    v.check_csrf(f.get("csrf").map_or("", String::as_str))?;
    let field = |k: &str| f.get(k).map(|x| x.trim().to_owned()).unwrap_or_default();
    let mut body = json!({
        "name": field("name"), "kind": field("kind"), "url": field("url"), "secret": field("secret"),
    });
    if let Ok(t) = field("team").parse::<i64>() {
        body["team"] = json!(t);
    }
    let made = api::create_integration(
        State(s.clone()),
        Extension(v.access.clone()),
        ApiJson(super::input(body)?),
    )
    .await;
    match made {
        Ok((_, axum::Json(i))) => match i.secret.as_deref() {
            Some(secret) => page(&s, &v, None, Some(secret.to_owned())).await,
            None => Ok(Redirect::to("/integrations").into_response()),
        },
        Err(e) => page(&s, &v, Some(super::fixable(e)?), None).await,
    }
}

/// `POST /integrations/{id}/delete`.
pub async fn delete(
    State(s): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
    Form(f): Form<super::CsrfForm>,
) -> Result<Response, PageError> {
    v.check_csrf(&f.csrf)?;
    api::delete_integration(State(s.clone()), Extension(v.access.clone()), Path(id)).await?;
    Ok(Redirect::to("/integrations").into_response())
}
