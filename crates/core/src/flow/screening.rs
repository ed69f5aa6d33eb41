//! Pickups: call screening (the responder must press a key before the caller is connected),
//! and which leg of a step that rings several people together picked up.

use super::*;

/// The leg of `step` a request is about: `leg` when the URL says, else the one dialing `to`,
/// else (one leg, or no way to tell) the first leg still ringing.
pub(super) fn which_leg(call: &Call, step: usize, leg: Option<usize>, to: Option<&str>) -> usize {
    if let Some(l) = leg {
        return l;
    }
    let legs: Vec<&crate::plan::Responder> = call
        .plan
        .steps
        .get(step)
        .map(|s| s.legs().collect())
        .unwrap_or_default();
    let to = to.and_then(|n| PhoneNumber::from_provider(n).ok());
    to.and_then(|n| legs.iter().position(|r| r.phone == n))
        .or_else(|| {
            call.attempts
                .iter()
                .rev()
                .find(|a| a.step == step && a.outcome == AttemptOutcome::Ringing)
                .map(|a| a.leg)
        })
        .unwrap_or(0)
}

/// Whether another leg of `step` than `leg` already accepted the call in this round.
fn taken_by_other(call: &Call, step: usize, leg: usize) -> Option<String> {
    call.attempts
        .iter()
        .find(|a| {
            a.step == step
                && a.leg != leg
                && a.outcome == AttemptOutcome::Ringing
                && matches!(a.screening, Screening::Accepted { .. })
        })
        .map(|a| a.name.clone())
}

/// Leg `leg` of `step` picked up: with screening, play the prompt; otherwise say nothing,
/// so the carrier bridges it (unless the call moved on or another leg took it).
pub(super) fn prompted(
    call: &mut Call,
    line: &Line,
    step: usize,
    leg: usize,
    leg_id: Option<String>,
    now: Timestamp,
    t: &mut Transition,
) {
    let waiting = call.phase == (Phase::Dialing { step });
    let other = taken_by_other(call, step, leg);
    let who = caller_words(call);
    match call.leg_mut(step, leg) {
        Some(a) if waiting && a.outcome == AttemptOutcome::Ringing && other.is_none() => {
            if leg_id.is_some() {
                a.leg_id = leg_id;
            }
            a.picked_up_at.get_or_insert(now);
            if !line.screening {
                t.log(EventKind::Decision, format!("{} picked up", a.name));
                if line.caller_id == crate::line::CallerIdMode::Hotline {
                    // Their phone showed the line's number: tell them who is calling.
                    t.instructions.push(Instruction::Say(system_message(
                        &format!("{} call from {who}.", line.name),
                        &line.messages.welcome,
                    )));
                }
                return;
            }
            if a.screening == Screening::Waiting {
                a.screening = Screening::PickedUp;
            }
            t.log(
                EventKind::Decision,
                format!("{} picked up; asking them to press {ACCEPT_KEY}", a.name),
            );
            t.instructions = screen_prompt(call, line, step, leg);
        }
        Some(a) if other.is_some() => {
            t.log(
                EventKind::Decision,
                format!(
                    "{} picked up after {} had taken the call; their phone is hung up",
                    a.name,
                    other.unwrap_or_default()
                ),
            );
            t.instructions.push(Instruction::Hangup);
        }
        _ => {
            t.log(EventKind::Decision, "Ignored a late pickup request");
            t.instructions.push(Instruction::Hangup);
        }
    }
}

/// The responder of leg `leg` of `step` pressed `digits` (or nothing).
pub(super) fn answered(
    call: &mut Call,
    line: &Line,
    step: usize,
    leg: usize,
    digits: Option<String>,
    t: &mut Transition,
) {
    let accepted = digits.as_deref() == Some(ACCEPT_KEY);
    let passed = digits.as_deref() == Some(PASS_KEY);
    let waiting = call.phase == (Phase::Dialing { step });
    let other = taken_by_other(call, step, leg);
    match call.leg_mut(step, leg) {
        Some(a) if waiting && passed && other.is_none() && a.screening.awaiting_accept() => {
            // The leg hangs up now; the dial's result moves the call on at once.
            a.screening = Screening::Passed;
            t.log(
                EventKind::Decision,
                format!("{} pressed {PASS_KEY}: passed the call on", a.name),
            );
            t.instructions.push(Instruction::Say(system_message(
                PASSING_TEXT,
                &line.messages.welcome,
            )));
            t.instructions.push(Instruction::Hangup);
        }
        Some(a) if waiting && accepted && other.is_none() => {
            a.screening = Screening::Accepted {
                prompted: a.screening.picked_up(),
            };
            t.log(
                EventKind::Decision,
                format!("{} pressed {ACCEPT_KEY}: accepted the call", a.name),
            );
            t.instructions.push(Instruction::Say(system_message(
                CONNECTING_TEXT,
                &line.messages.welcome,
            )));
        }
        Some(a) if waiting && accepted => {
            t.log(
                EventKind::Decision,
                format!(
                    "{} pressed {ACCEPT_KEY} after {} had taken the call; their phone is hung up",
                    a.name,
                    other.unwrap_or_default()
                ),
            );
            t.instructions.push(Instruction::Say(system_message(
                TAKEN_TEXT,
                &line.messages.welcome,
            )));
            t.instructions.push(Instruction::Hangup);
        }
        a => {
            let name = a.map_or_else(|| "?".to_owned(), |a| a.name.clone());
            t.log(
                EventKind::Decision,
                format!(
                    "{name} did not accept the call{}",
                    digits.map_or(String::new(), |d| format!(" (pressed '{d}')"))
                ),
            );
            t.instructions.push(Instruction::Hangup);
        }
    }
}

/// The caller as a responder hears them named: their caller-ID name, else their number read
/// digit by digit.
fn caller_words(call: &Call) -> String {
    call.caller
        .name
        .clone()
        .unwrap_or_else(|| spelled(&call.caller.number))
}

/// What a screened responder of leg `leg` of plan step `step` hears when they pick up.
pub fn screen_prompt(call: &Call, line: &Line, step: usize, leg: usize) -> Vec<Instruction> {
    let caller = caller_words(call);
    // Plivo checks the accept key itself and never tells Switchboard of another key: there,
    // hanging up is how a responder passes the call on (it moves on at once too).
    let pass = match line.provider {
        crate::line::Provider::Twilio => format!("{PASS_KEY} to pass it on"),
        crate::line::Provider::Plivo => "or hang up to pass".to_owned(),
    };
    let text = format!(
        "{} call from {caller}. Press {ACCEPT_KEY} to accept, {pass}.",
        line.name
    );
    let several = call
        .plan
        .steps
        .get(step)
        .is_some_and(|s| !s.also.is_empty());
    vec![Instruction::AskToAccept {
        prompt: system_message(&text, &line.messages.welcome),
        timeout_secs: ACCEPT_TIMEOUT_SECS,
        action: Callback::ScreenResult {
            step,
            leg: several.then_some(leg),
        },
    }]
}
