//! `/api/v1/channels`: Slack and Teams webhooks that get an alert after every call of the
//! lines that name them.

use super::error::{ApiError, ApiJson, ApiResult};
use super::parse_id;
use super::scope;
use crate::app::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Extension;
use axum::Json;
use serde::{Deserialize, Serialize};
use switchboard_core::account::Access;
use switchboard_core::channel::{Channel, ChannelId, ChannelKind, NewChannel};
use switchboard_core::DomainError;
use switchboard_core::TeamId;
use utoipa::ToSchema;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(examples(json!({"name": "#payments-oncall", "kind": "slack", "webhook_url": "https://hooks.slack.com/services/T000/B000/XXXX"})))]
pub struct ChannelInput {
    name: String,
    #[schema(value_type = ChannelKind)]
    kind: String,
    /// The incoming webhook; for a Slack app, Slack's Web API (the default).
    #[serde(default)]
    webhook_url: String,
    /// A Slack app's channel id, bot token and signing secret.
    #[serde(default)]
    slack_channel: String,
    #[serde(default)]
    bot_token: String,
    #[serde(default)]
    signing_secret: String,
    /// The owning team (a member in one team may leave it out).
    team: Option<TeamId>,
    /// Post a short "ringing now" notice when a call starts (Slack app channels always do).
    #[serde(default)]
    live_notices: bool,
    /// For an email channel: the addresses alerts are mailed to.
    #[serde(default)]
    email_to: Vec<String>,
}

/// What `PATCH /channels/{id}` may change (the webhook and secrets are set once).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(examples(json!({"live_notices": true})))]
pub struct ChannelPatch {
    name: Option<String>,
    live_notices: Option<bool>,
}

/// The API's view of a channel: the webhook URL is a secret, so only its host is shown.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChannelView {
    pub id: ChannelId,
    #[schema(examples("#payments-oncall"))]
    pub name: String,
    pub kind: ChannelKind,
    /// The host of the incoming webhook (the URL itself is a secret).
    #[schema(examples("hooks.slack.com"))]
    pub webhook_host: String,
    /// A Slack app's channel id.
    pub slack_channel: Option<String>,
    /// A Slack app's Interactivity Request URL path (its buttons come back there).
    pub interactivity_path: Option<String>,
    pub team: Option<TeamId>,
    /// Whether a short "ringing now" notice is posted when a call starts.
    pub live_notices: bool,
    /// An email channel's addresses.
    pub email_to: Option<Vec<String>>,
    pub created_at: jiff::Timestamp,
}

/// `{"channels": [...]}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChannelList {
    pub channels: Vec<ChannelView>,
}

pub fn channel_json(c: &Channel) -> ChannelView {
    ChannelView {
        id: c.id,
        name: c.name.clone(),
        kind: c.kind,
        webhook_host: NewChannel::host(&c.webhook_url),
        slack_channel: c.slack.as_ref().map(|a| a.channel.clone()),
        interactivity_path: c.slack.as_ref().map(|_| format!("/slack/actions/{}", c.id)),
        team: c.team,
        live_notices: c.live_notices || c.kind == ChannelKind::SlackApp,
        email_to: (c.kind == ChannelKind::Email).then(|| c.email_to.clone()),
        created_at: c.created_at,
    }
}

#[utoipa::path(
    post,
    path = "/channels",
    tag = "channels",
    request_body = ChannelInput,
    responses((status = 201, description = "Created", body = ChannelView))
)]
pub async fn create_channel(
    State(s): State<AppState>,
    Extension(a): Extension<Access>,
    ApiJson(mut input): ApiJson<ChannelInput>,
) -> ApiResult<(StatusCode, Json<ChannelView>)> {
    let team = input.team.take();
    let mut new = new_channel(&s.config, input)?;
    new.team = scope::team_for_new(&s, &a, team).await?;
    let c = s
        .store
        .create_channel(&new, s.clock.now())
        .await
        .map_err(ApiError::store("channel"))?;
    Ok((StatusCode::CREATED, Json(channel_json(&c))))
}

/// A channel from `input`, checked against this server's settings (SMTP for email, the hosts
/// alerts may be posted to); its team is left for the caller to decide.
pub(crate) fn new_channel(
    config: &crate::config::Config,
    input: ChannelInput,
) -> ApiResult<NewChannel> {
    let kind = ChannelKind::parse(&input.kind).ok_or_else(|| {
        DomainError::new(
            "kind",
            format!(
                "'{}' is not one of: slack, teams, slack_app, email",
                input.kind
            ),
        )
    })?;
    if kind == ChannelKind::Email {
        if config.smtp.is_none() {
            return Err(DomainError::new(
                "kind",
                "email needs this server's SMTP settings (smtp_url and smtp_from) first",
            )
            .into());
        }
        return Ok(NewChannel::email(&input.name, &input.email_to.join(","))?);
    }
    let url = match (kind, input.webhook_url.trim()) {
        (ChannelKind::SlackApp, "") => switchboard_core::channel::SLACK_API,
        (_, u) => u,
    };
    let mut new = NewChannel::validate(&input.name, kind, url)?;
    if kind == ChannelKind::SlackApp {
        new.slack = Some(switchboard_core::channel::SlackApp::validate(
            &input.slack_channel,
            &input.bot_token,
            &input.signing_secret,
        )?);
    }
    new.live_notices = input.live_notices;
    if let Err(why) =
        crate::outbound::parse_and_check(&new.webhook_url, &config.alert_hosts, "alert_hosts")
    {
        return Err(DomainError::new(
            "webhook_url",
            format!(
                "{why}: not a chat webhook this server posts to (alert_hosts: {})",
                config.alert_hosts.join(", ")
            ),
        )
        .into());
    }
    Ok(new)
}

#[utoipa::path(
    get,
    path = "/channels",
    tag = "channels",
    responses((status = 200, description = "OK", body = ChannelList))
)]
pub async fn list_channels(
    State(s): State<AppState>,
    Extension(a): Extension<Access>,
) -> ApiResult<Json<ChannelList>> {
    let all = s
        .store
        .list_channels()
        .await
        .map_err(ApiError::store("channel"))?;
    Ok(Json(ChannelList {
        channels: all
            .iter()
            .filter(|c| a.sees(c.team))
            .map(channel_json)
            .collect(),
    }))
}

#[utoipa::path(
    get,
    path = "/channels/{id}",
    tag = "channels",
    params(("id" = i64, Path, description = "The channel's id", example = 1)),
    responses((status = 200, description = "OK", body = ChannelView))
)]
pub async fn get_channel(
    State(s): State<AppState>,
    Extension(a): Extension<Access>,
    Path(id): Path<String>,
) -> ApiResult<Json<ChannelView>> {
    let c = scope::channel(&s, &a, parse_id(&id, "channel")?).await?;
    Ok(Json(channel_json(&c)))
}

#[utoipa::path(
    patch,
    path = "/channels/{id}",
    tag = "channels",
    params(("id" = i64, Path, description = "The channel's id", example = 1)),
    request_body = ChannelPatch,
    responses((status = 200, description = "OK", body = ChannelView))
)]
pub async fn update_channel(
    State(s): State<AppState>,
    Extension(a): Extension<Access>,
    Path(id): Path<String>,
    ApiJson(p): ApiJson<ChannelPatch>,
) -> ApiResult<Json<ChannelView>> {
    let c = scope::channel(&s, &a, parse_id(&id, "channel")?).await?;
    let name = match &p.name {
        Some(n) if c.kind == ChannelKind::Email => {
            NewChannel::email(n, &c.email_to.join(","))?.name
        }
        Some(n) => NewChannel::validate(n, c.kind, &c.webhook_url)?.name,
        None => c.name.clone(),
    };
    if c.kind == ChannelKind::Email && p.live_notices == Some(true) {
        return Err(
            DomainError::new("live_notices", "an email channel gets the alert only").into(),
        );
    }
    let live = p.live_notices.unwrap_or(c.live_notices);
    let saved = s
        .store
        .update_channel(c.id, &name, live)
        .await
        .map_err(ApiError::store("channel"))?;
    Ok(Json(channel_json(&saved)))
}

#[utoipa::path(
    delete,
    path = "/channels/{id}",
    tag = "channels",
    params(("id" = i64, Path, description = "The channel's id", example = 1)),
    responses((status = 204, description = "Done"))
)]
pub async fn delete_channel(
    State(s): State<AppState>,
    Extension(a): Extension<Access>,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let id: ChannelId = parse_id(&id, "channel")?;
    scope::channel(&s, &a, id).await?;
    let lines = s
        .store
        .list_lines()
        .await
        .map_err(ApiError::store("line"))?;
    if let Some(l) = lines.iter().find(|l| l.channels.contains(&id)) {
        return Err(ApiError::Conflict(format!(
            "channel {id} is alerted by line '{}' (id {}); remove it from the line first",
            l.name, l.id
        )));
    }
    s.store
        .delete_channel(id)
        .await
        .map_err(ApiError::store("channel"))?;
    Ok(StatusCode::NO_CONTENT)
}
