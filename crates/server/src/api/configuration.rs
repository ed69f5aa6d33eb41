//! `/api/v1/configuration`: the whole setup as one TOML file (see [`crate::as_code`]), and
//! the plan and apply of such a file, for owners. An apply is audited with its plan.

use super::error::{ApiError, ApiJson, ApiResult};
use super::scope;
use crate::app::AppState;
use crate::as_code::plan::{plan, store_failure, PlanError, Planned, SetupPlan};
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::Deserialize;
use std::collections::BTreeMap;
use switchboard_core::account::{Access, Role};
use switchboard_core::store::StoreError;
use switchboard_core::DomainError;
use utoipa::ToSchema;

/// A setup file, the secrets it refers to, and whether to delete what it does not name.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(examples(json!({"file": "[[teams]]\nname = \"Payments\"\nmembers = [\"alice@example.com\"]\n\n[[users]]\nemail = \"alice@example.com\"\nname = \"Alice Example\"\nphone = \"+14155550101\"\n", "secrets": {"SWITCHBOARD_SECRET_LINE_SECURITY_HOTLINE_AUTH_TOKEN": "the Twilio auth token"}, "prune": false})))]
pub struct ConfigurationInput {
    /// The file, as `GET /configuration` or `switchboard export` writes it.
    file: String,
    /// The values of the variables its `{ env = "NAME" }` references name. Only these are
    /// read: never the server's own environment.
    #[serde(default)]
    secrets: BTreeMap<String, String>,
    /// Delete what is stored but not named in the file.
    #[serde(default)]
    prune: bool,
}

/// Changing the whole setup (roles, deleting anything) is for owners.
fn owners_only(a: &Access) -> ApiResult<()> {
    if a.role == Role::Owner {
        Ok(())
    } else {
        Err(scope::forbidden(switchboard_core::account::Denied(
            "only owners may read or apply the whole setup",
        )))
    }
}

async fn planned(s: &AppState, input: &ConfigurationInput) -> ApiResult<Planned> {
    let env = |name: &str| input.secrets.get(name).cloned();
    match plan(&*s.store, &s.config, &input.file, &env, input.prune).await {
        Ok(p) => Ok(p),
        Err(PlanError::Store(e)) => Err(ApiError::store("setup")(e)),
        Err(PlanError::File(errors)) => {
            let first = errors.first().map(|e| e.key.clone()).unwrap_or_default();
            let all: Vec<String> = errors.iter().map(ToString::to_string).collect();
            let message = format!(
                "{} problem(s) in the file: {}",
                errors.len(),
                all.join("; ")
            );
            Err(DomainError::new(format!("file: {first}"), message).into())
        }
    }
}

#[utoipa::path(
    get,
    path = "/configuration",
    tag = "configuration",
    responses((status = 200, description = "The whole setup as TOML, by names; secrets as references to environment variables", content_type = "application/toml", body = String))
)]
pub async fn export_configuration(
    State(s): State<AppState>,
    Extension(a): Extension<Access>,
) -> ApiResult<Response> {
    owners_only(&a)?;
    let made = crate::as_code::export::export(&*s.store)
        .await
        .map_err(|e| ApiError::Internal(e.into()))?;
    Ok(([(header::CONTENT_TYPE, "application/toml")], made.toml).into_response())
}

#[utoipa::path(
    post,
    path = "/configuration/plan",
    tag = "configuration",
    request_body = ConfigurationInput,
    responses((status = 200, description = "What applying the file would create, change and delete; nothing is changed", body = SetupPlan))
)]
pub async fn plan_configuration(
    State(s): State<AppState>,
    Extension(a): Extension<Access>,
    ApiJson(input): ApiJson<ConfigurationInput>,
) -> ApiResult<Response> {
    owners_only(&a)?;
    let p = planned(&s, &input).await?;
    Ok(crate::audit::unchanged(Json(p.plan).into_response()))
}

#[utoipa::path(
    post,
    path = "/configuration/apply",
    tag = "configuration",
    request_body = ConfigurationInput,
    responses((status = 200, description = "The plan, written in one transaction (all of it or, with an error, none)", body = SetupPlan))
)]
pub async fn apply_configuration(
    State(s): State<AppState>,
    Extension(a): Extension<Access>,
    ApiJson(input): ApiJson<ConfigurationInput>,
) -> ApiResult<Json<SetupPlan>> {
    owners_only(&a)?;
    let p = planned(&s, &input).await?;
    if !p.changes.is_empty() {
        s.store
            .apply_setup(&p.changes, s.clock.now())
            .await
            .map_err(|e| match e {
                StoreError::Backend(b) => ApiError::Internal(b),
                other => ApiError::Conflict(store_failure(&other)),
            })?;
    }
    Ok(Json(p.plan))
}
