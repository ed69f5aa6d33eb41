//! `/api/v1/tokens`: API tokens that belong to people. A token carries at most the rights of
//! the user who made it, optionally read-only, optionally expiring; it is shown once.

use super::session::Principal;
use super::views::{TokenList, TokenView};
use crate::api::error::{ApiError, ApiJson, ApiResult};
use crate::app::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use serde::Deserialize;
use switchboard_core::store::{ApiToken, NewApiToken};
use switchboard_core::DomainError;
use utoipa::ToSchema;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(examples(json!({"name": "deploy", "read_only": true, "expires_in_days": 90})))]
pub struct TokenInput {
    name: String,
    #[serde(default)]
    read_only: bool,
    /// Days until it stops working (1–365); none: until revoked.
    #[schema(minimum = 1, maximum = 365)]
    expires_in_days: Option<i64>,
}

fn token_json(t: &ApiToken) -> TokenView {
    TokenView {
        id: t.id,
        name: t.name.clone(),
        user_id: t.user_id,
        read_only: t.read_only,
        expires_at: t.expires_at,
        last_used_at: t.last_used_at,
        created_at: t.created_at,
        token: None,
    }
}

/// Whether `who` may see and revoke `t`: their own tokens; an owner-level token sees all.
fn may_manage(who: &Principal, t: &ApiToken) -> bool {
    match who.user() {
        Some(u) => t.user_id == Some(u),
        None => true,
    }
}

/// `POST /api/v1/tokens`.
#[utoipa::path(
    post,
    path = "/tokens",
    tag = "accounts",
    request_body = TokenInput,
    responses((status = 201, description = "Created", body = TokenView))
)]
pub async fn create_token(
    State(s): State<AppState>,
    Extension(who): Extension<Principal>,
    ApiJson(input): ApiJson<TokenInput>,
) -> ApiResult<(StatusCode, Json<TokenView>)> {
    let name = switchboard_core::name::checked("name", &input.name)?;
    let now = s.clock.now();
    let expires_at = match input.expires_in_days {
        None => None,
        Some(d @ 1..=365) => Some(now + jiff::SignedDuration::from_hours(24 * d)),
        Some(_) => {
            return Err(DomainError::new("expires_in_days", "must be 1 to 365 (or absent)").into())
        }
    };
    let read_only = input.read_only
        || matches!(
            who,
            Principal::Token {
                read_only: true,
                ..
            }
        );
    let new = NewApiToken {
        name: name.to_owned(),
        user_id: who.user(),
        read_only,
        expires_at,
    };
    let secret = crate::api::new_token();
    let t = s
        .store
        .create_api_token(&new, &crate::api::hash_token(&secret), now)
        .await
        .map_err(ApiError::store("token"))?;
    let mut body = token_json(&t);
    body.token = Some(secret);
    Ok((StatusCode::CREATED, Json(body)))
}

/// `GET /api/v1/tokens`: the requester's tokens (an owner-level token lists all).
#[utoipa::path(
    get,
    path = "/tokens",
    tag = "accounts",
    responses((status = 200, description = "OK", body = TokenList))
)]
pub async fn list_tokens(
    State(s): State<AppState>,
    Extension(who): Extension<Principal>,
) -> ApiResult<Json<TokenList>> {
    let all = s
        .store
        .list_api_tokens()
        .await
        .map_err(ApiError::store("token"))?;
    let tokens = all
        .iter()
        .filter(|t| may_manage(&who, t))
        .map(token_json)
        .collect();
    Ok(Json(TokenList { tokens }))
}

/// `DELETE /api/v1/tokens/{id}`: revokes one of the requester's tokens; another's is 404.
#[utoipa::path(
    delete,
    path = "/tokens/{id}",
    tag = "accounts",
    params(("id" = i64, Path, description = "The token's id", example = 1)),
    responses((status = 204, description = "Done"))
)]
pub async fn revoke_token(
    State(s): State<AppState>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let id: i64 = crate::api::parse_id(&id, "token")?;
    let all = s
        .store
        .list_api_tokens()
        .await
        .map_err(ApiError::store("token"))?;
    if !all.iter().any(|t| t.id == id && may_manage(&who, t)) {
        return Err(ApiError::NotFound("token"));
    }
    s.store
        .delete_api_token(id)
        .await
        .map_err(ApiError::store("token"))?;
    Ok(StatusCode::NO_CONTENT)
}
