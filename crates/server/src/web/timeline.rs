//! The schedule timeline, drawn by the server: a window of whole days in a display zone,
//! each day's edge from real instants (a DST day is 23 or 25 hours wide), lanes of items
//! placed by percentage (the final schedule, each layer, the overrides), the now-line, and the
//! same stretches as an agenda list for narrow screens.

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::Timestamp;
use std::collections::HashMap;
use switchboard_core::user::Clock;
use switchboard_core::{UserId, Zone};

/// The days shown: `[start, end)` in `zone`.
#[derive(Debug, Clone)]
pub struct Window {
    pub first: Date,
    pub days: i64,
    pub zone: Zone,
    pub start: Timestamp,
    pub end: Timestamp,
}

impl Window {
    /// `days` days from `first` (midnight in `zone`; a skipped midnight is its first instant).
    pub fn new(first: Date, days: i64, zone: Zone) -> Option<Window> {
        let last = first.checked_add(jiff::Span::new().days(days)).ok()?;
        let at = |d: Date| {
            switchboard_core::schedule::instant(
                zone.tz(),
                d.to_datetime(jiff::civil::Time::midnight()),
            )
        };
        Some(Window {
            start: at(first),
            end: at(last),
            first,
            days,
            zone,
        })
    }

    fn tz(&self) -> &TimeZone {
        self.zone.tz()
    }

    /// Where `t` falls across the window, 0 to 100.
    pub fn pct(&self, t: Timestamp) -> f64 {
        let span = (self.end.as_millisecond() - self.start.as_millisecond()) as f64;
        let off =
            (t.clamp(self.start, self.end).as_millisecond() - self.start.as_millisecond()) as f64;
        off * 100.0 / span
    }

    /// The instant day `i` of the window begins.
    pub fn day_start(&self, i: i64) -> Timestamp {
        match self.first.checked_add(jiff::Span::new().days(i)) {
            Ok(d) => switchboard_core::schedule::instant(
                self.tz(),
                d.to_datetime(jiff::civil::Time::midnight()),
            ),
            Err(_) => self.end,
        }
    }
}

/// Where the window's zone changes its clocks inside the window: (x, what happened), e.g.
/// ("61.905%", "Clocks go back an hour: Sun 25 Oct 03:00 CEST becomes 02:00 CET").
pub fn clock_changes(w: &Window) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for tr in w.tz().following(w.start) {
        let at = tr.timestamp();
        if at >= w.end || out.len() > 10 {
            break;
        }
        let before = at
            .checked_sub(jiff::SignedDuration::from_secs(1))
            .unwrap_or(at)
            .to_zoned(w.tz().clone());
        let after = at.to_zoned(w.tz().clone());
        let shift = after.offset().seconds() - before.offset().seconds();
        if shift == 0 {
            continue;
        }
        let amount = match shift.abs() {
            3600 => "an hour".to_owned(),
            1800 => "half an hour".to_owned(),
            s => format!("{} minutes", s / 60),
        };
        let way = if shift > 0 { "forward" } else { "back" };
        let clock = |z: &jiff::Zoned, plus: i32| {
            let t = z
                .datetime()
                .checked_add(jiff::SignedDuration::from_secs(i64::from(plus)))
                .unwrap_or(z.datetime());
            format!("{} {}", t.strftime("%a %-d %b %H:%M"), z.strftime("%Z"))
        };
        out.push((
            format!("{:.3}%", w.pct(at)),
            format!(
                "Clocks go {way} {amount}: {} becomes {}",
                clock(&before, 1),
                clock(&after, 0)
            ),
        ));
    }
    out
}

/// A stretch with its people (none: a gap), as the final schedule or a layer has it.
pub struct Stretch {
    pub start: Timestamp,
    pub end: Timestamp,
    pub users: Vec<UserId>,
    /// For a layer's own stretch: what hides it from the final schedule there ("an
    /// override", "layer Nights"), drawn faded.
    pub hidden_by: Option<String>,
}

impl From<switchboard_core::schedule::Shift> for Stretch {
    fn from(x: switchboard_core::schedule::Shift) -> Self {
        Stretch {
            start: x.start,
            end: x.end,
            users: x.users,
            hidden_by: None,
        }
    }
}

impl From<&switchboard_core::store::HistoryShift> for Stretch {
    fn from(x: &switchboard_core::store::HistoryShift) -> Self {
        Stretch {
            start: x.start,
            end: x.end,
            users: x.users.clone(),
            hidden_by: None,
        }
    }
}

/// A column header.
pub struct DayCol {
    pub x: String,
    pub width: String,
    pub label: String,
    pub today: bool,
    pub weekend: bool,
}

/// One positioned item of a lane.
pub struct Item {
    pub x: String,
    pub width: String,
    pub label: String,
    /// The full accessible name: who, from, to, zone, why.
    pub title: String,
    /// CSS classes: `shift p3`, `gap`, `override`, plus `mine` or `dim`.
    pub class: String,
    pub href: String,
}

pub struct Lane {
    pub name: String,
    pub items: Vec<Item>,
}

/// The rows of one day of the agenda.
pub struct AgendaDay {
    pub label: String,
    pub rows: Vec<AgendaRow>,
}

pub struct AgendaRow {
    pub who: String,
    pub when: String,
    pub gap: bool,
    pub mine: bool,
    pub href: String,
}

/// How a page names people and writes times.
pub struct Names<'a> {
    pub users: &'a HashMap<UserId, String>,
    pub clock: Clock,
    pub me: UserId,
    /// Highlight the viewer's stretches (others dimmed, never hidden).
    pub highlight: bool,
}

impl Names<'_> {
    pub fn who(&self, users: &[UserId]) -> String {
        if users.is_empty() {
            return "No one on call".to_owned();
        }
        users
            .iter()
            .map(|u| {
                self.users
                    .get(u)
                    .cloned()
                    .unwrap_or_else(|| format!("user {u}"))
            })
            .collect::<Vec<_>>()
            .join(" + ")
    }

    fn mark(&self, users: &[UserId]) -> &'static str {
        match (self.highlight, users.contains(&self.me)) {
            (_, true) => " mine",
            (true, false) => " dim",
            _ => "",
        }
    }
}

/// A stable palette slot for a person, so each keeps one colour everywhere.
pub fn colour(u: UserId) -> u64 {
    (u.0.unsigned_abs().wrapping_mul(2_654_435_761) >> 7) % 8
}

fn pct(x: f64) -> String {
    format!("{x:.3}%")
}

/// `Mon 24 09:00` in the window's zone.
pub fn at(w: &Window, t: Timestamp, clock: Clock) -> String {
    t.to_zoned(w.tz().clone())
        .strftime(&format!("%a %-d %b {}", clock.hm()))
        .to_string()
}

/// The day headers; `today` is the viewer's today in the window's zone.
pub fn columns(w: &Window, now: Timestamp) -> Vec<DayCol> {
    let today = now.to_zoned(w.tz().clone()).date();
    (0..w.days)
        .map(|i| {
            let (a, b) = (w.day_start(i), w.day_start(i + 1));
            let d = a.to_zoned(w.tz().clone()).date();
            let fmt = if d.day() == 1 || i == 0 {
                "%a %-d %b"
            } else {
                "%a %-d"
            };
            DayCol {
                x: pct(w.pct(a)),
                width: pct(w.pct(b) - w.pct(a)),
                label: d.strftime(fmt).to_string(),
                today: d == today,
                weekend: matches!(
                    d.weekday(),
                    jiff::civil::Weekday::Saturday | jiff::civil::Weekday::Sunday
                ),
            }
        })
        .collect()
}

/// A lane of `stretches`; gaps link to `cover(start, end)` when given, shifts to `shift`.
pub fn lane(
    name: String,
    w: &Window,
    stretches: &[Stretch],
    names: &Names,
    cover: Option<&dyn Fn(Timestamp, Timestamp) -> String>,
) -> Lane {
    let mut items = Vec::new();
    for s in stretches {
        if s.end <= w.start || s.start >= w.end {
            continue;
        }
        let (a, b) = (s.start.max(w.start), s.end.min(w.end));
        let span = format!(
            "from {} to {} ({})",
            at(w, s.start, names.clock),
            at(w, s.end, names.clock),
            w.zone.name()
        );
        let item = if s.users.is_empty() {
            let Some(cover) = cover else { continue };
            let href = cover(s.start, s.end);
            let act = if href.is_empty() {
                ""
            } else {
                " · Cover this gap"
            };
            Item {
                x: pct(w.pct(a)),
                width: pct(w.pct(b) - w.pct(a)),
                label: "No one on call".to_owned(),
                title: format!("No one on call {span}{act}"),
                class: "gap".to_owned(),
                href,
            }
        } else {
            let who = names.who(&s.users);
            let href = cover.map_or_else(String::new, |c| c(s.start, s.end));
            let act = if href.is_empty() {
                ""
            } else {
                " · Cover this shift"
            };
            let hidden = s
                .hidden_by
                .as_ref()
                .map_or_else(String::new, |h| format!(" · hidden by {h}"));
            Item {
                x: pct(w.pct(a)),
                width: pct(w.pct(b) - w.pct(a)),
                title: format!("{who} {span}{act}{hidden}"),
                label: who,
                class: format!(
                    "shift p{}{}{}",
                    colour(s.users[0]),
                    names.mark(&s.users),
                    if s.hidden_by.is_some() { " hidden" } else { "" }
                ),
                href,
            }
        };
        items.push(item);
    }
    Lane { name, items }
}

/// The final stretches as an agenda: one group per day of the window, in its zone.
pub fn agenda(
    w: &Window,
    stretches: &[Stretch],
    names: &Names,
    now: Timestamp,
    cover: &dyn Fn(Timestamp, Timestamp) -> String,
) -> Vec<AgendaDay> {
    let today = now.to_zoned(w.tz().clone()).date();
    let hm = |t: Timestamp| {
        t.to_zoned(w.tz().clone())
            .strftime(names.clock.hm())
            .to_string()
    };
    (0..w.days)
        .map(|i| {
            let (a, b) = (w.day_start(i), w.day_start(i + 1));
            let d = a.to_zoned(w.tz().clone()).date();
            let label = match (d - today).get_days() {
                0 if d == today => "Today".to_owned(),
                _ if d.yesterday().ok() == Some(today) => "Tomorrow".to_owned(),
                _ => d.strftime("%a %-d %b").to_string(),
            };
            let rows = stretches
                .iter()
                .filter(|s| s.start < b && s.end > a)
                .map(|s| AgendaRow {
                    who: names.who(&s.users),
                    when: match (s.start <= a, s.end >= b) {
                        (true, true) => "All day".to_owned(),
                        (true, false) => format!("until {}", hm(s.end)),
                        (false, true) => format!("from {}", hm(s.start)),
                        (false, false) => format!("{}–{}", hm(s.start), hm(s.end)),
                    },
                    gap: s.users.is_empty(),
                    mine: s.users.contains(&names.me),
                    href: if s.users.is_empty() {
                        cover(s.start, s.end)
                    } else {
                        String::new()
                    },
                })
                .collect();
            AgendaDay { label, rows }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dst_day_is_as_wide_as_its_hours() {
        // The week of 25 October 2026 in Berlin: Sunday has 25 hours.
        let w = Window::new(
            jiff::civil::date(2026, 10, 19),
            7,
            Zone::parse("Europe/Berlin").unwrap(),
        )
        .unwrap();
        let cols = columns(&w, w.start);
        let width = |c: &DayCol| c.width.trim_end_matches('%').parse::<f64>().unwrap();
        let total_hours = 7.0 * 24.0 + 1.0;
        assert!((width(&cols[0]) - 2400.0 / total_hours).abs() < 0.01);
        assert!((width(&cols[6]) - 2500.0 / total_hours).abs() < 0.01);
        assert_eq!(cols[0].label, "Mon 19 Oct");
        assert_eq!(cols[6].label, "Sun 25");
        assert!(cols[6].weekend && !cols[4].weekend);
        assert!(cols[0].today);
        assert_eq!(
            clock_changes(&w),
            [(
                format!("{:.3}%", w.pct("2026-10-25T01:00:00Z".parse().unwrap())),
                "Clocks go back an hour: Sun 25 Oct 03:00 CEST becomes Sun 25 Oct 02:00 CET"
                    .to_owned()
            )]
        );
        let before = Window::new(
            jiff::civil::date(2026, 10, 12),
            7,
            Zone::parse("Europe/Berlin").unwrap(),
        )
        .unwrap();
        assert!(clock_changes(&before).is_empty());
    }
}
