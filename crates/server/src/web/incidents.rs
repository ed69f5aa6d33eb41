//! `/incidents` and `/incidents/{id}`: the list with its filters in the URL, and an incident
//! with its facts, status buttons, edits, notes, linked calls with their recordings, the
//! timeline, and what each integration was told. From a call's page: open an incident about
//! it, or link it to an open one. Every change goes through the API's own handlers.

use super::calls::Opt;
use super::view::{self, Pill, Time};
use super::{fixable, html_fixing, Chrome, PageError, Viewer};
use crate::api::error::{ApiError, ApiJson};
use crate::api::incidents as api;
use crate::app::AppState;
use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Extension;
use serde::Deserialize;
use serde_json::json;
use std::collections::HashMap;
use switchboard_core::incident::{Incident, Severity, Status};
use switchboard_core::{CallId, IncidentId};

/// An incident's status as a pill: an icon and a word besides the colour.
pub fn status_pill(s: Status) -> Pill {
    match s {
        Status::Triggered => Pill {
            class: "o-missed",
            icon: "!",
            word: "Triggered",
        },
        Status::Acknowledged => Pill {
            class: "o-voicemail",
            icon: "●",
            word: "Acknowledged",
        },
        Status::Resolved => Pill {
            class: "o-answered",
            icon: "✓",
            word: "Resolved",
        },
    }
}

const SEVERITIES: [Severity; 4] = [
    Severity::Critical,
    Severity::High,
    Severity::Medium,
    Severity::Low,
];

pub struct Row {
    pub id: i64,
    pub title: String,
    pub status: Pill,
    pub severity: &'static str,
    pub opened: Time,
    pub assignee: String,
}

#[derive(Template)]
#[template(path = "incidents.html")]
pub struct ListPage {
    pub chrome: Chrome,
    pub rows: Vec<Row>,
    pub statuses: Vec<Opt>,
    pub lines: Vec<Opt>,
    pub teams: Vec<Opt>,
    pub since: String,
    pub until: String,
    pub older: Option<String>,
    pub problem: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    /// `open` (the default), `any`, or a status.
    #[serde(default)]
    status: String,
    #[serde(default)]
    line: String,
    #[serde(default)]
    team: String,
    /// Opened from this day (in the viewer's zone).
    #[serde(default)]
    since: String,
    /// Opened up to this day, included.
    #[serde(default)]
    until: String,
    #[serde(default)]
    before: Option<i64>,
}

async fn names(s: &AppState) -> HashMap<switchboard_core::UserId, String> {
    s.store
        .list_users()
        .await
        .map(|us| us.into_iter().map(|u| (u.id, u.name)).collect())
        .unwrap_or_default()
}

/// `GET /incidents`.
pub async fn list(
    State(s): State<AppState>,
    v: Viewer,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    let chosen = if q.status.is_empty() {
        "open"
    } else {
        q.status.as_str()
    };
    let mut problem = None;
    let status = match chosen {
        "open" | "any" => None,
        other => match Status::parse(other) {
            Some(st) => Some(st),
            None => {
                problem = Some(format!(
                    "'{other}' is not a status; showing open incidents."
                ));
                None
            }
        },
    };
    let day = |raw: &str| -> Result<Option<jiff::civil::Date>, String> {
        match raw.trim() {
            "" => Ok(None),
            d => d
                .parse()
                .map(Some)
                .map_err(|_| format!("'{d}' is not a day such as 2026-11-24.")),
        }
    };
    let (since_day, until_day) = match (day(&q.since), day(&q.until)) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) | (_, Err(e)) => {
            problem = Some(e);
            (None, None)
        }
    };
    let line_names = super::calls::line_names(&s, &v).await?;
    let line = q
        .line
        .parse::<i64>()
        .ok()
        .map(switchboard_core::LineId)
        .filter(|l| line_names.contains_key(l));
    let team = q
        .team
        .parse::<i64>()
        .ok()
        .map(switchboard_core::TeamId)
        .filter(|t| v.access.sees(Some(*t)));
    let f = switchboard_core::store::IncidentFilter {
        status,
        line,
        team,
        since: since_day.and_then(|d| super::calls::day_start(d, &v)),
        until: until_day
            .and_then(|d| d.tomorrow().ok())
            .and_then(|d| super::calls::day_start(d, &v)),
        open_only: chosen == "open" || (status.is_none() && chosen != "any"),
        member: (!v.access.sees_everything())
            .then(|| v.access.user.unwrap_or(switchboard_core::UserId(0))),
        before: q.before.map(IncidentId),
        limit: 50,
    };
    let list = s
        .store
        .list_incidents(&f)
        .await
        .map_err(ApiError::store("incident"))?;
    let who = names(&s).await;
    let rows = list
        .iter()
        .map(|i| Row {
            id: i.id.0,
            title: i.title.clone(),
            status: status_pill(i.status),
            severity: i.severity.as_str(),
            opened: view::time(i.created_at, &v.local()),
            assignee: i
                .assignee
                .and_then(|u| who.get(&u).cloned())
                .unwrap_or_else(|| "—".to_owned()),
        })
        .collect();
    let query = {
        let mut ser = url::form_urlencoded::Serializer::new(String::new());
        ser.append_pair("status", chosen);
        for (k, val) in [
            ("line", &q.line),
            ("team", &q.team),
            ("since", &q.since),
            ("until", &q.until),
        ] {
            if !val.is_empty() {
                ser.append_pair(k, val);
            }
        }
        ser.finish()
    };
    let older = (list.len() == 50)
        .then(|| list.last().map(|i| i.id))
        .flatten()
        .map(|b| format!("/incidents?{query}&before={b}"));
    let mut lines: Vec<Opt> = line_names
        .iter()
        .map(|(id, name)| Opt {
            value: id.to_string(),
            label: name.clone(),
            selected: Some(*id) == line,
        })
        .collect();
    lines.sort_by(|a, b| a.label.cmp(&b.label));
    let teams = s
        .store
        .list_teams()
        .await
        .map_err(ApiError::store("team"))?
        .into_iter()
        .filter(|t| v.access.sees(Some(t.id)))
        .map(|t| Opt {
            value: t.id.to_string(),
            label: t.name,
            selected: Some(t.id) == team,
        })
        .collect();
    let statuses = [
        ("open", "Open (triggered or acknowledged)"),
        ("triggered", "Triggered"),
        ("acknowledged", "Acknowledged"),
        ("resolved", "Resolved"),
        ("any", "Any"),
    ]
    .into_iter()
    .map(|(value, label)| Opt {
        value: value.to_owned(),
        label: label.to_owned(),
        selected: value == chosen,
    })
    .collect();
    html_fixing(
        &ListPage {
            chrome: v.chrome(&s, "incidents").await,
            rows,
            statuses,
            lines,
            teams,
            since: q.since.clone(),
            until: q.until.clone(),
            older,
            problem: problem.clone(),
        },
        problem.is_some(),
    )
}

pub struct CallView {
    pub id: i64,
    pub when: Time,
    pub caller: String,
    pub outcome: Pill,
    /// (label, media URL) of its stored recordings.
    pub recordings: Vec<(String, String)>,
}

pub struct EntryView {
    pub at: Time,
    pub who: String,
    pub message: String,
}

#[derive(Template)]
#[template(path = "incident.html")]
pub struct DetailPage {
    pub chrome: Chrome,
    pub problem: Option<String>,
    pub id: i64,
    pub title: String,
    pub status: Pill,
    pub open: bool,
    pub triggered: bool,
    pub severities: Vec<Opt>,
    pub people: Vec<Opt>,
    pub facts: Vec<(&'static str, String)>,
    pub calls: Vec<CallView>,
    pub timeline: Vec<EntryView>,
    pub deliveries: Vec<String>,
}

async fn detail(
    s: &AppState,
    v: &Viewer,
    inc: &Incident,
    problem: Option<String>,
) -> Result<Response, PageError> {
    let store = ApiError::store("incident");
    let local = v.local();
    let who = names(s).await;
    let mut calls = Vec::new();
    for c in s.store.incident_calls(inc.id).await.map_err(&store)? {
        let Ok(call) = crate::api::scope::call(s, &v.access, c).await else {
            continue;
        };
        let recordings = s
            .store
            .list_recordings(c)
            .await
            .map_err(&store)?
            .into_iter()
            .filter(|r| r.local_path.is_some())
            .map(|r| {
                let what = match r.kind {
                    switchboard_core::call::RecordingKind::Call => "Recording",
                    switchboard_core::call::RecordingKind::Voicemail => "Voicemail",
                };
                (
                    format!("{what} of call {c}"),
                    crate::urls::recording_path(c, r.id),
                )
            })
            .collect();
        calls.push(CallView {
            id: c.0,
            when: view::time(call.started_at, &local),
            caller: format!("{} ({})", view::caller_name(&call), call.caller.number),
            outcome: view::outcome(call.outcome),
            recordings,
        });
    }
    let timeline = s
        .store
        .incident_timeline(inc.id)
        .await
        .map_err(&store)?
        .into_iter()
        .map(|e| EntryView {
            at: view::time(e.at, &local),
            who: e.actor.name,
            message: e.message,
        })
        .collect();
    let integrations: HashMap<i64, String> = s
        .store
        .list_integrations()
        .await
        .map_err(&store)?
        .into_iter()
        .map(|i| (i.id.0, i.name))
        .collect();
    let deliveries = s
        .store
        .incident_jobs(inc.id)
        .await
        .map_err(&store)?
        .into_iter()
        .map(|j| {
            let to = j.payload["integration"]
                .as_i64()
                .and_then(|i| integrations.get(&i).cloned())
                .unwrap_or_else(|| "a deleted integration".to_owned());
            let action = j.payload["action"].as_str().unwrap_or("event").to_owned();
            let state = match j.status.as_str() {
                "done" => "delivered".to_owned(),
                "failed" => format!(
                    "failed: {}",
                    j.last_error.as_deref().unwrap_or("unknown error")
                ),
                _ if j.attempts == 0 => "waiting".to_owned(),
                _ => format!(
                    "retrying at {} ({})",
                    view::time(j.run_at, &local).text,
                    j.last_error.as_deref().unwrap_or("not yet taken")
                ),
            };
            format!("{to}, {action}: {state}")
        })
        .collect();
    let visible = crate::api::scope::visible_users(s, &v.access).await?;
    let mut people: Vec<Opt> = who
        .iter()
        .filter(|(id, _)| visible.as_ref().is_none_or(|set| set.contains(id)))
        .map(|(id, name)| Opt {
            value: id.to_string(),
            label: name.clone(),
            selected: inc.assignee == Some(*id),
        })
        .collect();
    people.sort_by(|a, b| a.label.cmp(&b.label));
    let mut facts = vec![
        ("Severity", inc.severity.as_str().to_owned()),
        ("Opened", view::time(inc.created_at, &local).text),
    ];
    if let Some(t) = inc.acknowledged_at {
        facts.push(("Acknowledged", view::time(t, &local).text));
    }
    if let Some(t) = inc.resolved_at {
        facts.push(("Resolved", view::time(t, &local).text));
    }
    facts.push((
        "Assigned to",
        inc.assignee
            .and_then(|u| who.get(&u).cloned())
            .unwrap_or_else(|| "nobody".to_owned()),
    ));
    if let Some(c) = &inc.caller_number {
        facts.push(("Caller", c.clone()));
    }
    let fixing = problem.is_some();
    html_fixing(
        &DetailPage {
            chrome: v.chrome(s, "incidents").await,
            problem,
            id: inc.id.0,
            title: inc.title.clone(),
            status: status_pill(inc.status),
            open: inc.is_open(),
            triggered: inc.status == Status::Triggered,
            severities: SEVERITIES
                .iter()
                .map(|sv| Opt {
                    value: sv.as_str().to_owned(),
                    label: sv.as_str().to_owned(),
                    selected: *sv == inc.severity,
                })
                .collect(),
            people,
            facts,
            calls,
            timeline,
            deliveries,
        },
        fixing,
    )
}

/// `GET /incidents/{id}`.
pub async fn show(
    State(s): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let inc = api::load(&s, &v.access, crate::api::parse_id(&id, "incident")?).await?;
    detail(&s, &v, &inc, None).await
}

/// `POST /incidents/{id}`: `do=acknowledge|resolve|edit|note|unlink` with its fields.
pub async fn change(
    State(s): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
    Form(f): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    v.check_csrf(f.get("csrf").map_or("", String::as_str))?;
    let field = |k: &str| f.get(k).map(|x| x.trim().to_owned()).unwrap_or_default();
    let (st, access) = (State(s.clone()), Extension(v.access.clone()));
    let done = match field("do").as_str() {
        "acknowledge" | "resolve" => {
            let to = if field("do") == "resolve" {
                "resolved"
            } else {
                "acknowledged"
            };
            let body = super::input(json!({"status": to}))?;
            api::update_incident(st, access, Path(id.clone()), ApiJson(body))
                .await
                .map(|_| ())
        }
        "edit" => {
            let assignee = field("assignee").parse::<i64>().ok();
            let body = super::input(json!({
                "title": field("title"), "severity": field("severity"), "assignee": assignee,
            }))?;
            api::update_incident(st, access, Path(id.clone()), ApiJson(body))
                .await
                .map(|_| ())
        }
        "note" => {
            let body = super::input(json!({"text": field("text")}))?;
            api::add_note(st, access, Path(id.clone()), ApiJson(body))
                .await
                .map(|_| ())
        }
        "unlink" => api::unlink_call(st, access, Path((id.clone(), field("call"))))
            .await
            .map(|_| ()),
        _ => Err(ApiError::BadRequest("unknown change".into())),
    };
    match done {
        Ok(()) => Ok(Redirect::to(&format!("/incidents/{id}")).into_response()),
        Err(e) => {
            let why = fixable(e)?;
            let inc = api::load(&s, &v.access, crate::api::parse_id(&id, "incident")?).await?;
            detail(&s, &v, &inc, Some(why)).await
        }
    }
}

/// A call's incidents, as its page shows them, and the open ones it could join.
pub struct CallIncidents {
    pub linked: Vec<(i64, String, Pill)>,
    pub joinable: Vec<Opt>,
}

/// What the call page says about incidents for `call`.
pub async fn for_call(s: &AppState, v: &Viewer, call: CallId) -> Result<CallIncidents, PageError> {
    let store = ApiError::store("incident");
    let linked: Vec<Incident> = s
        .store
        .call_incidents(call)
        .await
        .map_err(&store)?
        .into_iter()
        .filter(|i| v.access.sees(i.team))
        .collect();
    let open = s
        .store
        .list_incidents(&switchboard_core::store::IncidentFilter {
            open_only: true,
            member: (!v.access.sees_everything())
                .then(|| v.access.user.unwrap_or(switchboard_core::UserId(0))),
            limit: 100,
            ..Default::default()
        })
        .await
        .map_err(&store)?;
    Ok(CallIncidents {
        joinable: open
            .iter()
            .filter(|i| !linked.iter().any(|l| l.id == i.id))
            .map(|i| Opt {
                value: i.id.to_string(),
                label: format!("#{} {}", i.id, i.title.chars().take(60).collect::<String>()),
                selected: false,
            })
            .collect(),
        linked: linked
            .into_iter()
            .map(|i| (i.id.0, i.title, status_pill(i.status)))
            .collect(),
    })
}

/// `POST /calls/{id}/incident`: `incident` empty opens one about the call; an id links the
/// call to that open incident.
pub async fn from_call(
    State(s): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
    Form(f): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    v.check_csrf(f.get("csrf").map_or("", String::as_str))?;
    let (st, access) = (State(s.clone()), Extension(v.access.clone()));
    let target = f.get("incident").map(|x| x.trim()).unwrap_or("");
    let made = if target.is_empty() {
        api::incident_from_call(
            st,
            access,
            Path(id.clone()),
            ApiJson(super::input(json!({}))?),
        )
        .await
        .map(|(_, axum::Json(i))| i.id.0)
    } else {
        api::link_call(st, access, Path((target.to_owned(), id.clone())))
            .await
            .map(|axum::Json(i)| i.id.0)
    };
    match made {
        Ok(incident) => Ok(Redirect::to(&format!("/incidents/{incident}")).into_response()),
        Err(e) => Err(PageError::Status(
            e.status().0,
            format!("The incident was not changed: {}", fixable(e)?),
        )),
    }
}
