//! `/calls`: the call log with its filters in the URL (and the CSV of exactly those calls),
//! keyset paging, and the notice of calls that arrived since the page was drawn.

use super::view::{self, CallRow};
use super::{html, Chrome, PageError, Viewer};
use crate::app::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use jiff::civil::Date;
use serde::Deserialize;
use std::collections::HashMap;
use switchboard_core::call::{Call, Outcome, RecordingKind};
use switchboard_core::store::CallFilter;
use switchboard_core::{CallId, LineId, UserId};

/// Calls per page.
/// Calls per page unless the URL asks for another number (`per`, 10 to 200).
const PAGE: u32 = 50;

/// The page size the URL asks for, within bounds.
fn per_page(q: &ListQuery) -> u32 {
    q.per.map_or(PAGE, |n| n.clamp(1, 200))
}

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    line: String,
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    caller: String,
    #[serde(default)]
    since: String,
    #[serde(default)]
    until: String,
    #[serde(default)]
    archived: Option<String>,
    #[serde(default)]
    test: Option<String>,
    #[serde(default)]
    answered_by: String,
    #[serde(default)]
    before: Option<i64>,
    /// For the new-calls notice: calls after this one.
    #[serde(default)]
    after: Option<i64>,
    /// Calls per page.
    #[serde(default)]
    per: Option<u32>,
}

pub struct Opt {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

pub struct FilterView {
    pub caller: String,
    pub since: String,
    pub until: String,
    pub archived: bool,
    pub test: bool,
    /// The page sizes to choose from, the current one selected.
    pub per: Vec<Opt>,
}

#[derive(Template)]
#[template(path = "calls.html")]
pub struct CallsPage {
    pub chrome: Chrome,
    pub rows: Vec<CallRow>,
    pub lines: Vec<Opt>,
    pub outcomes: Vec<Opt>,
    pub people: Vec<Opt>,
    /// Where the new-calls notice asks (first page only).
    pub new_calls_url: Option<String>,
    pub f: FilterView,
    pub csv_url: String,
    pub older_url: Option<String>,
    pub count_text: String,
    pub problem: Option<String>,
}

/// Names of the lines the viewer may see (deleted ones are named by the rows themselves).
pub async fn line_names(s: &AppState, v: &Viewer) -> Result<HashMap<LineId, String>, PageError> {
    let lines = s
        .store
        .list_lines()
        .await
        .map_err(crate::api::error::ApiError::store("line"))?;
    Ok(lines
        .into_iter()
        .filter(|l| v.access.sees(l.team))
        .map(|l| (l.id, l.name))
        .collect())
}

/// The media a call has, in a few symbols with words.
pub async fn media_text(s: &AppState, c: &Call) -> String {
    let Ok(recs) = s.store.list_recordings(c.id).await else {
        return String::new();
    };
    let mut out = Vec::new();
    if recs.iter().any(|r| r.kind == RecordingKind::Call) {
        out.push("▶ recording");
    }
    if recs.iter().any(|r| r.kind == RecordingKind::Voicemail) {
        out.push("✉ voicemail");
    }
    out.join(", ")
}

/// The start of `day` in the viewer's zone.
pub fn day_start(day: Date, v: &Viewer) -> Option<jiff::Timestamp> {
    day.to_zoned(v.user.time_zone.tz().clone())
        .ok()
        .map(|z| z.timestamp())
}

fn encode(pairs: &[(&str, String)]) -> String {
    let mut ser = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs.iter().filter(|(_, v)| !v.is_empty()) {
        ser.append_pair(k, v);
    }
    ser.finish()
}

/// A page's filters, as the store, the page's links and the CSV export take them.
struct Parsed {
    filter: CallFilter,
    /// The page's own query (without paging), for its links.
    base: Vec<(&'static str, String)>,
    /// The same filters as the API's CSV export takes them.
    csv: Vec<(&'static str, String)>,
    view: FilterView,
    people: Vec<Opt>,
    problems: Vec<String>,
}

async fn parse(
    s: &AppState,
    v: &Viewer,
    q: &ListQuery,
    names: &HashMap<LineId, String>,
) -> Result<Parsed, PageError> {
    let mut problems = Vec::new();
    let line = match q.line.parse::<i64>() {
        Ok(id) if names.contains_key(&LineId(id)) => Some(LineId(id)),
        _ if q.line.is_empty() => None,
        _ => {
            problems.push("That line does not exist or is not one of your teams'.".to_owned());
            None
        }
    };
    let outcome = Outcome::parse(&q.outcome);
    let day = |raw: &str, what: &str, problems: &mut Vec<String>| -> Option<Date> {
        if raw.is_empty() {
            return None;
        }
        match raw.parse::<Date>() {
            Ok(d) => Some(d),
            Err(_) => {
                problems.push(format!("'{raw}' is not a day such as 2026-11-24 ({what})."));
                None
            }
        }
    };
    let since_day = day(&q.since, "from", &mut problems);
    let until_day = day(&q.until, "to", &mut problems);
    let since = since_day.and_then(|d| day_start(d, v));
    let until = until_day
        .and_then(|d| d.tomorrow().ok())
        .and_then(|d| day_start(d, v));
    let caller: String = q
        .caller
        .chars()
        .filter(|c| !c.is_control())
        .take(64)
        .collect();
    let archived = q.archived.as_deref() == Some("true");
    let test = q.test.as_deref() == Some("true");
    let visible = crate::api::scope::visible_users(s, &v.access).await?;
    let users = s
        .store
        .list_users()
        .await
        .map_err(crate::api::error::ApiError::store("user"))?;
    let answered_by = q
        .answered_by
        .parse::<i64>()
        .ok()
        .map(UserId)
        .filter(|u| visible.as_ref().is_none_or(|set| set.contains(u)));
    let people = users
        .iter()
        .filter(|u| visible.as_ref().is_none_or(|set| set.contains(&u.id)))
        .map(|u| Opt {
            value: u.id.to_string(),
            label: u.name.clone(),
            selected: Some(u.id) == answered_by,
        })
        .collect();
    let filter = CallFilter {
        line,
        member: (!v.access.sees_everything()).then(|| v.access.user.unwrap_or(UserId(0))),
        outcome,
        // The caller's number, name or place, or the words of a voicemail's transcript.
        caller: None,
        text: (!caller.is_empty()).then(|| caller.clone()),
        since,
        until,
        include_archived: archived,
        exclude_test: !test,
        answered_by,
        after: q.after.map(CallId),
        before: q.before.map(CallId),
        // One more than a page: whether there are older calls, without an empty last page.
        limit: per_page(q) + 1,
    };
    let flag = |on: bool| if on { "true".to_owned() } else { String::new() };
    let line_s = line.map(|l| l.to_string()).unwrap_or_default();
    let outcome_s = outcome.map(|o| o.as_str().to_owned()).unwrap_or_default();
    let answered_s = answered_by.map(|u| u.to_string()).unwrap_or_default();
    let base = vec![
        ("line", line_s.clone()),
        ("outcome", outcome_s.clone()),
        ("caller", caller.clone()),
        (
            "since",
            since_day.map(|d| d.to_string()).unwrap_or_default(),
        ),
        (
            "until",
            until_day.map(|d| d.to_string()).unwrap_or_default(),
        ),
        ("answered_by", answered_s.clone()),
        ("archived", flag(archived)),
        ("test", flag(test)),
        (
            "per",
            q.per.map(|_| per_page(q).to_string()).unwrap_or_default(),
        ),
    ];
    let csv = vec![
        ("line", line_s),
        ("outcome", outcome_s),
        ("caller", caller.clone()),
        ("since", since.map(|t| t.to_string()).unwrap_or_default()),
        ("until", until.map(|t| t.to_string()).unwrap_or_default()),
        ("answered_by", answered_s),
        ("archived", flag(archived)),
        (
            "test_calls",
            if test {
                String::new()
            } else {
                "false".to_owned()
            },
        ),
    ];
    Ok(Parsed {
        filter,
        base,
        csv,
        view: FilterView {
            per: {
                let now = per_page(q);
                let mut sizes = vec![25, 50, 100, 200];
                if !sizes.contains(&now) {
                    sizes.push(now);
                    sizes.sort_unstable();
                }
                sizes
                    .into_iter()
                    .map(|n| Opt {
                        value: n.to_string(),
                        label: n.to_string(),
                        selected: n == now,
                    })
                    .collect()
            },
            caller,
            since: since_day.map(|d| d.to_string()).unwrap_or_default(),
            until: until_day.map(|d| d.to_string()).unwrap_or_default(),
            archived,
            test,
        },
        people,
        problems,
    })
}

/// `GET /calls/new?after=ID&…`: how many calls matching the filters came after the newest
/// one on the page (the notice the list polls for, instead of moving rows under the cursor).
pub async fn new_count(
    State(s): State<AppState>,
    v: Viewer,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    let names = line_names(&s, &v).await?;
    let p = parse(&s, &v, &q, &names).await?;
    if q.after.is_none() {
        return Ok(axum::response::Html(String::new()).into_response());
    }
    let n = s
        .store
        .list_calls(&CallFilter {
            before: None,
            ..p.filter
        })
        .await
        .map_err(crate::api::error::ApiError::store("call"))?
        .len();
    html(&NewCalls {
        n,
        href: format!("/calls?{}", encode(&p.base)),
    })
}

#[derive(Template)]
#[template(path = "new_calls.html")]
pub struct NewCalls {
    pub n: usize,
    pub href: String,
}

/// `GET /calls`.
pub async fn list(
    State(s): State<AppState>,
    v: Viewer,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    let names = line_names(&s, &v).await?;
    let Parsed {
        filter,
        base,
        csv,
        view: fview,
        people,
        problems,
    } = parse(&s, &v, &q, &names).await?;
    let (line, outcome) = (filter.line, filter.outcome);
    let filter = CallFilter {
        after: None,
        ..filter
    };
    let mut calls = s
        .store
        .list_calls(&filter)
        .await
        .map_err(crate::api::error::ApiError::store("call"))?;
    let more = calls.len() > per_page(&q) as usize;
    calls.truncate(per_page(&q) as usize);
    let zone = v.local();
    let mut rows = Vec::with_capacity(calls.len());
    for c in &calls {
        rows.push(view::row(c, &names, &zone, media_text(&s, c).await));
    }
    let older_url = more
        .then(|| calls.last().map(|c| c.id))
        .flatten()
        .map(|last| {
            let mut p = base.clone();
            p.push(("before", last.to_string()));
            format!("/calls?{}", encode(&p))
        });
    let csv_url = format!("/api/v1/calls/export.csv?{}", encode(&csv));
    let new_calls_url = (q.before.is_none())
        .then(|| calls.first().map(|c| c.id))
        .flatten()
        .map(|newest| {
            let mut p = base.clone();
            p.push(("after", newest.to_string()));
            format!("/calls/new?{}", encode(&p))
        });
    let mut lines: Vec<Opt> = names
        .iter()
        .map(|(id, name)| Opt {
            value: id.to_string(),
            label: name.clone(),
            selected: Some(*id) == line,
        })
        .collect();
    lines.sort_by(|a, b| a.label.cmp(&b.label));
    let outcomes = view::OUTCOMES
        .iter()
        .map(|o| Opt {
            value: o.as_str().to_owned(),
            label: view::outcome(*o).word.to_owned(),
            selected: Some(*o) == outcome,
        })
        .collect();
    let count_text = match (rows.len(), q.before.is_some()) {
        (0, false) => "No calls".to_owned(),
        (0, true) => "No older calls".to_owned(),
        (1, older) => format!("1 {}call", if older { "older " } else { "" }),
        (n, true) => format!("{n} older calls"),
        (n, false) if older_url.is_some() => format!("The newest {n} calls"),
        (n, false) => format!("{n} calls"),
    };
    html(&CallsPage {
        chrome: v.chrome(&s, "calls").await,
        rows,
        lines,
        outcomes,
        f: fview,
        people,
        new_calls_url,
        csv_url,
        older_url,
        count_text,
        problem: (!problems.is_empty()).then(|| problems.join(" ")),
    })
}
