//! The call-flow state machine.
//!
//! [`start`] and [`handle`] take the stored [`Call`], the line and one provider event, change
//! the call in place, and return what the provider must do next ([`Instruction`]s, rendered
//! to TwiML or Plivo XML by the provider modules), the activity-log lines to store, and any
//! recordings reported. They do no I/O and read no clock: `now` is passed in.
//!
//! The decisions of a call are in this module tree, one file per part of its life:
//! [`incoming`] (a new call: refusal, plan, first document), [`start`] (welcome and first
//! dial), [`menu`] (the caller's key in the line's menu, and the option's plan), [`dial`]
//! (ringing responders one step after another), [`screening`] (the key a
//! responder presses), [`voicemail`] (messages and recordings), [`ended`] (the end of the
//! call) and [`failsafe`] (what the caller heard when Switchboard failed).

use crate::call::{
    Attempt, AttemptOutcome, Call, EventKind, Outcome, Phase, RecordingKind, RecordingReport,
    Screening, VoicemailReason,
};
use crate::line::{Line, Message};
use crate::PhoneNumber;
use jiff::Timestamp;

mod callback;
mod dial;
mod ended;
mod event;
mod failsafe;
mod incoming;
mod menu;
mod pin;
mod screening;
mod start;
mod voicemail;

pub use callback::responder_calls;
pub use dial::skip_words;
pub use event::{Callback, DialLeg, DialStatus, Event, Instruction};
pub use incoming::{answer_again, failsafe_call, flood_window, incoming, refusal, NewCall};
pub use screening::screen_prompt;
pub use start::{reject, start};
use voicemail::voicemail;
pub use voicemail::voicemail_instructions;

/// What one step of the flow produced.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Transition {
    pub instructions: Vec<Instruction>,
    /// Activity-log lines: (kind, message).
    pub log: Vec<(crate::call::EventKind, String)>,
    /// Recordings to add or update.
    pub recordings: Vec<RecordingReport>,
    /// Background jobs to queue in the same transaction as the change.
    pub jobs: Vec<crate::store::NewJob>,
    /// What the call, now ended, asks of incidents (carried out in the same transaction).
    pub incident: Option<crate::incident::auto::CallIncident>,
}

impl Transition {
    fn log(&mut self, kind: crate::call::EventKind, message: impl Into<String>) {
        self.log.push((kind, message.into()));
    }
}

/// The key a screened responder presses to take the call.
pub const ACCEPT_KEY: &str = "1";
/// The key a screened responder presses to pass the call to the next responder at once
/// (heard only where the carrier lets Switchboard hear other keys: Twilio).
pub const PASS_KEY: &str = "2";
/// Sentence a screened responder hears once they passed the call on.
pub const PASSING_TEXT: &str = "Passing the call on. Thank you.";
/// Seconds a screened responder has to press the key.
pub const ACCEPT_TIMEOUT_SECS: u32 = 10;
/// Sentence a screened responder hears once they accepted.
pub const CONNECTING_TEXT: &str = "Connecting you now.";

/// Sentence a screened responder hears when someone else accepted the call first.
pub const TAKEN_TEXT: &str = "Someone else has taken this call. Thank you.";

/// Sentence spoken when the caller pressed a key that is no option of the menu.
pub const NOT_AN_OPTION_TEXT: &str = "Sorry, that is not one of the options.";

/// Sentence spoken after a voicemail was recorded.
pub const THANKS_TEXT: &str = "Thank you. Your message has been recorded. Goodbye.";
/// Sentence spoken when the caller left no message.
pub const NO_MESSAGE_TEXT: &str = "We did not receive a message. Goodbye.";
/// Sentence spoken when Switchboard itself failed; the caller may still leave a message.
pub const INTERNAL_ERROR_TEXT: &str = "We are sorry, we could not connect your call. Please leave a message with your name and number after the tone, and we will call you back.";

/// A number read out digit by digit, so text-to-speech does not say "four billion…".
fn spelled(number: &str) -> String {
    number
        .trim_start_matches('+')
        .chars()
        .map(String::from)
        .collect::<Vec<_>>()
        .join(" ")
}

/// What a wrong entry at a prompt leads to: asked again in this phase with these prompts, or,
/// after the last try, the call's end with this outcome.
enum AfterWrong {
    Again(Phase, Vec<Instruction>),
    End(Outcome),
}

/// A wrong entry (a PIN, a number): logged as `why`, answered with `say`, then `next`.
fn wrong_entry(
    call: &mut Call,
    line: &Line,
    next: AfterWrong,
    why: String,
    say: &str,
    t: &mut Transition,
) {
    t.log(EventKind::Decision, why);
    t.instructions.push(Instruction::Say(system_message(
        say,
        &line.messages.welcome,
    )));
    match next {
        AfterWrong::Again(phase, ask) => {
            call.phase = phase;
            t.instructions.extend(ask);
        }
        AfterWrong::End(outcome) => {
            call.phase = Phase::Done;
            call.outcome = outcome;
            t.instructions.push(Instruction::Hangup);
        }
    }
}

fn system_message(text: &str, like: &Message) -> Message {
    // Same voice and language as the line's message; never its recording.
    Message {
        text: text.to_owned(),
        voice: like.voice.clone(),
        language: like.language.clone(),
        audio: None,
        audio_url: None,
    }
}

/// Applies one provider event to the call; when it ends the call, one chat alert per channel
/// of the line is queued with the change (a refused caller alerts nobody), and the incident
/// the line's policy asks for comes with it.
pub fn handle(call: &mut Call, line: &Line, event: Event, now: Timestamp) -> Transition {
    let was_over = call.ended_at.is_some();
    let mut t = apply_event(call, line, event, now);
    if call.simulated {
        // Nothing to download: the simulator's recordings are not audio anyone made.
        for r in &mut t.recordings {
            r.has_media = false;
        }
    }
    // A responder's call back is in the log, not announced: it is not a call for help.
    let alerting =
        call.outcome != Outcome::Rejected && !call.simulated && call.plan.callback.is_none();
    if !was_over && call.ended_at.is_some() && alerting {
        t.jobs.extend(
            line.channels
                .iter()
                .map(|c| crate::store::NewJob::alert(call.id, *c)),
        );
    }
    if !was_over && call.ended_at.is_some() {
        t.incident = crate::incident::auto::on_call_end(call, line, &line.incidents);
        t.jobs.extend(reminder(call, line, now));
    }
    t
}

/// The reminder a message left outside business hours gets for when the line opens again
/// (a voicemail or a text; not a test or simulated call).
pub fn reminder(call: &Call, line: &Line, now: Timestamp) -> Option<crate::store::NewJob> {
    let waiting = matches!(call.outcome, Outcome::Voicemail | Outcome::Texted);
    if !waiting || !call.plan.after_hours || call.test_call || call.simulated {
        return None;
    }
    let at = line.business_hours.as_ref()?.next_open(now)?;
    Some(crate::store::NewJob::reminder(call.id, at))
}

fn apply_event(call: &mut Call, line: &Line, event: Event, now: Timestamp) -> Transition {
    let mut t = Transition::default();
    match event {
        Event::DialEnded { .. } => dial::ended(call, line, event, now, &mut t),
        Event::ScreenPrompted {
            step,
            leg,
            to,
            leg_id,
        } => screening::prompted(
            call,
            line,
            step,
            screening::which_leg(call, step, leg, to.as_deref()),
            leg_id,
            now,
            &mut t,
        ),
        Event::ScreenAnswered { step, leg, digits } => {
            let leg = screening::which_leg(call, step, leg, None);
            screening::answered(call, line, step, leg, digits, &mut t)
        }
        Event::MenuAnswered { digits, plans } => {
            menu::answered(call, line, digits, plans, now, &mut t)
        }
        Event::PinEntered { digits } => pin::entered(call, line, digits, now, &mut t),
        Event::CallBackPin {
            entered,
            verified,
            last_unanswered,
        } => callback::pin(call, line, entered, verified, last_unanswered, now, &mut t),
        Event::CallBackTarget { digits } => callback::target(call, line, digits, now, &mut t),
        Event::VoicemailTaken { .. } => voicemail::taken(call, line, event, &mut t),
        Event::Recording(report) => voicemail::recording(call, report, &mut t),
        Event::FailsafeServed { what, cause, dial } => {
            failsafe::served(call, &what, &cause, dial, now, &mut t)
        }
        Event::CallEnded { duration_secs } => ended::ended(call, duration_secs, now, &mut t),
    }
    t
}

/// The instructions for the call's current phase: what to answer when a request is repeated.
pub fn resume(call: &Call, line: &Line) -> Vec<Instruction> {
    match call.phase {
        Phase::Dialing { step } if step < call.plan.steps.len() => {
            vec![dial::resume_dial(call, line, step)]
        }
        Phase::Dialing { .. } => vec![Instruction::Hangup],
        Phase::Voicemail { reason } => {
            voicemail::voicemail_instructions_for(line, call.plan.choice.as_ref(), reason)
        }
        Phase::Pin { .. } => vec![pin::instruction(line)],
        Phase::CallBack { choosing, .. } => callback::instructions(call, line, choosing),
        Phase::Menu { .. } => match &line.menu {
            Some(m) => vec![menu::instruction(m)],
            // The menu is gone: the caller can still leave a message.
            None => voicemail_instructions(line, VoicemailReason::NoOneOnCall),
        },
        Phase::Connected { .. } | Phase::Done if call.outcome == Outcome::Rejected => {
            vec![Instruction::Reject]
        }
        Phase::Connected { .. } | Phase::Done => vec![Instruction::Hangup],
    }
}

#[cfg(test)]
mod menu_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod together_tests;
