//! One dial of one responder, and its screening.

use super::*;

/// The result of dialing one responder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
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
    /// Call screening: the responder picked up and pressed the pass key, handing the call to
    /// the next responder at once.
    Passed,
}

impl AttemptOutcome {
    /// The outcome in words, after the responder's name: "did not answer".
    pub fn words(self) -> &'static str {
        match self {
            AttemptOutcome::Ringing => "is ringing",
            AttemptOutcome::Answered => "answered",
            AttemptOutcome::NoAnswer => "did not answer",
            AttemptOutcome::Busy => "was busy",
            AttemptOutcome::Failed => "could not be reached",
            AttemptOutcome::Canceled => "was canceled",
            AttemptOutcome::CallerHungUp => "was ringing when the caller hung up",
            AttemptOutcome::NotAccepted => "did not accept the call",
            AttemptOutcome::Passed => "passed the call on",
        }
    }
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
    /// The pass key was pressed: the responder handed the call on.
    Passed,
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
            Screening::PickedUp | Screening::Accepted { prompted: true } | Screening::Passed
        )
    }
}

/// One dial of one responder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "AttemptRepr", into = "AttemptRepr")]
pub struct Attempt {
    /// Index of the plan step.
    pub step: usize,
    /// Which of the step's legs (0 unless the step rings several people together).
    pub leg: usize,
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
    /// When the phone was picked up, as far as Switchboard was told (a step that rings
    /// several people, or screening).
    pub picked_up_at: Option<Timestamp>,
}

/// An attempt as stored and shown: screening as `accepted` (`null` when the line does not
/// screen, `false` while waiting for the key, `true` once pressed), `picked_up`, and
/// `passed` when the responder pressed the pass key.
#[derive(Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = Attempt)]
struct AttemptRepr {
    step: usize,
    #[serde(default, skip_serializing_if = "is_zero")]
    leg: usize,
    user_id: UserId,
    name: String,
    number: String,
    outcome: AttemptOutcome,
    started_at: Timestamp,
    ended_at: Option<Timestamp>,
    duration_secs: Option<u32>,
    leg_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    picked_up_at: Option<Timestamp>,
    #[serde(default)]
    accepted: Option<bool>,
    #[serde(default)]
    picked_up: bool,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    passed: bool,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl From<AttemptRepr> for Attempt {
    fn from(r: AttemptRepr) -> Self {
        let screening = match (r.accepted, r.picked_up) {
            _ if r.passed => Screening::Passed,
            (None, _) => Screening::Off,
            (Some(true), prompted) => Screening::Accepted { prompted },
            (Some(false), true) => Screening::PickedUp,
            (Some(false), false) => Screening::Waiting,
        };
        Attempt {
            step: r.step,
            leg: r.leg,
            user_id: r.user_id,
            name: r.name,
            number: r.number,
            outcome: r.outcome,
            started_at: r.started_at,
            ended_at: r.ended_at,
            duration_secs: r.duration_secs,
            leg_id: r.leg_id,
            screening,
            picked_up_at: r.picked_up_at,
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
            Screening::Passed => (Some(false), true),
        };
        AttemptRepr {
            step: a.step,
            leg: a.leg,
            user_id: a.user_id,
            name: a.name,
            number: a.number,
            outcome: a.outcome,
            started_at: a.started_at,
            ended_at: a.ended_at,
            duration_secs: a.duration_secs,
            leg_id: a.leg_id,
            picked_up_at: a.picked_up_at,
            accepted,
            picked_up,
            passed: a.screening == Screening::Passed,
        }
    }
}

/// Its schema is that of the form it is written in.
impl utoipa::PartialSchema for Attempt {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        AttemptRepr::schema()
    }
}

impl utoipa::ToSchema for Attempt {
    fn name() -> std::borrow::Cow<'static, str> {
        AttemptRepr::name()
    }

    fn schemas(
        schemas: &mut Vec<(
            String,
            utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
        )>,
    ) {
        AttemptRepr::schemas(schemas)
    }
}
