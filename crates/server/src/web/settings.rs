//! `/lines/{id}/settings`: a line's settings in sections (general, blocked callers and flood
//! protection, business hours, signature checks), each a form that goes through
//! `PATCH /api/v1/lines/{id}` (the same checks); a refused change says why on the page.

use super::{html_fixing, Chrome, PageError, Viewer};
use crate::api::error::ApiJson;
use crate::api::scope;
use crate::app::AppState;
use askama::Template;
use axum::extract::{Form, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Extension;
use serde_json::{json, Value};
use std::collections::HashMap;
use switchboard_core::line::Line;
use switchboard_core::LineId;

#[derive(Template)]
#[template(path = "settings.html")]
pub struct SettingsPage {
    pub chrome: Chrome,
    pub problem: Option<String>,
    pub done: Option<String>,
    pub id: i64,
    pub name: String,
    pub number: String,
    pub recording: bool,
    pub screening: bool,
    pub voicemail_max_secs: u32,
    pub retention_days: String,
    pub blocked: String,
    pub allowed: String,
    pub flood_calls: String,
    pub flood_window_secs: String,
    pub hours_on: bool,
    pub hours_zone: String,
    pub hours: Vec<super::hours::Row>,
    pub after_route: bool,
    pub after_slots: Vec<super::setup::Slot>,
    pub signed: bool,
    pub slots: Vec<super::setup::Slot>,
    pub ring_timeout: u32,
    pub welcome: String,
    pub no_one_on_call: String,
    pub no_answer: String,
    pub closed: String,
    pub recorded: Vec<super::audio::Recorded>,
    pub incident_open: Vec<super::calls::Opt>,
    pub incident_window: u32,
    pub incident_severity: Vec<super::calls::Opt>,
    pub menu_on: bool,
    pub menu_prompt: String,
    pub menu_timeout: u32,
    pub menu_default: String,
    pub menu_rows: Vec<super::menu_form::MenuRow>,
    pub draft_id: Option<i64>,
    /// The line's other numbers, one per line.
    pub other_numbers: String,
    pub hotline_caller_id: bool,
    pub text_reply: String,
    pub text_unanswered: String,
    /// The PIN gate's codes as shown: whose each is and how it ends (never the digits).
    pub pins: Vec<String>,
}

async fn page(
    s: &AppState,
    v: &Viewer,
    l: &Line,
    problem: Option<String>,
) -> Result<Response, PageError> {
    let options = super::setup::targets(s, v).await?;
    let slots = super::setup::slots(&options, &l.routing.steps);
    let after = super::hours::after_steps(l.business_hours.as_ref());
    let after_slots = super::setup::slots(&options, after);
    let fixing = problem.is_some();
    html_fixing(
        &SettingsPage {
            chrome: v.chrome(s, "lines").await,
            problem,
            done: None,
            id: l.id.0,
            name: l.name.clone(),
            number: l.number.to_string(),
            recording: l.recording,
            screening: l.screening,
            voicemail_max_secs: l.voicemail_max_secs,
            retention_days: l.retention_days.map(|d| d.to_string()).unwrap_or_default(),
            blocked: l.caller_rules.blocked.join("\n"),
            allowed: l.caller_rules.allowed.join("\n"),
            flood_calls: l
                .caller_rules
                .flood_limit
                .map(|f| f.calls.to_string())
                .unwrap_or_default(),
            flood_window_secs: l
                .caller_rules
                .flood_limit
                .map(|f| f.window_secs.to_string())
                .unwrap_or_default(),
            hours_on: l.business_hours.is_some(),
            hours_zone: l.business_hours.as_ref().map_or_else(
                || v.user.time_zone.name().to_owned(),
                |b| b.time_zone.name().to_owned(),
            ),
            hours: super::hours::rows(l.business_hours.as_ref()),
            after_route: !after.is_empty(),
            after_slots,
            signed: l.auth_token.is_some(),
            slots,
            ring_timeout: l.routing.ring_timeout_secs,
            welcome: l.messages.welcome.text.clone(),
            no_one_on_call: l.messages.no_one_on_call.text.clone(),
            no_answer: l.messages.no_answer.text.clone(),
            closed: l.messages.closed.text.clone(),
            recorded: super::audio::recorded(l, true),
            incident_open: [
                (
                    "missed_and_voicemail",
                    "For every missed call and voicemail",
                ),
                (
                    "every_call",
                    "For every call (answered ones start acknowledged)",
                ),
                ("never", "Never by themselves"),
            ]
            .into_iter()
            .map(|(value, label)| super::calls::Opt {
                value: value.to_owned(),
                label: label.to_owned(),
                selected: serde_json::to_value(l.incidents.open).ok() == Some(json!(value)),
            })
            .collect(),
            incident_window: l.incidents.repeat_window_mins,
            incident_severity: ["critical", "high", "medium", "low"]
                .into_iter()
                .map(|v| super::calls::Opt {
                    value: v.to_owned(),
                    label: v.to_owned(),
                    selected: l.incidents.severity.as_str() == v,
                })
                .collect(),
            draft_id: None,
            menu_on: l.menu.is_some(),
            menu_prompt: l.menu.as_ref().map_or_else(
                || "For payments, press 1. For anything else, press 2.".to_owned(),
                |m| m.prompt.text.clone(),
            ),
            menu_timeout: l.menu.as_ref().map_or(
                switchboard_core::line::menu::DEFAULT_MENU_TIMEOUT_SECS,
                |m| m.timeout_secs,
            ),
            menu_default: l
                .menu
                .as_ref()
                .map_or_else(|| "1".to_owned(), |m| m.default_key.to_string()),
            menu_rows: super::menu_form::rows(&options, l.menu.as_ref()),
            other_numbers: l
                .other_numbers
                .iter()
                .map(|n| n.to_string())
                .collect::<Vec<_>>()
                .join("\n"),
            hotline_caller_id: l.caller_id == switchboard_core::line::CallerIdMode::Hotline,
            text_reply: l.messages.text_reply.text.clone(),
            text_unanswered: l.messages.text_unanswered.text.clone(),
            pins: l
                .pins
                .iter()
                .map(|p| {
                    format!(
                        "{} (ends in {})",
                        p.label,
                        &p.pin[p.pin.len().saturating_sub(2)..]
                    )
                })
                .collect(),
        },
        fixing,
    )
}

/// `GET /lines/{id}/settings`.
pub async fn show(
    State(s): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let l = scope::line(&s, &v.access, crate::api::parse_id(&id, "line")?).await?;
    page(&s, &v, &l, None).await
}

fn lines_of(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

pub(super) fn number(raw: Option<&String>) -> Option<Value> {
    raw.map(|r| r.trim())
        .filter(|r| !r.is_empty())
        .map(|r| match r.parse::<u64>() {
            Ok(n) => json!(n),
            // Passed on as it is: the API names the field and what is wrong.
            Err(_) => json!(r),
        })
}

/// The API's change for one section of the form.
fn patch(
    f: &HashMap<String, String>,
    l: &Line,
    options: &[(String, String)],
) -> Result<Value, String> {
    let on = |k: &str| f.get(k).map(String::as_str) == Some("true");
    let text = |k: &str| f.get(k).cloned().unwrap_or_default();
    Ok(match f.get("section").map(String::as_str) {
        Some("general") => json!({
            "name": text("name"),
            "recording": on("recording"),
            "screening": on("screening"),
            "voicemail_max_secs": number(f.get("voicemail_max_secs")),
            "recording_retention_days": number(f.get("retention_days")),
        }),
        Some("routing") => {
            let steps = super::setup::chosen_steps(f, "step", options, &l.routing.steps)?;
            json!({"routing": {"steps": steps, "ring_timeout_secs": number(f.get("ring_timeout_secs"))}})
        }
        Some("messages") => json!({"messages": {
            "welcome": {"text": text("welcome")},
            "no_one_on_call": {"text": text("no_one_on_call")},
            "no_answer": {"text": text("no_answer")},
            "closed": {"text": text("closed")},
        }}),
        Some("callers") => {
            let flood = match (
                number(f.get("flood_calls")),
                number(f.get("flood_window_secs")),
            ) {
                (Some(c), Some(w)) => json!({"calls": c, "window_secs": w}),
                (None, None) => Value::Null,
                _ => {
                    return Err(
                        "flood protection needs both the number of calls and the seconds"
                            .to_owned(),
                    )
                }
            };
            json!({"caller_rules": {
                "blocked": lines_of(&text("blocked")),
                "allowed": lines_of(&text("allowed")),
                "flood_limit": flood,
            }})
        }
        Some("hours") => {
            let kept = super::hours::after_steps(l.business_hours.as_ref());
            let after = super::setup::chosen_steps(f, "after", options, kept)?;
            json!({"business_hours": super::hours::parse(f, after)?})
        }
        Some("incidents") => json!({"incidents": {
            "open": text("open"),
            "repeat_window_mins": number(f.get("repeat_window_mins")),
            "severity": text("severity"),
        }}),
        Some("menu") => super::menu_form::patch(f, l, options)?,
        Some("reach") => json!({
            "other_numbers": lines_of(&text("other_numbers")),
            "caller_id": if on("hotline_caller_id") { "hotline" } else { "caller" },
            "messages": {
                "text_reply": {"text": text("text_reply").trim()},
                "text_unanswered": {"text": text("text_unanswered").trim()},
            },
        }),
        Some("pins") if on("remove") => json!({"pins": []}),
        Some("pins") => {
            let mut pins = Vec::new();
            for (i, row) in lines_of(&text("pins")).iter().enumerate() {
                let Some((label, pin)) = row.rsplit_once(':') else {
                    return Err(format!(
                        "PIN line {}: write it as “Acme Corp: 2580” (whose it is, a colon, the digits)",
                        i + 1
                    ));
                };
                pins.push(json!({"label": label.trim(), "pin": pin.trim()}));
            }
            if pins.is_empty() {
                return Err(
                    "enter the PINs, one per line as “Acme Corp: 2580”, or tick “Remove the PIN gate”"
                        .to_owned(),
                );
            }
            json!({"pins": pins})
        }
        Some("auth") if on("remove") => json!({"auth_token": null}),
        Some("auth") => {
            let t = text("auth_token");
            if t.trim().is_empty() {
                return Err(
                    "give the provider's auth token, or turn signature checks off".to_owned(),
                );
            }
            json!({"auth_token": t.trim()})
        }
        _ => return Err("unknown section".to_owned()),
    })
}

/// `POST /lines/{id}/settings` (`section=general|callers|hours|auth`).
pub async fn save(
    State(s): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
    Form(f): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    v.check_csrf(f.get("csrf").map_or("", String::as_str))?;
    let line_id: LineId = crate::api::parse_id(&id, "line")?;
    let l = scope::line(&s, &v.access, line_id).await?;
    let options = super::setup::targets(&s, &v).await?;
    let body = match patch(&f, &l, &options) {
        Ok(b) => b,
        Err(why) => return page(&s, &v, &l, Some(why)).await,
    };
    let input = super::input(body)?;
    let section = f.get("section").cloned().unwrap_or_default();
    match crate::api::lines::update_line(
        State(s.clone()),
        Extension(v.access.clone()),
        Path(id),
        ApiJson(input),
    )
    .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/lines/{line_id}/settings#{section}")).into_response()),
        Err(e) => page(&s, &v, &l, Some(super::fixable(e)?)).await,
    }
}
