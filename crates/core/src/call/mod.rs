//! The call record: who called, the plan, every attempt, and how it ended.

use crate::line::Provider;
use crate::plan::Plan;
use crate::{CallId, LineId, RecordingId, UserId};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

mod attempt;
mod caller;
mod event;
mod recording;

pub use attempt::{Attempt, AttemptOutcome, Screening};
pub use caller::{CallerInfo, MAX_CALLER_FIELD};
pub use event::{CallEvent, EventKind};
pub use recording::{Recording, RecordingKind, RecordingReport, RecordingStatus, Transcript};

/// The start of the provider call id of a call the dashboard's simulator plays. Real
/// providers' ids never start so (Twilio's start with `CA`, Plivo's are UUIDs); on a line
/// with signature checks it cannot be forged.
pub const SIMULATED_PREFIX: &str = "SIMULATED-";

/// How a call ended (or that it has not yet).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
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
    /// A text conversation nobody has replied to yet.
    Texted,
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
            Outcome::Texted => "texted",
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
            Outcome::Texted,
        ]
        .into_iter()
        .find(|o| o.as_str() == s)
    }
}

/// Whether a record of the call log is a phone call or a conversation by text.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Medium {
    #[default]
    Voice,
    Text,
}

impl Medium {
    /// The snake_case name used in the API and the store.
    pub fn as_str(self) -> &'static str {
        match self {
            Medium::Voice => "voice",
            Medium::Text => "text",
        }
    }

    /// Parses the snake_case name.
    pub fn parse(s: &str) -> Option<Self> {
        [Medium::Voice, Medium::Text]
            .into_iter()
            .find(|m| m.as_str() == s)
    }
}

/// Why the caller was sent to voicemail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case", tag = "phase")]
pub enum Phase {
    /// The caller is asked for one of the line's PINs (`tries`: wrong ones entered so far).
    Pin { tries: u8 },
    /// A responder calling the line from their own phone: asked for their PIN
    /// (`choosing: false`), then for whom to call back as the hotline (`choosing: true`).
    CallBack { choosing: bool, tries: u8 },
    /// The caller is hearing the line's menu (`tries`: wrong keys pressed so far).
    Menu { tries: u8 },
    /// Dialing the plan step with this index.
    Dialing { step: usize },
    /// Caller and responder are talking (or talked).
    Connected { step: usize },
    /// The caller is hearing a message and leaving a voicemail.
    Voicemail { reason: VoicemailReason },
    /// Routing is over; nothing more will be dialed.
    Done,
}

/// A call as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
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
    /// Played by the built-in simulator from the dashboard: no phone rang, so no chat alert
    /// is sent and no audio is fetched.
    pub simulated: bool,
    /// Why Switchboard fell back to its apology and voicemail during this call ("the
    /// database was unavailable"), when it did.
    #[serde(default)]
    pub failsafe: Option<String>,
    /// The line's number the call or text came to (E.164; empty in calls stored before the
    /// line could own several).
    #[serde(default)]
    pub called: String,
    /// A phone call, or a conversation by text (`texts` holds it).
    #[serde(default)]
    pub medium: Medium,
    /// The texts of a conversation, in order.
    #[serde(default)]
    pub texts: Vec<crate::text::Text>,
    pub archived: bool,
    /// Optimistic-concurrency version; bumped by every saved change.
    pub version: i64,
}

impl Call {
    /// The call's story in words: "Alice did not answer → Bob answered".
    pub fn path(&self) -> String {
        if self.medium == Medium::Text {
            return self.text_path();
        }
        let mut parts: Vec<String> = Vec::new();
        if let Some(cb) = &self.plan.callback {
            parts.push(match self.attempts.is_empty() {
                true => format!("{} called the line as a responder", cb.name),
                false => format!("{} called back as the hotline", cb.name),
            });
        }
        if let Some(label) = &self.plan.pin_label {
            parts.push(format!("PIN of {label}"));
        }
        if let Some(c) = &self.plan.choice {
            parts.push(match c.pressed {
                true => format!("pressed {}: {}", c.key, c.name),
                false => format!("default {}: {}", c.key, c.name),
            });
        }
        if !self.plan.has_anyone() && self.outcome != Outcome::Rejected && self.failsafe.is_none() {
            parts.push("Nobody on call".to_owned());
        }
        // Attempts started together (one round of a step that rings several people at once)
        // are told as one: who rang, then what the ones who did something did.
        for round in self
            .attempts
            .chunk_by(|a, b| a.step == b.step && a.started_at == b.started_at && b.leg > a.leg)
        {
            if let [a] = round {
                parts.push(format!("{} {}", a.name, a.outcome.words()));
                continue;
            }
            let names: Vec<&str> = round.iter().map(|a| a.name.as_str()).collect();
            let mut said = format!("{} rang together", names.join(" + "));
            let notable: Vec<String> = round
                .iter()
                .filter(|a| {
                    !matches!(
                        a.outcome,
                        AttemptOutcome::NoAnswer | AttemptOutcome::Canceled
                    )
                })
                .map(|a| format!("{} {}", a.name, a.outcome.words()))
                .collect();
            if notable.is_empty() {
                said.push_str(": nobody answered");
            } else {
                said.push_str(": ");
                said.push_str(&notable.join(", "));
            }
            parts.push(said);
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

    /// A conversation's story: "texted: forwarded to Alice, Bob → Alice replied".
    fn text_path(&self) -> String {
        if self.outcome == Outcome::Rejected {
            return "text refused".to_owned();
        }
        let mut parts = vec![match self.texts.first().map(|t| t.sent_to.join(", ")) {
            Some(to) if !to.is_empty() => format!("texted: forwarded to {to}"),
            _ => "texted: nobody to forward it to".to_owned(),
        }];
        let mut replied: Vec<&str> = Vec::new();
        for t in &self.texts {
            if let Some(a) = &t.by {
                if !replied.contains(&a.name.as_str()) {
                    replied.push(&a.name);
                    parts.push(format!("{} replied", a.name));
                }
            }
        }
        parts.join(" → ")
    }

    /// The name of the responder who answered: the one calling back, or the person of the
    /// first leg that is theirs (their other numbers' legs add a label).
    pub fn answered_by_name(&self) -> Option<String> {
        let u = self.answered_by?;
        if let Some(cb) = self.plan.callback.as_ref().filter(|c| c.by == u) {
            return Some(cb.name.clone());
        }
        self.plan
            .steps
            .iter()
            .flat_map(|s| s.legs())
            .find(|r| r.user_id == u)
            .map(|r| r.name.clone())
    }

    /// The latest attempt on leg `leg` of plan step `step`, if it was dialed.
    pub fn leg_mut(&mut self, step: usize, leg: usize) -> Option<&mut Attempt> {
        self.attempts
            .iter_mut()
            .rev()
            .find(|a| a.step == step && a.leg == leg)
    }

    /// The attempts of plan step `step` still ringing (its current round).
    pub fn ringing_mut(&mut self, step: usize) -> impl Iterator<Item = &mut Attempt> {
        self.attempts
            .iter_mut()
            .filter(move |a| a.step == step && a.outcome == AttemptOutcome::Ringing)
    }
}

#[cfg(test)]
mod tests;
