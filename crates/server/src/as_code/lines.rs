//! A setup file's lines.

use super::people::{people, team};
use super::plan::{changed, Planner};
use super::resolve::{refer, Current};
use crate::api::lines::{merge, new_line_defaults, LineInput};
use switchboard_core::setup::SetupChange;
use toml::{Table, Value};

/// Routing steps at `path` by name: `{ user = "email" }`, `{ users = [...] }`,
/// `{ schedule = "name" }`, `{ schedule_all = "name" }`.
fn steps(p: &mut Planner<'_>, path: &str, v: Option<&mut Value>) {
    for (i, step) in v
        .and_then(Value::as_array_mut)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let Some(t) = step.as_table_mut() else {
            continue;
        };
        for (key, v) in t.iter_mut() {
            let at = format!("{path}[{i}].{key}");
            match key.as_str() {
                "user" | "users" => people(p, &at, v),
                "schedule" | "schedule_all" => {
                    if let Some(id) = v.as_str().and_then(|n| refer(p, &at, "schedule", n)) {
                        *v = Value::Integer(id);
                    }
                }
                _ => {}
            }
        }
    }
}

fn at<'a>(t: &'a mut Table, keys: &[&str]) -> Option<&'a mut Value> {
    let (last, inner) = keys.split_last()?;
    let mut t = t;
    for k in inner {
        t = t.get_mut(*k)?.as_table_mut()?;
    }
    t.get_mut(*last)
}

pub fn lines(p: &mut Planner<'_>, current: &Current, list: Vec<(String, Table)>) {
    for (path, mut t) in list {
        let before = p.errors.len();
        let team = team(p, &path, &mut t);
        let mut missing = false;
        for key in ["name", "number", "provider"] {
            if !t.contains_key(key) {
                p.fail(&format!("{path}.{key}"), "is required");
                missing = true;
            }
        }
        if at(&mut t, &["routing", "steps"]).is_none() {
            p.fail(&format!("{path}.routing.steps"), "is required");
            missing = true;
        }
        steps(
            p,
            &format!("{path}.routing.steps"),
            at(&mut t, &["routing", "steps"]),
        );
        let after = at(&mut t, &["business_hours", "after_hours", "steps"]);
        steps(
            p,
            &format!("{path}.business_hours.after_hours.steps"),
            after,
        );
        let options = at(&mut t, &["menu", "options"]).and_then(Value::as_array_mut);
        for (i, o) in options.into_iter().flatten().enumerate() {
            if let Some(o) = o.as_table_mut() {
                let at_path = format!("{path}.menu.options[{i}].routing.steps");
                steps(p, &at_path, at(o, &["routing", "steps"]));
            }
        }
        if let Some(Value::Array(list)) = t.get_mut("channels") {
            for (i, v) in list.iter_mut().enumerate() {
                let at_path = format!("{path}.channels[{i}]");
                if let Some(id) = v.as_str().and_then(|n| refer(p, &at_path, "channel", n)) {
                    *v = Value::Integer(id);
                }
            }
        }
        // A name that names nothing is reported once, not again as a wrong type.
        if missing || p.errors.len() > before {
            continue;
        }
        let Some(input) = p.read::<LineInput>(&path, t) else {
            continue;
        };
        let mut new = match merge(new_line_defaults(), input) {
            Ok(n) => n,
            Err(e) => {
                p.refused(&path, e);
                continue;
            }
        };
        let (Some(team), Some(id)) = (team, p.names.lines.id(&new.name)) else {
            continue;
        };
        new.team = team;
        let name = new.name.clone();
        match current.lines.iter().find(|l| l.id.0 == id) {
            None => {
                p.phases.lines.push(SetupChange::CreateLine {
                    line: new,
                    webhook_token: crate::api::random_secret(),
                });
                p.outcome("line", &name, true, vec![]);
            }
            Some(l) => {
                let mut was = l.settings();
                // The file carries no recordings: a message keeps the one uploaded for it.
                for (n, w) in new
                    .recordable_messages_mut()
                    .zip(was.recordable_messages_mut())
                {
                    n.audio = w.audio.clone();
                }
                let fields = changed!(was, new; name, number, other_numbers, provider,
                    auth_token, caller_id, routing, messages, recording, voicemail_max_secs,
                    retention_days, channels, screening, caller_rules, business_hours,
                    incidents, team, menu, pins);
                if !fields.is_empty() {
                    p.phases.lines.push(SetupChange::ReplaceLine {
                        id: l.id,
                        line: new,
                    });
                }
                p.outcome("line", &name, false, fields);
            }
        }
    }
}
