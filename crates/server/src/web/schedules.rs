//! `/schedules` and `/schedules/{id}`: the final schedule first (who is on call now, next,
//! which lines use it, the gaps of the next 30 days with "Cover this gap"), then a timeline
//! drawn by the server (week, two weeks or a month from a date in the URL, in any zone, with
//! the viewer's shifts highlighted on demand) and the same as an agenda on narrow screens,
//! then the layers in words with their next handoffs, then the overrides, the cover requests
//! and the calendar links. Everything is read from the engine and the schedule's history, as
//! calls are routed. The forms are in `schedule_forms`.

use super::calls::Opt;
use super::timeline::{self, AgendaDay, DayCol, Lane, Names, Stretch, Window};
use super::{html_fixing, words, Chrome, PageError, Viewer};
use crate::api::error::ApiError;
use crate::app::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use jiff::civil::Date;
use jiff::Timestamp;
use serde::Deserialize;
use switchboard_core::schedule::{Engine, Schedule, ScheduleId};
use switchboard_core::store::StoredSchedule;
use switchboard_core::{UserId, Zone};

pub struct Card {
    pub id: i64,
    pub name: String,
    pub zone: String,
    pub now: String,
    pub next: String,
    pub used_by: String,
}

pub struct Waiting {
    pub id: i64,
    pub text: String,
}

#[derive(Template)]
#[template(path = "schedules.html")]
pub struct ListPage {
    pub chrome: Chrome,
    pub problem: Option<String>,
    pub cards: Vec<Card>,
    pub waiting: Vec<Waiting>,
    /// The viewer's own shifts of the next 30 days, across schedules, in order.
    pub mine: Vec<String>,
    pub teams: Vec<Opt>,
    pub zone: String,
}

/// "Alice + Bob until Mon 30 Nov 09:00" and "Carol from Mon 30 Nov 09:00", from the
/// schedule's rules (what a call would get).
fn now_and_next(
    e: &Engine,
    now: Timestamp,
    names: &Names,
    w: &Window,
) -> (String, String, Vec<UserId>) {
    let ahead = now
        .checked_add(jiff::SignedDuration::from_hours(24 * 62))
        .unwrap_or(now);
    let t = e.timeline(now, ahead);
    let clock = names.clock;
    let current = t.first().map(|s| s.users.clone()).unwrap_or_default();
    let now_text = match t.first() {
        Some(s) if s.end < ahead => format!(
            "{} until {}",
            names.who(&s.users),
            timeline::at(w, s.end, clock)
        ),
        Some(s) => names.who(&s.users),
        None => "No one on call".to_owned(),
    };
    let next_text = match t.get(1) {
        Some(s) => format!(
            "{} from {}",
            names.who(&s.users),
            timeline::at(w, s.start, clock)
        ),
        None => "No change in the next two months".to_owned(),
    };
    (now_text, next_text, current)
}

async fn lines_using(
    s: &AppState,
    v: &Viewer,
) -> Result<Vec<(ScheduleId, String, i64)>, PageError> {
    let lines = s
        .store
        .list_lines()
        .await
        .map_err(ApiError::store("line"))?;
    let mut out = Vec::new();
    for l in lines.iter().filter(|l| v.access.sees(l.team)) {
        for step in switchboard_core::routing::reachable_steps(l) {
            if let Some(id) = step.schedule() {
                out.push((id, l.name.clone(), l.id.0));
            }
        }
    }
    Ok(out)
}

/// The cover requests waiting for the viewer, in words.
pub async fn waiting_for(s: &AppState, v: &Viewer) -> Result<Vec<Waiting>, PageError> {
    let names = crate::api::schedules::user_names(s).await?;
    let local = v.local();
    let mut out = Vec::new();
    for r in s
        .store
        .cover_requests_waiting_for(v.user.id)
        .await
        .map_err(ApiError::store("cover request"))?
    {
        let Ok(st) = crate::api::scope::schedule(s, &v.access, r.schedule).await else {
            continue;
        };
        let who = names.get(&r.requester).cloned().unwrap_or_default();
        let note = if r.note.is_empty() {
            String::new()
        } else {
            format!(" (\u{201c}{}\u{201d})", r.note)
        };
        out.push(Waiting {
            id: r.id,
            text: format!(
                "{who} asks you to cover them on {} from {} to {}{note}",
                st.schedule.name,
                super::view::time(r.start, &local).text,
                super::view::time(r.end, &local).text
            ),
        });
    }
    Ok(out)
}

pub async fn list_page(
    s: &AppState,
    v: &Viewer,
    problem: Option<String>,
) -> Result<Response, PageError> {
    let names = crate::api::schedules::user_names(s).await?;
    let all = s
        .store
        .list_schedules()
        .await
        .map_err(ApiError::store("schedule"))?;
    let using = lines_using(s, v).await?;
    let now = s.clock.now();
    let mut cards = Vec::new();
    let mut mine: Vec<(Timestamp, String)> = Vec::new();
    let month = now
        .checked_add(jiff::SignedDuration::from_hours(24 * 30))
        .unwrap_or(now);
    let local = v.local();
    for st in all.iter().filter(|st| v.access.sees(st.team)) {
        if let Ok(e) = Engine::new(&st.schedule) {
            for sh in e.shifts(now, month) {
                if sh.users.contains(&v.user.id) {
                    let with: Vec<UserId> = sh
                        .users
                        .iter()
                        .copied()
                        .filter(|u| *u != v.user.id)
                        .collect();
                    let with = if with.is_empty() {
                        String::new()
                    } else {
                        let n = Names {
                            users: &names,
                            clock: v.user.clock,
                            me: v.user.id,
                            highlight: false,
                        };
                        format!(", with {}", n.who(&with))
                    };
                    mine.push((
                        sh.start,
                        format!(
                            "{}: {} to {}{with}",
                            st.schedule.name,
                            super::view::time(sh.start, &local).text,
                            super::view::time(sh.end, &local).text
                        ),
                    ));
                }
            }
        }
        let n = Names {
            users: &names,
            clock: v.user.clock,
            me: v.user.id,
            highlight: false,
        };
        let today = now.to_zoned(st.schedule.time_zone.tz().clone()).date();
        let w = Window::new(today, 1, st.schedule.time_zone.clone())
            .ok_or(ApiError::NotFound("schedule"))?;
        let (now_text, next_text) = match Engine::new(&st.schedule) {
            Ok(e) => {
                let (a, b, _) = now_and_next(&e, now, &n, &w);
                (a, b)
            }
            Err(e) => (format!("This schedule cannot be read: {e}"), String::new()),
        };
        let used: Vec<String> = using
            .iter()
            .filter(|(id, _, _)| *id == st.id)
            .map(|(_, n, _)| n.clone())
            .collect();
        cards.push(Card {
            id: st.id.0,
            name: st.schedule.name.clone(),
            zone: st.schedule.time_zone.name().to_owned(),
            now: now_text,
            next: next_text,
            used_by: if used.is_empty() {
                "No line yet".to_owned()
            } else {
                used.join(", ")
            },
        });
    }
    let fixing = problem.is_some();
    html_fixing(
        &ListPage {
            chrome: v.chrome(s, "schedules").await,
            problem,
            cards,
            waiting: waiting_for(s, v).await?,
            mine: {
                mine.sort();
                mine.into_iter().map(|(_, t)| t).take(20).collect()
            },
            teams: super::setup::team_options(s, v, v.access.teams.first().copied()).await?,
            zone: v.user.time_zone.name().to_owned(),
        },
        fixing,
    )
}

/// `GET /schedules`.
pub async fn list(State(s): State<AppState>, v: Viewer) -> Result<Response, PageError> {
    list_page(&s, &v, None).await
}

/// What the schedule page is asked to show, all in the URL.
#[derive(Debug, Default, Deserialize, Clone)]
pub struct ViewQuery {
    /// The first day shown, a date (not an instant: the same date in any zone).
    pub start: Option<String>,
    /// `week` (default), `2weeks` or `month`.
    pub view: Option<String>,
    /// The zone to show times in (default: the schedule's).
    pub tz: Option<String>,
    /// `1`: highlight the viewer's shifts.
    pub me: Option<String>,
    /// A span to cover, from a gap's link (RFC 3339).
    pub cover_start: Option<String>,
    pub cover_end: Option<String>,
}

pub struct LayerCard {
    pub id: u32,
    pub name: String,
    pub sentence: String,
    pub windows: String,
    pub turns: String,
    pub next: Vec<String>,
}

pub struct Row {
    pub id: String,
    pub text: String,
    pub actions: Vec<(String, String)>,
}

pub struct Link {
    pub href: String,
    pub label: String,
    pub current: bool,
}

#[derive(Template)]
#[template(path = "schedule.html")]
pub struct DetailPage {
    pub chrome: Chrome,
    pub problem: Option<String>,
    pub id: i64,
    pub name: String,
    pub zone: String,
    pub view_zone: String,
    pub now_card: String,
    pub next_card: String,
    pub used_by: Vec<(String, String)>,
    pub gaps: Vec<(String, String)>,
    pub gap_summary: String,
    pub caption: String,
    pub nav: Vec<Link>,
    pub views: Vec<Link>,
    pub zones: Vec<Link>,
    pub highlight: Link,
    pub days: Vec<DayCol>,
    pub lanes: Vec<Lane>,
    pub now_x: Option<String>,
    /// Where the clocks change inside the window, and how.
    pub clock_changes: Vec<(String, String)>,
    pub agenda: Vec<AgendaDay>,
    pub layers: Vec<LayerCard>,
    pub overrides: Vec<Row>,
    /// The overrides already in the span the override form names.
    pub in_span: Vec<Row>,
    pub covers: Vec<Row>,
    pub people: Vec<Opt>,
    pub form: super::schedule_forms::OverrideForm,
    pub preview: Option<Lane>,
    pub calendar_url: String,
    pub my_calendar: Option<String>,
}

/// Builds the page's URL with `q` changed by `f`.
fn url(id: ScheduleId, q: &ViewQuery, f: impl FnOnce(&mut ViewQuery)) -> String {
    let mut q = ViewQuery {
        cover_start: None,
        cover_end: None,
        ..q.clone()
    };
    f(&mut q);
    let mut parts: Vec<(&str, String)> = vec![];
    for (k, v) in [
        ("start", &q.start),
        ("view", &q.view),
        ("tz", &q.tz),
        ("me", &q.me),
    ] {
        if let Some(v) = v {
            parts.push((k, v.clone()));
        }
    }
    if let (Some(a), Some(b)) = (&q.cover_start, &q.cover_end) {
        parts.push(("cover_start", a.clone()));
        parts.push(("cover_end", b.clone()));
    }
    match serde_urlencoded::to_string(&parts) {
        Ok(qs) if !qs.is_empty() => format!("/schedules/{id}?{qs}"),
        _ => format!("/schedules/{id}"),
    }
}

/// The window a query asks for, in `zone`.
fn window(q: &ViewQuery, zone: &Zone, now: Timestamp) -> Result<Window, ApiError> {
    let today = now.to_zoned(zone.tz().clone()).date();
    let view = q.view.as_deref().unwrap_or("week");
    let start: Option<Date> = match q.start.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => Some(s.parse().map_err(|_| {
            switchboard_core::DomainError::new("start", "must be a date such as 2026-11-23")
        })?),
        None => None,
    };
    let back = |d: Date| {
        d.checked_sub(jiff::Span::new().days(i64::from(d.weekday().to_monday_zero_offset())))
            .unwrap_or(d)
    };
    let (first, days) = match view {
        "month" => {
            let d = start.unwrap_or(today).first_of_month();
            (d, i64::from(d.days_in_month()))
        }
        "2weeks" => (start.unwrap_or_else(|| back(today)), 14),
        "week" => (start.unwrap_or_else(|| back(today)), 7),
        _ => {
            return Err(
                switchboard_core::DomainError::new("view", "must be week, 2weeks or month").into(),
            )
        }
    };
    if !switchboard_core::schedule::SANE_YEARS.contains(&first.year()) {
        return Err(switchboard_core::DomainError::new("start", "is out of range").into());
    }
    Window::new(first, days, zone.clone())
        .ok_or_else(|| switchboard_core::DomainError::new("start", "is out of range").into())
}

type Recorded = switchboard_core::store::HistoryShift;

/// What a final stretch's source says hides a layer, in words.
fn hider(source: Option<&str>) -> String {
    match source {
        Some("override") => "an override".to_owned(),
        Some("removed") => "a removal".to_owned(),
        Some(s) => match s.strip_prefix("layer:") {
            Some(name) => format!("layer {name}"),
            None => s.to_owned(),
        },
        None => "nobody".to_owned(),
    }
}

/// A layer's own stretches cut where the final schedule (`fin`) does not come from layer
/// `name`: those pieces are hidden, and say by what.
fn with_hidden(mine: Vec<Stretch>, fin: &[Recorded], name: &str) -> Vec<Stretch> {
    let own = format!("layer:{name}");
    let piece = |start, end, users: &Vec<_>, hidden_by| Stretch {
        start,
        end,
        users: users.clone(),
        hidden_by,
    };
    let mut out: Vec<Stretch> = Vec::new();
    for s in mine.into_iter().filter(|s| !s.users.is_empty()) {
        let mut at = s.start;
        for f in fin.iter().filter(|f| f.end > s.start && f.start < s.end) {
            let (a, b) = (f.start.max(s.start), f.end.min(s.end));
            if a > at {
                out.push(piece(at, a, &s.users, None));
            }
            let hidden =
                (f.source.as_deref() != Some(own.as_str())).then(|| hider(f.source.as_deref()));
            match out.last_mut() {
                Some(last) if last.end == a && last.hidden_by == hidden => last.end = b,
                _ => out.push(piece(a, b, &s.users, hidden)),
            }
            at = b;
        }
        if at < s.end {
            out.push(piece(at, s.end, &s.users, None));
        }
    }
    out
}

/// The lane of one layer on its own (what it would put on call, before higher layers and
/// overrides), faded where something else decides.
fn layer_lane(
    st: &Schedule,
    i: usize,
    w: &Window,
    names: &Names,
    fin: &[Recorded],
) -> Option<Lane> {
    let l = st.layers.get(i)?;
    let alone = Schedule {
        layers: vec![l.clone()],
        overrides: vec![],
        removals: vec![],
        temporary: vec![],
        ..st.clone()
    };
    let e = Engine::new(&alone).ok()?;
    // A week either side, so a stretch cut by the window's edge says its real start and end.
    let week = jiff::SignedDuration::from_hours(24 * 7);
    let s: Vec<Stretch> = e
        .timeline(
            w.start.checked_sub(week).ok()?,
            w.end.checked_add(week).ok()?,
        )
        .into_iter()
        .map(Stretch::from)
        .collect();
    let s = with_hidden(s, fin, &l.name);
    Some(timeline::lane(
        format!("Layer {}: {}", i + 1, l.name),
        w,
        &s,
        names,
        None,
    ))
}

/// The page, for `GET /schedules/{id}` and for a form shown again.
pub async fn detail(
    s: &AppState,
    v: &Viewer,
    st: &StoredSchedule,
    q: &ViewQuery,
    form: super::schedule_forms::OverrideForm,
    problem: Option<String>,
    my_calendar: Option<String>,
) -> Result<Response, PageError> {
    let now = s.clock.now();
    let sched = &st.schedule;
    let zone = match q.tz.as_deref().filter(|z| !z.is_empty()) {
        Some(z) => Zone::parse(z).map_err(|_| {
            ApiError::from(switchboard_core::DomainError::new(
                "tz",
                format!("{z:?} is not a time zone"),
            ))
        })?,
        None => sched.time_zone.clone(),
    };
    let w = window(q, &zone, now)?;
    let names_map = crate::api::schedules::user_names(s).await?;
    let names = Names {
        users: &names_map,
        clock: v.user.clock,
        me: v.user.id,
        highlight: q.me.as_deref() == Some("1"),
    };
    let engine = Engine::new(sched).map_err(ApiError::from)?;
    let (now_card, next_card, _) = now_and_next(&engine, now, &names, &w);
    let id = st.id;
    // Only what has not ended yet can be covered.
    let cover_link = |a: Timestamp, b: Timestamp| {
        if b <= now {
            return String::new();
        }
        let link = url(id, q, |q| {
            q.cover_start = Some(a.to_string());
            q.cover_end = Some(b.to_string());
        });
        format!("{link}#override")
    };
    // The final schedule over the window: what happened (history), then the rules; a week
    // either side, so a stretch cut by the window's edge still says when it really starts
    // and ends.
    let week = jiff::SignedDuration::from_hours(24 * 7);
    let recorded = crate::history::timeline(
        s,
        st,
        w.start.checked_sub(week).unwrap_or(w.start),
        w.end.checked_add(week).unwrap_or(w.end),
    )
    .await
    .map_err(ApiError::store("schedule"))?;
    let fin: Vec<Stretch> = recorded.iter().map(Stretch::from).collect();
    let mut lanes = vec![timeline::lane(
        "Final schedule".to_owned(),
        &w,
        &fin,
        &names,
        Some(&cover_link),
    )];
    for i in 0..sched.layers.len() {
        lanes.extend(layer_lane(sched, i, &w, &names, &recorded));
    }
    lanes.push(super::schedule_forms::overrides_lane(sched, &w, &names));
    // Gaps of the next 30 days, from now.
    let month = now
        .checked_add(jiff::SignedDuration::from_hours(24 * 30))
        .unwrap_or(now);
    let gaps_ahead = engine.gaps(now, month);
    let hours: i64 = gaps_ahead
        .iter()
        .map(|(a, b)| (b.as_second() - a.as_second()) / 3600)
        .sum();
    let gap_summary = match gaps_ahead.len() {
        0 => "Someone is on call all of the next 30 days.".to_owned(),
        n => format!(
            "{n} gap{} in the next 30 days (about {hours} h): a call then moves on to the line's next step, or hears the no-one-on-call message and can leave a voicemail.",
            if n == 1 { "" } else { "s" }
        ),
    };
    let gaps = gaps_ahead
        .iter()
        .take(20)
        .map(|(a, b)| {
            (
                format!(
                    "No one on call from {} to {}",
                    timeline::at(&w, *a, names.clock),
                    timeline::at(&w, *b, names.clock)
                ),
                cover_link(*a, *b),
            )
        })
        .collect();
    let used_by = lines_using(s, v)
        .await?
        .into_iter()
        .filter(|(sid, _, _)| *sid == id)
        .map(|(_, n, lid)| (format!("/lines/{lid}"), n))
        .collect();
    let layers = sched
        .layers
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let lz = l.time_zone.as_ref().unwrap_or(&sched.time_zone);
            LayerCard {
                id: l.id,
                name: l.name.clone(),
                sentence: words::handoff_sentence(l, lz.name()),
                windows: words::windows(l),
                turns: words::turns(l, &names_map),
                next: engine
                    .next_handoffs(i, now, 3)
                    .into_iter()
                    .map(|t| timeline::at(&w, t, names.clock))
                    .collect(),
            }
        })
        .collect();
    let step = |days: i64| {
        let d = w
            .first
            .checked_add(jiff::Span::new().days(days))
            .unwrap_or(w.first);
        let d = if w.days >= 28 {
            w.first
                .checked_add(jiff::Span::new().months(days.signum()))
                .unwrap_or(w.first)
        } else {
            d
        };
        url(id, q, |q| q.start = Some(d.to_string()))
    };
    let view_name = q.view.clone().unwrap_or_else(|| "week".to_owned());
    let nav = vec![
        Link {
            href: step(-w.days),
            label: "← Earlier".into(),
            current: false,
        },
        Link {
            href: url(id, q, |q| q.start = None),
            label: "Today".into(),
            current: false,
        },
        Link {
            href: step(w.days),
            label: "Later →".into(),
            current: false,
        },
    ];
    let views = [("week", "Week"), ("2weeks", "2 weeks"), ("month", "Month")]
        .into_iter()
        .map(|(k, label)| Link {
            href: url(id, q, |q| q.view = Some(k.to_owned())),
            label: label.to_owned(),
            current: view_name == k,
        })
        .collect();
    let mut zone_names: Vec<String> = vec![
        sched.time_zone.name().to_owned(),
        v.user.time_zone.name().to_owned(),
        "UTC".to_owned(),
    ];
    zone_names.extend(
        sched
            .layers
            .iter()
            .filter_map(|l| l.time_zone.as_ref().map(|z| z.name().to_owned())),
    );
    zone_names.dedup();
    let mut seen = std::collections::HashSet::new();
    zone_names.retain(|z| seen.insert(z.clone()));
    let zones = zone_names
        .into_iter()
        .map(|z| Link {
            href: url(id, q, |q| q.tz = Some(z.clone())),
            current: z == zone.name(),
            label: z,
        })
        .collect();
    let highlight = if names.highlight {
        Link {
            href: url(id, q, |q| q.me = None),
            label: "Stop highlighting my shifts".into(),
            current: true,
        }
    } else {
        Link {
            href: url(id, q, |q| q.me = Some("1".into())),
            label: "Highlight my shifts".into(),
            current: false,
        }
    };
    let now_x = (now >= w.start && now < w.end).then(|| format!("{:.3}%", w.pct(now)));
    let agenda = timeline::agenda(&w, &fin, &names, now, &cover_link);
    let covers = super::schedule_forms::cover_rows(s, v, st, &names_map).await?;
    let people = super::schedule_forms::people(s, v, &names_map).await?;
    let preview = super::schedule_forms::preview(sched, &form, &w, &names);
    let last = w.day_start(w.days - 1);
    let caption = format!(
        "{} to {}, times in {}",
        w.first.strftime("%a %-d %b %Y"),
        last.to_zoned(zone.tz().clone())
            .date()
            .strftime("%a %-d %b %Y"),
        zone.name()
    );
    let overrides = super::schedule_forms::override_rows(sched, &w, &names, |o| o.end > w.start);
    // What already overrides the span the form names, to change instead of stacking another.
    let in_span = match form.span(sched) {
        Some((a, b)) => {
            super::schedule_forms::override_rows(sched, &w, &names, |o| o.start < b && o.end > a)
        }
        None => vec![],
    };
    let fixing = problem.is_some();
    html_fixing(
        &DetailPage {
            chrome: v.chrome(s, "schedules").await,
            problem,
            id: id.0,
            name: sched.name.clone(),
            zone: sched.time_zone.name().to_owned(),
            view_zone: zone.name().to_owned(),
            now_card,
            next_card,
            used_by,
            gaps,
            gap_summary,
            caption,
            nav,
            views,
            zones,
            highlight,
            days: timeline::columns(&w, now),
            lanes,
            now_x,
            clock_changes: timeline::clock_changes(&w),
            agenda,
            layers,
            overrides,
            in_span,
            covers,
            people,
            form,
            preview,
            calendar_url: crate::api::schedules::feed_url(s, &st.feed_token),
            my_calendar,
        },
        fixing,
    )
}

/// `GET /schedules/{id}`.
pub async fn show(
    State(s): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
    q: Result<Query<ViewQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, PageError> {
    let Query(q) = q.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let st =
        crate::api::scope::schedule(&s, &v.access, crate::api::parse_id(&id, "schedule")?).await?;
    let form = super::schedule_forms::OverrideForm::from_gap(&q, &st.schedule);
    detail(&s, &v, &st, &q, form, None, None).await
}
