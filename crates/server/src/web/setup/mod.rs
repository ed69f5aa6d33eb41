//! `/lines/new`: setting up a line in five steps, each on its own page and saved as a draft
//! (a person can leave and come back): number and name, who receives calls (with the
//! resolver's preview of who a call now would ring, and the problems it would meet), what
//! callers hear, connecting the provider (the exact console steps, the auth token, and an
//! indicator that turns green when the first call arrives), going live (a 5-minute test).
//! The line itself is created, through the API's own handler, when the messages are saved.

use super::calls::Opt;
use super::{html, html_fixing, Chrome, PageError, Viewer};
use crate::api::error::{ApiError, ApiJson};
use crate::app::AppState;
use askama::Template;
use axum::extract::{Form, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Json};
use serde::Deserialize;
use serde_json::json;
use std::collections::HashMap;
use switchboard_core::draft::LineDraft;
use switchboard_core::line::{Line, Message, Provider, RoutingStep};
use switchboard_core::plan::SkipReason;
use switchboard_core::store::{CallFilter, StoredDraft};
use switchboard_core::user::Clock;
use switchboard_core::TeamId;

mod save;
pub use save::{create, renumber, save_auth, save_messages, save_routing};

/// Routing steps offered on the page.
pub const SLOTS: usize = 5;

pub struct StepLink {
    pub label: &'static str,
    pub href: Option<String>,
    pub current: bool,
    pub done: bool,
}

#[derive(Template, Default)]
#[template(path = "setup.html")]
pub struct SetupPage {
    pub chrome: Chrome,
    pub steps: Vec<StepLink>,
    pub problem: Option<String>,
    pub step: &'static str,
    pub draft_id: Option<i64>,
    pub name: String,
    pub number: String,
    pub provider: String,
    pub teams: Vec<Opt>,
    pub slots: Vec<Slot>,
    pub ring_timeout: u32,
    pub preview: String,
    pub warnings: Vec<String>,
    pub messages: Vec<StepMessage>,
    pub webhook_url: String,
    pub status_url: String,
    pub signed: bool,
    pub received: bool,
    pub first_call: String,
    pub line_id: i64,
}

/// A message in the messages step: its text (from the draft) and its recording (from the
/// line, once it exists).
pub struct StepMessage {
    pub kind: &'static str,
    pub label: &'static str,
    pub text: String,
    pub src: Option<String>,
}

#[derive(Template)]
#[template(path = "setup_status.html")]
pub struct SetupStatus {
    pub draft_id: Option<i64>,
    pub received: bool,
    pub first_call: String,
    pub number: String,
}

const STEPS: [(&str, &str); 5] = [
    ("number", "Number and name"),
    ("routing", "Who receives calls"),
    ("messages", "What callers hear"),
    ("connect", "Connect the provider"),
    ("live", "Go live"),
];

fn stepper(current: &str, d: Option<&StoredDraft>) -> Vec<StepLink> {
    let reached = |step: &str| match (step, d) {
        ("number", _) => true,
        (_, None) => false,
        ("routing" | "messages", Some(_)) => true,
        (_, Some(d)) => d.line.is_some(),
    };
    STEPS
        .iter()
        .map(|(key, label)| StepLink {
            label,
            href: (reached(key) && *key != current).then(|| match d {
                Some(d) => format!("/lines/new/{}/{key}", d.id),
                None => "/lines/new".to_owned(),
            }),
            current: *key == current,
            done: match (d, *key) {
                (Some(_), "number") => true,
                (Some(d), "routing") => !d.draft.steps.is_empty(),
                (Some(d), "messages") => d.line.is_some(),
                _ => false,
            },
        })
        .collect()
}

/// The viewer's own draft, or 404 as if there were none.
async fn own(s: &AppState, v: &Viewer, id: &str) -> Result<StoredDraft, PageError> {
    let id: i64 = crate::api::parse_id(id, "line being set up")?;
    match s.store.get_draft(id).await {
        Ok(d) if d.user == v.user.id => Ok(d),
        Ok(_) => Err(ApiError::NotFound("line being set up").into()),
        Err(e) => Err(ApiError::store("line being set up")(e).into()),
    }
}

/// The teams a new resource may go to, `chosen` selected (and, for admins, no team).
pub(super) async fn team_options(
    s: &AppState,
    v: &Viewer,
    chosen: Option<TeamId>,
) -> Result<Vec<Opt>, PageError> {
    let teams = s
        .store
        .list_teams()
        .await
        .map_err(ApiError::store("team"))?;
    let mut out: Vec<Opt> = teams
        .iter()
        .filter(|t| v.access.sees(Some(t.id)))
        .map(|t| Opt {
            value: t.id.to_string(),
            label: t.name.clone(),
            selected: Some(t.id) == chosen,
        })
        .collect();
    if v.access.sees_everything() && !out.is_empty() {
        out.insert(
            0,
            Opt {
                value: String::new(),
                label: "No team (admins only)".to_owned(),
                selected: chosen.is_none(),
            },
        );
    }
    Ok(out)
}

async fn base(s: &AppState, v: &Viewer, step: &'static str, d: Option<&StoredDraft>) -> SetupPage {
    SetupPage {
        chrome: v.chrome(s, "lines").await,
        steps: stepper(step, d),
        step,
        draft_id: d.map(|d| d.id),
        name: d.map(|d| d.draft.name.clone()).unwrap_or_default(),
        number: d.map(|d| d.draft.number.clone()).unwrap_or_default(),
        provider: d
            .map(|d| d.draft.provider.as_str().to_owned())
            .unwrap_or_else(|| "twilio".to_owned()),
        ..Default::default()
    }
}

/// `GET /lines/new`, and `GET /lines/new/{id}/number`.
pub async fn start(State(s): State<AppState>, v: Viewer) -> Result<Response, PageError> {
    let mut page = base(&s, &v, "number", None).await;
    page.teams = team_options(&s, &v, v.access.teams.first().copied()).await?;
    html(&page)
}

/// "1. Alice (03:12 her time) → 2. Bob → voicemail", and the problems a call would meet.
async fn preview(s: &AppState, d: &LineDraft, clock: Clock) -> (String, Vec<String>) {
    let now = s.clock.now();
    let Ok(line) = d.to_line().map(|l| l.unsaved(now)) else {
        return (String::new(), Vec::new());
    };
    let Ok(dir) = crate::directory::load(s, &line, crate::directory::Users::All).await else {
        return (String::new(), Vec::new());
    };
    let plan = switchboard_core::routing::plan_at(&line, &dir, now);
    let mut chain = Vec::new();
    let mut warnings = Vec::new();
    for st in &plan.steps {
        match (&st.responder, st.skipped) {
            (Some(_), _) => {
                let each: Vec<String> = st
                    .legs()
                    .map(|r| {
                        let local = super::view::their_time(&dir, r.user_id, now, clock);
                        format!("{}{local}", r.name)
                    })
                    .collect();
                let together = if each.len() > 1 {
                    " (rung together)"
                } else {
                    ""
                };
                chain.push(format!(
                    "{}. {}{together}",
                    chain.len() + 1,
                    each.join(" + ")
                ));
            }
            (None, Some(SkipReason::NoPhone)) => {
                warnings.push(format!(
                    "{} has no phone number: their step is skipped",
                    st.target
                ));
            }
            (None, Some(SkipReason::NobodyOnCall)) => {
                warnings.push(format!("{}: nobody is on call now", st.target));
            }
            (None, Some(SkipReason::AlreadyInPlan)) => {
                warnings.push(format!("{} is rung by an earlier step already", st.target));
            }
            (None, _) => warnings.push(format!("{}: nobody would be rung", st.target)),
        }
    }
    if chain.is_empty() {
        return (String::new(), warnings);
    }
    chain.push("voicemail".to_owned());
    (chain.join(" → "), warnings)
}

/// The people and schedules the viewer may put in a line's routing.
pub async fn targets(s: &AppState, v: &Viewer) -> Result<Vec<(String, String)>, PageError> {
    let visible = crate::api::scope::visible_users(s, &v.access).await?;
    let users = s
        .store
        .list_users()
        .await
        .map_err(ApiError::store("user"))?;
    let mut out: Vec<(String, String)> = users
        .iter()
        .filter(|u| visible.as_ref().is_none_or(|set| set.contains(&u.id)))
        .map(|u| {
            let phone = u
                .phone
                .as_ref()
                .map_or(" (no phone)".to_owned(), |p| format!(" ({p})"));
            (format!("user:{}", u.id), format!("{}{phone}", u.name))
        })
        .collect();
    let schedules = s
        .store
        .list_schedules()
        .await
        .map_err(ApiError::store("schedule"))?;
    out.extend(
        schedules
            .iter()
            .filter(|st| v.access.sees(st.team))
            .map(|st| {
                (
                    format!("schedule:{}", st.id),
                    format!("Schedule: {} (whoever is on call)", st.schedule.name),
                )
            }),
    );
    out.extend(
        schedules
            .iter()
            .filter(|st| v.access.sees(st.team))
            .map(|st| {
                (
                    format!("schedule_all:{}", st.id),
                    format!(
                        "Schedule: {} (everyone on call, rung at the same time)",
                        st.schedule.name
                    ),
                )
            }),
    );
    Ok(out)
}

/// One select of a routing form: its choices, and whether it rings at the same time as the
/// next select (people only; such a run is one step that rings them together).
pub struct Slot {
    pub opts: Vec<Opt>,
    pub with_next: bool,
}

/// Most selects a routing form shows (every step a line may have, each ringing the most
/// people together).
const MAX_SLOTS: usize = switchboard_core::line::MAX_STEPS * switchboard_core::line::MAX_TOGETHER;

/// The routing form's selects: at least [`SLOTS`], one more than the steps there are (up to
/// the most a line may have), each step's target chosen; a step that rings several people
/// together is one select per person, each but the last ticked "at the same time as the
/// next". A target the viewer cannot see (a person outside their teams, put there by an
/// admin) stays chosen as it is, so saving the form never drops a step the viewer did not
/// touch.
pub fn slots(options: &[(String, String)], steps: &[RoutingStep]) -> Vec<Slot> {
    // (value, rings with the next) per select.
    let mut chosen: Vec<(String, bool)> = Vec::new();
    for st in steps {
        match st {
            RoutingStep::Users(ids) => chosen.extend(
                ids.iter()
                    .enumerate()
                    .map(|(k, u)| (format!("user:{u}"), k + 1 < ids.len())),
            ),
            other => chosen.push((step_value(other), false)),
        }
    }
    let shown = (steps.len() + 1)
        .clamp(SLOTS, switchboard_core::line::MAX_STEPS)
        .max(chosen.len() + 1)
        .min(MAX_SLOTS);
    (0..shown)
        .map(|i| {
            let (value, with_next) = chosen
                .get(i)
                .map_or((None, false), |(v, w)| (Some(v.clone()), *w));
            let mut opts: Vec<Opt> = options
                .iter()
                .map(|(v, label)| Opt {
                    value: v.clone(),
                    label: label.clone(),
                    selected: value.as_deref() == Some(v.as_str()),
                })
                .collect();
            if let Some(c) = value.filter(|c| !options.iter().any(|(v, _)| v == c)) {
                opts.push(Opt {
                    value: c,
                    label: "Someone outside your teams (kept as it is)".to_owned(),
                    selected: true,
                });
            }
            Slot { opts, with_next }
        })
        .collect()
}

/// The steps a routing form chose, in order (`{prefix}1` …, with `{prefix}N_with` ticked for
/// a select that rings at the same time as the next), blanks skipped. A target must be one
/// the viewer may choose (`allowed`) or one already there (`kept`); anything else is refused
/// with the step's number, never dropped.
pub fn chosen_steps(
    f: &std::collections::HashMap<String, String>,
    prefix: &str,
    allowed: &[(String, String)],
    kept: &[RoutingStep],
) -> Result<Vec<RoutingStep>, String> {
    let may = |value: &str| {
        allowed.iter().any(|(v, _)| v == value)
            || parse_step(value).is_some_and(|st| {
                kept.contains(&st)
                    || matches!(st, RoutingStep::User(u)
                        if kept.iter().any(|k| k.users().contains(&u)))
            })
    };
    // The chosen selects, in order: (number, target, rings with the next).
    let mut picked: Vec<(usize, RoutingStep, bool)> = Vec::new();
    for i in 1..=MAX_SLOTS {
        let Some(raw) = f.get(&format!("{prefix}{i}")).filter(|r| !r.is_empty()) else {
            continue;
        };
        let with_next = f.contains_key(&format!("{prefix}{i}_with"));
        match parse_step(raw) {
            Some(st) if may(raw) => picked.push((i, st, with_next)),
            _ => {
                return Err(format!(
                    "Step {i} names someone who is not a person or schedule you can choose."
                ))
            }
        }
    }
    let mut out = Vec::new();
    let mut run: Vec<(usize, RoutingStep)> = Vec::new();
    for (i, st, with_next) in picked {
        run.push((i, st));
        if with_next {
            continue;
        }
        out.push(together(std::mem::take(&mut run))?);
    }
    if !run.is_empty() {
        // The last select ticked with nothing after it: as if it were not ticked.
        out.push(together(run)?);
    }
    Ok(out)
}

/// One step from a run of selects ringing at the same time: the one target, or the people.
fn together(run: Vec<(usize, RoutingStep)>) -> Result<RoutingStep, String> {
    if run.len() == 1 {
        return Ok(run.into_iter().next().expect("one").1);
    }
    let mut ids = Vec::new();
    for (i, st) in run {
        match st {
            RoutingStep::User(u) => ids.push(u),
            _ => {
                return Err(format!(
                    "Step {i}: only people can ring at the same time as others (for a schedule, choose \"everyone on call, rung at the same time\")."
                ))
            }
        }
    }
    Ok(RoutingStep::Users(ids))
}

pub fn step_value(st: &RoutingStep) -> String {
    match st {
        RoutingStep::User(u) => format!("user:{u}"),
        RoutingStep::Schedule(sc) => format!("schedule:{sc}"),
        RoutingStep::ScheduleAll(sc) => format!("schedule_all:{sc}"),
        RoutingStep::Users(ids) => format!(
            "users:{}",
            ids.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("+")
        ),
    }
}

pub fn parse_step(raw: &str) -> Option<RoutingStep> {
    let (kind, id) = raw.split_once(':')?;
    if kind == "users" {
        let ids: Option<Vec<switchboard_core::UserId>> = id
            .split('+')
            .map(|p| p.parse().ok().map(switchboard_core::UserId))
            .collect();
        return ids.map(RoutingStep::Users);
    }
    let id: i64 = id.parse().ok()?;
    match kind {
        "user" => Some(RoutingStep::User(switchboard_core::UserId(id))),
        "schedule" => Some(RoutingStep::Schedule(
            switchboard_core::schedule::ScheduleId(id),
        )),
        "schedule_all" => Some(RoutingStep::ScheduleAll(
            switchboard_core::schedule::ScheduleId(id),
        )),
        _ => None,
    }
}

async fn routing_page(
    s: &AppState,
    v: &Viewer,
    d: &StoredDraft,
    problem: Option<String>,
) -> Result<Response, PageError> {
    let options = targets(s, v).await?;
    let mut page = base(s, v, "routing", Some(d)).await;
    page.slots = slots(&options, &d.draft.steps);
    page.ring_timeout = d.draft.ring_timeout_secs;
    (page.preview, page.warnings) = preview(s, &d.draft, v.user.clock).await;
    page.problem = problem;
    html_fixing(&page, page.problem.is_some())
}

async fn messages_page(
    s: &AppState,
    v: &Viewer,
    d: &StoredDraft,
    problem: Option<String>,
) -> Result<Response, PageError> {
    let mut page = base(s, v, "messages", Some(d)).await;
    let line = match d.line {
        Some(id) => Some(crate::api::scope::line(s, &v.access, id).await?),
        None => None,
    };
    let sources = line
        .as_ref()
        .map(|l| super::audio::recorded(l, false))
        .unwrap_or_default();
    page.line_id = line.as_ref().map_or(0, |l| l.id.0);
    let m = &d.draft.messages;
    page.messages = [
        ("welcome", "When the call comes in", &m.welcome),
        (
            "no_one_on_call",
            "When nobody is on call",
            &m.no_one_on_call,
        ),
        ("no_answer", "When nobody answered", &m.no_answer),
    ]
    .into_iter()
    .map(|(kind, label, msg)| StepMessage {
        kind,
        label,
        text: msg.text.clone(),
        src: sources
            .iter()
            .find(|r| r.kind == kind)
            .and_then(|r| r.src.clone()),
    })
    .collect();
    page.problem = problem;
    html_fixing(&page, page.problem.is_some())
}

/// What the first call to the line looks like, once there is one.
async fn first_call(s: &AppState, v: &Viewer, line: &Line) -> Result<Option<String>, PageError> {
    let calls = s
        .store
        .list_calls(&CallFilter {
            line: Some(line.id),
            include_archived: true,
            limit: 1,
            ..Default::default()
        })
        .await
        .map_err(ApiError::store("call"))?;
    Ok(calls.first().map(|c| {
        let when = super::view::time(c.started_at, &v.local()).text;
        let check = if line.auth_token.is_some() {
            "signature valid"
        } else {
            "unsigned: signature checks are off"
        };
        format!(
            "Received a call from {} at {when}, {check}.",
            c.caller.number
        )
    }))
}

/// `GET /lines/new/{id}/{step}`: one step's page (the router names the step).
pub async fn step(
    State(s): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
    step: &'static str,
) -> Result<Response, PageError> {
    let d = own(&s, &v, &id).await?;
    match (step, d.line) {
        ("number", _) => {
            let mut page = base(&s, &v, "number", Some(&d)).await;
            page.teams = team_options(&s, &v, d.draft.team).await?;
            html(&page)
        }
        ("routing", _) => routing_page(&s, &v, &d, None).await,
        ("messages", _) => messages_page(&s, &v, &d, None).await,
        ("connect" | "live", Some(line_id)) => {
            let line = crate::api::scope::line(&s, &v.access, line_id).await?;
            let urls = crate::urls::Urls::new(&s.config.public_url);
            let key = if step == "connect" { "connect" } else { "live" };
            let mut page = base(&s, &v, key, Some(&d)).await;
            page.webhook_url = urls.voice(&line);
            page.status_url = urls.status(&line);
            page.signed = line.auth_token.is_some();
            page.line_id = line.id.0;
            if let Some(text) = first_call(&s, &v, &line).await? {
                page.received = true;
                page.first_call = text;
            }
            (page.preview, page.warnings) = preview(&s, &d.draft, v.user.clock).await;
            html(&page)
        }
        ("connect" | "live", None) => {
            Ok(Redirect::to(&format!("/lines/new/{}/messages", d.id)).into_response())
        }
        _ => Err(ApiError::NotFound("setup step").into()),
    }
}

/// `GET /lines/new/{id}/status`: the first-call indicator alone (polled every 2 s).
pub async fn status(
    State(s): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let d = own(&s, &v, &id).await?;
    let line = match d.line {
        Some(l) => crate::api::scope::line(&s, &v.access, l).await?,
        None => return Err(ApiError::NotFound("line").into()),
    };
    let first = first_call(&s, &v, &line).await?;
    html(&SetupStatus {
        draft_id: Some(d.id),
        received: first.is_some(),
        first_call: first.unwrap_or_default(),
        number: d.draft.number.clone(),
    })
}

#[derive(Debug, Deserialize)]
pub struct NumberQuery {
    #[serde(default)]
    number: String,
}

#[derive(Template)]
#[template(
    source = "{% if ok %}Will be stored as <span class=\"mono\">{{ text }}</span>{% else %}{{ text }}{% endif %}",
    ext = "html"
)]
pub struct NumberHint {
    pub ok: bool,
    pub text: String,
}

/// `GET /lines/new/check-number?number=…`: the number as it will be stored, or what is wrong
/// with it, while it is typed.
pub async fn check_number(
    _v: Viewer,
    axum::extract::Query(q): axum::extract::Query<NumberQuery>,
) -> Result<Response, PageError> {
    let raw = q.number.trim();
    let hint = if raw.is_empty() {
        NumberHint {
            ok: false,
            text: String::new(),
        }
    } else {
        match switchboard_core::PhoneNumber::parse(raw) {
            Ok(n) => NumberHint {
                ok: true,
                text: n.to_string(),
            },
            Err(why) => NumberHint {
                ok: false,
                text: format!("Not a phone number yet: {why}"),
            },
        }
    };
    html(&hint)
}
