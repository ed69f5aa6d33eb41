//! Logging in and out, the first owner, and who am I.

use super::password;
use super::session::{self, Principal};
use crate::api::error::{ApiError, ApiJson, ApiResult};
use crate::api::users::user_json;
use crate::app::AppState;
use axum::extract::{ConnectInfo, State};
use axum::http::{header, Extensions, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::Deserialize;
use serde_json::json;
use std::net::SocketAddr;
use switchboard_core::account::{
    check_password, Role, ACCOUNT_THROTTLE, ADDRESS_THROTTLE, SESSION_ABSOLUTE, SESSION_IDLE,
};
use switchboard_core::store::StoreError;
use switchboard_core::user::{NewUser, User};

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(examples(json!({"email": "alice@example.com", "password": "correct horse battery staple"})))]
pub struct Login {
    pub email: String,
    pub password: String,
}

/// The address a request came from, for throttling and the audit trail: the peer, or the
/// client a trusted proxy names.
pub fn address(s: &AppState, ext: &Extensions, headers: &HeaderMap) -> String {
    ext.get::<ConnectInfo<SocketAddr>>().map_or_else(
        || "unknown".to_owned(),
        |c| {
            s.config
                .trusted_proxies
                .client(c.0.ip(), headers)
                .to_string()
        },
    )
}

/// A logged-in answer: the user, the CSRF token, and the session cookie.
fn logged_in(
    status: StatusCode,
    user: &User,
    cookie: header::HeaderValue,
    csrf: String,
) -> Response {
    let body = super::views::LoggedIn {
        user: user_json(user),
        csrf_token: csrf,
    };
    (status, [(header::SET_COOKIE, cookie)], Json(body)).into_response()
}

/// `POST /api/v1/login`: email and password; a new session (any session the browser brought
/// is ended, so a planted session id never becomes a logged-in one).
#[utoipa::path(
    post,
    path = "/login",
    tag = "accounts",
    request_body = Login,
    responses((status = 200, description = "Logged in: the session cookie is set", body = super::views::LoggedIn)),
    security(())
)]
pub async fn login(
    State(s): State<AppState>,
    ext: Extensions,
    headers: HeaderMap,
    ApiJson(l): ApiJson<Login>,
) -> ApiResult<Response> {
    let (user, cookie, csrf) = password_login(&s, &ext, &headers, &l).await?;
    Ok(logged_in(StatusCode::OK, &user, cookie, csrf))
}

/// A login with email and password, throttled and audited, for the API and the login page:
/// the user, the new session's cookie and its CSRF token.
pub async fn password_login(
    s: &AppState,
    ext: &Extensions,
    headers: &HeaderMap,
    l: &Login,
) -> ApiResult<(User, header::HeaderValue, String)> {
    if s.config.sso.as_ref().is_some_and(|c| c.only) {
        return Err(ApiError::Forbidden(format!(
            "this server accepts single sign-on only: log in at {}/api/v1/sso/start",
            s.config.public_url
        )));
    }
    let now = s.clock.now();
    let keys = [
        format!("account:{}", l.email.trim().to_lowercase()),
        format!("address:{}", address(s, ext, headers)),
    ];
    let store = ApiError::store("login");
    let (a, b) = (
        s.store
            .count_login_failures(&keys[0], ACCOUNT_THROTTLE.since(now))
            .await
            .map_err(&store)?,
        s.store
            .count_login_failures(&keys[1], ADDRESS_THROTTLE.since(now))
            .await
            .map_err(&store)?,
    );
    let attempt = |action, status, user: Option<&User>| crate::audit::LoginAttempt {
        action,
        status,
        user: user.cloned(),
        who: l.email.trim().to_owned(),
        address: address(s, ext, headers),
    };
    if ACCOUNT_THROTTLE.closed(a) || ADDRESS_THROTTLE.closed(b) {
        tracing::warn!(address = %keys[1], "login refused: too many failed attempts");
        crate::audit::login(
            s,
            attempt(
                "login refused: too many failures",
                StatusCode::TOO_MANY_REQUESTS,
                None,
            ),
        )
        .await;
        return Err(ApiError::TooManyRequests(
            "too many failed logins; wait 15 minutes and try again".to_owned(),
        ));
    }
    let user = match s.store.user_login(l.email.trim()).await {
        Ok((user, Some(hash))) if password::verify(&l.password, &hash).await => Some(user),
        Ok((_, Some(_))) => None,
        Ok((_, None)) | Err(StoreError::NotFound) => {
            password::waste_time(&l.password).await;
            None
        }
        Err(e) => return Err(store(e)),
    };
    let Some(user) = user else {
        // Failures older than every window count for nothing: they are forgotten here.
        let forget = now - ACCOUNT_THROTTLE.window.max(ADDRESS_THROTTLE.window);
        s.store
            .note_login_failure(&keys, now, forget)
            .await
            .map_err(&store)?;
        tracing::info!(address = %keys[1], "failed login");
        crate::audit::login(s, attempt("login failed", StatusCode::UNAUTHORIZED, None)).await;
        return Err(ApiError::LoginFailed);
    };
    s.store
        .clear_login_failures(&keys[0])
        .await
        .map_err(&store)?;
    if let Some(old) = session::cookie_value(headers) {
        let _ = s.store.delete_session(&crate::api::hash_token(old)).await;
    }
    let (cookie, csrf) = session::start(s, user.id).await.map_err(&store)?;
    // Sessions that ran out are removed at each login, so the table holds live ones.
    s.store
        .delete_expired_sessions(now - SESSION_IDLE, now - SESSION_ABSOLUTE)
        .await
        .map_err(&store)?;
    tracing::info!(user = %user.id, "login");
    crate::audit::login(s, attempt("login", StatusCode::OK, Some(&user))).await;
    Ok((user, cookie, csrf))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(examples(json!({"token": "the token from the setup link serve printed", "name": "Olga Owner", "email": "olga@example.com", "password": "a long passphrase of yours", "time_zone": "Europe/London"})))]
pub struct Setup {
    pub token: String,
    pub name: String,
    pub email: String,
    pub password: String,
    pub phone: Option<String>,
    pub time_zone: Option<String>,
}

/// The first owner from a setup link: the user, a session cookie and its CSRF token.
pub async fn create_owner(
    s: &AppState,
    input: Setup,
) -> ApiResult<(User, header::HeaderValue, String)> {
    let user = NewUser::validate(
        &input.name,
        &input.email,
        input.phone.as_deref(),
        input.time_zone.as_deref().unwrap_or("UTC"),
    )?;
    check_password(&input.password, &user.email, &user.name)?;
    let hash = password::hash(&input.password)
        .await
        .map_err(|e| ApiError::Internal(e.into()))?;
    let owner = s
        .store
        .setup_owner(
            &crate::api::hash_token(&input.token),
            &user,
            &hash,
            s.clock.now(),
        )
        .await
        .map_err(|e| match e {
            StoreError::NotFound => ApiError::NotFound("setup link (unknown, used or expired)"),
            StoreError::Conflict(_) => ApiError::Conflict(
                "an account exists already; log in, or use `switchboard user set-password`"
                    .to_owned(),
            ),
            other => ApiError::store("user")(other),
        })?;
    tracing::info!(user = %owner.id, "first owner created through the setup link");
    crate::audit::record(
        s,
        switchboard_core::audit::AuditEntry {
            at: s.clock.now(),
            actor_user: Some(owner.id),
            actor: crate::audit::named(&owner),
            address: None,
            action: "first owner set up through the setup link".to_owned(),
            target: Some(format!("users/{}", owner.id)),
            status: 201,
            before: None,
            after: Some(switchboard_core::audit::mask_secrets(&json!(user_json(
                &owner
            )))),
        },
    )
    .await;
    let (cookie, csrf) = session::start(s, owner.id)
        .await
        .map_err(ApiError::store("session"))?;
    Ok((owner, cookie, csrf))
}

/// `POST /api/v1/setup`: the first owner, from the setup link `serve` printed.
#[utoipa::path(
    post,
    path = "/setup",
    tag = "accounts",
    request_body = Setup,
    responses((status = 201, description = "The first owner, logged in", body = super::views::LoggedIn)),
    security(())
)]
pub async fn setup(
    State(s): State<AppState>,
    ApiJson(input): ApiJson<Setup>,
) -> ApiResult<Response> {
    let (owner, cookie, csrf) = create_owner(&s, input).await?;
    Ok(logged_in(StatusCode::CREATED, &owner, cookie, csrf))
}

/// `GET /api/v1/me`: who the request is from.
#[utoipa::path(
    get,
    path = "/me",
    tag = "accounts",
    responses((status = 200, description = "OK", body = super::views::Me))
)]
pub async fn me(
    State(s): State<AppState>,
    Extension(who): Extension<Principal>,
) -> ApiResult<Json<super::views::Me>> {
    use super::views::Me;
    match who {
        Principal::Session { user, .. } => {
            let u = s
                .store
                .get_user(user)
                .await
                .map_err(ApiError::store("user"))?;
            let teams = s
                .store
                .user_teams(user)
                .await
                .map_err(ApiError::store("team"))?;
            Ok(Json(Me::Session {
                user: user_json(&u),
                teams,
            }))
        }
        Principal::Token {
            id,
            user,
            read_only,
        } => Ok(Json(Me::Token {
            token_id: id,
            user_id: user,
            read_only,
        })),
    }
}

fn session_of(who: &Principal) -> ApiResult<(switchboard_core::UserId, &str)> {
    match who {
        Principal::Session { user, id_hash } => Ok((*user, id_hash)),
        Principal::Token { .. } => Err(ApiError::BadRequest(
            "this request is made with an API token, not a session; revoke tokens with `switchboard token revoke`".to_owned(),
        )),
    }
}

/// `POST /api/v1/logout`: ends this session.
#[utoipa::path(
    post,
    path = "/logout",
    tag = "accounts",
    responses((status = 204, description = "The session is ended and its cookie cleared"))
)]
pub async fn logout(
    State(s): State<AppState>,
    Extension(who): Extension<Principal>,
) -> ApiResult<Response> {
    let (_, id_hash) = session_of(&who)?;
    match s.store.delete_session(id_hash).await {
        Ok(()) | Err(StoreError::NotFound) => {}
        Err(e) => return Err(ApiError::store("session")(e)),
    }
    Ok((
        StatusCode::NO_CONTENT,
        [(header::SET_COOKIE, session::clear(&s))],
    )
        .into_response())
}

/// `POST /api/v1/logout-everywhere`: ends every session of this user.
#[utoipa::path(
    post,
    path = "/logout-everywhere",
    tag = "accounts",
    responses((status = 204, description = "Every session of the user is ended"))
)]
pub async fn logout_everywhere(
    State(s): State<AppState>,
    Extension(who): Extension<Principal>,
) -> ApiResult<Response> {
    let (user, _) = session_of(&who)?;
    let ended = s
        .store
        .delete_user_sessions(user)
        .await
        .map_err(ApiError::store("session"))?;
    tracing::info!(%user, ended, "logged out everywhere");
    Ok((
        StatusCode::NO_CONTENT,
        [(header::SET_COOKIE, session::clear(&s))],
    )
        .into_response())
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(examples(json!({"role": "admin"})))]
pub struct RoleInput {
    role: Role,
}

/// `PUT /api/v1/users/{id}/role {role}`: only owners make or unmake owners and admins;
/// admins may keep members members; the last owner stays one.
#[utoipa::path(
    put,
    path = "/users/{id}/role",
    tag = "users",
    params(("id" = i64, Path, description = "The user's id", example = 1)),
    request_body = RoleInput,
    responses((status = 200, description = "OK", body = crate::api::users::UserView))
)]
pub async fn set_role(
    State(s): State<AppState>,
    Extension(a): Extension<switchboard_core::account::Access>,
    axum::extract::Path(id): axum::extract::Path<String>,
    ApiJson(input): ApiJson<RoleInput>,
) -> ApiResult<Json<crate::api::users::UserView>> {
    let id: switchboard_core::UserId = crate::api::parse_id(&id, "user")?;
    let target = crate::api::scope::user(&s, &a, id).await?;
    let mine = a.role;
    let needs_owner = input.role > Role::Member || target.role > Role::Member;
    if mine < Role::Admin || (needs_owner && mine < Role::Owner) {
        return Err(ApiError::Forbidden(
            "only an owner can make or unmake owners and admins".to_owned(),
        ));
    }
    let user = s
        .store
        .set_role(id, input.role)
        .await
        .map_err(|e| match e {
            StoreError::Conflict(_) => ApiError::Conflict(
                "this is the last owner: make someone else an owner first".to_owned(),
            ),
            other => ApiError::store("user")(other),
        })?;
    tracing::info!(user = %user.id, role = user.role.as_str(), "role changed");
    Ok(Json(user_json(&user)))
}

/// A session's public name: the start of its id's hash (the id itself is never shown).
fn session_name(id_hash: &str) -> &str {
    &id_hash[..id_hash.len().min(16)]
}

/// `GET /api/v1/me/sessions`: the requester's sessions, the current one marked.
#[utoipa::path(
    get,
    path = "/me/sessions",
    tag = "accounts",
    responses((status = 200, description = "OK", body = super::views::SessionList))
)]
pub async fn my_sessions(
    State(s): State<AppState>,
    Extension(who): Extension<Principal>,
) -> ApiResult<Json<super::views::SessionList>> {
    let user = who
        .user()
        .ok_or_else(|| ApiError::BadRequest("this owner-level API token is nobody's".to_owned()))?;
    let current = match &who {
        Principal::Session { id_hash, .. } => Some(id_hash.as_str()),
        Principal::Token { .. } => None,
    };
    let now = s.clock.now();
    let sessions = s
        .store
        .list_user_sessions(user)
        .await
        .map_err(ApiError::store("session"))?;
    let sessions = sessions
        .iter()
        .filter(|(_, sess)| sess.is_live(now))
        .map(|(h, sess)| super::views::SessionView {
            id: session_name(h).to_owned(),
            created_at: sess.created_at,
            last_seen_at: sess.last_seen_at,
            current: Some(h.as_str()) == current,
        })
        .collect();
    Ok(Json(super::views::SessionList { sessions }))
}

/// `DELETE /api/v1/me/sessions/{id}`: ends one of the requester's sessions.
#[utoipa::path(
    delete,
    path = "/me/sessions/{id}",
    tag = "accounts",
    params(("id" = String, Path, description = "The session's name, as listed", example = "3f9a2c1d")),
    responses((status = 204, description = "Done"))
)]
pub async fn end_my_session(
    State(s): State<AppState>,
    Extension(who): Extension<Principal>,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> ApiResult<StatusCode> {
    let user = who
        .user()
        .ok_or_else(|| ApiError::BadRequest("this owner-level API token is nobody's".to_owned()))?;
    let sessions = s
        .store
        .list_user_sessions(user)
        .await
        .map_err(ApiError::store("session"))?;
    let Some((hash, _)) = sessions.iter().find(|(h, _)| session_name(h) == id) else {
        return Err(ApiError::NotFound("session"));
    };
    match s.store.delete_session(hash).await {
        Ok(()) | Err(StoreError::NotFound) => Ok(StatusCode::NO_CONTENT),
        Err(e) => Err(ApiError::store("session")(e)),
    }
}
