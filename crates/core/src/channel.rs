//! Chat channels: Slack or Microsoft Teams incoming webhooks that get an alert after every call.

use crate::DomainError;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// Identifies a channel.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(transparent)]
pub struct ChannelId(pub i64);

impl std::fmt::Display for ChannelId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::str::FromStr for ChannelId {
    type Err = std::num::ParseIntError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.parse().map(ChannelId)
    }
}

/// Which chat product a channel is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ChannelKind {
    /// A Slack incoming webhook (Block Kit).
    Slack,
    /// A Microsoft Teams Workflows webhook (Adaptive Card).
    Teams,
    /// A Slack app (bot token and signing secret): the alert is posted when a call starts
    /// ringing, updated in place when it ends, with Acknowledge / Resolve buttons for its
    /// incident. `webhook_url` is Slack's Web API base (`https://slack.com/api`).
    #[serde(rename = "slack_app")]
    SlackApp,
    /// Email through the installation's SMTP server, to the channel's addresses.
    Email,
}

impl ChannelKind {
    /// The lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            ChannelKind::Slack => "slack",
            ChannelKind::Teams => "teams",
            ChannelKind::SlackApp => "slack_app",
            ChannelKind::Email => "email",
        }
    }

    /// Parses the lowercase name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "slack" => Some(ChannelKind::Slack),
            "teams" => Some(ChannelKind::Teams),
            "slack_app" => Some(ChannelKind::SlackApp),
            "email" => Some(ChannelKind::Email),
            _ => None,
        }
    }
}

/// A channel as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Channel {
    pub id: ChannelId,
    pub name: String,
    pub kind: ChannelKind,
    /// The webhook URL; it is the secret, so the API never shows it whole.
    pub webhook_url: String,
    /// The team that owns the channel; `None`: no team, only admins see it.
    pub team: Option<crate::TeamId>,
    /// For a Slack app: where it posts and its secrets.
    pub slack: Option<SlackApp>,
    /// Post a short "ringing now" notice when a call starts, before the full alert at its
    /// end (a Slack app channel always does, and updates the notice in place).
    pub live_notices: bool,
    /// For an email channel: the addresses the alert is mailed to.
    pub email_to: Vec<String>,
    pub created_at: Timestamp,
}

/// A Slack app's channel and secrets (never shown by the API once set).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlackApp {
    /// The Slack channel's id (`C…`), where the app posts.
    pub channel: String,
    /// The bot token (`xoxb-…`, scope `chat:write`).
    pub bot_token: String,
    /// The app's signing secret, which Slack signs its interaction requests with.
    pub signing_secret: String,
}

/// Slack's Web API.
pub const SLACK_API: &str = "https://slack.com/api";

impl SlackApp {
    /// Checks the three values, naming the field at fault.
    pub fn validate(
        channel: &str,
        bot_token: &str,
        signing_secret: &str,
    ) -> Result<Self, DomainError> {
        let channel = channel.trim();
        if channel.len() < 9
            || channel.len() > 30
            || !channel.starts_with(['C', 'G', 'D'])
            || !channel
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        {
            return Err(DomainError::new(
                "slack_channel",
                "must be the Slack channel's id, such as C0123456789 (in Slack: the channel's details, at the bottom)",
            ));
        }
        let token = bot_token.trim();
        if !token.starts_with("xoxb-") || token.len() > 255 || token.contains(char::is_whitespace) {
            return Err(DomainError::new(
                "bot_token",
                "must be the app's bot token (xoxb-…, with the chat:write scope)",
            ));
        }
        let secret = signing_secret.trim();
        if !(16..=128).contains(&secret.len()) || !secret.chars().all(|c| c.is_ascii_alphanumeric())
        {
            return Err(DomainError::new(
                "signing_secret",
                "must be the app's signing secret (Basic Information → App Credentials)",
            ));
        }
        Ok(Self {
            channel: channel.to_owned(),
            bot_token: token.to_owned(),
            signing_secret: secret.to_owned(),
        })
    }
}

/// A validated channel, ready to insert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewChannel {
    pub name: String,
    pub kind: ChannelKind,
    pub webhook_url: String,
    /// The team that owns the channel; `None`: no team, only admins see it.
    pub team: Option<crate::TeamId>,
    pub slack: Option<SlackApp>,
    /// See [`Channel::live_notices`].
    pub live_notices: bool,
    /// See [`Channel::email_to`].
    pub email_to: Vec<String>,
}

impl NewChannel {
    /// Checks the name and the URL: parsed as the HTTP client parses it (WHATWG rules), an
    /// absolute http(s) URL with a host, without credentials and without backslashes (which
    /// that parser reads as `/`, so `http://internal\\@hooks.slack.com/` is a request to
    /// `internal`). Which hosts are allowed, and whether plain http is, is the server's
    /// configuration.
    pub fn validate(name: &str, kind: ChannelKind, webhook_url: &str) -> Result<Self, DomainError> {
        let name = crate::name::checked("name", name)?;
        let url = webhook_url.trim();
        parse_webhook_url(url).map_err(|why| DomainError::new("webhook_url", why))?;
        Ok(Self {
            name: name.to_owned(),
            kind,
            webhook_url: url.to_owned(),
            team: None,
            slack: None,
            live_notices: false,
            email_to: vec![],
        })
    }

    /// An email channel: its name and the addresses alerts are mailed to (1 to 20, each an
    /// address such as `oncall@example.com`, separated by commas).
    pub fn email(name: &str, to: &str) -> Result<Self, DomainError> {
        let name = crate::name::checked("name", name)?;
        let to = email_addresses(to)?;
        Ok(Self {
            name: name.to_owned(),
            kind: ChannelKind::Email,
            webhook_url: String::new(),
            team: None,
            slack: None,
            live_notices: false,
            email_to: to,
        })
    }

    /// The host of a webhook URL, as the HTTP client will connect to it (empty when the URL
    /// does not parse).
    pub fn host(url: &str) -> String {
        url::Url::parse(url)
            .ok()
            .and_then(|u| u.host_str().map(|h| h.trim_matches(['[', ']']).to_owned()))
            .unwrap_or_default()
    }
}

/// Reads a comma-separated list of email addresses, refusing anything that is not one plain
/// address (no display names, no header characters).
pub fn email_addresses(raw: &str) -> Result<Vec<String>, DomainError> {
    let bad = |why: String| DomainError::new("email_to", why);
    let list: Vec<String> = raw
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    if list.is_empty() || list.len() > 20 {
        return Err(bad(
            "must list 1 to 20 addresses, separated by commas".into()
        ));
    }
    for a in &list {
        let ok = a.len() <= 254
            && a.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty()
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
            })
            && a.chars().filter(|c| *c == '@').count() == 1
            && !a
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || "<>()[]\\,;:\"".contains(c));
        if !ok {
            return Err(bad(format!(
                "{a:?} is not an email address such as oncall@example.com"
            )));
        }
    }
    Ok(list)
}

/// Parses an outgoing webhook URL, refusing what could send the request elsewhere than its
/// host appears to be.
pub fn parse_webhook_url(raw: &str) -> Result<url::Url, &'static str> {
    const WHAT: &str = "must be the absolute https URL of the channel's incoming webhook";
    if raw.len() > 2048 || raw.contains(char::is_whitespace) || raw.contains(char::is_control) {
        return Err(WHAT);
    }
    if raw.contains('\\') {
        return Err("must not contain a backslash");
    }
    let url = url::Url::parse(raw).map_err(|_| WHAT)?;
    if !matches!(url.scheme(), "https" | "http") || url.host_str().is_none_or(str::is_empty) {
        return Err(WHAT);
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("must not contain credentials (user@host)");
    }
    Ok(url)
}

#[cfg(test)]
#[path = "channel_tests.rs"]
mod tests;
