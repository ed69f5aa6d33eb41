//! The call-flow state machine.
//!
//! [`start`] and [`handle`] take the stored [`Call`], the line and one provider event, change
//! the call in place, and return what the provider must do next ([`Instruction`]s, rendered
//! to TwiML or Plivo XML by the provider modules), the activity-log lines to store, and any
//! recordings reported. They do no I/O and read no clock: `now` is passed in.

use crate::call::{
    Attempt, AttemptOutcome, Call, EventKind, Outcome, Phase, RecordingKind, RecordingReport,
    Screening, VoicemailReason,
};
use crate::line::{Line, Message};
use crate::PhoneNumber;
use jiff::Timestamp;

/// A webhook the provider will request; the server turns it into a URL for the call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Callback {
    /// The dial of plan step `step` ended.
    DialEnded { step: usize },
    /// The caller finished leaving a voicemail.
    Voicemail,
    /// A recording of this kind is ready (or absent).
    RecordingReady { kind: RecordingKind },
    /// Call screening: the responder of plan step `step` picked up; what they hear.
    Screen { step: usize },
    /// Call screening: what the responder of plan step `step` pressed.
    ScreenResult { step: usize },
}

/// What the provider must do, provider-neutral.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Instruction {
    /// Speak a message.
    Say(Message),
    /// Ring one number and bridge the caller when it answers.
    Dial {
        number: PhoneNumber,
        /// The number the responder sees.
        caller_id: String,
        timeout_secs: u32,
        /// Record the conversation; the recording is reported to `recording_callback`.
        record: bool,
        action: Callback,
        recording_callback: Callback,
        /// Call screening: the document the responder hears when they pick up.
        screening: Option<Callback>,
    },
    /// Call screening, on the responder's leg: say `prompt` and wait `timeout_secs` for the
    /// key `1`; the key press is reported to `action`; without it the leg hangs up.
    AskToAccept {
        prompt: Message,
        timeout_secs: u32,
        action: Callback,
    },
    /// Record a message from the caller.
    Record {
        max_secs: u32,
        action: Callback,
        recording_callback: Callback,
    },
    /// End the call.
    Hangup,
    /// Refuse the call without answering it (the caller hears it rejected or busy).
    Reject,
}

/// The outcome of dialing, as the provider reported it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DialStatus {
    Answered,
    NoAnswer,
    Busy,
    Failed,
    Canceled,
}

/// Something the provider told us about a running call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A dial ended (the `<Dial action>` request).
    DialEnded {
        step: usize,
        status: DialStatus,
        talk_secs: Option<u32>,
        /// The caller had already hung up when the provider reported this.
        caller_gone: bool,
        leg_id: Option<String>,
        recording: Option<RecordingReport>,
        /// The provider itself only bridges a screened call after the accept key (Plivo's
        /// `confirmKey`), so an answer proves acceptance.
        accept_enforced_by_provider: bool,
    },
    /// Call screening: the responder of step `step` picked up and asks what to hear.
    ScreenPrompted { step: usize },
    /// Call screening: what the responder of step `step` pressed (`None`: nothing).
    ScreenAnswered { step: usize, digits: Option<String> },
    /// The voicemail prompt finished (the `<Record action>` request).
    VoicemailTaken {
        caller_gone: bool,
        recording: Option<RecordingReport>,
    },
    /// A recording status callback.
    Recording(RecordingReport),
    /// The call is over (the provider's call status or hangup callback).
    CallEnded { duration_secs: Option<u32> },
    /// Switchboard could not handle the voice webhook `what` of this call (`cause`: "the
    /// database was unavailable") and answered with the failure document: the caller heard
    /// the apology and was offered voicemail. `dial` is the dial result that webhook carried.
    FailsafeServed {
        what: String,
        cause: String,
        dial: Option<(usize, DialStatus)>,
    },
}

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
}

impl Transition {
    fn log(&mut self, kind: crate::call::EventKind, message: impl Into<String>) {
        self.log.push((kind, message.into()));
    }
}

/// The key a screened responder presses to take the call.
pub const ACCEPT_KEY: &str = "1";
/// Seconds a screened responder has to press the key.
pub const ACCEPT_TIMEOUT_SECS: u32 = 10;
/// Sentence a screened responder hears once they accepted.
pub const CONNECTING_TEXT: &str = "Connecting you now.";

/// Sentence spoken after a voicemail was recorded.
pub const THANKS_TEXT: &str = "Thank you. Your message has been recorded. Goodbye.";
/// Sentence spoken when the caller left no message.
pub const NO_MESSAGE_TEXT: &str = "We did not receive a message. Goodbye.";
/// Sentence spoken when Switchboard itself failed; the caller may still leave a message.
pub const INTERNAL_ERROR_TEXT: &str = "We are sorry, we could not connect your call. Please leave a message with your name and number after the tone, and we will call you back.";

fn system_message(text: &str, like: &Message) -> Message {
    // Same voice and language as the line's message; never its recording.
    Message {
        text: text.to_owned(),
        voice: like.voice.clone(),
        language: like.language.clone(),
        audio: None,
    }
}

/// Begins a freshly created call: the welcome message, then the first dial (or the
/// no-one-on-call message and voicemail when the plan dials nobody).
pub fn start(call: &mut Call, line: &Line, now: Timestamp) -> Transition {
    let mut t = Transition::default();
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
            (Some(r), _) => format!("step {}: {} ({})", i + 1, r.name, r.phone),
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
    t.instructions
        .push(Instruction::Say(line.messages.welcome.clone()));
    match call.plan.next_dialable(0) {
        Some((step, _)) => dial(call, line, step, now, &mut t),
        None if call.plan.after_hours => {
            t.log(
                EventKind::Decision,
                "Outside business hours: playing the closed message",
            );
            voicemail(call, line, VoicemailReason::Closed, &mut t);
        }
        None => {
            t.log(
                EventKind::Decision,
                "Nobody to dial: playing the no-one-on-call message",
            );
            voicemail(call, line, VoicemailReason::NoOneOnCall, &mut t);
        }
    }
    t
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

/// Applies one provider event to the call; when it ends the call, one chat alert per channel
/// of the line is queued with the change (a refused caller alerts nobody).
pub fn handle(call: &mut Call, line: &Line, event: Event, now: Timestamp) -> Transition {
    let was_over = call.ended_at.is_some();
    let mut t = apply_event(call, line, event, now);
    if !was_over && call.ended_at.is_some() && call.outcome != Outcome::Rejected {
        t.jobs.extend(
            line.channels
                .iter()
                .map(|c| crate::store::NewJob::alert(call.id, *c)),
        );
    }
    t
}

fn apply_event(call: &mut Call, line: &Line, event: Event, now: Timestamp) -> Transition {
    let mut t = Transition::default();
    match event {
        Event::DialEnded {
            step,
            status,
            talk_secs,
            caller_gone,
            leg_id,
            recording,
            accept_enforced_by_provider,
        } => {
            t.recordings.extend(recording);
            if call.phase != (Phase::Dialing { step }) {
                t.log(
                    EventKind::Decision,
                    format!(
                        "Ignored a repeated or late dial result for step {}",
                        step + 1
                    ),
                );
                t.instructions = resume(call, line);
                return t;
            }
            let name = call.plan.steps[step]
                .responder
                .as_ref()
                .map_or_else(|| "?".to_owned(), |r| r.name.clone());
            let (awaiting_accept, picked_up) = call
                .attempts
                .iter()
                .find(|a| a.step == step)
                .map_or((false, false), |a| {
                    (a.screening.awaiting_accept(), a.screening.picked_up())
                });
            let attempt_outcome = match (status, caller_gone) {
                // Screened, picked up, but the key was never pressed: a voicemail or a
                // refusal, not an answer.
                (DialStatus::Answered, _) if awaiting_accept && !accept_enforced_by_provider => {
                    AttemptOutcome::NotAccepted
                }
                (DialStatus::Answered, _) => AttemptOutcome::Answered,
                (DialStatus::NoAnswer | DialStatus::Canceled, false)
                    if awaiting_accept && picked_up =>
                {
                    AttemptOutcome::NotAccepted
                }
                (_, true) => AttemptOutcome::CallerHungUp,
                (DialStatus::NoAnswer, false) => AttemptOutcome::NoAnswer,
                (DialStatus::Busy, false) => AttemptOutcome::Busy,
                (DialStatus::Failed, false) => AttemptOutcome::Failed,
                (DialStatus::Canceled, false) => AttemptOutcome::Canceled,
            };
            if let Some(a) = call.attempt_mut(step) {
                if attempt_outcome == AttemptOutcome::Answered && a.screening.awaiting_accept() {
                    // The provider only bridged after the key (Plivo's confirmKey).
                    a.screening = Screening::Accepted {
                        prompted: a.screening.picked_up(),
                    };
                }
                a.outcome = attempt_outcome;
                a.ended_at = Some(now);
                a.duration_secs = talk_secs.filter(|_| status == DialStatus::Answered);
                a.leg_id = leg_id.or(a.leg_id.take());
            }
            match attempt_outcome {
                AttemptOutcome::Answered => {
                    call.outcome = Outcome::Answered;
                    call.answered_by = call.plan.steps[step].responder.as_ref().map(|r| r.user_id);
                    call.phase = Phase::Connected { step };
                    t.log(
                        EventKind::Decision,
                        format!(
                            "{name} answered{}",
                            talk_secs.map_or(String::new(), |s| format!("; talked {s} s"))
                        ),
                    );
                    t.instructions.push(Instruction::Hangup);
                }
                AttemptOutcome::CallerHungUp => {
                    call.outcome = Outcome::Abandoned;
                    call.phase = Phase::Done;
                    t.log(
                        EventKind::Decision,
                        format!("The caller hung up while {name} was ringing; routing stops"),
                    );
                    t.instructions.push(Instruction::Hangup);
                }
                other => {
                    t.log(
                        EventKind::Decision,
                        format!("{name} {}", attempt_words(other)),
                    );
                    next_step(call, line, step + 1, now, &mut t);
                }
            }
        }
        Event::ScreenPrompted { step } => screening::prompted(call, line, step, &mut t),
        Event::ScreenAnswered { step, digits } => {
            screening::answered(call, line, step, digits, &mut t)
        }
        Event::VoicemailTaken {
            caller_gone,
            recording,
        } => {
            let has_message = recording
                .as_ref()
                .is_some_and(|r| r.has_media && r.duration_secs != Some(0));
            if let Some(r) = recording {
                t.recordings.push(r);
            }
            if has_message {
                call.outcome = Outcome::Voicemail;
                t.log(EventKind::Decision, "The caller left a voicemail");
            } else if call.outcome == Outcome::InProgress {
                call.outcome = Outcome::Missed;
                t.log(EventKind::Decision, "The caller left no message");
            }
            if caller_gone {
                t.log(EventKind::Decision, "The caller hung up while recording");
            }
            call.phase = Phase::Done;
            let like = &line.messages.no_answer;
            t.instructions.push(Instruction::Say(system_message(
                if has_message {
                    THANKS_TEXT
                } else {
                    NO_MESSAGE_TEXT
                },
                like,
            )));
            t.instructions.push(Instruction::Hangup);
        }
        Event::Recording(report) => {
            if report.kind == RecordingKind::Voicemail
                && report.has_media
                && matches!(call.outcome, Outcome::InProgress | Outcome::Missed)
            {
                call.outcome = Outcome::Voicemail;
                t.log(
                    EventKind::Decision,
                    "A voicemail recording arrived: outcome is voicemail",
                );
            }
            t.log(
                EventKind::Recording,
                format!(
                    "{} recording {} {}",
                    report.kind.as_str(),
                    report.provider_recording_id,
                    if report.has_media {
                        format!("is ready ({} s)", report.duration_secs.unwrap_or(0))
                    } else {
                        "has no media".to_owned()
                    }
                ),
            );
            t.recordings.push(report);
        }
        Event::FailsafeServed { what, cause, dial } => {
            failsafe::served(call, &what, &cause, dial, now, &mut t)
        }
        Event::CallEnded { duration_secs } => {
            if call.ended_at.is_some() {
                t.log(EventKind::Decision, "Ignored a repeated end-of-call report");
                return t;
            }
            // The provider's duration is the call's length: the end is that long after the
            // start (our own clock saw the callback, which may arrive late or be replayed).
            call.ended_at = Some(
                duration_secs
                    .and_then(|d| {
                        call.started_at
                            .checked_add(jiff::SignedDuration::from_secs(i64::from(d)))
                            .ok()
                    })
                    .unwrap_or(now),
            );
            call.duration_secs = duration_secs;
            if call.outcome == Outcome::InProgress {
                match call.phase {
                    Phase::Dialing { step } => {
                        if let Some(a) = call.attempt_mut(step) {
                            a.outcome = AttemptOutcome::CallerHungUp;
                            a.ended_at = Some(now);
                        }
                        call.outcome = Outcome::Abandoned;
                        t.log(
                            EventKind::Decision,
                            "The caller hung up while a responder was ringing",
                        );
                    }
                    Phase::Voicemail { .. } => {
                        call.outcome = Outcome::Missed;
                        t.log(
                            EventKind::Decision,
                            "The caller hung up without leaving a message",
                        );
                    }
                    Phase::Connected { .. } | Phase::Done => {
                        call.outcome = Outcome::Abandoned;
                        t.log(EventKind::Decision, "The caller hung up");
                    }
                }
            }
            call.phase = Phase::Done;
            t.log(
                EventKind::Decision,
                format!(
                    "Call ended{}",
                    duration_secs.map_or(String::new(), |d| format!(" after {d} s"))
                ),
            );
        }
    }
    t
}

/// The instructions for the call's current phase: what to answer when a request is repeated.
pub fn resume(call: &Call, line: &Line) -> Vec<Instruction> {
    match call.phase {
        Phase::Dialing { step } => {
            match call.plan.steps.get(step).and_then(|s| s.responder.as_ref()) {
                Some(r) => vec![dial_instruction(call, line, &r.phone)],
                None => vec![Instruction::Hangup],
            }
        }
        Phase::Voicemail { reason } => voicemail_instructions(line, reason),
        Phase::Connected { .. } | Phase::Done if call.outcome == Outcome::Rejected => {
            vec![Instruction::Reject]
        }
        Phase::Connected { .. } | Phase::Done => vec![Instruction::Hangup],
    }
}

fn next_step(call: &mut Call, line: &Line, from: usize, now: Timestamp, t: &mut Transition) {
    for (i, s) in call.plan.steps.iter().enumerate().skip(from) {
        match (&s.responder, s.skipped) {
            (Some(_), _) => break,
            (None, Some(reason)) => t.log(
                EventKind::Decision,
                format!(
                    "Skipped step {} ({}): {}",
                    i + 1,
                    s.target,
                    skip_words(reason)
                ),
            ),
            (None, None) => {}
        }
    }
    match call.plan.next_dialable(from) {
        Some((step, _)) => dial(call, line, step, now, t),
        None => {
            t.log(
                EventKind::Decision,
                "Nobody answered: playing the no-answer message",
            );
            voicemail(call, line, VoicemailReason::NoAnswer, t);
        }
    }
}

fn dial(call: &mut Call, line: &Line, step: usize, now: Timestamp, t: &mut Transition) {
    let r = call.plan.steps[step]
        .responder
        .clone()
        .expect("dial is only called for a step with a responder");
    t.log(
        EventKind::Dial,
        format!(
            "Dialing {} ({}) for {} s",
            r.name, r.phone, line.routing.ring_timeout_secs
        ),
    );
    call.phase = Phase::Dialing { step };
    call.attempts.push(Attempt {
        step,
        user_id: r.user_id,
        name: r.name.clone(),
        number: r.phone.to_string(),
        outcome: AttemptOutcome::Ringing,
        started_at: now,
        ended_at: None,
        duration_secs: None,
        leg_id: None,
        screening: Screening::start(line.screening),
    });
    t.instructions.push(dial_instruction(call, line, &r.phone));
}

fn dial_instruction(call: &Call, line: &Line, number: &PhoneNumber) -> Instruction {
    let Phase::Dialing { step } = call.phase else {
        unreachable!("dial_instruction is only built while dialing")
    };
    // The responder sees who is calling; a withheld or non-phone caller shows the line.
    let caller_id = PhoneNumber::from_provider(&call.caller.number)
        .map_or_else(|_| line.number.to_string(), |n| n.to_string());
    Instruction::Dial {
        number: number.clone(),
        caller_id,
        timeout_secs: line.routing.ring_timeout_secs,
        record: line.recording,
        action: Callback::DialEnded { step },
        recording_callback: Callback::RecordingReady {
            kind: RecordingKind::Call,
        },
        screening: line.screening.then_some(Callback::Screen { step }),
    }
}

fn voicemail(call: &mut Call, line: &Line, reason: VoicemailReason, t: &mut Transition) {
    call.phase = Phase::Voicemail { reason };
    t.instructions.extend(voicemail_instructions(line, reason));
}

/// The message for `reason`, then a recording, then a goodbye if nothing was recorded.
pub fn voicemail_instructions(line: &Line, reason: VoicemailReason) -> Vec<Instruction> {
    let message = match reason {
        VoicemailReason::NoOneOnCall => line.messages.no_one_on_call.clone(),
        VoicemailReason::Closed => line.messages.closed.clone(),
        VoicemailReason::NoAnswer => line.messages.no_answer.clone(),
        VoicemailReason::InternalError => {
            system_message(INTERNAL_ERROR_TEXT, &line.messages.no_answer)
        }
    };
    let goodbye = system_message(NO_MESSAGE_TEXT, &message);
    vec![
        Instruction::Say(message),
        Instruction::Record {
            max_secs: line.voicemail_max_secs,
            action: Callback::Voicemail,
            recording_callback: Callback::RecordingReady {
                kind: RecordingKind::Voicemail,
            },
        },
        Instruction::Say(goodbye),
        Instruction::Hangup,
    ]
}

fn attempt_words(o: AttemptOutcome) -> &'static str {
    match o {
        AttemptOutcome::NotAccepted => "did not accept the call",
        AttemptOutcome::NoAnswer => "did not answer",
        AttemptOutcome::Busy => "was busy",
        AttemptOutcome::Failed => "could not be reached",
        AttemptOutcome::Canceled => "was canceled",
        AttemptOutcome::Answered => "answered",
        AttemptOutcome::Ringing => "is ringing",
        AttemptOutcome::CallerHungUp => "was ringing when the caller hung up",
    }
}

fn skip_words(r: crate::plan::SkipReason) -> &'static str {
    use crate::plan::SkipReason::*;
    match r {
        AlreadyInPlan => "already dialed in this call",
        NobodyOnCall => "nobody on call",
        NoPhone => "no phone number",
        UnknownUser => "user no longer exists",
    }
}

mod failsafe;
mod incoming;
mod screening;
pub use incoming::{answer_again, failsafe_call, flood_window, incoming, refusal, NewCall};
pub use screening::screen_prompt;

#[cfg(test)]
mod tests;
