//! Calling back as the hotline: a responder who calls the line from one of their registered
//! numbers, and has set a PIN, is asked for it; with it they call back the line's most recent
//! unanswered caller (key 1) or any number, with the line's number as caller ID. Without
//! entering anything they are a caller like any other. The call back is dialed, recorded and
//! logged as any call, never screened, and ends without a voicemail when nobody answers.

use super::*;
use crate::plan::{CallBack, PlanStep, Responder};

/// Tries a responder has for their PIN, and for a number to call.
pub const CALLBACK_TRIES: u8 = 3;

fn ask(text: String, line: &Line, max_digits: u32) -> Instruction {
    Instruction::AskForCode {
        prompt: system_message(&text, &line.messages.welcome),
        timeout_secs: 8,
        max_digits,
        action: Callback::CallBack,
    }
}

/// What the responder hears at this point of the call back.
pub(super) fn instructions(call: &Call, line: &Line, choosing: bool) -> Vec<Instruction> {
    if !choosing {
        let name = call.caller.name.clone().unwrap_or_default();
        return vec![ask(
            format!(
                "Hello {name}. To call back as {}, enter your PIN and press pound. To be connected as a caller, just wait.",
                line.name
            ),
            line,
            8,
        )];
    }
    let last = call
        .plan
        .callback
        .as_ref()
        .and_then(|c| c.last_unanswered.clone());
    let text = match last {
        Some(n) => format!(
            "To call back {}, press 1 and pound. To call another number, enter it with its country code, then press pound.",
            spelled(&n)
        ),
        None => "Enter the number to call with its country code, then press pound.".to_owned(),
    };
    vec![ask(text, line, 15)]
}

/// A call to `line` from `responder` (their user id and name), who has a PIN: asked for it.
/// `plan` is what the call follows if they enter nothing (as any caller's).
pub fn responder_calls(
    line: &Line,
    new: NewCall,
    responder: (crate::UserId, String),
    plan: crate::plan::Plan,
    now: Timestamp,
) -> (Call, Transition) {
    let mut call = super::incoming::record(line, new, plan, now);
    call.caller.name = Some(responder.1.clone());
    // Who they are, not yet proven: until their PIN, nothing is dialed as them.
    call.plan.callback = Some(CallBack {
        by: responder.0,
        name: responder.1.clone(),
        last_unanswered: None,
    });
    call.phase = Phase::CallBack {
        choosing: false,
        tries: 0,
    };
    let mut t = Transition::default();
    t.log(
        EventKind::Decision,
        format!(
            "{} is calling from their own number: asking for their PIN to call back as the hotline",
            responder.1
        ),
    );
    t.instructions = instructions(&call, line, false);
    (call, t)
}

/// The responder entered their PIN (`entered`), which the shell checked (`verified`).
pub(super) fn pin(
    call: &mut Call,
    line: &Line,
    entered: bool,
    verified: bool,
    last_unanswered: Option<String>,
    now: Timestamp,
    t: &mut Transition,
) {
    let Phase::CallBack {
        choosing: false,
        tries,
    } = call.phase
    else {
        t.log(EventKind::Decision, "Ignored a late PIN");
        t.instructions = resume(call, line);
        return;
    };
    let name = call.caller.name.clone().unwrap_or_default();
    if !entered {
        // Nothing entered: a caller like any other.
        call.plan.callback = None;
        t.log(
            EventKind::Decision,
            format!("{name} entered no PIN: connecting them as a caller"),
        );
        let started = start(call, line, now);
        t.instructions.extend(started.instructions);
        t.log.extend(started.log);
        if !call.simulated {
            t.jobs.extend(
                line.channels
                    .iter()
                    .map(|c| crate::store::NewJob::ringing_of(call.id, *c)),
            );
        }
        return;
    }
    if !verified {
        let tries = tries + 1;
        let (next, why, say) = if tries < CALLBACK_TRIES {
            (
                AfterWrong::Again(
                    Phase::CallBack {
                        choosing: false,
                        tries,
                    },
                    instructions(call, line, false),
                ),
                format!("{name} entered a wrong PIN (try {tries} of {CALLBACK_TRIES})"),
                "That PIN is not valid.",
            )
        } else {
            (
                AfterWrong::End(Outcome::Rejected),
                format!("{name} entered a wrong PIN {tries} times: the call is ended"),
                "That PIN is not valid. Goodbye.",
            )
        };
        wrong_entry(call, line, next, why, say, t);
        return;
    }
    if let Some(cb) = &mut call.plan.callback {
        cb.last_unanswered = last_unanswered;
    }
    call.phase = Phase::CallBack {
        choosing: true,
        tries: 0,
    };
    t.log(
        EventKind::Decision,
        format!("{name} entered their PIN: asking whom to call back"),
    );
    t.instructions = instructions(call, line, true);
}

/// The responder chose whom to call back.
pub(super) fn target(
    call: &mut Call,
    line: &Line,
    digits: Option<String>,
    now: Timestamp,
    t: &mut Transition,
) {
    let (
        Phase::CallBack {
            choosing: true,
            tries,
        },
        Some(cb),
    ) = (call.phase, call.plan.callback.clone())
    else {
        t.log(EventKind::Decision, "Ignored a late number to call back");
        t.instructions = resume(call, line);
        return;
    };
    let entered = digits
        .unwrap_or_default()
        .trim()
        .trim_end_matches('#')
        .to_owned();
    let number = match (entered.as_str(), &cb.last_unanswered) {
        ("1", Some(last)) => PhoneNumber::parse(last).ok(),
        ("", _) => None,
        (d, _) if d.chars().all(|c| c.is_ascii_digit()) => {
            PhoneNumber::parse(&format!("+{d}")).ok()
        }
        _ => None,
    };
    let Some(number) = number else {
        let tries = tries + 1;
        let what = if entered.is_empty() {
            "no number"
        } else {
            "a number that is not valid"
        };
        let (next, why, say) = if tries < CALLBACK_TRIES {
            (
                AfterWrong::Again(
                    Phase::CallBack {
                        choosing: true,
                        tries,
                    },
                    instructions(call, line, true),
                ),
                format!(
                    "{} entered {what} (try {tries} of {CALLBACK_TRIES})",
                    cb.name
                ),
                "That is not a number I can call.",
            )
        } else {
            (
                AfterWrong::End(Outcome::Abandoned),
                format!(
                    "{} entered {what} {tries} times: the call is ended",
                    cb.name
                ),
                "Goodbye.",
            )
        };
        wrong_entry(call, line, next, why, say, t);
        return;
    };
    call.plan.steps = vec![PlanStep {
        target: format!("call back {number}"),
        responder: Some(Responder {
            user_id: cb.by,
            name: number.to_string(),
            phone: number.clone(),
        }),
        skipped: None,
        also: vec![],
        ring_secs: None,
    }];
    t.log(
        EventKind::Decision,
        format!("{} calls back {number} as the hotline", cb.name),
    );
    let recorded = if line.recording {
        " This call is recorded."
    } else {
        ""
    };
    t.instructions.push(Instruction::Say(system_message(
        &format!("Calling {}.{recorded}", spelled(number.as_str())),
        &line.messages.welcome,
    )));
    dial::dial(call, line, 0, now, t);
}
