//! What the pages show, in words: times in the viewer's zone on the viewer's clock (24-hour
//! unless their profile says 12-hour; the same instant in UTC on hover), outcome pills (an
//! icon and a word besides the colour), and call rows.

use jiff::Timestamp;
use std::collections::HashMap;
use switchboard_core::call::{Call, Outcome};
use switchboard_core::user::{Clock, User};
use switchboard_core::{LineId, Zone};

/// How a page writes times for its viewer: their zone and their clock.
#[derive(Debug, Clone)]
pub struct Local {
    pub zone: Zone,
    pub clock: Clock,
}

impl Local {
    pub fn of(u: &User) -> Self {
        Self {
            zone: u.time_zone.clone(),
            clock: u.clock,
        }
    }
}

/// An instant as a page shows it.
pub struct Time {
    /// RFC 3339 in UTC, for `<time datetime>`.
    pub iso: String,
    /// In the viewer's zone, with the zone's abbreviation.
    pub text: String,
    /// The same instant in UTC, for the hover.
    pub title: String,
}

/// One clock format everywhere: `2026-11-24 10:00 CET` (or `2026-11-24 10:00 AM CET`).
pub fn time(t: Timestamp, local: &Local) -> Time {
    let hm = local.clock.hm();
    let zoned = t.to_zoned(local.zone.tz().clone());
    Time {
        iso: t.to_string(),
        text: zoned.strftime(&format!("%Y-%m-%d {hm} %Z")).to_string(),
        title: t
            .to_zoned(jiff::tz::TimeZone::UTC)
            .strftime(&format!("%Y-%m-%d {hm} UTC"))
            .to_string(),
    }
}

/// The clock of `zone` at `at`, on `clock`: `03:12` or `3:12 AM`.
pub fn clock_at(at: Timestamp, zone: &Zone, clock: Clock) -> String {
    at.to_zoned(zone.tz().clone())
        .strftime(clock.hm())
        .to_string()
}

/// `m:ss`, or `h:mm:ss` past an hour.
pub fn duration(secs: Option<u32>) -> String {
    match secs {
        None => "—".to_owned(),
        Some(s) if s >= 3600 => format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60),
        Some(s) => format!("{}:{:02}", s / 60, s % 60),
    }
}

/// A status pill: colour (by class), an icon and a word, so colour is never alone.
pub struct Pill {
    pub class: &'static str,
    pub icon: &'static str,
    pub word: &'static str,
}

pub fn outcome(o: Outcome) -> Pill {
    let (class, icon, word) = match o {
        Outcome::Answered => ("o-answered", "✓", "Answered"),
        Outcome::Voicemail => ("o-voicemail", "✉", "Voicemail"),
        Outcome::Missed => ("o-missed", "✗", "Missed"),
        Outcome::Abandoned => ("o-abandoned", "↩", "Abandoned"),
        Outcome::Rejected => ("o-rejected", "⊘", "Blocked"),
        Outcome::InProgress => ("o-progress", "…", "In progress"),
        // A text waiting for a reply needs someone as a voicemail does.
        Outcome::Texted => ("o-voicemail", "✎", "Text waiting"),
    };
    Pill { class, icon, word }
}

/// Every outcome, in the order the filters and the chart list them.
pub const OUTCOMES: [Outcome; 7] = [
    Outcome::Answered,
    Outcome::Voicemail,
    Outcome::Texted,
    Outcome::Missed,
    Outcome::Abandoned,
    Outcome::Rejected,
    Outcome::InProgress,
];

/// A call as a row of the list.
pub struct CallRow {
    pub id: i64,
    pub when: Time,
    pub caller_name: String,
    pub caller_number: String,
    pub location: String,
    pub line: String,
    pub outcome: Pill,
    pub answered_by: String,
    pub path: String,
    pub duration: String,
    pub media: String,
    pub test: bool,
    pub simulated: bool,
    pub archived: bool,
}

/// The caller's name as shown: the provider's caller name, or "Unknown caller".
pub fn caller_name(c: &Call) -> String {
    c.caller
        .name
        .clone()
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| "Unknown caller".to_owned())
}

/// Where the caller is, as the provider reported it.
pub fn location(c: &Call) -> String {
    [&c.caller.city, &c.caller.state, &c.caller.country]
        .into_iter()
        .filter_map(|p| p.as_deref())
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn row(c: &Call, lines: &HashMap<LineId, String>, local: &Local, media: String) -> CallRow {
    let answered = c.answered_by_name();
    CallRow {
        id: c.id.0,
        when: time(c.started_at, local),
        caller_name: caller_name(c),
        caller_number: c.caller.number.clone(),
        location: location(c),
        line: lines
            .get(&c.line_id)
            .cloned()
            .unwrap_or_else(|| format!("Line {} (deleted)", c.line_id)),
        outcome: outcome(c.outcome),
        answered_by: answered.unwrap_or_else(|| "—".to_owned()),
        path: c.path(),
        duration: duration(c.duration_secs),
        media,
        test: c.test_call,
        simulated: c.simulated,
        archived: c.archived,
    }
}

/// " (03:12 their time)": the clock of `user` at `at` (on the viewer's `clock`), when the
/// directory knows them.
pub fn their_time(
    dir: &switchboard_core::routing::Directory,
    user: switchboard_core::UserId,
    at: Timestamp,
    clock: Clock,
) -> String {
    dir.users
        .get(&user)
        .map(|u| format!(" ({} their time)", clock_at(at, &u.time_zone, clock)))
        .unwrap_or_default()
}

/// How long until `until`, as `m:ss` (never negative).
pub fn left(until: Timestamp, now: Timestamp) -> String {
    let secs = (until.as_second() - now.as_second()).max(0);
    format!("{}:{:02}", secs / 60, secs % 60)
}
