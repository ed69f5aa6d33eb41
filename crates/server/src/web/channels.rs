//! `/channels`: the chat channels the viewer can see, with their recent delivery failures;
//! adding one, sending it a test message (posted now, the answer shown), deleting one. Adding
//! and deleting go through the API's handlers.

use super::calls::Opt;
use super::{html_fixing, Chrome, PageError, Viewer};
use crate::api::error::{ApiError, ApiJson};
use crate::app::AppState;
use askama::Template;
use axum::extract::{Form, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Extension;
use serde::Deserialize;
use serde_json::json;
use switchboard_core::channel::{ChannelId, ChannelKind, NewChannel};
use switchboard_providers::chat::Alert;

pub struct ChannelRow {
    pub id: i64,
    pub name: String,
    pub kind: &'static str,
    pub host: String,
    pub failures: Vec<String>,
    /// A Slack app's Interactivity Request URL.
    pub interactivity: Option<String>,
    /// Whether it gets "ringing now" notices, and whether that can be changed (a Slack app
    /// always gets them).
    pub live: bool,
    pub live_fixed: bool,
}

#[derive(Template)]
#[template(path = "channels.html")]
pub struct ChannelsPage {
    pub chrome: Chrome,
    pub problem: Option<String>,
    pub done: Option<String>,
    pub channels: Vec<ChannelRow>,
    pub teams: Vec<Opt>,
    pub name: String,
}

async fn page(
    s: &AppState,
    v: &Viewer,
    problem: Option<String>,
    done: Option<String>,
) -> Result<Response, PageError> {
    let channels = s
        .store
        .list_channels()
        .await
        .map_err(ApiError::store("channel"))?;
    let failed = s
        .store
        .failed_alerts(200)
        .await
        .map_err(ApiError::store("channel"))?;
    let zone = &v.local();
    let rows = channels
        .iter()
        .filter(|c| v.access.sees(c.team))
        .map(|c| ChannelRow {
            id: c.id.0,
            name: c.name.clone(),
            kind: match c.kind {
                ChannelKind::Slack => "Slack",
                ChannelKind::Teams => "Microsoft Teams",
                ChannelKind::SlackApp => "Slack app",
                ChannelKind::Email => "Email",
            },
            live: c.live_notices || c.kind == ChannelKind::SlackApp,
            live_fixed: matches!(c.kind, ChannelKind::SlackApp | ChannelKind::Email),
            interactivity: c
                .slack
                .as_ref()
                .map(|_| format!("{}/slack/actions/{}", s.config.public_url, c.id)),
            host: match (&c.slack, c.kind) {
                (Some(app), _) => format!("Slack channel {}", app.channel),
                (None, ChannelKind::Email) => c.email_to.join(", "),
                (None, _) => NewChannel::host(&c.webhook_url),
            },
            failures: failed
                .iter()
                .filter(|j| j.payload["channel"].as_i64() == Some(c.id.0))
                .take(3)
                .map(|j| {
                    format!(
                        "{}: call {} — {}",
                        super::view::time(j.run_at, zone).text,
                        j.payload["call"],
                        j.last_error.as_deref().unwrap_or("failed")
                    )
                })
                .collect(),
        })
        .collect();
    let teams = super::setup::team_options(s, v, v.access.teams.first().copied()).await?;
    let fixing = problem.is_some();
    html_fixing(
        &ChannelsPage {
            chrome: v.chrome(s, "channels").await,
            problem,
            done,
            channels: rows,
            teams,
            name: String::new(),
        },
        fixing,
    )
}

/// `GET /channels`.
pub async fn show(State(s): State<AppState>, v: Viewer) -> Result<Response, PageError> {
    page(&s, &v, None, None).await
}

#[derive(Debug, Deserialize)]
pub struct AddForm {
    #[serde(default)]
    csrf: String,
    name: String,
    kind: String,
    webhook_url: String,
    #[serde(default)]
    team: String,
    #[serde(default)]
    slack_channel: String,
    #[serde(default)]
    bot_token: String,
    #[serde(default)]
    signing_secret: String,
    /// A checkbox: present when checked.
    #[serde(default)]
    live_notices: Option<String>,
    /// For email: the addresses, separated by commas.
    #[serde(default)]
    email_to: String,
}

/// `POST /channels`: through `POST /api/v1/channels`.
pub async fn add(
    State(s): State<AppState>,
    v: Viewer,
    Form(f): Form<AddForm>,
) -> Result<Response, PageError> {
    v.check_csrf(&f.csrf)?;
    let mut body = json!({"name": f.name, "kind": f.kind, "webhook_url": f.webhook_url,
        "slack_channel": f.slack_channel, "bot_token": f.bot_token,
        "signing_secret": f.signing_secret, "live_notices": f.live_notices.is_some()});
    if f.kind == "email" {
        body["email_to"] = json!(f
            .email_to
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>());
    }
    if let Ok(t) = f.team.parse::<i64>() {
        body["team"] = json!(t);
    }
    let input = super::input(body)?;
    match crate::api::channels::create_channel(
        State(s.clone()),
        Extension(v.access.clone()),
        ApiJson(input),
    )
    .await
    {
        Ok(_) => Ok(Redirect::to("/channels").into_response()),
        Err(e) => page(&s, &v, Some(super::fixable(e)?), None).await,
    }
}

/// `POST /channels/{id}/test`: a test message, posted now; the page says what happened.
pub async fn test(
    State(s): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
    Form(f): Form<super::CsrfForm>,
) -> Result<Response, PageError> {
    v.check_csrf(&f.csrf)?;
    let id: ChannelId = crate::api::parse_id(&id, "channel")?;
    let channel = crate::api::scope::channel(&s, &v.access, id).await?;
    let alert = Alert {
        line: "Switchboard".to_owned(),
        caller_number: "+15005550000".to_owned(),
        caller_name: Some("Test message".to_owned()),
        outcome: "answered".to_owned(),
        answered_by: Some(v.user.name.clone()),
        path: format!("A test message sent by {} from the dashboard", v.user.name),
        duration_secs: None,
        started_at: s.clock.now().to_string(),
        call_url: format!("{}/channels", s.config.public_url),
        recordings: vec![],
        test_call: true,
        incident: None,
        transcript: None,
        text: None,
        reminder: false,
    };
    let (problem, done) = match crate::alerts::deliver(&s, &channel, &alert).await {
        Ok(()) => (
            None,
            Some(format!("{} took the test message.", channel.name)),
        ),
        Err(e) => (
            Some(format!(
                "{} did not take the test message: {}",
                channel.name,
                match e {
                    crate::jobs::JobError::Retry(m)
                    | crate::jobs::JobError::RetryAt(_, m)
                    | crate::jobs::JobError::Permanent(m)
                    | crate::jobs::JobError::Wait(_, m) => m,
                }
            )),
            None,
        ),
    };
    page(&s, &v, problem, done).await
}

/// `POST /channels/{id}/delete`: through `DELETE /api/v1/channels/{id}` (refused while a
/// line alerts it).
pub async fn delete(
    State(s): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
    Form(f): Form<super::CsrfForm>,
) -> Result<Response, PageError> {
    v.check_csrf(&f.csrf)?;
    match crate::api::channels::delete_channel(
        State(s.clone()),
        Extension(v.access.clone()),
        Path(id),
    )
    .await
    {
        Ok(_) => Ok(Redirect::to("/channels").into_response()),
        Err(e) => page(&s, &v, Some(super::fixable(e)?), None).await,
    }
}

#[derive(Debug, Deserialize)]
pub struct LiveForm {
    #[serde(default)]
    csrf: String,
    /// `on` or `off`.
    live: String,
}

/// `POST /channels/{id}/live`: turns "ringing now" notices on or off, through
/// `PATCH /api/v1/channels/{id}`.
pub async fn live(
    State(s): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
    Form(f): Form<LiveForm>,
) -> Result<Response, PageError> {
    v.check_csrf(&f.csrf)?;
    let patch = super::input(json!({"live_notices": f.live == "on"}))?;
    match crate::api::channels::update_channel(
        State(s.clone()),
        Extension(v.access.clone()),
        Path(id),
        ApiJson(patch),
    )
    .await
    {
        Ok(_) => Ok(Redirect::to("/channels").into_response()),
        Err(e) => page(&s, &v, Some(super::fixable(e)?), None).await,
    }
}
