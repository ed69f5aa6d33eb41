//! `/lines`: every line the viewer can see with its status and whom a call would ring now;
//! a line's page with "who would be called at …" (the resolver's dry run for any instant,
//! skipped steps with their reasons), test mode (start, extend, end) and the provider's URLs.

use super::home::{on_call, status, Badge};
use super::view::{self, Time};
use super::{html, Chrome, PageError, Viewer};
use crate::api::scope;
use crate::app::AppState;
use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Extension;
use serde::Deserialize;
use switchboard_core::line::{Line, Provider};
use switchboard_core::plan::SkipReason;
use switchboard_core::store::CallFilter;
use switchboard_core::LineId;

pub struct LineRow {
    pub id: i64,
    pub name: String,
    pub number: String,
    pub status: Vec<Badge>,
    pub on_call: String,
}

#[derive(Template)]
#[template(path = "lines.html")]
pub struct LinesPage {
    pub chrome: Chrome,
    pub lines: Vec<LineRow>,
}

/// Whether the line has had a call yet.
pub async fn called(s: &AppState, l: &Line) -> Result<bool, PageError> {
    let one = s
        .store
        .list_calls(&CallFilter {
            line: Some(l.id),
            include_archived: true,
            limit: 1,
            ..Default::default()
        })
        .await
        .map_err(crate::api::error::ApiError::store("call"))?;
    Ok(!one.is_empty())
}

/// `GET /lines`.
pub async fn list(State(s): State<AppState>, v: Viewer) -> Result<Response, PageError> {
    let now = s.clock.now();
    let lines = s
        .store
        .list_lines()
        .await
        .map_err(crate::api::error::ApiError::store("line"))?;
    let lines: Vec<Line> = lines
        .into_iter()
        .filter(|l| v.access.sees(l.team))
        .collect();
    let dir = crate::directory::load_all(&s, &lines)
        .await
        .map_err(crate::api::error::ApiError::store("line"))?;
    let called: std::collections::HashSet<_> = s
        .store
        .called_lines()
        .await
        .map_err(crate::api::error::ApiError::store("line"))?
        .into_iter()
        .collect();
    let rows = lines
        .iter()
        .map(|l| LineRow {
            id: l.id.0,
            name: l.name.clone(),
            number: l.number.to_string(),
            status: status(l, now, called.contains(&l.id)),
            on_call: on_call(&v, l, &dir, now).0,
        })
        .collect();
    html(&LinesPage {
        chrome: v.chrome(&s, "lines").await,
        lines: rows,
    })
}

pub struct StepView {
    pub target: String,
    pub responder: Option<String>,
    pub why: String,
}

pub struct TestView {
    pub user: String,
    pub left: String,
}

#[derive(Template)]
#[template(path = "line.html")]
pub struct LinePage {
    pub chrome: Chrome,
    pub id: i64,
    pub name: String,
    pub number: String,
    pub status: Vec<Badge>,
    pub problem: Option<String>,
    pub at: Time,
    pub at_input: String,
    pub after_hours: bool,
    pub test_mode: bool,
    pub rings_anyone: bool,
    pub steps: Vec<StepView>,
    /// The caller menu's options, each with whom it would ring first at that instant.
    pub menu: Vec<String>,
    pub test: Option<TestView>,
    pub checklist: Option<Checklist>,
    /// Whom a call now would ring, in order (the simulator plays them).
    pub ringing: Vec<String>,
    pub provider: &'static str,
    pub webhook_url: String,
    pub status_url: String,
    pub sms_url: String,
    pub signed: bool,
    /// The line's other numbers, joined.
    pub other_numbers: String,
    /// Responders' phones show the line's number.
    pub hotline_caller_id: bool,
}

#[derive(Debug, Default, Deserialize)]
pub struct AtQuery {
    #[serde(default)]
    at: String,
}

fn skip_words(r: SkipReason) -> &'static str {
    match r {
        SkipReason::AlreadyInPlan => "already rung by an earlier step",
        SkipReason::NobodyOnCall => "nobody is on call in this schedule then",
        SkipReason::NoPhone => "has no phone number: skipped",
        SkipReason::UnknownUser => "this user no longer exists",
    }
}

/// `GET /lines/{id}?at=…` (`at` a local date and time in the viewer's zone).
pub async fn show(
    State(s): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
    Query(q): Query<AtQuery>,
) -> Result<Response, PageError> {
    let id: LineId = crate::api::parse_id(&id, "line")?;
    let l = scope::line(&s, &v.access, id).await?;
    let now = s.clock.now();
    let zone = v.local();
    let mut problem = None;
    let at = if q.at.is_empty() {
        now
    } else {
        match q
            .at
            .parse::<jiff::civil::DateTime>()
            .ok()
            .and_then(|dt| dt.to_zoned(zone.zone.tz().clone()).ok())
        {
            Some(z) => z.timestamp(),
            None => {
                problem = Some(format!(
                    "'{}' is not a date and time such as 2026-11-24T09:00; showing now.",
                    q.at
                ));
                now
            }
        }
    };
    let dir = crate::directory::load(&s, &l, crate::directory::Users::All)
        .await
        .map_err(crate::api::error::ApiError::store("user"))?;
    let plan = switchboard_core::routing::plan_at(&l, &dir, at);
    let steps = plan
        .steps
        .iter()
        .map(|st| StepView {
            target: st.target.clone(),
            // Everyone the step rings; several at once when it rings together.
            responder: st.responder.as_ref().map(|_| {
                let each: Vec<String> = st
                    .legs()
                    .map(|r| {
                        let local = dir
                            .users
                            .get(&r.user_id)
                            .map(|u| {
                                format!(
                                    ", {} their time",
                                    view::clock_at(at, &u.time_zone, zone.clock)
                                )
                            })
                            .unwrap_or_default();
                        format!("{} ({}{local})", r.name, r.phone)
                    })
                    .collect();
                match each.len() {
                    1 => each.concat(),
                    _ => format!("{}, rung at the same time", each.join(" + ")),
                }
            }),
            why: st.skipped.map(skip_words).unwrap_or_default().to_owned(),
        })
        .collect();
    let menu = match &l.menu {
        Some(m) => m
            .options
            .iter()
            .zip(switchboard_core::routing::menu_plans(&l, &dir, at))
            .map(|(o, p)| {
                let who: Vec<String> = p
                    .steps
                    .iter()
                    .flat_map(|st| st.legs().map(|r| r.name.clone()))
                    .collect();
                format!(
                    "Press {}: {} → {}{}",
                    o.key,
                    o.name,
                    if who.is_empty() {
                        "nobody (voicemail)".to_owned()
                    } else {
                        who.join(" → ")
                    },
                    if o.key == m.default_key {
                        " (the default: no key, or a wrong one twice)"
                    } else {
                        ""
                    }
                )
            })
            .collect(),
        None => vec![],
    };
    let test = match l.active_test_mode(now) {
        Some(t) => Some(TestView {
            user: super::tester(&s, &v, t.user).await,
            left: view::left(t.until, now),
        }),
        None => None,
    };
    let checklist = match l.active_test_mode(now) {
        Some(_) => Some(checklist(&s, &v, &l).await?),
        None => None,
    };
    let now_plan = switchboard_core::routing::plan_at(&l, &dir, now);
    let ringing = now_plan
        .steps
        .iter()
        .flat_map(|st| st.legs())
        .map(|r| format!("{} ({})", r.name, r.phone))
        .collect();
    let urls = crate::urls::Urls::new(&s.config.public_url);
    html(&LinePage {
        chrome: v.chrome(&s, "lines").await,
        id: l.id.0,
        name: l.name.clone(),
        number: l.number.to_string(),
        status: status(&l, now, called(&s, &l).await?),
        problem,
        at: view::time(at, &zone),
        at_input: at
            .to_zoned(zone.zone.tz().clone())
            .strftime("%Y-%m-%dT%H:%M")
            .to_string(),
        after_hours: plan.after_hours,
        test_mode: plan.test_mode,
        rings_anyone: plan.has_anyone(),
        steps,
        menu,
        test,
        checklist,
        ringing,
        provider: match l.provider {
            Provider::Twilio => "Twilio",
            Provider::Plivo => "Plivo",
        },
        webhook_url: urls.voice(&l),
        status_url: urls.status(&l),
        sms_url: urls.sms(&l),
        signed: l.auth_token.is_some(),
        other_numbers: l
            .other_numbers
            .iter()
            .map(|n| n.to_string())
            .collect::<Vec<_>>()
            .join(", "),
        hotline_caller_id: l.caller_id == switchboard_core::line::CallerIdMode::Hotline,
    })
}

#[derive(Debug, Deserialize)]
pub struct TestModeForm {
    #[serde(default)]
    csrf: String,
    action: String,
}

/// `POST /lines/{id}/test-mode` (`action=start|end`): ring me for 5 minutes (again), or stop;
/// the same checks as the API's test mode.
pub async fn test_mode(
    State(s): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
    Form(f): Form<TestModeForm>,
) -> Result<Response, PageError> {
    v.check_csrf(&f.csrf)?;
    let who = crate::accounts::Principal::Session {
        user: v.user.id,
        id_hash: String::new(),
    };
    let (st, access) = (State(s.clone()), Extension(v.access.clone()));
    let done = match f.action.as_str() {
        "start" => {
            let input = crate::api::lines::TestModeInput { user: None };
            crate::api::lines::start_test_mode(
                st,
                Path(id.clone()),
                Extension(who),
                access,
                crate::api::error::ApiJson(input),
            )
            .await
        }
        "end" => crate::api::lines::stop_test_mode(st, access, Path(id.clone())).await,
        _ => {
            return Err(PageError::Status(
                axum::http::StatusCode::BAD_REQUEST,
                "Unknown test mode action.".to_owned(),
            ))
        }
    };
    let _ = done?;
    Ok(Redirect::to(&format!("/lines/{id}#test")).into_response())
}

pub struct CheckItem {
    pub text: String,
    pub done: bool,
}

pub struct Checklist {
    pub items: Vec<CheckItem>,
    pub complete: bool,
    pub call_link: Option<String>,
}

#[derive(Template)]
#[template(path = "checklist.html")]
pub struct ChecklistFragment {
    pub line_id: i64,
    pub items: Vec<CheckItem>,
    pub complete: bool,
    pub call_link: Option<String>,
}

/// What the newest test call of the line's current test mode has done so far.
async fn checklist(s: &AppState, v: &Viewer, l: &Line) -> Result<Checklist, PageError> {
    let now = s.clock.now();
    let started = l
        .active_test_mode(now)
        .map(|t| t.until - jiff::SignedDuration::from_secs(switchboard_core::line::TEST_MODE_SECS));
    let calls = s
        .store
        .list_calls(&CallFilter {
            line: Some(l.id),
            since: started,
            include_archived: true,
            limit: 20,
            ..Default::default()
        })
        .await
        .map_err(crate::api::error::ApiError::store("call"))?;
    let call = calls.iter().find(|c| c.test_call);
    let tester = match l.active_test_mode(now) {
        Some(t) => super::tester(s, v, t.user).await,
        None => "the tester".to_owned(),
    };
    let check = if l.auth_token.is_some() {
        ", its signature valid"
    } else {
        " (signature checks are off)"
    };
    let mut items = vec![
        CheckItem {
            text: format!("Call {} from any phone", l.number),
            done: call.is_some(),
        },
        CheckItem {
            text: format!(
                "Switchboard receives the call{}",
                if call.is_some() { check } else { "" }
            ),
            done: call.is_some(),
        },
        CheckItem {
            text: format!("It rings {tester}"),
            done: call.is_some_and(|c| !c.attempts.is_empty()),
        },
    ];
    let ended = call.is_some_and(|c| c.ended_at.is_some());
    items.push(CheckItem {
        text: match call.map(|c| c.outcome) {
            Some(o) if ended => format!(
                "The call ended: {}",
                super::view::outcome(o).word.to_lowercase()
            ),
            _ => "The call ends (answer it, or let it go to voicemail)".to_owned(),
        },
        done: ended,
    });
    Ok(Checklist {
        complete: ended,
        call_link: call.map(|c| format!("/calls/{}", c.id)),
        items,
    })
}

/// `GET /lines/{id}/checklist`: the test call checklist alone (polled every 2 s).
pub async fn checklist_fragment(
    State(s): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let l = scope::line(&s, &v.access, crate::api::parse_id(&id, "line")?).await?;
    let c = checklist(&s, &v, &l).await?;
    html(&ChecklistFragment {
        line_id: l.id.0,
        items: c.items,
        complete: c.complete,
        call_link: c.call_link,
    })
}
