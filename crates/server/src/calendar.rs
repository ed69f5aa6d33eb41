//! iCalendar feeds of final shifts, at secret URLs a calendar app can subscribe to:
//! `/calendar/{token}.ics` for a schedule's shifts or for one user's shifts across schedules.

use crate::app::AppState;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use jiff::{SignedDuration, Timestamp};
use std::collections::HashMap;
use switchboard_core::store::HistoryShift;
use switchboard_core::store::{StoreError, StoredSchedule};
use switchboard_core::UserId;

/// Days of history and of future a feed covers.
pub const PAST_DAYS: i64 = 30;
pub const FUTURE_DAYS: i64 = 90;

/// One event of a feed.
pub struct Event {
    pub uid: String,
    pub start: Timestamp,
    pub end: Timestamp,
    pub summary: String,
    pub description: String,
}

/// Escapes a TEXT value (RFC 5545 §3.3.11).
fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Folds a content line at 75 octets, never inside a character (RFC 5545 §3.1).
fn fold(line: &str, out: &mut String) {
    let mut len = 0;
    for c in line.chars() {
        if len + c.len_utf8() > 75 {
            out.push_str("\r\n ");
            len = 1;
        }
        out.push(c);
        len += c.len_utf8();
    }
    out.push_str("\r\n");
}

fn stamp(t: Timestamp) -> String {
    t.strftime("%Y%m%dT%H%M%SZ").to_string()
}

/// A VCALENDAR with `events`.
pub fn render(name: &str, events: &[Event], now: Timestamp) -> String {
    let mut out = String::new();
    let mut line = |l: String| fold(&l, &mut out);
    line("BEGIN:VCALENDAR".into());
    line("VERSION:2.0".into());
    line("PRODID:-//Switchboard//On-call schedules//EN".into());
    line("CALSCALE:GREGORIAN".into());
    line("METHOD:PUBLISH".into());
    line(format!("X-WR-CALNAME:{}", text(name)));
    for e in events {
        line("BEGIN:VEVENT".into());
        line(format!("UID:{}", text(&e.uid)));
        line(format!("DTSTAMP:{}", stamp(now)));
        line(format!("DTSTART:{}", stamp(e.start)));
        line(format!("DTEND:{}", stamp(e.end)));
        line(format!("SUMMARY:{}", text(&e.summary)));
        line(format!("DESCRIPTION:{}", text(&e.description)));
        line("TRANSP:TRANSPARENT".into());
        line("END:VEVENT".into());
    }
    line("END:VCALENDAR".into());
    out
}

fn window(now: Timestamp) -> (Timestamp, Timestamp) {
    let from = now
        .checked_sub(SignedDuration::from_hours(24 * PAST_DAYS))
        .unwrap_or(now);
    let to = now
        .checked_add(SignedDuration::from_hours(24 * FUTURE_DAYS))
        .unwrap_or(now);
    (from, to)
}

/// The shifts with someone on call: the recorded past as it happened, then the rules.
async fn shifts_of(
    state: &AppState,
    s: &StoredSchedule,
    from: Timestamp,
    to: Timestamp,
) -> Result<Vec<HistoryShift>, StoreError> {
    Ok(crate::history::timeline(state, s, from, to)
        .await?
        .into_iter()
        .filter(|x| !x.users.is_empty())
        .collect())
}

fn event(s: &StoredSchedule, shift: &HistoryShift, names: &HashMap<UserId, String>) -> Event {
    let named: Vec<String> = shift
        .users
        .iter()
        .map(|u| names.get(u).cloned().unwrap_or_else(|| format!("user {u}")))
        .collect();
    let who = match named.as_slice() {
        [] => "nobody".to_owned(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    };
    Event {
        uid: format!(
            "schedule-{}-{}-{}@switchboard",
            s.id,
            shift.start.as_second(),
            shift.users.first().map_or(0, |u| u.0)
        ),
        start: shift.start,
        end: shift.end,
        summary: format!("On call: {who} ({})", s.schedule.name),
        description: format!(
            "{who} is on call for {} ({}).",
            s.schedule.name, s.schedule.time_zone
        ),
    }
}

/// `GET /calendar/{token}.ics`.
pub async fn get_feed(State(s): State<AppState>, Path(file): Path<String>) -> Response {
    let Some(token) = file.strip_suffix(".ics") else {
        return (StatusCode::NOT_FOUND, "unknown calendar").into_response();
    };
    match feed(&s, token).await {
        Ok(Some((name, body))) => (
            [
                (
                    header::CONTENT_TYPE,
                    "text/calendar; charset=utf-8".to_owned(),
                ),
                (
                    header::CONTENT_DISPOSITION,
                    format!("inline; filename=\"{}.ics\"", name.replace('"', "")),
                ),
            ],
            body,
        )
            .into_response(),
        Ok(None) => (StatusCode::NOT_FOUND, "unknown calendar").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "calendar feed failed");
            (StatusCode::SERVICE_UNAVAILABLE, "temporarily unavailable").into_response()
        }
    }
}

async fn feed(s: &AppState, token: &str) -> Result<Option<(String, String)>, StoreError> {
    let now = s.clock.now();
    let (from, to) = window(now);
    let names: HashMap<UserId, String> = s
        .store
        .list_users()
        .await?
        .into_iter()
        .map(|u| (u.id, u.name))
        .collect();
    match s.store.schedule_by_feed_token(token).await {
        Ok(sched) => {
            let events: Vec<Event> = shifts_of(s, &sched, from, to)
                .await?
                .iter()
                .map(|sh| event(&sched, sh, &names))
                .collect();
            return Ok(Some((
                sched.schedule.name.clone(),
                render(&sched.schedule.name, &events, now),
            )));
        }
        Err(StoreError::NotFound) => {}
        Err(e) => return Err(e),
    }
    let user = match s.store.user_by_feed_token(token).await {
        Ok(u) => u,
        Err(StoreError::NotFound) => return Ok(None),
        Err(e) => return Err(e),
    };
    let mut events = Vec::new();
    for sched in s.store.list_schedules().await? {
        // The user's own time: adjacent stretches they are in (with whoever else) are one.
        let mut mine: Vec<HistoryShift> = Vec::new();
        for sh in shifts_of(s, &sched, from, to).await? {
            if !sh.users.contains(&user.id) {
                continue;
            }
            match mine.last_mut() {
                Some(last) if last.end == sh.start => last.end = sh.end,
                _ => mine.push(HistoryShift {
                    users: vec![user.id],
                    ..sh
                }),
            }
        }
        events.extend(mine.iter().map(|sh| event(&sched, sh, &names)));
    }
    events.sort_by_key(|e| e.start);
    let name = format!("{} on call", user.name);
    Ok(Some((name.clone(), render(&name, &events, now))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_fold_and_text_is_escaped() {
        let e = Event {
            uid: "u1".into(),
            start: "2026-01-01T09:00:00Z".parse().unwrap(),
            end: "2026-01-02T09:00:00Z".parse().unwrap(),
            summary: "On call: Zoë, the; \\ one".into(),
            description: "x".repeat(200),
        };
        let cal = render("Team", &[e], "2026-01-01T00:00:00Z".parse().unwrap());
        assert!(cal.contains("SUMMARY:On call: Zoë\\, the\\; \\\\ one\r\n"));
        assert!(cal.lines().all(|l| l.len() <= 76), "{cal}");
        assert!(cal.contains("DTSTART:20260101T090000Z"));
    }
}
