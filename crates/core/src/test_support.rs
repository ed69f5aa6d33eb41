//! Values shared by the unit tests of several modules.

use crate::line::{Line, Messages, Provider, Routing, RoutingStep};
use crate::{LineId, PhoneNumber};
use jiff::Timestamp;

/// A Twilio line ringing `steps`, with the defaults of a new line and nothing else set.
pub fn line(steps: Vec<RoutingStep>) -> Line {
    Line {
        id: LineId(1),
        name: "Hotline".into(),
        number: PhoneNumber::parse("+15005550006").unwrap(),
        provider: Provider::Twilio,
        webhook_token: "tok".into(),
        auth_token: None,
        routing: Routing {
            steps,
            ring_timeout_secs: 20,
        },
        messages: Messages::default(),
        recording: true,
        voicemail_max_secs: 120,
        channels: vec![],
        screening: false,
        caller_rules: Default::default(),
        business_hours: None,
        retention_days: None,
        team: None,
        test_mode: None,
        created_at: Timestamp::UNIX_EPOCH,
    }
}
