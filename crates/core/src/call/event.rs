//! The call's activity log.

use super::*;

/// What a line of the activity log is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// A request from the provider.
    Webhook,
    /// A step of the routing plan, fixed at the call's start.
    Plan,
    /// A responder being dialed.
    Dial,
    /// What the flow decided.
    Decision,
    /// A recording reported.
    Recording,
    /// Something went wrong.
    Error,
}

impl EventKind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Webhook => "webhook",
            EventKind::Plan => "plan",
            EventKind::Dial => "dial",
            EventKind::Decision => "decision",
            EventKind::Recording => "recording",
            EventKind::Error => "error",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        use EventKind::*;
        [Webhook, Plan, Dial, Decision, Recording, Error]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// One line of a call's activity log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CallEvent {
    pub at: Timestamp,
    pub kind: EventKind,
    /// The human sentence.
    pub message: String,
}
