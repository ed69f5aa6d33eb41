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
    /// A responder of plan step `step` picked up; what they hear (with call screening, the
    /// prompt; otherwise nothing, and the legs are bridged). `leg`: which of the step's legs,
    /// `None` for a step of one leg or a carrier that requests one URL per dial (the leg is
    /// then told by the request's `To`).
    Screen { step: usize, leg: Option<usize> },
    /// Call screening: what the responder of leg `leg` of plan step `step` pressed.
    ScreenResult { step: usize, leg: Option<usize> },
    /// The key the caller pressed in the line's menu (or none).
    Menu,
    /// The PIN the caller entered at the line's PIN gate (or none).
    Pin,
    /// What a responder calling the line entered: their PIN, then whom to call back.
    CallBack,
    /// The carrier's transcript of the voicemail.
    Transcript,
}

/// What the provider must do, provider-neutral.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Instruction {
    /// Speak a message.
    Say(Message),
    /// Ring one or several numbers at the same time and bridge the caller to the first that
    /// answers (with screening: that accepts).
    Dial {
        /// The numbers, by leg, each with the document its responder gets on pickup (Twilio's
        /// `<Number url>`).
        legs: Vec<DialLeg>,
        /// The number the responder sees.
        caller_id: String,
        timeout_secs: u32,
        /// Record the conversation; the recording is reported to `recording_callback`.
        record: bool,
        action: Callback,
        recording_callback: Callback,
        /// The document requested when a responder picks up, for carriers that take one per
        /// dial (Plivo's `confirmSound`); `None` when nothing is asked on pickup.
        picked_up: Option<Callback>,
        /// Call screening: the responder must press [`ACCEPT_KEY`](super::ACCEPT_KEY) before
        /// the bridge.
        screening: bool,
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
    /// The line's PIN gate, on the caller's leg: say `prompt` and wait `timeout_secs` for up
    /// to `max_digits` keys ended by `#`; the keys, or nothing, are reported to `action`.
    AskForCode {
        prompt: Message,
        timeout_secs: u32,
        max_digits: u32,
        action: Callback,
    },
    /// Record a message from the caller.
    Record {
        max_secs: u32,
        action: Callback,
        recording_callback: Callback,
        /// The carrier transcribes the message and sends the text here (set by the server
        /// when the installation uses the carrier's transcription).
        transcribe: Option<Callback>,
    },
    /// End the call.
    Hangup,
    /// Refuse the call without answering it (the caller hears it rejected or busy).
    Reject,
}

/// One number a dial rings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DialLeg {
    pub number: PhoneNumber,
    /// The document the responder gets when they pick up; `None`: bridged at once.
    pub picked_up: Option<Callback>,
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
    /// A responder of step `step` picked up and asks what to hear. The leg is `leg`, or else
    /// the one dialing `to`; `leg_id` is the carrier's id of that leg.
    ScreenPrompted {
        step: usize,
        leg: Option<usize>,
        to: Option<String>,
        leg_id: Option<String>,
    },
    /// Call screening: what the responder of leg `leg` of step `step` pressed (`None`:
    /// nothing).
    ScreenAnswered {
        step: usize,
        leg: Option<usize>,
        digits: Option<String>,
    },
    /// The caller pressed `digits` in the line's menu (`None`: nothing in time). `plans`:
    /// each option's plan, resolved by the shell when the key arrived.
    MenuAnswered {
        digits: Option<String>,
        plans: Vec<crate::plan::Plan>,
    },
    /// The caller entered `digits` at the PIN gate (`None`: nothing in time).
    PinEntered { digits: Option<String> },
    /// A responder calling the line entered their PIN (`None`: nothing in time); the shell
    /// checked it (`verified`) and looked up the line's most recent unanswered caller.
    CallBackPin {
        entered: bool,
        verified: bool,
        last_unanswered: Option<String>,
    },
    /// A responder who proved it chose whom to call back: `1` for the last unanswered caller,
    /// or a number with its country code (`None`: nothing in time).
    CallBackTarget { digits: Option<String> },
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
