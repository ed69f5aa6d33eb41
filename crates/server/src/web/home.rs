//! `/`: who a call to each line would ring now and until when, coverage warnings, lines still
//! waiting for their first call, a 30-day chart of calls by outcome (inline SVG drawn here,
//! with its numbers as a table), and the latest calls. The plan shown is the resolver's, the
//! same that plans each call; the warnings are the coverage check's.

use super::calls::{line_names, media_text};
use super::view::{self, CallRow, Pill};
use super::{html, Chrome, PageError, Viewer};
use crate::app::AppState;
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use jiff::{SignedDuration, Timestamp, ToSpan};
use switchboard_core::call::Outcome;
use switchboard_core::line::Line;
use switchboard_core::store::CallFilter;
use switchboard_core::UserId;

/// A line's status, as a pill with words of its own.
pub struct Badge {
    pub class: &'static str,
    pub icon: &'static str,
    pub word: String,
}

fn badge(class: &'static str, icon: &'static str, word: impl Into<String>) -> Badge {
    Badge {
        class,
        icon,
        word: word.into(),
    }
}

pub struct LineCard {
    pub name: String,
    pub number: String,
    pub status: Vec<Badge>,
    pub on_call: String,
    pub until: String,
    pub warnings: Vec<String>,
}

pub struct Seg {
    pub y: String,
    pub h: String,
    pub class: &'static str,
    pub hatch: &'static str,
    pub title: String,
}

pub struct Bar {
    pub x: String,
    /// The day under the axis, on every 7th bar.
    pub tick: String,
    pub day: String,
    pub label: String,
    pub href: String,
    pub segments: Vec<Seg>,
    pub counts: Vec<usize>,
    pub total: usize,
}

pub struct Chart {
    pub bars: Vec<Bar>,
    pub legend: Vec<Pill>,
    pub desc: String,
}

#[derive(Template)]
#[template(path = "home.html")]
pub struct HomePage {
    pub chrome: Chrome,
    pub lines: Vec<LineCard>,
    pub chart: Chart,
    pub rows: Vec<CallRow>,
    /// Cover requests waiting for the viewer's answer.
    pub waiting: Vec<super::schedules::Waiting>,
}

/// The outcomes the chart stacks, bottom up.
const STACKED: [Outcome; 5] = [
    Outcome::Answered,
    Outcome::Voicemail,
    Outcome::Missed,
    Outcome::Abandoned,
    Outcome::Rejected,
];

/// A line's status pills at `now`.
pub fn status(l: &Line, now: Timestamp, called: bool) -> Vec<Badge> {
    let mut status = Vec::new();
    if let Some(t) = l.active_test_mode(now) {
        let left = format!("Test mode, {} left", view::left(t.until, now));
        status.push(badge("o-progress", "⚑", left));
    }
    if called {
        status.push(badge("o-answered", "●", "Live"));
    } else {
        status.push(badge("o-abandoned", "…", "Waiting for its first call"));
    }
    if l.auth_token.is_none() {
        status.push(badge("o-missed", "⚠", "Signature checks off"));
    }
    if l.business_hours.as_ref().is_some_and(|b| !b.is_open(now)) {
        status.push(badge("o-voicemail", "☾", "After hours"));
    }
    status
}

/// Whom a call at `now` would ring ("1. Alice (10:00 their time) → 2. Bob → voicemail"), and
/// until when the first of them stays the same; empty when nobody would be rung.
pub fn on_call(
    v: &Viewer,
    l: &Line,
    dir: &switchboard_core::routing::Directory,
    now: Timestamp,
) -> (String, String) {
    let (mut on_call, mut until) = (String::new(), String::new());
    let plan = switchboard_core::routing::plan_at(l, dir, now);
    let chain: Vec<String> = plan
        .steps
        .iter()
        .flat_map(|st| st.legs())
        .map(|r| {
            format!(
                "{}{}",
                r.name,
                view::their_time(dir, r.user_id, now, v.user.clock)
            )
        })
        .collect();
    if !chain.is_empty() {
        on_call = chain
            .iter()
            .enumerate()
            .map(|(i, n)| format!("{}. {n}", i + 1))
            .collect::<Vec<_>>()
            .join(" → ");
        on_call.push_str(" → voicemail");
    }
    let first = |p: &switchboard_core::plan::Plan| {
        p.steps
            .iter()
            .find_map(|st| st.responder.as_ref().map(|r| r.user_id))
    };
    let horizon = now + SignedDuration::from_hours(24 * 14);
    let next = switchboard_core::routing::changes(l, dir, now, horizon)
        .into_iter()
        .filter(|t| *t > now)
        .find(|t| first(&switchboard_core::routing::plan_at(l, dir, *t)) != first(&plan));
    if let Some(t) = next {
        until = format!(
            "Until {}, then the first responder changes.",
            view::time(t, &v.local()).text
        );
    }
    (on_call, until)
}

fn card(
    v: &Viewer,
    l: &Line,
    dir: &switchboard_core::routing::Directory,
    now: Timestamp,
    called: bool,
) -> LineCard {
    let status = status(l, now, called);
    let (on_call, until) = on_call(v, l, dir, now);
    let mut warnings = Vec::new();
    if let Ok(c) = crate::api::coverage::report(l, dir, now, 7) {
        warnings.extend(c.warnings.into_iter().map(|w| w.message));
        let gaps = c.uncovered.len();
        if gaps > 0 {
            warnings.push(format!(
                "{gaps} time{} in the next 7 days when a call would ring nobody",
                if gaps == 1 { "" } else { "s" }
            ));
        }
    }
    LineCard {
        name: l.name.clone(),
        number: l.number.to_string(),
        status,
        on_call,
        until,
        warnings,
    }
}

/// The last 30 days in the viewer's zone, oldest first.
fn days(v: &Viewer, now: Timestamp) -> Vec<jiff::civil::Date> {
    let today = now.to_zoned(v.user.time_zone.tz().clone()).date();
    (0..30i64)
        .rev()
        .filter_map(|back| today.checked_sub(back.days()).ok())
        .collect()
}

/// Where each of `days` starts in `v`'s zone, and where the last one ends: the spans the
/// store counts calls in (a day of 23 or 25 hours at a DST change is counted as it is).
fn edges(days: &[jiff::civil::Date], v: &Viewer) -> Vec<Timestamp> {
    let tz = v.user.time_zone.tz();
    days.iter()
        .copied()
        .chain(days.last().and_then(|d| d.tomorrow().ok()))
        .filter_map(|d| d.to_zoned(tz.clone()).ok().map(|z| z.timestamp()))
        .collect()
}

/// The calls of `days` (in the viewer's zone), stacked by outcome, from the store's counts
/// per day.
fn chart(days: &[jiff::civil::Date], counts_in: &[(usize, Outcome, u64)]) -> Chart {
    let mut counts = vec![[0usize; STACKED.len()]; days.len()];
    for (i, o, n) in counts_in {
        if let (Some(day), Some(k)) = (counts.get_mut(*i), STACKED.iter().position(|x| x == o)) {
            day[k] += *n as usize;
        }
    }
    let max = counts
        .iter()
        .map(|c| c.iter().sum::<usize>())
        .max()
        .unwrap_or(0)
        .max(1);
    let mut bars = Vec::new();
    let (mut total, mut busiest) = (0usize, (0usize, String::new()));
    for (i, (d, c)) in days.iter().zip(&counts).enumerate() {
        let sum: usize = c.iter().sum();
        total += sum;
        let label_day = d.strftime("%a %d %b").to_string();
        if sum > busiest.0 {
            busiest = (sum, label_day.clone());
        }
        let mut y = 100.0;
        let mut segments = Vec::new();
        for (k, n) in c.iter().enumerate().filter(|(_, n)| **n > 0) {
            let h = *n as f64 / max as f64 * 95.0;
            y -= h;
            let p = view::outcome(STACKED[k]);
            segments.push(Seg {
                y: format!("{y:.2}"),
                h: format!("{h:.2}"),
                class: p.class,
                hatch: match STACKED[k] {
                    Outcome::Missed => "hatch",
                    Outcome::Abandoned => "hatch-grey",
                    _ => "",
                },
                title: format!("{label_day}: {n} {}", p.word.to_lowercase()),
            });
        }
        bars.push(Bar {
            x: format!("{}", i * 10 + 1),
            tick: if i % 7 == 1 {
                d.strftime("%d %b").to_string()
            } else {
                String::new()
            },
            day: label_day.clone(),
            label: format!("{label_day}: {sum} calls; show them"),
            href: format!("/calls?since={d}&until={d}"),
            segments,
            counts: c.to_vec(),
            total: sum,
        });
    }
    let by: Vec<String> = STACKED
        .iter()
        .enumerate()
        .map(|(k, o)| {
            let n: usize = counts.iter().map(|c| c[k]).sum();
            format!("{n} {}", view::outcome(*o).word.to_lowercase())
        })
        .collect();
    let mut desc = format!("{total} calls in 30 days: {}.", by.join(", "));
    if busiest.0 > 0 {
        desc.push_str(&format!(" Busiest day {} with {}.", busiest.1, busiest.0));
    }
    Chart {
        bars,
        legend: STACKED.iter().map(|o| view::outcome(*o)).collect(),
        desc,
    }
}

/// `GET /`.
pub async fn show(State(s): State<AppState>, v: Viewer) -> Result<Response, PageError> {
    let now = s.clock.now();
    let store = crate::api::error::ApiError::store("line");
    let lines: Vec<Line> = s
        .store
        .list_lines()
        .await
        .map_err(&store)?
        .into_iter()
        .filter(|l| v.access.sees(l.team))
        .collect();
    let member = (!v.access.sees_everything()).then(|| v.access.user.unwrap_or(UserId(0)));
    let call = crate::api::error::ApiError::store("call");
    // One directory and one "has it had a call" read for every card, however many lines.
    let dir = crate::directory::load_all(&s, &lines)
        .await
        .map_err(&store)?;
    let called: std::collections::HashSet<_> = s
        .store
        .called_lines()
        .await
        .map_err(&store)?
        .into_iter()
        .collect();
    let cards: Vec<LineCard> = lines
        .iter()
        .map(|l| card(&v, l, &dir, now, called.contains(&l.id)))
        .collect();
    // Counts per day, not the calls: a month of a busy line stays cheap.
    let days = days(&v, now);
    let points = s
        .store
        .call_counts(&edges(&days, &v), member)
        .await
        .map_err(&call)?;
    let recent = s
        .store
        .list_calls(&CallFilter {
            member,
            limit: 10,
            ..Default::default()
        })
        .await
        .map_err(&call)?;
    let names = line_names(&s, &v).await?;
    let mut rows = Vec::new();
    for c in &recent {
        rows.push(view::row(c, &names, &v.local(), media_text(&s, c).await));
    }
    html(&HomePage {
        chrome: v.chrome(&s, "home").await,
        lines: cards,
        chart: chart(&days, &points),
        rows,
        waiting: super::schedules::waiting_for(&s, &v).await?,
    })
}
