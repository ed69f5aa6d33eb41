//! The call record: who called, the plan, every attempt, and how it ended.

use crate::line::Provider;
use crate::plan::Plan;
use crate::{CallId, LineId, RecordingId, UserId};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// Who is calling, as the provider describes them. Numbers are kept as sent when they are not
/// phone numbers (SIP URIs, `anonymous`), so nothing the provider said is lost.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallerInfo {
    pub number: String,
    pub name: Option<String>,
    pub city: Option<String>,
    pub state: Option<String>,
    pub zip: Option<String>,
    pub country: Option<String>,
}

/// Longest caller detail kept, in characters (caller-ID names are 15; numbers and SIP URIs
/// are short): a provider's 6 KB "name" must not become a 6 KB screening prompt.
pub const MAX_CALLER_FIELD: usize = 64;

impl CallerInfo {
    /// The details as kept: control characters removed, each cut to [`MAX_CALLER_FIELD`]
    /// characters, empty ones dropped.
    pub fn tidy(self) -> Self {
        fn t(s: &str) -> String {
            s.chars()
                .filter(|c| !c.is_control())
                .take(MAX_CALLER_FIELD)
                .collect::<String>()
                .trim()
                .to_owned()
        }
        let opt = |s: Option<String>| s.map(|s| t(&s)).filter(|s| !s.is_empty());
        let number = t(&self.number);
        CallerInfo {
            number: if number.is_empty() {
                "anonymous".to_owned()
            } else {
                number
            },
            name: opt(self.name),
            city: opt(self.city),
            state: opt(self.state),
            zip: opt(self.zip),
            country: opt(self.country),
        }
    }
}

/// How a call ended (or that it has not yet).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    InProgress,
    Answered,
    Voicemail,
    /// Nobody answered and the caller left no message.
    Missed,
    /// The caller hung up before anyone answered or the voicemail prompt.
    Abandoned,
    /// Refused before ringing anyone: a blocked number or a flood of calls.
    Rejected,
}

impl Outcome {
    /// The snake_case name used in the API and the store.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::InProgress => "in_progress",
            Outcome::Answered => "answered",
            Outcome::Voicemail => "voicemail",
            Outcome::Missed => "missed",
            Outcome::Abandoned => "abandoned",
            Outcome::Rejected => "rejected",
        }
    }

    /// Parses the snake_case name.
    pub fn parse(s: &str) -> Option<Self> {
        [
            Outcome::InProgress,
            Outcome::Answered,
            Outcome::Voicemail,
            Outcome::Missed,
            Outcome::Abandoned,
            Outcome::Rejected,
        ]
        .into_iter()
        .find(|o| o.as_str() == s)
    }
}

/// Why the caller was sent to voicemail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VoicemailReason {
    NoOneOnCall,
    NoAnswer,
    /// Outside the line's business hours, set to go straight to voicemail.
    Closed,
    /// Switchboard failed internally and fell back to taking a message.
    InternalError,
}

/// Where the call is in its flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "phase")]
pub enum Phase {
    /// Dialing the plan step with this index.
    Dialing { step: usize },
    /// Caller and responder are talking (or talked).
    Connected { step: usize },
    /// The caller is hearing a message and leaving a voicemail.
    Voicemail { reason: VoicemailReason },
    /// Routing is over; nothing more will be dialed.
    Done,
}

/// The result of dialing one responder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttemptOutcome {
    Ringing,
    Answered,
    NoAnswer,
    Busy,
    Failed,
    Canceled,
    /// The caller hung up while this responder's phone was ringing.
    CallerHungUp,
    /// Call screening: the phone was picked up (often by its voicemail) but nobody pressed
    /// the key to accept.
    NotAccepted,
}

/// Call screening on one attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Screening {
    /// The line does not screen.
    #[default]
    Off,
    /// Ringing; nobody picked up yet.
    Waiting,
    /// Picked up and the prompt played (a person or a voicemail); the key not pressed yet.
    PickedUp,
    /// The key was pressed. `prompted`: we played the prompt and heard the key (Twilio);
    /// otherwise the provider only bridged after the key (Plivo's confirmKey).
    Accepted { prompted: bool },
}

impl Screening {
    /// Screening for a new attempt on a line that screens (`true`) or not.
    pub fn start(screens: bool) -> Self {
        if screens {
            Screening::Waiting
        } else {
            Screening::Off
        }
    }

    /// Still waiting for the responder to press the key.
    pub fn awaiting_accept(self) -> bool {
        matches!(self, Screening::Waiting | Screening::PickedUp)
    }

    /// The phone was picked up and the prompt played.
    pub fn picked_up(self) -> bool {
        matches!(
            self,
            Screening::PickedUp | Screening::Accepted { prompted: true }
        )
    }
}

/// One dial of one responder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "AttemptRepr", into = "AttemptRepr")]
pub struct Attempt {
    /// Index of the plan step.
    pub step: usize,
    pub user_id: UserId,
    pub name: String,
    pub number: String,
    pub outcome: AttemptOutcome,
    pub started_at: Timestamp,
    pub ended_at: Option<Timestamp>,
    /// Talk time when answered, as the provider reported it.
    pub duration_secs: Option<u32>,
    /// The provider's id for the dialed leg.
    pub leg_id: Option<String>,
    pub screening: Screening,
}

/// An attempt as stored and shown: screening as `accepted` (`null` when the line does not
/// screen, `false` while waiting for the key, `true` once pressed) and `picked_up`.
#[derive(Serialize, Deserialize)]
struct AttemptRepr {
    step: usize,
    user_id: UserId,
    name: String,
    number: String,
    outcome: AttemptOutcome,
    started_at: Timestamp,
    ended_at: Option<Timestamp>,
    duration_secs: Option<u32>,
    leg_id: Option<String>,
    #[serde(default)]
    accepted: Option<bool>,
    #[serde(default)]
    picked_up: bool,
}

impl From<AttemptRepr> for Attempt {
    fn from(r: AttemptRepr) -> Self {
        let screening = match (r.accepted, r.picked_up) {
            (None, _) => Screening::Off,
            (Some(true), prompted) => Screening::Accepted { prompted },
            (Some(false), true) => Screening::PickedUp,
            (Some(false), false) => Screening::Waiting,
        };
        Attempt {
            step: r.step,
            user_id: r.user_id,
            name: r.name,
            number: r.number,
            outcome: r.outcome,
            started_at: r.started_at,
            ended_at: r.ended_at,
            duration_secs: r.duration_secs,
            leg_id: r.leg_id,
            screening,
        }
    }
}

impl From<Attempt> for AttemptRepr {
    fn from(a: Attempt) -> Self {
        let (accepted, picked_up) = match a.screening {
            Screening::Off => (None, false),
            Screening::Waiting => (Some(false), false),
            Screening::PickedUp => (Some(false), true),
            Screening::Accepted { prompted } => (Some(true), prompted),
        };
        AttemptRepr {
            step: a.step,
            user_id: a.user_id,
            name: a.name,
            number: a.number,
            outcome: a.outcome,
            started_at: a.started_at,
            ended_at: a.ended_at,
            duration_secs: a.duration_secs,
            leg_id: a.leg_id,
            accepted,
            picked_up,
        }
    }
}

/// A call as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Call {
    pub id: CallId,
    pub line_id: LineId,
    pub provider: Provider,
    pub provider_call_id: String,
    /// The provider account the call belongs to (used to fetch recordings).
    pub account_id: Option<String>,
    pub caller: CallerInfo,
    pub started_at: Timestamp,
    pub ended_at: Option<Timestamp>,
    pub duration_secs: Option<u32>,
    pub plan: Plan,
    pub phase: Phase,
    pub outcome: Outcome,
    pub answered_by: Option<UserId>,
    pub attempts: Vec<Attempt>,
    pub test_call: bool,
    /// Why Switchboard fell back to its apology and voicemail during this call ("the
    /// database was unavailable"), when it did.
    #[serde(default)]
    pub failsafe: Option<String>,
    pub archived: bool,
    /// Optimistic-concurrency version; bumped by every saved change.
    pub version: i64,
}

impl Call {
    /// The call's story in words: "Alice did not answer → Bob answered".
    pub fn path(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        if !self.plan.has_anyone() && self.outcome != Outcome::Rejected && self.failsafe.is_none() {
            parts.push("Nobody on call".to_owned());
        }
        for a in &self.attempts {
            let verb = match a.outcome {
                AttemptOutcome::Ringing => "is ringing",
                AttemptOutcome::Answered => "answered",
                AttemptOutcome::NoAnswer => "did not answer",
                AttemptOutcome::Busy => "was busy",
                AttemptOutcome::Failed => "could not be reached",
                AttemptOutcome::Canceled => "was canceled",
                AttemptOutcome::CallerHungUp => "was ringing when the caller hung up",
                AttemptOutcome::NotAccepted => "did not accept the call",
            };
            parts.push(format!("{} {verb}", a.name));
        }
        if let Some(cause) = &self.failsafe {
            parts.push(format!("Switchboard failed ({cause}): apology played"));
        }
        let tail = match self.outcome {
            Outcome::Voicemail => Some("voicemail left"),
            Outcome::Rejected => Some("rejected"),
            Outcome::Missed => Some("no voicemail left"),
            Outcome::Abandoned
                if !self
                    .attempts
                    .iter()
                    .any(|a| a.outcome == AttemptOutcome::CallerHungUp) =>
            {
                Some("caller hung up")
            }
            _ => None,
        };
        parts.extend(tail.map(str::to_owned));
        parts.join(" → ")
    }

    /// The attempt for plan step `step`, if it was dialed.
    pub fn attempt_mut(&mut self, step: usize) -> Option<&mut Attempt> {
        self.attempts.iter_mut().find(|a| a.step == step)
    }
}

/// What a recording holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordingKind {
    /// The conversation between caller and responder.
    Call,
    /// A message the caller left.
    Voicemail,
}

impl RecordingKind {
    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            RecordingKind::Call => "call",
            RecordingKind::Voicemail => "voicemail",
        }
    }

    /// Parses the snake_case name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "call" => Some(RecordingKind::Call),
            "voicemail" => Some(RecordingKind::Voicemail),
            _ => None,
        }
    }
}

/// Where a recording's media is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordingStatus {
    /// Known to the provider; our copy is not fetched yet.
    Pending,
    /// Our copy is in storage.
    Stored,
    /// Fetching failed for good (the provider URL is kept).
    Failed,
    /// The provider reported no media (too short or silent).
    Absent,
}

impl RecordingStatus {
    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            RecordingStatus::Pending => "pending",
            RecordingStatus::Stored => "stored",
            RecordingStatus::Failed => "failed",
            RecordingStatus::Absent => "absent",
        }
    }

    /// Parses the snake_case name.
    pub fn parse(s: &str) -> Option<Self> {
        [
            RecordingStatus::Pending,
            RecordingStatus::Stored,
            RecordingStatus::Failed,
            RecordingStatus::Absent,
        ]
        .into_iter()
        .find(|o| o.as_str() == s)
    }
}

/// A recording the provider made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recording {
    pub id: RecordingId,
    pub call_id: CallId,
    pub kind: RecordingKind,
    pub provider_recording_id: String,
    pub provider_url: String,
    pub duration_secs: Option<u32>,
    pub status: RecordingStatus,
    /// Path of our copy, relative to the data directory.
    pub local_path: Option<String>,
    pub created_at: Timestamp,
}

/// A recording as reported by the provider, to add or update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordingReport {
    pub kind: RecordingKind,
    pub provider_recording_id: String,
    pub provider_url: String,
    pub duration_secs: Option<u32>,
    /// `false` when the provider says the recording has no media.
    pub has_media: bool,
}

impl RecordingReport {
    /// What becomes of a recording when the provider reports it, given what is stored of it
    /// (`None`: not yet known): its new status, and whether its media must be downloaded.
    /// A stored copy stays stored; a later report may say the media is absent after all; a
    /// new recording with media is fetched once.
    pub fn apply_to(&self, stored: Option<RecordingStatus>) -> (RecordingStatus, bool) {
        match (stored, self.has_media) {
            (Some(RecordingStatus::Stored), _) => (RecordingStatus::Stored, false),
            (Some(_), false) | (None, false) => (RecordingStatus::Absent, false),
            (Some(s), true) => (s, false),
            (None, true) => (RecordingStatus::Pending, true),
        }
    }
}

/// What a line of the activity log is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// A request from the provider.
    Webhook,
    /// A step of the routing plan, fixed at the call's start.
    Plan,
    /// A responder being dialed.
    Dial,
    /// What the flow decided.
    Decision,
    /// A recording reported.
    Recording,
    /// Something went wrong.
    Error,
}

impl EventKind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Webhook => "webhook",
            EventKind::Plan => "plan",
            EventKind::Dial => "dial",
            EventKind::Decision => "decision",
            EventKind::Recording => "recording",
            EventKind::Error => "error",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        use EventKind::*;
        [Webhook, Plan, Dial, Decision, Recording, Error]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// One line of a call's activity log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallEvent {
    pub at: Timestamp,
    pub kind: EventKind,
    /// The human sentence.
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(has_media: bool) -> RecordingReport {
        RecordingReport {
            kind: RecordingKind::Voicemail,
            provider_recording_id: "RE1".into(),
            provider_url: "https://api.twilio.com/r".into(),
            duration_secs: Some(12),
            has_media,
        }
    }

    #[test]
    fn screening_is_stored_in_the_shape_the_api_always_showed() {
        let attempt = |screening| Attempt {
            step: 0,
            user_id: UserId(1),
            name: "Alice".into(),
            number: "+14155550101".into(),
            outcome: AttemptOutcome::Ringing,
            started_at: Timestamp::UNIX_EPOCH,
            ended_at: None,
            duration_secs: None,
            leg_id: None,
            screening,
        };
        for (s, accepted, picked_up) in [
            (Screening::Off, serde_json::Value::Null, false),
            (Screening::Waiting, false.into(), false),
            (Screening::PickedUp, false.into(), true),
            (Screening::Accepted { prompted: true }, true.into(), true),
            (Screening::Accepted { prompted: false }, true.into(), false),
        ] {
            let json = serde_json::to_value(attempt(s)).unwrap();
            assert_eq!(json["accepted"], accepted, "{s:?}");
            assert_eq!(json["picked_up"], picked_up, "{s:?}");
            let back: Attempt = serde_json::from_value(json).unwrap();
            assert_eq!(back.screening, s);
        }
        // Attempts stored before screening existed have neither field.
        let old = serde_json::json!({"step": 0, "user_id": 1, "name": "A", "number": "+1",
            "outcome": "answered", "started_at": "2026-11-24T09:00:00Z", "ended_at": null,
            "duration_secs": 30, "leg_id": null});
        let a: Attempt = serde_json::from_value(old).unwrap();
        assert_eq!(a.screening, Screening::Off);
    }

    #[test]
    fn a_recording_is_fetched_once_and_a_stored_copy_stays() {
        use RecordingStatus::*;
        assert_eq!(report(true).apply_to(None), (Pending, true));
        assert_eq!(report(false).apply_to(None), (Absent, false));
        assert_eq!(report(true).apply_to(Some(Pending)), (Pending, false));
        assert_eq!(report(false).apply_to(Some(Pending)), (Absent, false));
        assert_eq!(report(false).apply_to(Some(Stored)), (Stored, false));
        assert_eq!(report(true).apply_to(Some(Failed)), (Failed, false));
    }
}
