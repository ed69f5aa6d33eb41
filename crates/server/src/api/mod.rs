//! The REST API under `/api/v1`: JSON in and out, a bearer token or a session on every route
//! but logging in and the first-run setup.

pub mod audio;
pub mod call_view;
pub mod calls;
pub mod channels;
pub mod configuration;
pub mod cover;
pub mod coverage;
pub mod doc;
pub mod error;
pub mod incident_view;
pub mod incidents;
pub mod integrations;
pub mod line_view;
pub mod lines;
pub mod range;
pub mod reference;
pub mod routes;
pub mod schedule_view;
pub mod schedules;
pub mod scope;
pub mod teams;
pub mod users;

use crate::app::AppState;
use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use error::ApiError;
use sha2::{Digest, Sha256};

/// Routes of the API ([`routes`]), all behind [`authenticate`] but logging in and the
/// first-run setup.
pub fn router(state: AppState) -> Router<AppState> {
    routes::protected()
        .router
        .fallback(|| async { ApiError::NotFound("route") })
        // Layers run outermost last-added: authenticate, then the audit trail.
        .layer(middleware::from_fn_with_state(
            state.clone(),
            crate::audit::layer,
        ))
        .layer(middleware::from_fn_with_state(state, authenticate))
        .merge(routes::public().router)
        // The API's own description, open to anyone: the OpenAPI document and its reference.
        .route("/openapi.json", axum::routing::get(doc::openapi_json))
        .route("/reference", axum::routing::get(reference::page))
}

/// The stored form of an API token: its SHA-256, hex. Tokens are 256 random bits, so a
/// plain hash is enough (no password-style stretching needed).
pub fn hash_token(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// A new random token: `sb_` and 43 URL-safe characters.
pub fn new_token() -> String {
    format!("sb_{}", random_secret())
}

/// 256 random bits, URL-safe base64 without padding.
pub fn random_secret() -> String {
    use base64::Engine;
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Admits a request with a valid API token (`Authorization: Bearer …`) or a live session
/// cookie (with its CSRF token when it changes something), noting who made it.
async fn authenticate(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let token = req
        .headers()
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        // The scheme is case-insensitive (RFC 9110 §11.1).
        .and_then(|v| {
            let (scheme, rest) = v.split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then_some(rest)
        })
        .map(str::trim)
        .filter(|t| !t.is_empty());
    let who = match token {
        Some(token) => {
            let token = token.to_owned();
            match crate::accounts::session::authenticate_token(&state, &token, req.method()).await {
                Ok(p) => p,
                Err(e) => return e.into_response(),
            }
        }
        None => match crate::accounts::session::cookie_value(req.headers()) {
            Some(id) => {
                let id = id.to_owned();
                match crate::accounts::session::authenticate(
                    &state,
                    &id,
                    req.method(),
                    req.headers(),
                )
                .await
                {
                    Ok(p) => p,
                    Err(e) => return e.into_response(),
                }
            }
            None => return ApiError::Unauthorized.into_response(),
        },
    };
    let access = match scope::load(&state, &who).await {
        Ok(a) => a,
        Err(e) => return e.into_response(),
    };
    req.extensions_mut().insert(who);
    req.extensions_mut().insert(access);
    next.run(req).await
}

/// Parses a path id, with a 404 for anything that is not one.
/// An RFC 3339 instant from a request, or a 422 on `field` saying what is expected.
pub fn instant(field: &str, raw: &str) -> Result<jiff::Timestamp, ApiError> {
    raw.parse().map_err(|_| {
        switchboard_core::DomainError::new(
            field,
            format!("'{raw}' is not an RFC 3339 instant such as 2026-11-24T09:00:00Z"),
        )
        .into()
    })
}

/// A page size from a request: `default` when absent, 1 to `max` otherwise (a 422 on `limit`
/// beyond that, rather than a page other than the one asked for).
pub fn page_limit(raw: Option<u32>, default: u32, max: u32) -> Result<u32, ApiError> {
    match raw {
        None => Ok(default),
        Some(n) if (1..=max).contains(&n) => Ok(n),
        Some(_) => {
            Err(switchboard_core::DomainError::new("limit", format!("must be 1 to {max}")).into())
        }
    }
}

pub fn parse_id<T: std::str::FromStr>(raw: &str, what: &'static str) -> Result<T, ApiError> {
    raw.parse().map_err(|_| ApiError::NotFound(what))
}
