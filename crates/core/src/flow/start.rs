//! The first moments of a call: what the caller hears first, or the refusal.

use super::*;

/// Begins a freshly created call: the welcome message, then the first dial (or the
/// no-one-on-call message and voicemail when the plan dials nobody).
pub fn start(call: &mut Call, line: &Line, now: Timestamp) -> Transition {
    let mut t = Transition::default();
    t.instructions
        .push(Instruction::Say(line.messages.welcome.clone()));
    match &line.menu {
        // The menu first, unless test mode or the closed hours decide the routing.
        Some(m) if !call.plan.test_mode && !call.plan.after_hours => menu::offer(call, m, &mut t),
        _ => route(call, line, now, &mut t),
    }
    t
}

/// Follows the call's plan: logs it, then dials its first responder (or plays the
/// no-one-on-call or closed message and takes a voicemail).
pub(super) fn route(call: &mut Call, line: &Line, now: Timestamp, t: &mut Transition) {
    if call.plan.test_mode {
        t.log(
            EventKind::Decision,
            "Test mode is on: only the test user is rung",
        );
    } else if call.plan.after_hours && call.plan.has_anyone() {
        t.log(
            EventKind::Decision,
            "Outside business hours: ringing the after-hours routing",
        );
    }
    for (i, s) in call.plan.steps.iter().enumerate() {
        let what = match (&s.responder, s.skipped) {
            (Some(_), _) => {
                let legs: Vec<String> = s
                    .legs()
                    .map(|r| format!("{} ({})", r.name, r.phone))
                    .collect();
                match legs.len() {
                    1 => format!("step {}: {}", i + 1, legs[0]),
                    _ => format!("step {}: {}, rung together", i + 1, legs.join(", ")),
                }
            }
            (None, Some(reason)) => format!(
                "step {}: {} skipped ({})",
                i + 1,
                s.target,
                skip_words(reason)
            ),
            (None, None) => format!("step {}: {}", i + 1, s.target),
        };
        t.log(EventKind::Plan, what);
    }
    match call.plan.next_dialable(0) {
        Some((step, _)) => dial::dial(call, line, step, now, t),
        None if call.plan.after_hours => {
            t.log(
                EventKind::Decision,
                "Outside business hours: playing the closed message",
            );
            voicemail(call, line, VoicemailReason::Closed, t);
        }
        None => {
            t.log(
                EventKind::Decision,
                "Nobody to dial: playing the no-one-on-call message",
            );
            voicemail(call, line, VoicemailReason::NoOneOnCall, t);
        }
    }
}

/// Refuses a freshly created call before ringing anyone: a blocked number or a flood.
pub fn reject(call: &mut Call, reason: &str) -> Transition {
    let mut t = Transition::default();
    call.outcome = Outcome::Rejected;
    call.phase = Phase::Done;
    t.log(EventKind::Decision, format!("Rejected: {reason}"));
    t.instructions.push(Instruction::Reject);
    t
}
