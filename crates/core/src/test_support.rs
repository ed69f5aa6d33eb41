//! Values shared by the unit tests of several modules.

use crate::call::{CallerInfo, Outcome, Phase};
use crate::line::{Line, Messages, Provider, Routing, RoutingStep};
use crate::plan::{Plan, Resolved, Responder};
use crate::{CallId, LineId, PhoneNumber, UserId};
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
        incidents: Default::default(),
        menu: None,
        team: None,
        other_numbers: vec![],
        pins: vec![],
        caller_id: Default::default(),
        test_mode: None,
        created_at: Timestamp::UNIX_EPOCH,
    }
}

/// A call in progress to `line` from +14155550199, planned to ring the line's users (ids 1 to
/// 3: Alice, Bob, Carol, each with a phone), alone or together.
pub fn call(line: &Line) -> crate::call::Call {
    let person = |UserId(id): UserId| {
        Resolved::Responder(Responder {
            user_id: UserId(id),
            name: ["", "Alice", "Bob", "Carol"][id as usize].into(),
            phone: PhoneNumber::parse(&format!("+1415555010{id}")).unwrap(),
        })
    };
    let plan = Plan::resolve(&line.routing, None, |s| match s {
        RoutingStep::User(u) => person(*u),
        RoutingStep::Users(v) => Resolved::Together(v.iter().copied().map(person).collect()),
        _ => unreachable!("these tests route to users only"),
    });
    crate::call::Call {
        id: CallId(1),
        line_id: line.id,
        provider: Provider::Twilio,
        provider_call_id: "CA1".into(),
        account_id: None,
        caller: CallerInfo {
            number: "+14155550199".into(),
            ..Default::default()
        },
        started_at: Timestamp::UNIX_EPOCH,
        ended_at: None,
        duration_secs: None,
        plan,
        phase: Phase::Done,
        outcome: Outcome::InProgress,
        answered_by: None,
        attempts: vec![],
        test_call: false,
        simulated: false,
        failsafe: None,
        called: "+15005550006".into(),
        medium: crate::call::Medium::Voice,
        texts: vec![],
        archived: false,
        version: 0,
    }
}
