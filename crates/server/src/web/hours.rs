//! The business-hours section of a line's settings: every open window of the line as a row
//! (every day, or from one weekday and time to another), blank rows to add more, and what a
//! call outside the hours does (voicemail, or ring other steps). The form shows everything the
//! line holds, so saving it unchanged changes nothing.

use super::calls::Opt;
use serde_json::{json, Value};
use std::collections::HashMap;
use switchboard_core::line::{AfterHours, BusinessHours};
use switchboard_core::schedule::{Day, Restriction};

/// The most open windows a line may have (the API's limit).
const MAX_WINDOWS: usize = 14;

/// The day choices: `daily` is a window that opens every day.
pub const DAYS: [(&str, &str); 8] = [
    ("daily", "Every day"),
    ("monday", "Monday"),
    ("tuesday", "Tuesday"),
    ("wednesday", "Wednesday"),
    ("thursday", "Thursday"),
    ("friday", "Friday"),
    ("saturday", "Saturday"),
    ("sunday", "Sunday"),
];

/// One window as the form shows it.
pub struct Row {
    pub from_day: Vec<Opt>,
    pub from: String,
    pub to_day: Vec<Opt>,
    pub to: String,
}

fn day_name(d: Day) -> String {
    serde_json::to_value(d)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn choices(chosen: &str, first: (&str, &str)) -> Vec<Opt> {
    std::iter::once(first)
        .chain(DAYS[1..].iter().copied())
        .map(|(value, label)| Opt {
            value: value.to_owned(),
            label: label.to_owned(),
            selected: value == chosen,
        })
        .collect()
}

/// Hours and minutes, as a time input shows them.
fn hhmm(t: jiff::civil::Time) -> String {
    format!("{:02}:{:02}", t.hour(), t.minute())
}

/// The rows: the line's windows (or Monday to Friday 09:00–17:00 as a start when it has
/// none), then two blank rows, up to the limit.
pub fn rows(hours: Option<&BusinessHours>) -> Vec<Row> {
    let row = |from_day: &str, from: String, to_day: &str, to: String| Row {
        from_day: choices(from_day, DAYS[0]),
        from,
        to_day: choices(to_day, ("", "The same day")),
        to,
    };
    let mut out: Vec<Row> = match hours {
        Some(h) => h
            .open
            .iter()
            .map(|w| match *w {
                Restriction::Daily { start, end } => row("daily", hhmm(start), "", hhmm(end)),
                // Business hours never hold an every-N-weeks window (refused by validation).
                Restriction::Weekly {
                    start_day,
                    start,
                    end_day,
                    end,
                }
                | Restriction::EveryWeeks {
                    start_day,
                    start,
                    end_day,
                    end,
                    ..
                } => row(
                    &day_name(start_day),
                    hhmm(start),
                    &day_name(end_day),
                    hhmm(end),
                ),
            })
            .collect(),
        None => vec![row("monday", "09:00".into(), "friday", "17:00".into())],
    };
    while out.len() < MAX_WINDOWS && out.len() < hours.map_or(1, |h| h.open.len()) + 2 {
        out.push(row("daily", String::new(), "", String::new()));
    }
    out
}

/// The API's `business_hours` for the submitted form (`null` when switched off); a row with
/// no times is skipped, a row with one time is refused with its number.
pub fn parse(
    f: &HashMap<String, String>,
    after: Vec<switchboard_core::line::RoutingStep>,
) -> Result<Value, String> {
    if f.get("enabled").map(String::as_str) != Some("true") {
        return Ok(Value::Null);
    }
    let get = |k: String| f.get(&k).map(|v| v.trim()).unwrap_or_default();
    let mut open = Vec::new();
    for i in 1..=MAX_WINDOWS {
        let (from, to) = (get(format!("w{i}_from")), get(format!("w{i}_to")));
        match (from.is_empty(), to.is_empty()) {
            (true, true) => continue,
            (false, false) => {}
            _ => return Err(format!("Opening time {i} needs both a start and an end.")),
        }
        let from_day = get(format!("w{i}_from_day"));
        let to_day = get(format!("w{i}_to_day"));
        open.push(match from_day {
            "daily" | "" => json!({"type": "daily", "start": from, "end": to}),
            day => json!({"type": "weekly", "start_day": day, "start": from,
                          "end_day": if to_day.is_empty() { day } else { to_day }, "end": to}),
        });
    }
    if open.is_empty() {
        return Err("Give at least one opening time, or switch business hours off.".to_owned());
    }
    let after_hours = match get("after_action".into()) {
        "route" if after.is_empty() => {
            return Err("Choose whom to ring after hours, or let callers leave a voicemail.".into())
        }
        "route" => json!({"action": "route", "steps": after}),
        _ => json!({"action": "voicemail"}),
    };
    Ok(json!({
        "time_zone": get("time_zone".into()),
        "open": open,
        "after_hours": after_hours,
    }))
}

/// The steps rung after hours, when the line rings someone then.
pub fn after_steps(hours: Option<&BusinessHours>) -> &[switchboard_core::line::RoutingStep] {
    match hours.map(|h| &h.after_hours) {
        Some(AfterHours::Route { steps }) => steps,
        _ => &[],
    }
}
