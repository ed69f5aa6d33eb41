//! Lines: a phone number, its provider, its routing and its messages.

use crate::{DomainError, LineId, PhoneNumber, UserId};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

pub mod menu;
pub use menu::{Menu, MenuOption};

/// Most routing steps a line may have (the target and eight fallbacks).
pub const MAX_STEPS: usize = 9;
/// Ring timeout when none is given, in seconds.
pub const DEFAULT_RING_TIMEOUT_SECS: u32 = 20;
/// Allowed ring timeouts, in seconds.
pub const RING_TIMEOUT_RANGE: std::ops::RangeInclusive<u32> = 5..=60;
/// Voicemail length when none is given, in seconds.
pub const DEFAULT_VOICEMAIL_MAX_SECS: u32 = 120;
/// Allowed voicemail lengths, in seconds.
pub const VOICEMAIL_RANGE: std::ops::RangeInclusive<u32> = 10..=600;
/// How long test mode lasts once turned on, in seconds.
pub const TEST_MODE_SECS: i64 = 300;

/// The carrier a line's number lives at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Provider {
    Twilio,
    Plivo,
}

impl Provider {
    /// The lowercase name used in the API and the store.
    pub fn as_str(self) -> &'static str {
        match self {
            Provider::Twilio => "twilio",
            Provider::Plivo => "plivo",
        }
    }

    /// Parses the lowercase name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "twilio" => Some(Provider::Twilio),
            "plivo" => Some(Provider::Plivo),
            _ => None,
        }
    }
}

/// Most people one step rings at the same time (Twilio's limit of `<Number>`s in a `<Dial>`).
pub const MAX_TOGETHER: usize = 10;

/// Who a routing step rings.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase", deny_unknown_fields)]
pub enum RoutingStep {
    /// A specific responder.
    User(UserId),
    /// Whoever is on call in this schedule when the call starts; several people on call
    /// together are rung one after another.
    Schedule(crate::schedule::ScheduleId),
    /// These people, rung at the same time; the first to answer (with screening: to accept)
    /// is connected and the other phones stop ringing.
    Users(Vec<UserId>),
    /// Everyone on call in this schedule when the call starts, rung at the same time.
    #[serde(rename = "schedule_all")]
    ScheduleAll(crate::schedule::ScheduleId),
}

impl RoutingStep {
    /// The users the step names itself (not through a schedule).
    pub fn users(&self) -> &[UserId] {
        match self {
            RoutingStep::User(u) => std::slice::from_ref(u),
            RoutingStep::Users(v) => v,
            RoutingStep::Schedule(_) | RoutingStep::ScheduleAll(_) => &[],
        }
    }

    /// The schedule the step follows, if any.
    pub fn schedule(&self) -> Option<crate::schedule::ScheduleId> {
        match self {
            RoutingStep::Schedule(s) | RoutingStep::ScheduleAll(s) => Some(*s),
            RoutingStep::User(_) | RoutingStep::Users(_) => None,
        }
    }

    /// Whether the step rings its people at the same time.
    pub fn together(&self) -> bool {
        matches!(self, RoutingStep::Users(_) | RoutingStep::ScheduleAll(_))
    }

    /// Checks a list of steps named `field` (`routing.steps`, say).
    pub fn validate_all(steps: &[RoutingStep], field: &str) -> Result<(), DomainError> {
        if steps.is_empty() || steps.len() > MAX_STEPS {
            return Err(DomainError::new(
                field,
                format!(
                    "has {} steps; it needs 1 to {MAX_STEPS} (the responder or schedule to ring first, then fallbacks)",
                    steps.len()
                ),
            ));
        }
        for (i, step) in steps.iter().enumerate() {
            if let RoutingStep::Users(users) = step {
                let mut seen = std::collections::HashSet::new();
                if users.len() < 2 || users.len() > MAX_TOGETHER {
                    return Err(DomainError::new(
                        format!("{field}[{i}].users"),
                        format!(
                            "rings 2 to {MAX_TOGETHER} people at the same time (it has {}); for one person use {{\"user\": id}}",
                            users.len()
                        ),
                    ));
                }
                if let Some(dup) = users.iter().find(|u| !seen.insert(**u)) {
                    return Err(DomainError::new(
                        format!("{field}[{i}].users"),
                        format!("names user {dup} twice"),
                    ));
                }
            }
        }
        Ok(())
    }
}

/// The ordered steps and how long each rings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Routing {
    pub steps: Vec<RoutingStep>,
    pub ring_timeout_secs: u32,
}

/// One spoken message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Message {
    pub text: String,
    /// Provider voice name (e.g. `Polly.Joanna`); the provider's default when absent.
    pub voice: Option<String>,
    /// BCP 47 language of the text, e.g. `en-US`.
    pub language: String,
    /// An uploaded recording played instead of speaking the text. Stored as the media's
    /// token; the server replaces it with the media's absolute URL before rendering.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audio: Option<String>,
    /// Where that recording is served: set in the API's answers only, never read from a
    /// request nor stored.
    #[serde(skip_deserializing, skip_serializing_if = "Option::is_none")]
    pub audio_url: Option<String>,
}

impl Message {
    /// A message spoken by text-to-speech in US English with the provider's default voice.
    pub fn spoken(text: &str) -> Self {
        Self {
            text: text.to_owned(),
            voice: None,
            language: "en-US".to_owned(),
            audio: None,
            audio_url: None,
        }
    }
}

/// The messages a caller can hear.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Messages {
    pub welcome: Message,
    pub no_one_on_call: Message,
    pub no_answer: Message,
    /// Played outside business hours when the line goes straight to voicemail.
    #[serde(default = "default_closed")]
    pub closed: Message,
    /// Texted back to someone who texts the line, once per conversation, when the text was
    /// forwarded (empty: no reply).
    #[serde(default = "default_text_reply")]
    pub text_reply: Message,
    /// Texted back instead when nobody could be sent the text (nobody on call, closed).
    #[serde(default = "default_text_unanswered")]
    pub text_unanswered: Message,
}

fn default_text_reply() -> Message {
    Message::spoken(
        "Thanks, your message was passed to the engineer on call. They will reply to this number.",
    )
}

fn default_text_unanswered() -> Message {
    Message::spoken("Thanks, your message was logged, but nobody is on call right now. Please call this number if it is urgent.")
}

fn default_closed() -> Message {
    Message::spoken(
        "We are closed right now. Please leave a message with your name and number after the tone, and we will call you back.",
    )
}

impl Default for Messages {
    fn default() -> Self {
        Self {
            welcome: Message::spoken(
                "Thank you for calling. Please hold while we connect you to the engineer on call.",
            ),
            no_one_on_call: Message::spoken(
                "Nobody is on call right now. Please leave a message with your name and number after the tone, and we will call you back.",
            ),
            no_answer: Message::spoken(
                "Sorry, nobody could take your call right now. Please leave a message with your name and number after the tone, and we will call you back as soon as possible.",
            ),
            closed: default_closed(),
            text_reply: default_text_reply(),
            text_unanswered: default_text_unanswered(),
        }
    }
}

/// Who may not call a line, and how many calls one number may make.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CallerRules {
    /// Numbers refused outright: E.164, or a prefix ending in `*` (`+1900*`).
    #[serde(default)]
    pub blocked: Vec<String>,
    /// Numbers never refused by the flood limit (a partner's switchboard, say).
    #[serde(default)]
    pub allowed: Vec<String>,
    /// At most this many calls from one number within the window; `None` is no limit.
    #[serde(default)]
    pub flood_limit: Option<FloodLimit>,
}

/// A flood limit: `calls` calls per `window_secs` seconds per caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FloodLimit {
    #[schema(minimum = 1, maximum = 1000)]
    pub calls: u32,
    #[schema(minimum = 60, maximum = 86400)]
    pub window_secs: u32,
}

fn pattern_matches(pattern: &str, number: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => number.starts_with(prefix),
        None => pattern == number,
    }
}

impl CallerRules {
    /// Whether `number` is blocked.
    pub fn blocks(&self, number: &str) -> bool {
        self.blocked.iter().any(|p| pattern_matches(p, number))
    }

    /// Whether `number` is exempt from the flood limit.
    pub fn allows(&self, number: &str) -> bool {
        self.allowed.iter().any(|p| pattern_matches(p, number))
    }

    /// Checks the patterns and the limit; each problem names its field.
    pub fn validate(&self) -> Result<(), DomainError> {
        for (list, key) in [(&self.blocked, "blocked"), (&self.allowed, "allowed")] {
            if list.len() > 1000 {
                return Err(DomainError::new(
                    format!("caller_rules.{key}"),
                    "at most 1000 entries",
                ));
            }
            for (i, p) in list.iter().enumerate() {
                let digits = p.strip_suffix('*').unwrap_or(p);
                let ok = digits.starts_with('+')
                    && digits.len() >= 2
                    && digits[1..].chars().all(|c| c.is_ascii_digit())
                    && (p.ends_with('*') || PhoneNumber::parse(p).is_ok());
                if !ok {
                    return Err(DomainError::new(
                        format!("caller_rules.{key}[{i}]"),
                        format!("'{p}' is not an E.164 number or a prefix such as +1900*"),
                    ));
                }
            }
        }
        if let Some(f) = self.flood_limit {
            if !(1..=1000).contains(&f.calls) || f.window_secs < 60 || f.window_secs > 86_400 {
                return Err(DomainError::new(
                    "caller_rules.flood_limit",
                    "calls must be 1 to 1000 and window_secs 60 to 86400",
                ));
            }
        }
        Ok(())
    }
}

/// When a line is open, and what happens to calls outside those hours.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BusinessHours {
    /// The zone the windows are read in.
    pub time_zone: crate::Zone,
    /// The open windows (daily or weekly), on the wall clock.
    pub open: Vec<crate::schedule::Restriction>,
    pub after_hours: AfterHours,
}

/// What a call outside business hours does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub enum AfterHours {
    /// The closed message, then voicemail; nobody is rung.
    Voicemail,
    /// Ring these steps instead of the line's routing.
    Route { steps: Vec<RoutingStep> },
}

impl BusinessHours {
    /// Whether the line is open at `at`.
    pub fn is_open(&self, at: Timestamp) -> bool {
        let local = at.to_zoned(self.time_zone.tz().clone()).datetime();
        self.open
            .iter()
            .any(|w| crate::schedule::in_window(w, local))
    }

    /// The first minute at or after `after` at which the line is open, within the next eight
    /// days (business hours repeat weekly); `None` if it never opens. Stepping minute by
    /// minute in absolute time keeps it right across daylight-saving changes.
    pub fn next_open(&self, after: Timestamp) -> Option<Timestamp> {
        let minute = jiff::SignedDuration::from_mins(1);
        let secs = after.as_second();
        let mut t = Timestamp::from_second(secs + (60 - secs.rem_euclid(60)) % 60).ok()?;
        for _ in 0..8 * 24 * 60 {
            if self.is_open(t) {
                return Some(t);
            }
            t = t.checked_add(minute).ok()?;
        }
        None
    }

    fn validate(&self) -> Result<(), DomainError> {
        if let Some(i) = self
            .open
            .iter()
            .position(|w| matches!(w, crate::schedule::Restriction::EveryWeeks { .. }))
        {
            return Err(DomainError::new(
                format!("business_hours.open[{i}]"),
                "business hours are daily or weekly windows (every N weeks is for schedules)",
            ));
        }
        if self.open.is_empty() || self.open.len() > 14 {
            return Err(DomainError::new(
                "business_hours.open",
                "needs 1 to 14 windows (daily or weekly)",
            ));
        }
        if let AfterHours::Route { steps } = &self.after_hours {
            RoutingStep::validate_all(steps, "business_hours.after_hours.steps")?;
        }
        Ok(())
    }
}

/// Test mode: every call rings this user only, until the instant given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TestMode {
    pub user: UserId,
    pub until: Timestamp,
}

/// A line as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub id: LineId,
    pub name: String,
    pub number: PhoneNumber,
    pub provider: Provider,
    /// The secret in the line's webhook URLs.
    pub webhook_token: String,
    /// The provider auth token; when set, every webhook's signature is checked.
    pub auth_token: Option<String>,
    pub routing: Routing,
    pub messages: Messages,
    pub recording: bool,
    pub voicemail_max_secs: u32,
    /// Chat channels alerted after every call.
    pub channels: Vec<crate::channel::ChannelId>,
    /// Call screening: a responder must press 1 to take the call, so a voicemail that picks
    /// up does not swallow it.
    pub screening: bool,
    pub caller_rules: CallerRules,
    pub business_hours: Option<BusinessHours>,
    /// Days our copies of the line's recordings and voicemails are kept; `None`: for ever.
    pub retention_days: Option<u32>,
    /// Which of its calls open incidents by themselves.
    pub incidents: crate::incident::auto::IncidentPolicy,
    /// The team that owns the line; `None`: no team, only admins see it.
    pub team: Option<crate::TeamId>,
    /// A caller menu: when set, callers choose an option and its routing is followed.
    pub menu: Option<Menu>,
    /// More numbers of the line (regional numbers of a follow-the-sun hotline): each rings the
    /// same routing, and the log names which one was called.
    pub other_numbers: Vec<PhoneNumber>,
    /// What responders' phones show as the caller.
    pub caller_id: CallerIdMode,
    /// A PIN gate: when any, a caller must enter one of them before anyone is rung.
    pub pins: Vec<LinePin>,
    pub test_mode: Option<TestMode>,
    pub created_at: Timestamp,
}

impl Line {
    /// The messages a recording can be uploaded for: the four spoken to callers, and the
    /// caller menu's prompt while the line has a menu.
    pub fn recordable_messages_mut(&mut self) -> impl Iterator<Item = &mut Message> {
        recordable(&mut self.messages, self.menu.as_mut())
    }

    /// Test mode, if it is still running at `now`.
    pub fn active_test_mode(&self, now: Timestamp) -> Option<TestMode> {
        self.test_mode.filter(|t| t.until > now)
    }

    /// The line's settings, as a change to them starts from.
    pub fn settings(&self) -> NewLine {
        NewLine {
            name: self.name.clone(),
            number: self.number.clone(),
            provider: self.provider,
            auth_token: self.auth_token.clone(),
            routing: self.routing.clone(),
            messages: self.messages.clone(),
            recording: self.recording,
            voicemail_max_secs: self.voicemail_max_secs,
            channels: self.channels.clone(),
            screening: self.screening,
            caller_rules: self.caller_rules.clone(),
            business_hours: self.business_hours.clone(),
            retention_days: self.retention_days,
            incidents: self.incidents,
            team: self.team,
            menu: self.menu.clone(),
            other_numbers: self.other_numbers.clone(),
            caller_id: self.caller_id,
            pins: self.pins.clone(),
        }
    }

    /// Every number of the line, its own first.
    pub fn numbers(&self) -> impl Iterator<Item = &PhoneNumber> {
        std::iter::once(&self.number).chain(self.other_numbers.iter())
    }

    /// The line's number that `to` (as a carrier sent it) names, else the line's own.
    pub fn number_called(&self, to: &str) -> &PhoneNumber {
        PhoneNumber::from_provider(to)
            .ok()
            .and_then(|n| self.numbers().find(|m| **m == n))
            .unwrap_or(&self.number)
    }

    /// Recordings made before this instant are past the line's retention period at `now`.
    pub fn retention_cutoff(&self, now: Timestamp) -> Option<Timestamp> {
        self.retention_days
            .map(|d| now - jiff::SignedDuration::from_hours(24 * i64::from(d)))
    }
}

/// What a responder's phone shows as the caller when the line rings them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CallerIdMode {
    /// The caller's own number (a withheld caller shows the line's).
    #[default]
    Caller,
    /// The line's number the caller dialed: a responder who saves the line's contact card can
    /// let it through Do Not Disturb. The responder hears who is calling when they pick up.
    Hotline,
}

impl CallerIdMode {
    pub fn as_str(self) -> &'static str {
        match self {
            CallerIdMode::Caller => "caller",
            CallerIdMode::Hotline => "hotline",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [CallerIdMode::Caller, CallerIdMode::Hotline]
            .into_iter()
            .find(|m| m.as_str() == s)
    }
}

/// One code that lets a caller through a line's PIN gate, and whose it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinePin {
    /// Whose code it is ("Acme Corp"): shown in the log and alerts, never the digits.
    pub label: String,
    /// 4 to 8 digits.
    pub pin: String,
}

impl LinePin {
    /// How the PIN ends ("65"): what is shown of it, never the whole.
    pub fn hint(&self) -> &str {
        &self.pin[self.pin.len().saturating_sub(2)..]
    }
}

/// At most this many PINs per line.
pub const MAX_PINS: usize = 100;

/// At most this many numbers besides its own a line can own.
pub const MAX_OTHER_NUMBERS: usize = 9;

/// The messages of a line a recording can be uploaded for (see
/// [`Line::recordable_messages_mut`]).
fn recordable<'a>(
    messages: &'a mut Messages,
    menu: Option<&'a mut Menu>,
) -> impl Iterator<Item = &'a mut Message> {
    [
        &mut messages.welcome,
        &mut messages.no_one_on_call,
        &mut messages.no_answer,
        &mut messages.closed,
    ]
    .into_iter()
    .chain(menu.map(|m| &mut m.prompt))
}

/// A validated line, ready to insert or to replace an existing one's settings.
#[derive(Debug, Clone, PartialEq)]
pub struct NewLine {
    pub name: String,
    pub number: PhoneNumber,
    pub provider: Provider,
    pub auth_token: Option<String>,
    pub routing: Routing,
    pub messages: Messages,
    pub recording: bool,
    pub voicemail_max_secs: u32,
    pub channels: Vec<crate::channel::ChannelId>,
    pub screening: bool,
    pub caller_rules: CallerRules,
    pub business_hours: Option<BusinessHours>,
    /// Days recordings are kept (1 to 3650); `None`: for ever.
    pub retention_days: Option<u32>,
    pub incidents: crate::incident::auto::IncidentPolicy,
    /// The team that owns the line; `None`: no team, only admins see it.
    pub team: Option<crate::TeamId>,
    /// See [`Line::menu`].
    pub menu: Option<Menu>,
    /// See [`Line::other_numbers`].
    pub other_numbers: Vec<PhoneNumber>,
    /// See [`Line::caller_id`].
    pub caller_id: CallerIdMode,
    /// See [`Line::pins`].
    pub pins: Vec<LinePin>,
}

impl NewLine {
    /// A line with these essentials and every other setting at its default (recorded, no
    /// team, no menu, no PIN gate, the caller's number shown).
    pub fn with_defaults(
        name: String,
        number: PhoneNumber,
        provider: Provider,
        routing: Routing,
    ) -> NewLine {
        NewLine {
            name,
            number,
            provider,
            auth_token: None,
            routing,
            messages: Messages::default(),
            recording: true,
            voicemail_max_secs: DEFAULT_VOICEMAIL_MAX_SECS,
            channels: vec![],
            screening: false,
            caller_rules: CallerRules::default(),
            business_hours: None,
            retention_days: None,
            incidents: Default::default(),
            team: None,
            menu: None,
            other_numbers: vec![],
            pins: vec![],
            caller_id: CallerIdMode::default(),
        }
    }

    /// See [`Line::recordable_messages_mut`].
    pub fn recordable_messages_mut(&mut self) -> impl Iterator<Item = &mut Message> {
        recordable(&mut self.messages, self.menu.as_mut())
    }

    /// The line these settings make, not stored (a preview of a draft): no id, no secret,
    /// no test mode.
    pub fn unsaved(self, now: Timestamp) -> Line {
        Line {
            id: crate::LineId(0),
            name: self.name,
            number: self.number,
            provider: self.provider,
            webhook_token: String::new(),
            auth_token: self.auth_token,
            routing: self.routing,
            messages: self.messages,
            recording: self.recording,
            voicemail_max_secs: self.voicemail_max_secs,
            channels: self.channels,
            screening: self.screening,
            caller_rules: self.caller_rules,
            business_hours: self.business_hours,
            retention_days: self.retention_days,
            incidents: self.incidents,
            team: self.team,
            menu: self.menu,
            other_numbers: self.other_numbers,
            caller_id: self.caller_id,
            pins: self.pins,
            test_mode: None,
            created_at: now,
        }
    }

    /// Checks every rule a line must satisfy; each failure names its field.
    pub fn validate(self) -> Result<Self, DomainError> {
        let name = crate::name::checked("name", &self.name)?;
        RoutingStep::validate_all(&self.routing.steps, "routing.steps")?;
        if self.other_numbers.len() > MAX_OTHER_NUMBERS {
            return Err(DomainError::new(
                "other_numbers",
                format!(
                    "has {} numbers; a line can own at most {MAX_OTHER_NUMBERS} besides its own",
                    self.other_numbers.len()
                ),
            ));
        }
        if self.pins.len() > MAX_PINS {
            return Err(DomainError::new(
                "pins",
                format!(
                    "has {} PINs; a line can have at most {MAX_PINS}",
                    self.pins.len()
                ),
            ));
        }
        for (i, p) in self.pins.iter().enumerate() {
            let label = p.label.trim();
            if label.is_empty() || label.chars().count() > 60 || label.chars().any(char::is_control)
            {
                return Err(DomainError::new(
                    format!("pins[{i}].label"),
                    "must be 1 to 60 characters without control characters",
                ));
            }
            if !(4..=8).contains(&p.pin.len()) || !p.pin.chars().all(|c| c.is_ascii_digit()) {
                return Err(DomainError::new(
                    format!("pins[{i}].pin"),
                    "must be 4 to 8 digits",
                ));
            }
            if self.pins[..i].iter().any(|q| q.pin == p.pin) {
                return Err(DomainError::new(
                    format!("pins[{i}].pin"),
                    "is the same PIN as one before it: each PIN must name one caller",
                ));
            }
        }
        for (i, n) in self.other_numbers.iter().enumerate() {
            if *n == self.number || self.other_numbers[..i].contains(n) {
                return Err(DomainError::new(
                    format!("other_numbers[{i}]"),
                    format!("{n} is named twice: it is already the line's number or one before it"),
                ));
            }
        }
        if !RING_TIMEOUT_RANGE.contains(&self.routing.ring_timeout_secs) {
            return Err(DomainError::new(
                "routing.ring_timeout_secs",
                format!(
                    "{} is out of range; it must be {} to {} seconds",
                    self.routing.ring_timeout_secs,
                    RING_TIMEOUT_RANGE.start(),
                    RING_TIMEOUT_RANGE.end()
                ),
            ));
        }
        if self
            .retention_days
            .is_some_and(|d| !(1..=3650).contains(&d))
        {
            return Err(DomainError::new(
                "recording_retention_days",
                "must be 1 to 3650 days, or null to keep recordings for ever",
            ));
        }
        self.incidents.validate()?;
        if !VOICEMAIL_RANGE.contains(&self.voicemail_max_secs) {
            return Err(DomainError::new(
                "voicemail_max_secs",
                format!(
                    "{} is out of range; it must be {} to {} seconds",
                    self.voicemail_max_secs,
                    VOICEMAIL_RANGE.start(),
                    VOICEMAIL_RANGE.end()
                ),
            ));
        }
        for (key, m) in [
            ("welcome", &self.messages.welcome),
            ("no_one_on_call", &self.messages.no_one_on_call),
            ("no_answer", &self.messages.no_answer),
            ("closed", &self.messages.closed),
        ] {
            validate_message(key, m)?;
        }
        for (key, m) in [
            ("text_reply", &self.messages.text_reply),
            ("text_unanswered", &self.messages.text_unanswered),
        ] {
            // A text, not speech: empty sends none; longer than two SMS segments is refused.
            let len = m.text.chars().count();
            if len > MAX_TEXT_REPLY || m.text.chars().any(|c| c.is_control() && c != '\n') {
                return Err(DomainError::new(
                    format!("messages.{key}.text"),
                    format!("must be at most {MAX_TEXT_REPLY} characters without control characters (empty: no reply)"),
                ));
            }
        }
        self.caller_rules.validate()?;
        if let Some(b) = &self.business_hours {
            b.validate()?;
        }
        if let Some(m) = &self.menu {
            m.validate()?;
        }
        if let Some(t) = &self.auth_token {
            if t.trim().is_empty() || t.len() > 256 || t.chars().any(char::is_whitespace) {
                return Err(DomainError::new(
                    "auth_token",
                    "must be the provider's auth token: 1 to 256 characters, no spaces (null removes it, which turns signature checks off)",
                ));
            }
        }
        Ok(Self {
            name: name.to_owned(),
            ..self
        })
    }
}

/// Longest text a line sends back to someone who texted it (two SMS segments).
pub const MAX_TEXT_REPLY: usize = 306;

fn validate_message(key: &str, m: &Message) -> Result<(), DomainError> {
    check_message(&format!("messages.{key}"), m)
}

/// Checks one message, naming its fields under `at` (`menu.prompt`: `menu.prompt.text`).
pub(crate) fn check_message(at: &str, m: &Message) -> Result<(), DomainError> {
    let field = |f: &str| format!("{at}.{f}");
    let len = m.text.trim().chars().count();
    if len == 0 || len > 1000 {
        return Err(DomainError::new(
            field("text"),
            "must be 1 to 1000 characters",
        ));
    }
    let lang_ok = (2..=16).contains(&m.language.len())
        && m.language
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-');
    if !lang_ok {
        return Err(DomainError::new(
            field("language"),
            format!("'{}' is not a language tag such as en-US", m.language),
        ));
    }
    if let Some(v) = &m.voice {
        let ok = !v.is_empty()
            && v.len() <= 64
            && v.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-._".contains(c));
        if !ok {
            return Err(DomainError::new(
                field("voice"),
                format!("'{v}' is not a voice name such as Polly.Joanna"),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line() -> NewLine {
        NewLine::with_defaults(
            "Engineering Hotline".into(),
            PhoneNumber::parse("+15005550006").unwrap(),
            Provider::Twilio,
            Routing {
                steps: vec![RoutingStep::User(UserId(1))],
                ring_timeout_secs: 20,
            },
        )
    }

    #[test]
    fn the_next_opening_is_found_to_the_minute_in_the_line_zone_across_daylight_saving() {
        let hours = BusinessHours {
            time_zone: crate::Zone::parse("Europe/Berlin").unwrap(),
            open: vec![crate::schedule::Restriction::Weekly {
                start_day: crate::schedule::Day::Monday,
                start: "09:00".parse().unwrap(),
                end_day: crate::schedule::Day::Friday,
                end: "17:00".parse().unwrap(),
            }],
            after_hours: AfterHours::Voicemail,
        };
        let at = |s: &str| s.parse::<Timestamp>().unwrap();
        // Saturday in winter (UTC+1): Monday 09:00 is 08:00 UTC.
        assert_eq!(
            hours.next_open(at("2026-11-28T11:00:30Z")),
            Some(at("2026-11-30T08:00:00Z"))
        );
        // The weekend the clocks go forward (UTC+2 from Sunday): Monday 09:00 is 07:00 UTC.
        assert_eq!(
            hours.next_open(at("2027-03-27T12:00:00Z")),
            Some(at("2027-03-29T07:00:00Z"))
        );
        // Open already: that very minute.
        assert_eq!(
            hours.next_open(at("2026-11-30T10:00:00Z")),
            Some(at("2026-11-30T10:00:00Z"))
        );
    }

    #[test]
    fn a_sensible_line_is_valid() {
        assert!(line().validate().is_ok());
    }

    #[test]
    fn each_rule_names_its_field() {
        let mut l = line();
        l.routing.steps.clear();
        assert_eq!(l.validate().unwrap_err().field, "routing.steps");
        let mut l = line();
        l.routing.steps = vec![RoutingStep::User(UserId(1)); 10];
        assert_eq!(l.validate().unwrap_err().field, "routing.steps");
        for t in [4, 61] {
            let mut l = line();
            l.routing.ring_timeout_secs = t;
            assert_eq!(l.validate().unwrap_err().field, "routing.ring_timeout_secs");
        }
        let mut l = line();
        l.messages.no_answer.text = " ".into();
        assert_eq!(l.validate().unwrap_err().field, "messages.no_answer.text");
        let mut l = line();
        l.messages.welcome.voice = Some("Polly\"><Hangup/>".into());
        assert_eq!(l.validate().unwrap_err().field, "messages.welcome.voice");
        let mut l = line();
        l.voicemail_max_secs = 5;
        assert_eq!(l.validate().unwrap_err().field, "voicemail_max_secs");
    }

    #[test]
    fn caller_rules_match_numbers_and_prefixes() {
        let r = CallerRules {
            blocked: vec!["+1900*".into(), "+14155550666".into()],
            allowed: vec!["+4930*".into()],
            flood_limit: Some(FloodLimit {
                calls: 3,
                window_secs: 600,
            }),
        };
        assert!(r.validate().is_ok());
        assert!(r.blocks("+19005550100"));
        assert!(r.blocks("+14155550666"));
        assert!(!r.blocks("+14155550667"));
        assert!(r.allows("+4930123456"));
        let mut bad = r.clone();
        bad.blocked.push("900*".into());
        assert_eq!(bad.validate().unwrap_err().field, "caller_rules.blocked[2]");
        let mut bad = r;
        bad.flood_limit = Some(FloodLimit {
            calls: 0,
            window_secs: 600,
        });
        assert_eq!(
            bad.validate().unwrap_err().field,
            "caller_rules.flood_limit"
        );
    }

    #[test]
    fn routing_steps_serialize_as_user_objects() {
        let s: Vec<RoutingStep> = serde_json::from_str(r#"[{"user": 3}, {"user": 4}]"#).unwrap();
        assert_eq!(
            s,
            vec![RoutingStep::User(UserId(3)), RoutingStep::User(UserId(4))]
        );
        assert_eq!(serde_json::to_string(&s[0]).unwrap(), r#"{"user":3}"#);
    }
}
