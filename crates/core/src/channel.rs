//! Chat channels: Slack or Microsoft Teams incoming webhooks that get an alert after every call.

use crate::DomainError;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// Identifies a channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChannelKind {
    /// A Slack incoming webhook (Block Kit).
    Slack,
    /// A Microsoft Teams Workflows webhook (Adaptive Card).
    Teams,
}

impl ChannelKind {
    /// The lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            ChannelKind::Slack => "slack",
            ChannelKind::Teams => "teams",
        }
    }

    /// Parses the lowercase name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "slack" => Some(ChannelKind::Slack),
            "teams" => Some(ChannelKind::Teams),
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
    pub created_at: Timestamp,
}

/// A validated channel, ready to insert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewChannel {
    pub name: String,
    pub kind: ChannelKind,
    pub webhook_url: String,
    /// The team that owns the channel; `None`: no team, only admins see it.
    pub team: Option<crate::TeamId>,
}

impl NewChannel {
    /// Checks the name and the URL: parsed as the HTTP client parses it (WHATWG rules), an
    /// absolute http(s) URL with a host, without credentials and without backslashes (which
    /// that parser reads as `/`, so `http://internal\\@hooks.slack.com/` is a request to
    /// `internal`). Which hosts are allowed, and whether plain http is, is the server's
    /// configuration.
    pub fn validate(name: &str, kind: ChannelKind, webhook_url: &str) -> Result<Self, DomainError> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(DomainError::new("name", "must be 1 to 100 characters"));
        }
        let url = webhook_url.trim();
        parse_webhook_url(url).map_err(|why| DomainError::new("webhook_url", why))?;
        Ok(Self {
            name: name.to_owned(),
            kind,
            webhook_url: url.to_owned(),
            team: None,
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
