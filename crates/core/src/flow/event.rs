//! What the provider tells a call (events) and what the call tells the provider
//! (instructions).

use super::*;

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
    /// The key the caller pressed in the line's menu (or none).
    Menu,
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
    /// The line's menu, on the caller's leg: say `prompt` and wait `timeout_secs` for one
    /// key; the key, or nothing, is reported to `action`.
    Menu {
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
    /// The caller pressed `digits` in the line's menu (`None`: nothing in time). `plans`:
    /// each option's plan, resolved by the shell when the key arrived.
    MenuAnswered {
        digits: Option<String>,
        plans: Vec<crate::plan::Plan>,
    },
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
