//! Typed identifiers, so a user id can never be passed where a line id is expected.

use serde::{Deserialize, Serialize};

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::num::ParseIntError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                s.parse().map($name)
            }
        }
    };
}

id_type!(
    /// A responder.
    UserId
);
id_type!(
    /// A phone line (one number and its routing).
    LineId
);
id_type!(
    /// One incoming call.
    CallId
);
id_type!(
    /// One stored recording (of a conversation or a voicemail).
    RecordingId
);
id_type!(
    /// A team: it owns lines, schedules and chat channels; its members act on them.
    TeamId
);
id_type!(
    /// Something being handled: a missed call about a breach, a voicemail to call back.
    IncidentId
);
id_type!(
    /// A tool a team already uses (PagerDuty, incident.io, a webhook receiver).
    IntegrationId
);
