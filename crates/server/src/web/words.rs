//! A schedule's rules in words, for the schedule pages: "Hands off every Monday at 09:00
//! Europe/Berlin", "Mon–Fri 09:00–18:00", "Alice + Bob → Carol".

use std::collections::HashMap;
use switchboard_core::schedule::{Advance, Day, Layer, Restriction, ShiftLength};
use switchboard_core::UserId;

fn day(d: Day) -> &'static str {
    match d {
        Day::Monday => "Monday",
        Day::Tuesday => "Tuesday",
        Day::Wednesday => "Wednesday",
        Day::Thursday => "Thursday",
        Day::Friday => "Friday",
        Day::Saturday => "Saturday",
        Day::Sunday => "Sunday",
    }
}

fn short(d: Day) -> &'static str {
    &day(d)[..3]
}

fn hm(t: jiff::civil::Time) -> String {
    format!("{:02}:{:02}", t.hour(), t.minute())
}

fn every(n: u32, one: &str, many: &str) -> String {
    if n == 1 {
        format!("every {one}")
    } else {
        format!("every {n} {many}")
    }
}

fn nth(n: i8) -> &'static str {
    match n {
        1 => "first",
        2 => "second",
        3 => "third",
        4 => "fourth",
        _ => "last",
    }
}

/// How the layer hands off, in one sentence, in the zone it is read in (`zone`: the layer's
/// own or the schedule's).
pub fn handoff_sentence(l: &Layer, zone: &str) -> String {
    let at = hm(l.start.time());
    let weekday = || {
        let w = l.start.date().weekday();
        day(match w {
            jiff::civil::Weekday::Monday => Day::Monday,
            jiff::civil::Weekday::Tuesday => Day::Tuesday,
            jiff::civil::Weekday::Wednesday => Day::Wednesday,
            jiff::civil::Weekday::Thursday => Day::Thursday,
            jiff::civil::Weekday::Friday => Day::Friday,
            jiff::civil::Weekday::Saturday => Day::Saturday,
            jiff::civil::Weekday::Sunday => Day::Sunday,
        })
    };
    let how = match l.shift {
        ShiftLength::Hours(n) => format!("{} from {at}", every(n, "hour", "hours")),
        ShiftLength::Days(n) => format!("{} at {at}", every(n, "day", "days")),
        ShiftLength::Weeks(1) => format!("every {} at {at}", weekday()),
        ShiftLength::Weeks(n) => format!("every {n} weeks on {} at {at}", weekday()),
        ShiftLength::Months(n) => format!(
            "{} on day {} (or the month's last day) at {at}",
            every(n, "month", "months"),
            l.start.day()
        ),
        ShiftLength::MonthlyWeekday {
            every: n,
            nth: k,
            day: d,
        } => format!(
            "on the {} {} of {} at {at}",
            nth(k),
            day(d),
            if n == 1 {
                "every month".to_owned()
            } else {
                format!("every {n} months")
            }
        ),
    };
    let mut out = format!("Hands off {how} {zone}");
    if l.advance == Advance::ActiveDays {
        out.push_str("; the turn moves on only after a day the layer was active");
    }
    out
}

/// A window in words: "Daily 09:00–17:00", "Fri 18:00 → Mon 08:00".
pub fn window(r: &Restriction) -> String {
    match *r {
        Restriction::Daily { start, end } => format!("Daily {}–{}", hm(start), hm(end)),
        Restriction::Weekly {
            start_day,
            start,
            end_day,
            end,
        } => format!(
            "{} {} → {} {}",
            short(start_day),
            hm(start),
            short(end_day),
            hm(end)
        ),
        Restriction::EveryWeeks {
            weeks,
            from,
            start_day,
            start,
            end_day,
            end,
        } => format!(
            "{} {} → {} {}, every {weeks} weeks from the week of {from}",
            short(start_day),
            hm(start),
            short(end_day),
            hm(end)
        ),
    }
}

/// When the layer applies: "Always", or its windows.
pub fn windows(l: &Layer) -> String {
    if l.restrictions.is_empty() {
        "Always".to_owned()
    } else {
        l.restrictions
            .iter()
            .map(window)
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// The turns in order: "Alice → Bob + Carol → Dan".
pub fn turns(l: &Layer, names: &HashMap<UserId, String>) -> String {
    if l.participants.is_empty() {
        return "nobody yet".to_owned();
    }
    l.participants
        .iter()
        .map(|p| {
            p.members()
                .iter()
                .map(|u| names.get(u).cloned().unwrap_or_else(|| format!("user {u}")))
                .collect::<Vec<_>>()
                .join(" + ")
        })
        .collect::<Vec<_>>()
        .join(" → ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layer(json: serde_json::Value) -> Layer {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn rotations_read_as_sentences() {
        let cases = [
            (
                serde_json::json!({"name": "w", "participants": [1], "start": "2026-11-23T09:00", "shift": {"weeks": 1}}),
                "Hands off every Monday at 09:00 Europe/Berlin",
            ),
            (
                serde_json::json!({"name": "w", "participants": [1], "start": "2026-11-27T18:30", "shift": {"weeks": 2}}),
                "Hands off every 2 weeks on Friday at 18:30 Europe/Berlin",
            ),
            (
                serde_json::json!({"name": "d", "participants": [1], "start": "2026-11-23T08:00", "shift": {"days": 1},
                    "restrictions": [{"type": "weekly", "start_day": "monday", "start": "08:00", "end_day": "friday", "end": "18:00"}],
                    "advance": "active_days"}),
                "Hands off every day at 08:00 Europe/Berlin; the turn moves on only after a day the layer was active",
            ),
            (
                serde_json::json!({"name": "m", "participants": [1], "start": "2026-01-31T09:00", "shift": {"months": 1}}),
                "Hands off every month on day 31 (or the month's last day) at 09:00 Europe/Berlin",
            ),
            (
                serde_json::json!({"name": "m", "participants": [1], "start": "2026-11-02T09:00",
                    "shift": {"monthly_weekday": {"every": 1, "nth": 1, "day": "monday"}}}),
                "Hands off on the first Monday of every month at 09:00 Europe/Berlin",
            ),
            (
                serde_json::json!({"name": "h", "participants": [1], "start": "2026-11-02T06:00", "shift": {"hours": 12}}),
                "Hands off every 12 hours from 06:00 Europe/Berlin",
            ),
        ];
        for (json, want) in cases {
            assert_eq!(handoff_sentence(&layer(json), "Europe/Berlin"), want);
        }
    }

    #[test]
    fn windows_and_turns_read_in_words() {
        let l = layer(
            serde_json::json!({"name": "x", "participants": [1, [2, 3], 9],
            "start": "2026-11-23T09:00", "shift": {"weeks": 1},
            "restrictions": [
                {"type": "daily", "start": "09:00", "end": "17:00"},
                {"type": "weekly", "start_day": "friday", "start": "18:00", "end_day": "monday", "end": "08:00"}]}),
        );
        assert_eq!(windows(&l), "Daily 09:00–17:00; Fri 18:00 → Mon 08:00");
        let names: HashMap<UserId, String> = [(1, "Alice"), (2, "Bob"), (3, "Carol")]
            .into_iter()
            .map(|(i, n)| (UserId(i), n.to_owned()))
            .collect();
        assert_eq!(turns(&l, &names), "Alice → Bob + Carol → user 9");
    }
}
