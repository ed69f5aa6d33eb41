//! `/api/v1/lines`: a line's number, provider, routing, messages and test mode.

use super::error::{ApiError, ApiJson, ApiResult};
pub use super::line_view::{line_json, line_view, LineList, LineView};
use super::scope::{self, Ref};
use super::{parse_id, random_secret};
use crate::app::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Extension;
use axum::Json;
use serde::{Deserialize, Deserializer};
use switchboard_core::account::Access;
use switchboard_core::channel::ChannelId;
use switchboard_core::line::{
    AfterHours, BusinessHours, CallerIdMode, CallerRules, Line, LinePin, Message, Messages,
    NewLine, Provider, Routing, RoutingStep, TestMode, DEFAULT_RING_TIMEOUT_SECS, TEST_MODE_SECS,
};
use switchboard_core::{DomainError, LineId, PhoneNumber, TeamId, UserId};
use utoipa::ToSchema;

/// `Some(None)` for an explicit `null`, `None` when the key is absent.
pub(crate) fn explicit_null<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoutingInput {
    steps: Option<Vec<RoutingStep>>,
    ring_timeout_secs: Option<u32>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MessageInput {
    text: Option<String>,
    voice: Option<String>,
    language: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MessagesInput {
    welcome: Option<MessageInput>,
    no_one_on_call: Option<MessageInput>,
    no_answer: Option<MessageInput>,
    closed: Option<MessageInput>,
    text_reply: Option<MessageInput>,
    text_unanswered: Option<MessageInput>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(examples(json!({"name": "Security hotline", "number": "+14155550123", "provider": "twilio", "auth_token": "the Twilio account auth token", "routing": {"steps": [{"schedule": 1}, {"user": 2}], "ring_timeout_secs": 20}, "messages": {"welcome": {"text": "Thank you for calling the security hotline. Connecting you to the engineer on call."}}, "recording": true, "voicemail_max_secs": 120})))]
pub struct LineInput {
    name: Option<String>,
    number: Option<String>,
    #[schema(value_type = Option<Provider>)]
    provider: Option<String>,
    #[serde(default, deserialize_with = "explicit_null")]
    auth_token: Option<Option<String>>,
    routing: Option<RoutingInput>,
    messages: Option<MessagesInput>,
    /// More numbers the line owns (E.164), replacing the ones it had.
    other_numbers: Option<Vec<String>>,
    /// `caller` or `hotline`: what responders' phones show as the caller.
    #[schema(value_type = Option<CallerIdMode>)]
    caller_id: Option<String>,
    /// The PIN gate's codes, replacing the ones it had (`[]`: no gate).
    pins: Option<Vec<LinePin>>,
    recording: Option<bool>,
    voicemail_max_secs: Option<u32>,
    channels: Option<Vec<ChannelId>>,
    screening: Option<bool>,
    caller_rules: Option<CallerRules>,
    #[serde(default, deserialize_with = "explicit_null")]
    business_hours: Option<Option<BusinessHours>>,
    /// Days recordings are kept; `null`: for ever.
    #[serde(default, deserialize_with = "explicit_null")]
    recording_retention_days: Option<Option<u32>>,
    /// The owning team; `null`: none (admins only).
    #[serde(default, deserialize_with = "explicit_null")]
    team: Option<Option<TeamId>>,
    /// Which calls open incidents by themselves.
    incidents: Option<switchboard_core::incident::auto::IncidentPolicy>,
    /// The caller menu (replaced whole); `null` removes it.
    #[serde(default, deserialize_with = "explicit_null")]
    menu: Option<Option<switchboard_core::line::Menu>>,
}

fn merge_message(cur: &Message, input: Option<MessageInput>) -> Message {
    match input {
        None => cur.clone(),
        Some(m) => Message {
            text: m.text.unwrap_or_else(|| cur.text.clone()),
            voice: m.voice.or_else(|| cur.voice.clone()),
            language: m.language.unwrap_or_else(|| cur.language.clone()),
            audio: cur.audio.clone(),
            audio_url: None,
        },
    }
}

/// What a new line has where its request is silent (no team).
pub(crate) fn new_line_defaults() -> NewLine {
    NewLine::with_defaults(
        String::new(),
        PhoneNumber::parse("+10000000000").expect("placeholder parses"),
        Provider::Twilio,
        Routing {
            steps: vec![],
            ring_timeout_secs: DEFAULT_RING_TIMEOUT_SECS,
        },
    )
}

/// Applies `input` over `base` (the defaults for a new line, the stored line for a PATCH).
pub(crate) fn merge(base: NewLine, input: LineInput) -> Result<NewLine, ApiError> {
    let number = match input.number {
        Some(n) => PhoneNumber::parse(&n).map_err(|m| DomainError::new("number", m))?,
        None => base.number,
    };
    let provider = match input.provider.as_deref() {
        Some(p) => Provider::parse(p).ok_or_else(|| {
            DomainError::new("provider", format!("'{p}' is not one of: twilio, plivo"))
        })?,
        None => base.provider,
    };
    let (steps, timeout) = match input.routing {
        Some(r) => (
            r.steps.unwrap_or(base.routing.steps),
            r.ring_timeout_secs
                .unwrap_or(base.routing.ring_timeout_secs),
        ),
        None => (base.routing.steps, base.routing.ring_timeout_secs),
    };
    let messages = match input.messages {
        Some(m) => Messages {
            welcome: merge_message(&base.messages.welcome, m.welcome),
            no_one_on_call: merge_message(&base.messages.no_one_on_call, m.no_one_on_call),
            no_answer: merge_message(&base.messages.no_answer, m.no_answer),
            closed: merge_message(&base.messages.closed, m.closed),
            text_reply: merge_message(&base.messages.text_reply, m.text_reply),
            text_unanswered: merge_message(&base.messages.text_unanswered, m.text_unanswered),
        },
        None => base.messages,
    };
    let other_numbers = match input.other_numbers {
        Some(list) => list
            .iter()
            .enumerate()
            .map(|(i, n)| {
                PhoneNumber::parse(n)
                    .map_err(|m| DomainError::new(format!("other_numbers[{i}]"), m))
            })
            .collect::<Result<Vec<_>, _>>()?,
        None => base.other_numbers,
    };
    let caller_id = match input.caller_id.as_deref() {
        Some(c) => CallerIdMode::parse(c).ok_or_else(|| {
            DomainError::new("caller_id", format!("'{c}' is not one of: caller, hotline"))
        })?,
        None => base.caller_id,
    };
    Ok(NewLine {
        name: input.name.unwrap_or(base.name),
        number,
        other_numbers,
        caller_id,
        pins: input.pins.unwrap_or(base.pins),
        provider,
        auth_token: match input.auth_token {
            // `null` removes the token; an empty string is refused by validation, never a
            // silent switch-off of signature checks.
            Some(t) => t,
            None => base.auth_token,
        },
        routing: Routing {
            steps,
            ring_timeout_secs: timeout,
        },
        messages,
        recording: input.recording.unwrap_or(base.recording),
        voicemail_max_secs: input.voicemail_max_secs.unwrap_or(base.voicemail_max_secs),
        channels: input.channels.unwrap_or(base.channels),
        screening: input.screening.unwrap_or(base.screening),
        caller_rules: input.caller_rules.unwrap_or(base.caller_rules),
        business_hours: match input.business_hours {
            Some(b) => b,
            None => base.business_hours,
        },
        retention_days: match input.recording_retention_days {
            Some(d) => d,
            None => base.retention_days,
        },
        incidents: input.incidents.unwrap_or(base.incidents),
        team: base.team,
        menu: match input.menu {
            // The prompt's recording is set by uploading it, never through the menu: a new
            // menu keeps the one uploaded.
            Some(Some(mut m)) => {
                m.prompt.audio = base.menu.as_ref().and_then(|b| b.prompt.audio.clone());
                Some(m)
            }
            Some(None) => None,
            None => base.menu,
        },
    }
    .validate()?)
}

/// What a line refers to: its routing steps (after-hours ones too) and its channels.
fn references(line: &NewLine) -> Vec<(String, Ref)> {
    let steps = |prefix: &str, steps: &[RoutingStep]| -> Vec<(String, Ref)> {
        steps
            .iter()
            .enumerate()
            .flat_map(|(i, step)| match step {
                RoutingStep::User(id) => vec![(format!("{prefix}[{i}].user"), Ref::User(*id))],
                RoutingStep::Schedule(id) => {
                    vec![(format!("{prefix}[{i}].schedule"), Ref::Schedule(*id))]
                }
                RoutingStep::ScheduleAll(id) => {
                    vec![(format!("{prefix}[{i}].schedule_all"), Ref::Schedule(*id))]
                }
                RoutingStep::Users(ids) => ids
                    .iter()
                    .enumerate()
                    .map(|(j, id)| (format!("{prefix}[{i}].users[{j}]"), Ref::User(*id)))
                    .collect(),
            })
            .collect()
    };
    let mut out = steps("routing.steps", &line.routing.steps);
    if let Some(BusinessHours {
        after_hours: AfterHours::Route { steps: more },
        ..
    }) = &line.business_hours
    {
        out.extend(steps("business_hours.after_hours.steps", more));
    }
    if let Some(m) = &line.menu {
        for (i, o) in m.options.iter().enumerate() {
            out.extend(steps(
                &format!("menu.options[{i}].routing.steps"),
                &o.routing.steps,
            ));
        }
    }
    out.extend(
        line.channels
            .iter()
            .enumerate()
            .map(|(i, c)| (format!("channels[{i}]"), Ref::Channel(*c))),
    );
    out
}

/// Checks that every user, schedule and channel the line names exists and is visible to the
/// request (a member cannot route to another team's schedule or alert its channel). What the
/// line named already (`kept`, set by an admin perhaps) need only still exist, so a member can
/// change the rest of their line.
async fn check_targets_exist(
    s: &AppState,
    a: &Access,
    line: &NewLine,
    kept: &[Ref],
) -> ApiResult<()> {
    let anyone = Access::owner_level();
    for (field, r) in references(line) {
        let rights = if kept.contains(&r) { &anyone } else { a };
        scope::must_exist(s, rights, r, field).await?;
    }
    Ok(())
}

#[utoipa::path(
    post,
    path = "/lines",
    tag = "lines",
    request_body = LineInput,
    responses((status = 201, description = "Created", body = LineView))
)]
pub async fn create_line(
    State(s): State<AppState>,
    Extension(a): Extension<Access>,
    ApiJson(mut input): ApiJson<LineInput>,
) -> ApiResult<(StatusCode, Json<LineView>)> {
    let required = |present: bool, field: &str| {
        if present {
            Ok(())
        } else {
            Err(ApiError::Invalid(DomainError::new(field, "is required")))
        }
    };
    required(input.name.is_some(), "name")?;
    required(input.number.is_some(), "number")?;
    required(input.provider.is_some(), "provider")?;
    required(
        input.routing.as_ref().is_some_and(|r| r.steps.is_some()),
        "routing.steps",
    )?;
    let mut base = new_line_defaults();
    base.team = scope::team_for_new(&s, &a, input.team.take().flatten()).await?;
    let new = merge(base, input)?;
    check_targets_exist(&s, &a, &new, &[]).await?;
    let line = s
        .store
        .create_line(&new, &random_secret(), s.clock.now())
        .await
        .map_err(ApiError::store("line"))?;
    Ok((StatusCode::CREATED, Json(line_view(&s, &line).await)))
}

#[utoipa::path(
    get,
    path = "/lines",
    tag = "lines",
    responses((status = 200, description = "OK", body = LineList))
)]
pub async fn list_lines(
    State(s): State<AppState>,
    Extension(a): Extension<Access>,
) -> ApiResult<Json<LineList>> {
    let lines = s
        .store
        .list_lines()
        .await
        .map_err(ApiError::store("line"))?;
    let lines = lines
        .iter()
        .filter(|l| a.sees(l.team))
        .map(|l| line_json(&s, l))
        .collect();
    Ok(Json(LineList { lines }))
}

#[utoipa::path(
    get,
    path = "/lines/{id}",
    tag = "lines",
    params(("id" = i64, Path, description = "The line's id", example = 1)),
    responses((status = 200, description = "OK", body = LineView))
)]
pub async fn get_line(
    State(s): State<AppState>,
    Extension(a): Extension<Access>,
    Path(id): Path<String>,
) -> ApiResult<Json<LineView>> {
    let l = scope::line(&s, &a, parse_id(&id, "line")?).await?;
    Ok(Json(line_view(&s, &l).await))
}

#[utoipa::path(
    patch,
    path = "/lines/{id}",
    tag = "lines",
    params(("id" = i64, Path, description = "The line's id", example = 1)),
    request_body = LineInput,
    responses((status = 200, description = "OK", body = LineView))
)]
pub async fn update_line(
    State(s): State<AppState>,
    Extension(a): Extension<Access>,
    Path(id): Path<String>,
    ApiJson(mut input): ApiJson<LineInput>,
) -> ApiResult<Json<LineView>> {
    let id: LineId = parse_id(&id, "line")?;
    let cur = scope::line(&s, &a, id).await?;
    let team = match input.team.take() {
        Some(to) => {
            if let Some(t) = to {
                if !scope::exists(&s, &a, Ref::Team(t)).await? {
                    return Err(DomainError::new("team", format!("team {t} does not exist")).into());
                }
            }
            a.may_move(cur.team, to).map_err(scope::invalid("team"))?;
            to
        }
        None => cur.team,
    };
    let base = NewLine {
        team,
        ..cur.settings()
    };
    let kept: Vec<Ref> = references(&cur.settings())
        .into_iter()
        .map(|(_, r)| r)
        .collect();
    let new = merge(base, input)?;
    check_targets_exist(&s, &a, &new, &kept).await?;
    let l = s
        .store
        .update_line(id, &new)
        .await
        .map_err(ApiError::store("line"))?;
    // A menu removed takes its uploaded prompt with it.
    let prompt =
        |m: &Option<switchboard_core::line::Menu>| m.as_ref().and_then(|m| m.prompt.audio.clone());
    if let (Some(old), None) = (prompt(&cur.menu), prompt(&l.menu)) {
        if let Err(e) = s.store.delete_audio(&old).await {
            tracing::warn!(error = %e, "could not remove a menu's uploaded prompt");
        }
    }
    Ok(Json(line_view(&s, &l).await))
}

#[utoipa::path(
    delete,
    path = "/lines/{id}",
    tag = "lines",
    params(("id" = i64, Path, description = "The line's id", example = 1)),
    responses((status = 204, description = "Done"))
)]
pub async fn delete_line(
    State(s): State<AppState>,
    Extension(a): Extension<Access>,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let id: LineId = parse_id(&id, "line")?;
    scope::line(&s, &a, id).await?;
    s.store
        .delete_line(id)
        .await
        .map_err(ApiError::store("line"))?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(examples(json!({"user": 2})))]
pub struct TestModeInput {
    /// Whom to ring; absent: the responder making the request ("ring me").
    pub user: Option<UserId>,
}

#[utoipa::path(
    post,
    path = "/lines/{id}/test-mode",
    tag = "lines",
    params(("id" = i64, Path, description = "The line's id", example = 1)),
    request_body = TestModeInput,
    responses((status = 200, description = "OK", body = LineView))
)]
pub async fn start_test_mode(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Extension(who): Extension<crate::accounts::Principal>,
    Extension(a): Extension<Access>,
    ApiJson(input): ApiJson<TestModeInput>,
) -> ApiResult<Json<LineView>> {
    let id: LineId = parse_id(&id, "line")?;
    let target = input.user.or(who.user()).ok_or_else(|| {
        DomainError::new(
            "user",
            "is required: this owner-level API token is nobody's to ring",
        )
    })?;
    scope::line(&s, &a, id).await?;
    let user = match scope::user(&s, &a, target).await {
        Ok(u) => u,
        Err(ApiError::NotFound(_)) => {
            return Err(DomainError::new("user", format!("user {target} does not exist")).into())
        }
        Err(e) => return Err(e),
    };
    if user.phone.is_none() {
        return Err(
            DomainError::new("user", format!("{} has no phone number to ring", user.name)).into(),
        );
    }
    let until = s
        .clock
        .now()
        .checked_add(jiff::SignedDuration::from_secs(TEST_MODE_SECS))
        .map_err(|e| ApiError::Internal(Box::new(e)))?;
    let l = s
        .store
        .set_test_mode(
            id,
            Some(TestMode {
                user: target,
                until,
            }),
        )
        .await
        .map_err(ApiError::store("line"))?;
    Ok(Json(line_json(&s, &l)))
}

#[utoipa::path(
    delete,
    path = "/lines/{id}/test-mode",
    tag = "lines",
    params(("id" = i64, Path, description = "The line's id", example = 1)),
    responses((status = 200, description = "OK", body = LineView))
)]
pub async fn stop_test_mode(
    State(s): State<AppState>,
    Extension(a): Extension<Access>,
    Path(id): Path<String>,
) -> ApiResult<Json<LineView>> {
    let id: LineId = parse_id(&id, "line")?;
    scope::line(&s, &a, id).await?;
    let l = s
        .store
        .set_test_mode(id, None)
        .await
        .map_err(ApiError::store("line"))?;
    Ok(Json(line_json(&s, &l)))
}

/// `GET /lines/{id}/contact.vcf`: the line as a contact card (vCard 3.0) with every number it
/// calls responders from, so a responder can save it and let it through Do Not Disturb.
#[utoipa::path(
    get,
    path = "/lines/{id}/contact.vcf",
    tag = "lines",
    params(("id" = i64, Path, description = "The line's id", example = 1)),
    responses((status = 200, description = "The contact card", content_type = "text/vcard", body = String))
)]
pub async fn get_contact_card(
    State(s): State<AppState>,
    Extension(a): Extension<Access>,
    Path(id): Path<String>,
) -> ApiResult<axum::response::Response> {
    use axum::response::IntoResponse;
    let l = scope::line(&s, &a, parse_id(&id, "line")?).await?;
    let card = contact_card(&l);
    let file: String = l
        .name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "text/vcard; charset=utf-8".to_owned(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file}.vcf\""),
            ),
        ],
        card,
    )
        .into_response())
}

/// The vCard text of line `l` (RFC 2426: escaped text values, CRLF line ends).
pub fn contact_card(l: &Line) -> String {
    fn esc(s: &str) -> String {
        s.chars()
            .filter(|c| !c.is_control())
            .flat_map(|c| match c {
                '\\' | ',' | ';' => vec!['\\', c],
                c => vec![c],
            })
            .collect()
    }
    let mut out = vec![
        "BEGIN:VCARD".to_owned(),
        "VERSION:3.0".to_owned(),
        format!("FN:{} (Switchboard)", esc(&l.name)),
        format!("N:;{} (Switchboard);;;", esc(&l.name)),
        "ORG:Switchboard".to_owned(),
    ];
    out.extend(l.numbers().map(|n| format!("TEL;TYPE=WORK,VOICE:{n}")));
    out.push(
        "NOTE:Calls from this hotline are on-call pages: allow it through Do Not Disturb."
            .to_owned(),
    );
    out.push("END:VCARD".to_owned());
    out.join("\r\n") + "\r\n"
}
