//! The REST API under `/api/v1`: JSON in and out, bearer-token auth on every route.

pub mod audio;
pub mod calls;
pub mod channels;
pub mod coverage;
pub mod error;
pub mod lines;
pub mod schedules;
pub mod users;

use crate::app::AppState;
use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use error::ApiError;
use sha2::{Digest, Sha256};

/// Routes of the API, all behind [`authenticate`] but logging in and the first-run setup.
pub fn router(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/users", post(users::create_user).get(users::list_users))
        .route(
            "/users/{id}",
            get(users::get_user)
                .patch(users::update_user)
                .delete(users::delete_user),
        )
        .route(
            "/users/{id}/calendar-feed",
            post(schedules::rotate_user_feed),
        )
        .route(
            "/schedules",
            post(schedules::create_schedule).get(schedules::list_schedules),
        )
        .route(
            "/schedules/{id}",
            get(schedules::get_schedule)
                .patch(schedules::update_schedule)
                .delete(schedules::delete_schedule),
        )
        .route("/schedules/{id}/layers", post(schedules::add_layer))
        .route(
            "/schedules/{id}/layers/{layer}",
            axum::routing::put(schedules::update_layer).delete(schedules::delete_layer),
        )
        .route("/schedules/{id}/overrides", post(schedules::add_override))
        .route(
            "/schedules/{id}/overrides/{override}",
            axum::routing::delete(schedules::delete_override),
        )
        .route("/schedules/{id}/on-call", get(schedules::get_on_call))
        .route("/schedules/{id}/shifts", get(schedules::get_shifts))
        .route(
            "/schedules/{id}/calendar-feed",
            post(schedules::rotate_schedule_feed),
        )
        .route(
            "/lines/{id}/messages/{kind}/audio",
            axum::routing::put(audio::put_message_audio)
                .delete(audio::delete_message_audio)
                .layer(axum::extract::DefaultBodyLimit::max(audio::MAX_AUDIO_BYTES)),
        )
        .route(
            "/channels",
            post(channels::create_channel).get(channels::list_channels),
        )
        .route(
            "/channels/{id}",
            get(channels::get_channel).delete(channels::delete_channel),
        )
        .route("/lines", post(lines::create_line).get(lines::list_lines))
        .route(
            "/lines/{id}",
            get(lines::get_line)
                .patch(lines::update_line)
                .delete(lines::delete_line),
        )
        .route("/lines/{id}/coverage", get(coverage::get_coverage))
        .route("/lines/{id}/routing", get(coverage::get_routing))
        .route(
            "/lines/{id}/test-mode",
            post(lines::start_test_mode).delete(lines::stop_test_mode),
        )
        .route("/calls", get(calls::list_calls))
        .route("/calls/export.csv", get(calls::export_calls))
        .route(
            "/calls/{id}",
            get(calls::get_call).delete(calls::delete_call),
        )
        .route("/calls/{id}/archive", post(calls::archive_call))
        .route("/calls/{id}/unarchive", post(calls::unarchive_call))
        .route(
            "/calls/{id}/recordings/{recording}/media",
            get(calls::get_recording_media),
        )
        .route(
            "/me",
            get(crate::accounts::routes::me).patch(users::update_me),
        )
        .route(
            "/tokens",
            post(crate::accounts::tokens::create_token).get(crate::accounts::tokens::list_tokens),
        )
        .route(
            "/tokens/{id}",
            axum::routing::delete(crate::accounts::tokens::revoke_token),
        )
        .route("/logout", post(crate::accounts::routes::logout))
        .route(
            "/logout-everywhere",
            post(crate::accounts::routes::logout_everywhere),
        )
        .fallback(|| async { ApiError::NotFound("route") })
        .layer(middleware::from_fn_with_state(state, authenticate))
        // Routes open to anonymous requests: logging in, and the first owner's setup.
        .merge(
            Router::new()
                .route("/login", post(crate::accounts::routes::login))
                .route("/setup", post(crate::accounts::routes::setup)),
        )
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
    req.extensions_mut().insert(who);
    next.run(req).await
}

/// Parses a path id, with a 404 for anything that is not one.
pub fn parse_id<T: std::str::FromStr>(raw: &str, what: &'static str) -> Result<T, ApiError> {
    raw.parse().map_err(|_| ApiError::NotFound(what))
}
