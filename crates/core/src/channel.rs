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
    pub created_at: Timestamp,
}

/// A validated channel, ready to insert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewChannel {
    pub name: String,
    pub kind: ChannelKind,
    pub webhook_url: String,
}

impl NewChannel {
    /// Checks the name and that the URL is an absolute http(s) URL with a host. Which hosts
    /// are allowed is the server's configuration.
    pub fn validate(name: &str, kind: ChannelKind, webhook_url: &str) -> Result<Self, DomainError> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(DomainError::new("name", "must be 1 to 100 characters"));
        }
        let url = webhook_url.trim();
        let rest = url
            .strip_prefix("https://")
            .or_else(|| url.strip_prefix("http://"));
        let host = rest.map(|r| r.split(['/', '?', '#']).next().unwrap_or(""));
        match host {
            Some(h) if !h.is_empty() && url.len() <= 2048 && !url.contains(char::is_whitespace) => {
            }
            _ => {
                return Err(DomainError::new(
                    "webhook_url",
                    "must be the absolute https URL of the channel's incoming webhook",
                ))
            }
        }
        Ok(Self {
            name: name.to_owned(),
            kind,
            webhook_url: url.to_owned(),
        })
    }

    /// The host of the webhook URL (without port or credentials).
    pub fn host(url: &str) -> &str {
        let rest = url.split_once("://").map_or(url, |(_, r)| r);
        let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
        let hostport = authority.rsplit('@').next().unwrap_or(authority);
        if hostport.starts_with('[') {
            return hostport.split(']').next().map_or(hostport, |h| &h[1..]);
        }
        hostport.split(':').next().unwrap_or(hostport)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_checked_and_hosts_extracted() {
        assert!(NewChannel::validate(
            "ops",
            ChannelKind::Slack,
            "https://hooks.slack.com/services/T/B/x"
        )
        .is_ok());
        for bad in [
            "hooks.slack.com/x",
            "ftp://x/y",
            "https://",
            "https://a b/c",
        ] {
            assert_eq!(
                NewChannel::validate("ops", ChannelKind::Slack, bad)
                    .unwrap_err()
                    .field,
                "webhook_url",
                "{bad}"
            );
        }
        assert_eq!(
            NewChannel::host("https://u:p@prod-1.westus.logic.azure.com:443/workflows/x?sig=1"),
            "prod-1.westus.logic.azure.com"
        );
        assert_eq!(NewChannel::host("http://127.0.0.1:8080/slack"), "127.0.0.1");
    }
}
