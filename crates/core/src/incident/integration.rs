//! The tools a team already uses, told about its incidents: PagerDuty (Events API v2),
//! incident.io (an HTTP alert source), and any receiver of Standard Webhooks. Every
//! integration of an incident's team gets each of its status changes, in order, as durable
//! jobs queued with the change.

use crate::{DomainError, TeamId};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

pub use crate::ids::IntegrationId;

/// Which tool.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// `secret`: the service's 32-character integration (routing) key.
    Pagerduty,
    /// `secret`: the alert source's token; `url`: its alert events URL.
    IncidentIo,
    /// `secret`: the signing secret (`whsec_` + base64 of 24 to 64 bytes).
    Webhook,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pagerduty => "pagerduty",
            Self::IncidentIo => "incident_io",
            Self::Webhook => "webhook",
        }
    }

    pub fn parse(s: &str) -> Result<Self, DomainError> {
        [Self::Pagerduty, Self::IncidentIo, Self::Webhook]
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                DomainError::new(
                    "kind",
                    format!("'{s}' is not one of: pagerduty, incident_io, webhook"),
                )
            })
    }
}

/// PagerDuty's Events API v2 endpoint (an EU account gives its own `url`).
pub const PAGERDUTY_URL: &str = "https://events.pagerduty.com/v2/enqueue";

/// An integration, ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewIntegration {
    pub name: String,
    pub kind: Kind,
    pub url: String,
    pub secret: String,
    pub team: Option<TeamId>,
}

/// An integration as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Integration {
    pub id: IntegrationId,
    pub name: String,
    pub kind: Kind,
    pub url: String,
    pub secret: String,
    pub team: Option<TeamId>,
    pub created_at: Timestamp,
}

/// The key bytes of a Standard Webhooks secret (`whsec_` prefix optional, base64).
pub fn webhook_key(secret: &str) -> Option<Vec<u8>> {
    use base64::Engine as _;
    let b64 = secret.strip_prefix("whsec_").unwrap_or(secret);
    let key = base64::engine::general_purpose::STANDARD.decode(b64).ok()?;
    (24..=64).contains(&key.len()).then_some(key)
}

impl NewIntegration {
    /// Checks the fields for the kind; `url` empty means the kind's default where it has one.
    pub fn validate(mut self) -> Result<Self, DomainError> {
        self.name = crate::name::checked("name", &self.name)?.to_owned();
        self.url = self.url.trim().to_owned();
        self.secret = self.secret.trim().to_owned();
        match self.kind {
            Kind::Pagerduty => {
                if self.url.is_empty() {
                    self.url = PAGERDUTY_URL.to_owned();
                }
                if self.secret.len() != 32
                    || !self.secret.chars().all(|c| c.is_ascii_alphanumeric())
                {
                    return Err(DomainError::new(
                        "secret",
                        "must be the PagerDuty service's 32-character integration key",
                    ));
                }
            }
            Kind::IncidentIo => {
                if self.url.is_empty() {
                    return Err(DomainError::new(
                        "url",
                        "is required: the alert source's URL, such as https://api.incident.io/v2/alert_events/http/01H…",
                    ));
                }
                if self.secret.is_empty() || self.secret.chars().any(char::is_whitespace) {
                    return Err(DomainError::new(
                        "secret",
                        "must be the alert source's token (no spaces)",
                    ));
                }
            }
            Kind::Webhook => {
                if self.url.is_empty() {
                    return Err(DomainError::new("url", "is required"));
                }
                if webhook_key(&self.secret).is_none() {
                    return Err(DomainError::new(
                        "secret",
                        "must be whsec_ followed by the base64 of 24 to 64 bytes (leave it out and one is made)",
                    ));
                }
            }
        }
        if !(self.url.starts_with("https://") || self.url.starts_with("http://")) {
            return Err(DomainError::new("url", "must be an https URL"));
        }
        Ok(self)
    }
}
