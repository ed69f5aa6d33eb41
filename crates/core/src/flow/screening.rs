//! Call screening: the responder must press a key before the caller is connected.

use super::*;

/// The responder of `step` picked up: play the prompt (unless the call moved on).
pub(super) fn prompted(call: &mut Call, line: &Line, step: usize, t: &mut Transition) {
    let waiting = call.phase == (Phase::Dialing { step });
    match call.attempt_mut(step) {
        Some(a) if waiting => {
            if a.screening == Screening::Waiting {
                a.screening = Screening::PickedUp;
            }
            t.log(
                EventKind::Decision,
                format!("{} picked up; asking them to press {ACCEPT_KEY}", a.name),
            );
            t.instructions = screen_prompt(call, line, step);
        }
        _ => {
            t.log(EventKind::Decision, "Ignored a late screening request");
            t.instructions.push(Instruction::Hangup);
        }
    }
}

/// The responder of `step` pressed `digits` (or nothing).
pub(super) fn answered(
    call: &mut Call,
    line: &Line,
    step: usize,
    digits: Option<String>,
    t: &mut Transition,
) {
    let name = call
        .plan
        .steps
        .get(step)
        .and_then(|s| s.responder.as_ref())
        .map_or_else(|| "?".to_owned(), |r| r.name.clone());
    let accepted = digits.as_deref() == Some(ACCEPT_KEY);
    let waiting = call.phase == (Phase::Dialing { step });
    match call.attempt_mut(step) {
        Some(a) if waiting && accepted => {
            a.screening = Screening::Accepted {
                prompted: a.screening.picked_up(),
            };
            t.log(
                EventKind::Decision,
                format!("{name} pressed {ACCEPT_KEY}: accepted the call"),
            );
            t.instructions.push(Instruction::Say(system_message(
                CONNECTING_TEXT,
                &line.messages.welcome,
            )));
        }
        _ => {
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

/// What a screened responder of plan step `step` hears when they pick up.
pub fn screen_prompt(call: &Call, line: &Line, step: usize) -> Vec<Instruction> {
    // Read a number digit by digit, so text-to-speech does not say "four billion…".
    let caller = match &call.caller.name {
        Some(n) => n.clone(),
        None => call
            .caller
            .number
            .trim_start_matches('+')
            .chars()
            .map(String::from)
            .collect::<Vec<_>>()
            .join(" "),
    };
    let text = format!(
        "{} call from {caller}. Press {ACCEPT_KEY} to accept.",
        line.name
    );
    vec![Instruction::AskToAccept {
        prompt: system_message(&text, &line.messages.welcome),
        timeout_secs: ACCEPT_TIMEOUT_SECS,
        action: Callback::ScreenResult { step },
    }]
}
