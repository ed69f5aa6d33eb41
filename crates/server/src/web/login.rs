//! Logging in and out through the pages: the same password check, throttling and audit as
//! `POST /api/v1/login`, then back to the page the person wanted (a chat alert's call link).

use super::{html, PageError, Plain, Viewer};
use crate::accounts::routes::{password_login, Login};
use crate::accounts::session;
use crate::api::error::ApiError;
use crate::app::AppState;
use axum::extract::{Form, Query, State};
use axum::http::{header, Extensions, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct NextQuery {
    #[serde(default)]
    next: String,
}

/// Where to go after logging in: a path on this server only (never `//host` or a URL).
fn safe_next(next: &str) -> String {
    let ok = next.starts_with('/') && !next.starts_with("//") && !next.contains('\\');
    if ok {
        next.to_owned()
    } else {
        "/".to_owned()
    }
}

fn form(s: &AppState, next: &str, email: &str, problem: Option<String>) -> Plain {
    Plain {
        title: "Log in to Switchboard".to_owned(),
        problem,
        login: true,
        sso: s.config.sso.is_some(),
        next: safe_next(next),
        email: email.to_owned(),
        message: String::new(),
        link: String::new(),
        link_text: String::new(),
    }
}

/// `GET /login?next=…`: the form, or straight on when already logged in.
pub async fn show(
    State(s): State<AppState>,
    viewer: Result<Viewer, Response>,
    Query(q): Query<NextQuery>,
) -> Result<Response, PageError> {
    if viewer.is_ok() {
        return Ok(Redirect::to(&safe_next(&q.next)).into_response());
    }
    html(&form(&s, &q.next, "", None))
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    email: String,
    password: String,
    #[serde(default)]
    next: String,
}

/// `POST /login`: on success, the session cookie and a redirect to where the person was going.
pub async fn submit(
    State(s): State<AppState>,
    ext: Extensions,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Result<Response, PageError> {
    let login = Login {
        email: f.email.clone(),
        password: f.password,
    };
    match password_login(&s, &ext, &headers, &login).await {
        Ok((_, cookie, _)) => Ok((
            StatusCode::SEE_OTHER,
            [
                (header::SET_COOKIE, cookie),
                (
                    header::LOCATION,
                    header::HeaderValue::from_str(&safe_next(&f.next))
                        .unwrap_or(header::HeaderValue::from_static("/")),
                ),
            ],
        )
            .into_response()),
        Err(
            e @ (ApiError::LoginFailed | ApiError::TooManyRequests(_) | ApiError::Forbidden(_)),
        ) => {
            let (status, _) = e.status();
            let page = form(&s, &f.next, &f.email, Some(e.to_string()));
            let mut resp = html(&page)?;
            *resp.status_mut() = status;
            Ok(resp)
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /logout`: ends this session.
pub async fn logout(
    State(s): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Form(f): Form<super::CsrfForm>,
) -> Result<Response, PageError> {
    viewer.check_csrf(&f.csrf)?;
    if let Some(id) = session::cookie_value(&headers) {
        let _ = s.store.delete_session(&crate::api::hash_token(id)).await;
    }
    Ok((
        StatusCode::SEE_OTHER,
        [
            (header::SET_COOKIE, session::clear(&s)),
            (header::LOCATION, header::HeaderValue::from_static("/login")),
        ],
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_local_paths_are_followed_after_login() {
        assert_eq!(super::safe_next("/calls/7"), "/calls/7");
        assert_eq!(super::safe_next("//evil.example/x"), "/");
        assert_eq!(super::safe_next("https://evil.example"), "/");
        assert_eq!(super::safe_next("/\\evil.example"), "/");
        assert_eq!(super::safe_next(""), "/");
    }
}
