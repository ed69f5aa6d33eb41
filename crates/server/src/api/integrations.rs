//! `/api/v1/integrations`: the tools a team already uses (PagerDuty, incident.io, a Standard
//! Webhooks receiver), told every status change of the team's incidents. The secret (routing
//! key, token or signing secret) is never shown again; a webhook's signing secret is made
//! here when left out, and shown once in the answer that creates it.

use super::error::{ApiError, ApiJson, ApiResult};
use super::{parse_id, scope};
use crate::app::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use switchboard_core::account::Access;
use switchboard_core::incident::integration::{Integration, IntegrationId, Kind, NewIntegration};
use switchboard_core::{DomainError, TeamId};
use utoipa::ToSchema;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(examples(json!({"name": "PagerDuty", "kind": "pagerduty", "secret": "0123456789abcdef0123456789abcdef"})))]
pub struct IntegrationInput {
    name: String,
    #[schema(value_type = Kind)]
    kind: String,
    /// PagerDuty: optional (the US endpoint; an EU account gives its own).
    #[serde(default)]
    url: String,
    /// The routing key, the alert source's token, or the signing secret.
    #[serde(default)]
    secret: String,
    team: Option<TeamId>,
}

/// The API's view: the URL's host only (a URL may carry a secret), never the secret.
#[derive(Debug, Serialize, ToSchema)]
pub struct IntegrationView {
    pub id: IntegrationId,
    pub name: String,
    pub kind: Kind,
    /// The host posted to (the URL may carry a secret).
    #[schema(examples("events.pagerduty.com"))]
    pub host: Option<String>,
    pub team: Option<TeamId>,
    pub created_at: jiff::Timestamp,
    /// A webhook's signing secret, made by Switchboard: shown once, in the answer that
    /// creates it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

/// `{"integrations": [...]}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct IntegrationList {
    pub integrations: Vec<IntegrationView>,
}

pub fn integration_json(i: &Integration) -> IntegrationView {
    IntegrationView {
        id: i.id,
        name: i.name.clone(),
        kind: i.kind,
        host: url::Url::parse(&i.url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_owned)),
        team: i.team,
        created_at: i.created_at,
        secret: None,
    }
}

pub async fn load(s: &AppState, a: &Access, id: IntegrationId) -> ApiResult<Integration> {
    let i = s
        .store
        .get_integration(id)
        .await
        .map_err(ApiError::store("integration"))?;
    scope::visible(a, i.team, "integration")?;
    Ok(i)
}

/// A new signing secret: `whsec_` and the base64 of 32 random bytes.
fn new_secret() -> String {
    use base64::Engine as _;
    use rand::RngCore as _;
    let mut key = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut key);
    format!(
        "whsec_{}",
        base64::engine::general_purpose::STANDARD.encode(key)
    )
}

#[utoipa::path(
    post,
    path = "/integrations",
    tag = "integrations",
    request_body = IntegrationInput,
    responses((status = 201, description = "Created", body = IntegrationView))
)]
pub async fn create_integration(
    State(s): State<AppState>,
    Extension(a): Extension<Access>,
    ApiJson(mut input): ApiJson<IntegrationInput>,
) -> ApiResult<(StatusCode, Json<IntegrationView>)> {
    let made_secret =
        (input.kind == Kind::Webhook.as_str() && input.secret.trim().is_empty()).then(new_secret);
    if let Some(made) = &made_secret {
        input.secret = made.clone();
    }
    let team = input.team.take();
    let mut new = new_integration(&s.config, input)?;
    new.team = scope::team_for_new(&s, &a, team).await?;
    let i = s
        .store
        .create_integration(&new, s.clock.now())
        .await
        .map_err(ApiError::store("integration"))?;
    let mut out = integration_json(&i);
    out.secret = made_secret;
    Ok((StatusCode::CREATED, Json(out)))
}

/// An integration from `input`, checked for its kind and against the hosts this server posts
/// to; its team is left for the caller to decide.
pub(crate) fn new_integration(
    config: &crate::config::Config,
    input: IntegrationInput,
) -> ApiResult<NewIntegration> {
    let new = NewIntegration {
        name: input.name,
        kind: Kind::parse(&input.kind)?,
        url: input.url,
        secret: input.secret,
        team: None,
    }
    .validate()?;
    if let Err(why) = crate::outbound::parse_and_check(&new.url, &config.alert_hosts, "alert_hosts")
    {
        return Err(DomainError::new(
            "url",
            format!(
                "{why}: this server posts only to alert_hosts ({})",
                config.alert_hosts.join(", ")
            ),
        )
        .into());
    }
    Ok(new)
}

#[utoipa::path(
    get,
    path = "/integrations",
    tag = "integrations",
    responses((status = 200, description = "OK", body = IntegrationList))
)]
pub async fn list_integrations(
    State(s): State<AppState>,
    Extension(a): Extension<Access>,
) -> ApiResult<Json<IntegrationList>> {
    let all = s
        .store
        .list_integrations()
        .await
        .map_err(ApiError::store("integration"))?;
    let integrations = all
        .iter()
        .filter(|i| a.sees(i.team))
        .map(integration_json)
        .collect();
    Ok(Json(IntegrationList { integrations }))
}

#[utoipa::path(
    get,
    path = "/integrations/{id}",
    tag = "integrations",
    params(("id" = i64, Path, description = "The integration's id", example = 1)),
    responses((status = 200, description = "OK", body = IntegrationView))
)]
pub async fn get_integration(
    State(s): State<AppState>,
    Extension(a): Extension<Access>,
    Path(id): Path<String>,
) -> ApiResult<Json<IntegrationView>> {
    let i = load(&s, &a, parse_id(&id, "integration")?).await?;
    Ok(Json(integration_json(&i)))
}

#[utoipa::path(
    delete,
    path = "/integrations/{id}",
    tag = "integrations",
    params(("id" = i64, Path, description = "The integration's id", example = 1)),
    responses((status = 204, description = "Done"))
)]
pub async fn delete_integration(
    State(s): State<AppState>,
    Extension(a): Extension<Access>,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let i = load(&s, &a, parse_id(&id, "integration")?).await?;
    s.store
        .delete_integration(i.id)
        .await
        .map_err(ApiError::store("integration"))?;
    Ok(StatusCode::NO_CONTENT)
}
