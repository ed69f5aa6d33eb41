//! The API's view of a line: its settings, its webhook URLs, what is wrong with it. The auth
//! token is never shown, only whether it is set; the PINs only as whose each is and how it
//! ends.

use crate::app::AppState;
use serde::Serialize;
use switchboard_core::channel::ChannelId;
use switchboard_core::incident::auto::IncidentPolicy;
use switchboard_core::line::{
    BusinessHours, CallerIdMode, CallerRules, Line, Menu, Messages, Provider, Routing,
};
use switchboard_core::{LineId, PhoneNumber, TeamId, UserId};
use utoipa::ToSchema;

/// A line as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct LineView {
    pub id: LineId,
    #[schema(examples("Security hotline"))]
    pub name: String,
    #[schema(value_type = String, examples("+14155550123"))]
    pub number: PhoneNumber,
    /// More numbers the line owns.
    #[schema(value_type = Vec<String>)]
    pub other_numbers: Vec<PhoneNumber>,
    pub caller_id: CallerIdMode,
    /// The PIN gate's codes: whose each is and its last digits, never the PIN.
    pub pins: Vec<PinView>,
    pub provider: Provider,
    /// The URL to give the carrier for incoming calls.
    pub webhook_url: String,
    /// The URL the carrier reports a call's status to.
    pub status_callback_url: String,
    /// The URL to give the carrier for incoming texts.
    pub sms_url: String,
    /// Plivo's name for `webhook_url` (Plivo lines only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub answer_url: Option<String>,
    /// Plivo's name for `status_callback_url` (Plivo lines only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hangup_url: Option<String>,
    /// Plivo's name for `sms_url` (Plivo lines only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_url: Option<String>,
    /// Whether webhooks are checked against the carrier's signature (an auth token is set).
    pub signature_checks: bool,
    /// Unsigned webhooks this line took since the server started.
    pub unsigned_webhooks_since_start: u64,
    pub routing: Routing,
    pub messages: Messages,
    pub recording: bool,
    pub voicemail_max_secs: u32,
    pub channels: Vec<ChannelId>,
    pub screening: bool,
    pub caller_rules: CallerRules,
    pub business_hours: Option<BusinessHours>,
    /// Whether the line is open now (always, without business hours).
    pub open_now: bool,
    pub test_mode: Option<TestModeView>,
    /// Days recordings are kept; `null`: for ever.
    pub recording_retention_days: Option<u32>,
    pub incidents: IncidentPolicy,
    pub menu: Option<Menu>,
    pub team: Option<TeamId>,
    /// What is wrong with the line's setup, in words.
    pub warnings: Vec<String>,
    pub created_at: jiff::Timestamp,
}

/// One code of a line's PIN gate.
#[derive(Debug, Serialize, ToSchema)]
pub struct PinView {
    pub label: String,
    /// The PIN's last digits.
    #[schema(examples("…42"))]
    pub pin_hint: String,
}

/// A line's test mode while it lasts: every call rings `user` only.
#[derive(Debug, Serialize, ToSchema)]
pub struct TestModeView {
    pub user: UserId,
    pub until: jiff::Timestamp,
    pub remaining_secs: i64,
}

/// `{"lines": [...]}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct LineList {
    pub lines: Vec<LineView>,
}

/// The API's view of a line. The auth token is never shown, only whether it is set.
pub fn line_json(s: &AppState, l: &Line) -> LineView {
    let urls = crate::urls::Urls::new(&s.config.public_url);
    let (voice, status, sms) = (urls.voice(l), urls.status(l), urls.sms(l));
    let now = s.clock.now();
    let mut warnings = Vec::new();
    if l.auth_token.is_none() {
        warnings.push(
            "no auth_token: webhook signatures are not checked, so anyone who learns the webhook URL can forge calls"
                .to_owned(),
        );
    }
    // Each uploaded recording with the URL it is served at.
    let mut shown = l.clone();
    for m in shown.recordable_messages_mut() {
        m.audio_url = m.audio.as_deref().map(|token| urls.media(token));
    }
    let plivo = l.provider == Provider::Plivo;
    LineView {
        id: l.id,
        name: l.name.clone(),
        number: l.number.clone(),
        other_numbers: l.other_numbers.clone(),
        caller_id: l.caller_id,
        pins: l
            .pins
            .iter()
            .map(|p| PinView {
                label: p.label.clone(),
                pin_hint: format!("…{}", p.hint()),
            })
            .collect(),
        provider: l.provider,
        answer_url: plivo.then(|| voice.clone()),
        hangup_url: plivo.then(|| status.clone()),
        message_url: plivo.then(|| sms.clone()),
        webhook_url: voice,
        status_callback_url: status,
        sms_url: sms,
        signature_checks: l.auth_token.is_some(),
        unsigned_webhooks_since_start: s.metrics.unsigned_webhooks(l.id),
        routing: l.routing.clone(),
        messages: shown.messages,
        recording: l.recording,
        voicemail_max_secs: l.voicemail_max_secs,
        channels: l.channels.clone(),
        screening: l.screening,
        caller_rules: l.caller_rules.clone(),
        business_hours: l.business_hours.clone(),
        open_now: l.business_hours.as_ref().is_none_or(|b| b.is_open(now)),
        test_mode: l.active_test_mode(now).map(|t| TestModeView {
            user: t.user,
            until: t.until,
            remaining_secs: (t.until.as_second() - now.as_second()).max(0),
        }),
        recording_retention_days: l.retention_days,
        incidents: l.incidents,
        menu: shown.menu,
        team: l.team,
        warnings,
        created_at: l.created_at,
    }
}

/// [`line_json`] plus warnings that need the store: responders the line would ring (directly,
/// after hours, or through its schedules) who have no phone number.
pub async fn line_view(s: &AppState, l: &Line) -> LineView {
    let mut v = line_json(s, l);
    let mut users = vec![];
    for step in switchboard_core::routing::reachable_steps(l) {
        users.extend(step.users());
        if let Some(id) = step.schedule() {
            if let Ok(st) = s.store.get_schedule(id).await {
                users.extend(st.schedule.users());
            }
        }
    }
    users.sort();
    users.dedup();
    for u in users {
        if let Ok(user) = s.store.get_user(u).await {
            if user.phone.is_none() {
                v.warnings.push(format!(
                    "{} (user {}) is in this line's routing but has no phone number: their step is skipped",
                    user.name, user.id
                ));
            }
        }
    }
    v
}
