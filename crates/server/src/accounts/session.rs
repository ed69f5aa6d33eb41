//! Browser sessions: a random id in an `HttpOnly` cookie, kept in the database as a hash so
//! every instance shares it, with a CSRF token every state-changing request must echo.
//!
//! Written here rather than with `tower-sessions`: its stores find a session by id only,
//! while accounts need a user's sessions listed and ended together ("log out everywhere", a
//! password reset), the session id stored only as a hash, and the CSRF token bound to the
//! session; those would be a second table beside its record anyway.

use crate::api::error::ApiError;
use crate::api::{hash_token, random_secret};
use crate::app::AppState;
use axum::http::{header, HeaderMap, HeaderValue, Method};
use switchboard_core::account::{Session, SESSION_ABSOLUTE};
use switchboard_core::store::StoreError;
use switchboard_core::UserId;

/// The session cookie.
pub const COOKIE: &str = "sb_session";
/// The header a state-changing request made with a session carries its CSRF token in.
pub const CSRF_HEADER: &str = "x-csrf-token";
/// How often a session's last use is written (not on every request).
const TOUCH_EVERY: jiff::SignedDuration = jiff::SignedDuration::from_secs(60);

/// Who made an API request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// An API token: its id, whose rights it carries (`None`: owner-level), read-only or not.
    Token {
        id: i64,
        user: Option<UserId>,
        read_only: bool,
    },
    /// A logged-in user, by the hash of their session's id.
    Session { user: UserId, id_hash: String },
}

impl Principal {
    /// The user a request acts for; `None` for an owner-level token, which is nobody's.
    pub fn user(&self) -> Option<UserId> {
        match self {
            Principal::Session { user, .. } => Some(*user),
            Principal::Token { user, .. } => *user,
        }
    }
}

/// A new session for `user`: the `Set-Cookie` value and the CSRF token.
pub async fn start(state: &AppState, user: UserId) -> Result<(HeaderValue, String), StoreError> {
    let id = random_secret();
    let csrf = random_secret();
    let now = state.clock.now();
    let session = Session {
        user_id: user,
        csrf: csrf.clone(),
        created_at: now,
        last_seen_at: now,
    };
    state
        .store
        .create_session(&hash_token(&id), &session)
        .await?;
    Ok((cookie(state, &id, SESSION_ABSOLUTE.as_secs()), csrf))
}

/// The `Set-Cookie` value that removes the session cookie.
pub fn clear(state: &AppState) -> HeaderValue {
    cookie(state, "", 0)
}

fn cookie(state: &AppState, value: &str, max_age: i64) -> HeaderValue {
    let v = cookie_text(&state.config.public_url, value, max_age);
    HeaderValue::from_str(&v).expect("the cookie is URL-safe base64 and fixed text")
}

/// The `Set-Cookie` text: `Secure` whenever browsers reach us over https.
fn cookie_text(public_url: &str, value: &str, max_age: i64) -> String {
    let secure = if public_url.starts_with("https://") {
        "; Secure"
    } else {
        ""
    };
    format!("{COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}")
}

/// The session cookie's value, if the request has one.
pub fn cookie_value(headers: &HeaderMap) -> Option<&str> {
    named_cookie(headers, COOKIE)
}

/// The value of the cookie `name`, if the request has one.
pub fn named_cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
        .filter(|v| !v.is_empty())
}

/// Whether a request with `method` only reads.
pub fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// The principal of a request carrying the API token `token`: known, not expired, and not
/// read-only when the request changes something. Its last use is noted (to the minute).
pub async fn authenticate_token(
    state: &AppState,
    token: &str,
    method: &Method,
) -> Result<Principal, ApiError> {
    let t = match state.store.find_api_token(&hash_token(token)).await {
        Ok(t) => t,
        Err(StoreError::NotFound) => return Err(ApiError::Unauthorized),
        Err(e) => return Err(ApiError::store("token")(e)),
    };
    let now = state.clock.now();
    if !switchboard_core::store::NewApiToken::live(&t, now) {
        return Err(ApiError::Unauthorized);
    }
    if t.read_only && !is_safe(method) {
        return Err(ApiError::Forbidden(
            "this API token is read-only: it cannot change anything".to_owned(),
        ));
    }
    let stale = t
        .last_used_at
        .is_none_or(|at| now.duration_since(at) >= TOUCH_EVERY);
    if stale {
        state
            .store
            .touch_api_token(t.id, now)
            .await
            .map_err(ApiError::store("token"))?;
    }
    Ok(Principal::Token {
        id: t.id,
        user: t.user_id,
        read_only: t.read_only,
    })
}

/// The principal of a request carrying the session cookie `id`: the session must exist and be
/// live, and a request that changes anything must carry its CSRF token.
pub async fn authenticate(
    state: &AppState,
    id: &str,
    method: &Method,
    headers: &HeaderMap,
) -> Result<Principal, ApiError> {
    authenticate_session(state, id, method, headers)
        .await
        .map(|(who, _)| who)
}

/// [`authenticate`], with the session it found (its CSRF token for the pages' forms).
pub async fn authenticate_session(
    state: &AppState,
    id: &str,
    method: &Method,
    headers: &HeaderMap,
) -> Result<(Principal, Session), ApiError> {
    let id_hash = hash_token(id);
    let session = match state.store.get_session(&id_hash).await {
        Ok(s) => s,
        Err(StoreError::NotFound) => return Err(ApiError::Unauthorized),
        Err(e) => return Err(ApiError::store("session")(e)),
    };
    let now = state.clock.now();
    if !session.is_live(now) {
        let _ = state.store.delete_session(&id_hash).await;
        return Err(ApiError::Unauthorized);
    }
    if !is_safe(method) {
        use subtle::ConstantTimeEq;
        let sent = headers
            .get(CSRF_HEADER)
            .map(|v| v.as_bytes())
            .unwrap_or(b"");
        if !bool::from(sent.ct_eq(session.csrf.as_bytes())) {
            return Err(ApiError::Forbidden(format!(
                "a request that changes something with a session must carry its CSRF token in the {CSRF_HEADER} header"
            )));
        }
    }
    if now.duration_since(session.last_seen_at) >= TOUCH_EVERY {
        state
            .store
            .touch_session(&id_hash, now)
            .await
            .map_err(ApiError::store("session"))?;
    }
    Ok((
        Principal::Session {
            user: session.user_id,
            id_hash,
        },
        session,
    ))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_cookie_is_secure_exactly_when_public_url_is_https() {
        let https = super::cookie_text("https://switchboard.example", "v", 60);
        assert_eq!(
            https,
            "sb_session=v; Path=/; HttpOnly; SameSite=Lax; Max-Age=60; Secure"
        );
        assert!(!super::cookie_text("http://127.0.0.1:8080", "v", 60).contains("Secure"));
    }
}
