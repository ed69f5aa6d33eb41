//! The first-run setup page: the link `serve` prints opens it; it works without JavaScript.

use super::routes::{create_owner, Setup};
use crate::api::error::ApiError;
use crate::app::AppState;
use axum::extract::{Form, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct TokenQuery {
    #[serde(default)]
    token: String,
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn page(token: &str, problem: Option<&str>) -> Html<String> {
    let problem = problem.map_or(String::new(), |p| {
        format!("<p role=\"alert\"><strong>{}</strong></p>", escape(p))
    });
    Html(format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Switchboard: create the owner</title></head>\
<body><main><h1>Create the owner account</h1>\
<p>Nobody can log in to this Switchboard yet. The owner manages everything, including who else is an admin.</p>{problem}\
<form method=\"post\" action=\"/setup\">\
<input type=\"hidden\" name=\"token\" value=\"{token}\">\
<p><label>Name <input name=\"name\" required maxlength=\"100\" autocomplete=\"name\"></label></p>\
<p><label>Email <input name=\"email\" type=\"email\" required autocomplete=\"email\"></label></p>\
<p><label>Password (at least 12 characters) <input name=\"password\" type=\"password\" required minlength=\"12\" autocomplete=\"new-password\"></label></p>\
<p><label>Time zone <input name=\"time_zone\" value=\"UTC\" required></label></p>\
<p><button type=\"submit\">Create the owner</button></p></form></main></body></html>",
        token = escape(token),
    ))
}

/// `GET /setup?token=…`.
pub async fn show(Query(q): Query<TokenQuery>) -> Html<String> {
    page(&q.token, None)
}

#[derive(Debug, Deserialize)]
pub struct SetupForm {
    token: String,
    name: String,
    email: String,
    password: String,
    time_zone: String,
}

/// `POST /setup`: the form; on success the owner is logged in.
pub async fn submit(State(s): State<AppState>, Form(f): Form<SetupForm>) -> Response {
    let token = f.token.clone();
    let input = Setup {
        token: f.token,
        name: f.name,
        email: f.email,
        password: f.password,
        phone: None,
        time_zone: Some(f.time_zone),
    };
    match create_owner(&s, input).await {
        Ok((owner, cookie, _)) => (
            StatusCode::CREATED,
            [(header::SET_COOKIE, cookie)],
            Html(format!(
                "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Switchboard</title></head>\
<body><main><h1>Welcome, {}</h1><p>You are the owner and are logged in.</p></main></body></html>",
                escape(&owner.name)
            )),
        )
            .into_response(),
        Err(e) => {
            let status = match &e {
                ApiError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
                ApiError::NotFound(_) => StatusCode::NOT_FOUND,
                ApiError::Conflict(_) => StatusCode::CONFLICT,
                _ => return e.into_response(),
            };
            (status, page(&token, Some(&e.to_string()))).into_response()
        }
    }
}
