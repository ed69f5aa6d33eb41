//! A line's PIN gate: before anyone is rung, the caller enters one of the line's PINs. The
//! PIN's label (whose it is) goes into the log, the path and alerts; the digits never do. A
//! wrong or missing PIN is asked again, up to [`PIN_TRIES`] tries, then the call is refused.

use super::*;

/// Tries a caller has to enter a valid PIN.
pub const PIN_TRIES: u8 = 3;
/// Seconds the caller has to start entering the PIN.
pub const PIN_TIMEOUT_SECS: u32 = 10;
/// What the caller hears at the gate.
pub const PIN_PROMPT_TEXT: &str = "Please enter your access code, then press the pound key.";
/// What the caller hears after a wrong or missing PIN.
pub const PIN_WRONG_TEXT: &str = "That code is not valid.";
/// What the caller hears when they used up their tries.
pub const PIN_REFUSED_TEXT: &str = "Sorry, that code is not valid. Goodbye.";

/// What the caller's leg does for the gate.
pub(super) fn instruction(line: &Line) -> Instruction {
    Instruction::AskForCode {
        prompt: system_message(PIN_PROMPT_TEXT, &line.messages.welcome),
        timeout_secs: PIN_TIMEOUT_SECS,
        max_digits: 8,
        action: Callback::Pin,
    }
}

/// A new call to a gated line: the welcome, then the request for a PIN.
pub(super) fn ask(call: &mut Call, line: &Line) -> Transition {
    let mut t = Transition::default();
    call.phase = Phase::Pin { tries: 0 };
    t.log(EventKind::Decision, "Asking the caller for a PIN");
    t.instructions
        .push(Instruction::Say(line.messages.welcome.clone()));
    t.instructions.push(instruction(line));
    t
}

/// The caller entered `digits` (or nothing in time).
pub(super) fn entered(
    call: &mut Call,
    line: &Line,
    digits: Option<String>,
    now: Timestamp,
    t: &mut Transition,
) {
    let Phase::Pin { tries } = call.phase else {
        t.log(EventKind::Decision, "Ignored a late PIN");
        t.instructions = resume(call, line);
        return;
    };
    let entered = digits.map(|d| d.trim().trim_end_matches('#').to_owned());
    let matched = entered
        .as_deref()
        .filter(|d| !d.is_empty())
        .and_then(|d| line.pins.iter().find(|p| p.pin == d));
    if line.pins.is_empty() {
        // The gate was removed while the caller listened: let them through.
        t.log(
            EventKind::Decision,
            "The line's PIN gate was removed meanwhile",
        );
    } else if let Some(p) = matched {
        call.plan.pin_label = Some(p.label.clone());
        t.log(
            EventKind::Decision,
            format!("The caller entered the PIN of {}", p.label),
        );
    } else {
        let tries = tries + 1;
        let what = match entered.as_deref() {
            Some(d) if !d.is_empty() => "A wrong PIN",
            _ => "No PIN",
        };
        let (next, why, say) = if tries < PIN_TRIES {
            (
                AfterWrong::Again(Phase::Pin { tries }, vec![instruction(line)]),
                format!("{what} was entered (try {tries} of {PIN_TRIES}); asking again"),
                PIN_WRONG_TEXT,
            )
        } else {
            (
                AfterWrong::End(Outcome::Rejected),
                format!("{what} was entered (try {tries} of {PIN_TRIES}): the call is refused"),
                PIN_REFUSED_TEXT,
            )
        };
        wrong_entry(call, line, next, why, say, t);
        return;
    }
    // Let through: the "ringing" notices, then the menu or the routing.
    if !call.simulated {
        t.jobs.extend(
            line.channels
                .iter()
                .map(|c| crate::store::NewJob::ringing_of(call.id, *c)),
        );
    }
    match &line.menu {
        Some(m) if !call.plan.test_mode && !call.plan.after_hours => menu::offer(call, m, t),
        _ => start::route(call, line, now, t),
    }
}
