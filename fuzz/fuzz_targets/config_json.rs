//! Schedule and line JSON, as the API takes it, into core validation and the schedule
//! engine (and a line's next opening): nothing panics, and a schedule that validates has a timeline without holes or
//! overlaps that agrees with `on_call` at every shift's start.
#![no_main]

use libfuzzer_sys::fuzz_target;
use switchboard_core::line::{BusinessHours, CallerRules, Messages, NewLine, Provider, Routing};
use switchboard_core::schedule::{Engine, Schedule};
use switchboard_core::PhoneNumber;

#[derive(serde::Deserialize)]
struct LineJson {
    name: String,
    number: String,
    routing: Routing,
    messages: Option<Messages>,
    caller_rules: Option<CallerRules>,
    business_hours: Option<BusinessHours>,
    voicemail_max_secs: Option<u32>,
    auth_token: Option<String>,
    retention_days: Option<u32>,
    menu: Option<switchboard_core::line::Menu>,
    other_numbers: Option<Vec<PhoneNumber>>,
    pins: Option<Vec<switchboard_core::line::LinePin>>,
}

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = serde_json::from_slice::<Schedule>(data) {
        if s.validate().is_ok() {
            if let Ok(engine) = Engine::new(&s) {
                let from: jiff::Timestamp = "2026-03-25T00:00:00Z".parse().unwrap();
                let to: jiff::Timestamp = "2026-04-02T00:00:00Z".parse().unwrap();
                let shifts = engine.timeline(from, to);
                assert_eq!(shifts.first().map(|s| s.start), Some(from));
                assert_eq!(shifts.last().map(|s| s.end), Some(to));
                for w in shifts.windows(2) {
                    assert_eq!(w[0].end, w[1].start, "a hole or an overlap");
                }
                for sh in &shifts {
                    assert!(sh.start < sh.end);
                    assert_eq!(engine.on_call(sh.start).users, sh.users);
                }
            }
        }
    }
    if let Ok(l) = serde_json::from_slice::<LineJson>(data) {
        let Ok(number) = PhoneNumber::parse(&l.number) else {
            return;
        };
        let base = Messages::default();
        let line = NewLine {
            name: l.name,
            number,
            provider: Provider::Twilio,
            auth_token: l.auth_token,
            routing: l.routing,
            messages: l.messages.unwrap_or(base),
            recording: true,
            voicemail_max_secs: l.voicemail_max_secs.unwrap_or(120),
            channels: vec![],
            screening: false,
            caller_rules: l.caller_rules.unwrap_or_default(),
            business_hours: l.business_hours,
            retention_days: l.retention_days,
            incidents: Default::default(),
            team: None,
            menu: l.menu,
            other_numbers: l.other_numbers.unwrap_or_default(),
            caller_id: Default::default(),
            pins: l.pins.unwrap_or_default(),
        };
        if let Ok(line) = line.validate() {
            let now: jiff::Timestamp = "2026-03-29T01:30:00Z".parse().unwrap();
            if let Some(b) = &line.business_hours {
                let _ = b.is_open(now);
                let _ = b.next_open(now);
            }
            let _ = line.caller_rules.blocks("+19005550100");
            let _ = line.caller_rules.allows("+19005550100");
        }
    }
});
