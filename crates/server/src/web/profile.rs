//! `/profile`: a person's own details (name, phone, time zone), API tokens and sessions. Each
//! form goes through the API's own handler for the same change, so the rules are one.

use super::view;
use super::{html_fixing, Chrome, PageError, Viewer};
use crate::api::error::ApiJson;
use crate::app::AppState;
use askama::Template;
use axum::extract::{Form, Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Json};
use serde::Deserialize;
use serde_json::{json, Value};

pub struct TokenRow {
    pub id: i64,
    pub name: String,
    pub rights: &'static str,
    pub last_used: String,
    pub expires: String,
}

pub struct SessionRow {
    pub id: String,
    pub current: bool,
    pub created: String,
    pub last_seen: String,
}

#[derive(Template)]
#[template(path = "profile.html")]
pub struct ProfilePage {
    pub chrome: Chrome,
    pub problem: Option<String>,
    pub done: Option<String>,
    pub name: String,
    pub phone: String,
    pub zone: String,
    pub twelve: bool,
    pub slack_user_id: String,
    /// Their other numbers, one per line as `+14155550111 desk`.
    pub other_phones: String,
    pub ring_together: bool,
    pub has_callback_pin: bool,
    pub new_token: Option<String>,
    pub tokens: Vec<TokenRow>,
    pub sessions: Vec<SessionRow>,
}

fn when(t: Option<jiff::Timestamp>, viewer: &Viewer) -> String {
    t.map_or("—".to_owned(), |t| view::time(t, &viewer.local()).text)
}

async fn page(
    s: &AppState,
    v: &Viewer,
    problem: Option<String>,
    new_token: Option<String>,
) -> Result<Response, PageError> {
    let who = Extension(v.principal.clone());
    let Json(tokens) = crate::accounts::tokens::list_tokens(State(s.clone()), who.clone()).await?;
    let Json(sessions) = crate::accounts::routes::my_sessions(State(s.clone()), who).await?;
    let tokens = tokens
        .tokens
        .into_iter()
        .map(|t| TokenRow {
            id: t.id,
            name: t.name,
            rights: if t.read_only { "read-only" } else { "yours" },
            last_used: when(t.last_used_at, v),
            expires: match t.expires_at {
                None => "never".to_owned(),
                at => when(at, v),
            },
        })
        .collect();
    let sessions = sessions
        .sessions
        .into_iter()
        .map(|x| SessionRow {
            id: x.id,
            current: x.current,
            created: when(Some(x.created_at), v),
            last_seen: when(Some(x.last_seen_at), v),
        })
        .collect();
    let fixing = problem.is_some();
    html_fixing(
        &ProfilePage {
            chrome: v.chrome(s, "profile").await,
            done: None,
            name: v.user.name.clone(),
            phone: v
                .user
                .phone
                .as_ref()
                .map(|p| p.to_string())
                .unwrap_or_default(),
            zone: v.user.time_zone.name().to_owned(),
            twelve: v.user.clock == switchboard_core::user::Clock::H12,
            slack_user_id: v.user.slack_user_id.clone().unwrap_or_default(),
            other_phones: v
                .user
                .other_phones
                .iter()
                .map(|o| match &o.label {
                    Some(l) => format!("{} {l}", o.number),
                    None => o.number.to_string(),
                })
                .collect::<Vec<_>>()
                .join("\n"),
            ring_together: v.user.ring_phones == switchboard_core::user::RingPhones::Together,
            has_callback_pin: v.user.has_callback_pin,
            problem,
            new_token,
            tokens,
            sessions,
        },
        fixing,
    )
}

/// `GET /profile`.
pub async fn show(State(s): State<AppState>, v: Viewer) -> Result<Response, PageError> {
    page(&s, &v, None, None).await
}

#[derive(Debug, Deserialize)]
pub struct DetailsForm {
    #[serde(default)]
    csrf: String,
    name: String,
    #[serde(default)]
    phone: String,
    time_zone: String,
    #[serde(default)]
    clock: Option<String>,
    #[serde(default)]
    slack_user_id: Option<String>,
}

/// `POST /profile`: through `PATCH /api/v1/me`.
pub async fn save(
    State(s): State<AppState>,
    v: Viewer,
    Form(f): Form<DetailsForm>,
) -> Result<Response, PageError> {
    v.check_csrf(&f.csrf)?;
    let mut body = json!({ "name": f.name, "time_zone": f.time_zone.trim() });
    if let Some(c) = &f.clock {
        body["clock"] = json!(c);
    }
    if let Some(id) = f.slack_user_id.as_deref().map(str::trim) {
        body["slack_user_id"] = if id.is_empty() {
            json!(null)
        } else {
            json!(id)
        };
    }
    if !f.phone.trim().is_empty() {
        body["phone"] = json!(f.phone.trim());
    }
    save_me(&s, &v, body, "/profile").await
}

/// Sends `body` through `PATCH /api/v1/me`: back to `to`, or the page saying what was refused.
async fn save_me(s: &AppState, v: &Viewer, body: Value, to: &str) -> Result<Response, PageError> {
    let input = super::input(body)?;
    match crate::api::users::update_me(
        State(s.clone()),
        Extension(v.principal.clone()),
        ApiJson(input),
    )
    .await
    {
        Ok(_) => Ok(Redirect::to(to).into_response()),
        Err(e) => page(s, v, Some(super::fixable(e)?), None).await,
    }
}

#[derive(Debug, Deserialize)]
pub struct PhonesForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    other_phones: String,
    #[serde(default)]
    ring_together: Option<String>,
    #[serde(default)]
    callback_pin: String,
    #[serde(default)]
    remove_callback_pin: Option<String>,
}

/// `POST /profile/phones`: one's other numbers, how they ring, and the call-back PIN, through
/// `PATCH /api/v1/me`. An empty PIN field keeps the PIN as it is.
pub async fn save_phones(
    State(s): State<AppState>,
    v: Viewer,
    Form(f): Form<PhonesForm>,
) -> Result<Response, PageError> {
    v.check_csrf(&f.csrf)?;
    let others: Vec<Value> = f
        .other_phones
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| match l.split_once(char::is_whitespace) {
            Some((n, label)) => json!({ "number": n, "label": label.trim() }),
            None => json!({ "number": l }),
        })
        .collect();
    let mut body = json!({
        "other_phones": others,
        "ring_phones": if f.ring_together.is_some() { "together" } else { "in_order" },
    });
    if f.remove_callback_pin.is_some() {
        body["callback_pin"] = json!(null);
    } else if !f.callback_pin.trim().is_empty() {
        body["callback_pin"] = json!(f.callback_pin.trim());
    }
    save_me(&s, &v, body, "/profile#phones").await
}

#[derive(Debug, Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    csrf: String,
    name: String,
    #[serde(default)]
    expires_in_days: String,
    #[serde(default)]
    read_only: Option<String>,
}

/// `POST /profile/tokens`: a new token, shown once on the page that answers.
pub async fn create_token(
    State(s): State<AppState>,
    v: Viewer,
    Form(f): Form<TokenForm>,
) -> Result<Response, PageError> {
    v.check_csrf(&f.csrf)?;
    let mut body = json!({ "name": f.name, "read_only": f.read_only.as_deref() == Some("true") });
    if !f.expires_in_days.trim().is_empty() {
        match f.expires_in_days.trim().parse::<i64>() {
            Ok(d) => body["expires_in_days"] = json!(d),
            Err(_) => {
                let why = "expires after: give a number of days from 1 to 365, or nothing";
                return page(&s, &v, Some(why.to_owned()), None).await;
            }
        }
    }
    let input = super::input(body)?;
    match crate::accounts::tokens::create_token(
        State(s.clone()),
        Extension(v.principal.clone()),
        ApiJson(input),
    )
    .await
    {
        Ok((_, Json(t))) => {
            let token = t.token;
            page(&s, &v, None, token).await
        }
        Err(e) => page(&s, &v, Some(super::fixable(e)?), None).await,
    }
}

/// `POST /profile/tokens/{id}/revoke`.
pub async fn revoke_token(
    State(s): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
    Form(f): Form<super::CsrfForm>,
) -> Result<Response, PageError> {
    v.check_csrf(&f.csrf)?;
    crate::accounts::tokens::revoke_token(State(s), Extension(v.principal.clone()), Path(id))
        .await?;
    Ok(Redirect::to("/profile").into_response())
}

/// `POST /profile/sessions/{id}/end`.
pub async fn end_session(
    State(s): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
    Form(f): Form<super::CsrfForm>,
) -> Result<Response, PageError> {
    v.check_csrf(&f.csrf)?;
    crate::accounts::routes::end_my_session(State(s), Extension(v.principal.clone()), Path(id))
        .await?;
    Ok(Redirect::to("/profile").into_response())
}

/// `POST /profile/logout-everywhere`: every session ends, this one too.
pub async fn logout_everywhere(
    State(s): State<AppState>,
    v: Viewer,
    Form(f): Form<super::CsrfForm>,
) -> Result<Response, PageError> {
    v.check_csrf(&f.csrf)?;
    crate::accounts::routes::logout_everywhere(State(s.clone()), Extension(v.principal.clone()))
        .await?;
    Ok((
        StatusCode::SEE_OTHER,
        [
            (header::SET_COOKIE, crate::accounts::session::clear(&s)),
            (header::LOCATION, header::HeaderValue::from_static("/login")),
        ],
    )
        .into_response())
}
