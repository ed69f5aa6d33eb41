//! The caller menu's section of a line's settings: the prompt, the wait, the default key, and
//! one row per option (key, name, ring time, up to nine steps). Everything the line holds is
//! shown (each option's steps, even people outside the viewer's teams, as the routing form
//! does); what the form does not show (an option's own messages, the uploaded prompt) is kept
//! as it is, by the option's row.

use serde_json::{json, Value};
use std::collections::HashMap;
use switchboard_core::line::{Line, Menu};

/// One option's row.
pub struct MenuRow {
    /// 1-based, the field names' suffix.
    pub n: usize,
    pub key: String,
    pub name: String,
    pub ring: u32,
    pub slots: Vec<super::setup::Slot>,
}

/// The rows for `menu`'s options, then empty ones up to nine options in all (at least two).
pub fn rows(targets: &[(String, String)], menu: Option<&Menu>) -> Vec<MenuRow> {
    let options = menu.map_or(&[][..], |m| &m.options[..]);
    let shown = (options.len() + 2).clamp(2, 9);
    (0..shown)
        .map(|i| {
            let o = options.get(i);
            MenuRow {
                n: i + 1,
                key: o.map_or_else(String::new, |o| o.key.to_string()),
                name: o.map_or_else(String::new, |o| o.name.clone()),
                ring: o.map_or(20, |o| o.routing.ring_timeout_secs),
                slots: super::setup::slots(targets, o.map_or(&[][..], |o| &o.routing.steps)),
            }
        })
        .collect()
}

fn number(f: &HashMap<String, String>, k: &str) -> Value {
    super::settings::number(f.get(k)).unwrap_or(Value::Null)
}

/// The API's change for the menu section: the menu as the form says, or `null` to remove it.
pub fn patch(
    f: &HashMap<String, String>,
    l: &Line,
    targets: &[(String, String)],
) -> Result<Value, String> {
    if f.get("menu_on").map(String::as_str) != Some("true") {
        return Ok(json!({"menu": null}));
    }
    let text = |k: &str| f.get(k).cloned().unwrap_or_default();
    let old = l.menu.as_ref();
    let mut options = Vec::new();
    for n in 1..=9 {
        let name = text(&format!("opt{n}_name"));
        let kept = old.and_then(|m| m.options.get(n - 1));
        let steps = super::setup::chosen_steps(
            f,
            &format!("opt{n}_step"),
            targets,
            kept.map_or(&[][..], |o| &o.routing.steps),
        )?;
        if name.trim().is_empty() && steps.is_empty() {
            continue;
        }
        let mut o = json!({
            "key": number(f, &format!("opt{n}_key")),
            "name": name,
            "routing": {"steps": steps, "ring_timeout_secs": number(f, &format!("opt{n}_ring"))},
        });
        // What the form does not show stays as it was.
        if let Some(k) = kept {
            o["no_answer"] = json!(k.no_answer);
            o["no_one_on_call"] = json!(k.no_one_on_call);
        }
        options.push(o);
    }
    let like = old.map_or_else(|| l.messages.welcome.clone(), |m| m.prompt.clone());
    Ok(json!({"menu": {
        "prompt": {"text": text("menu_prompt"), "voice": like.voice, "language": like.language},
        "options": options,
        "default_key": number(f, "menu_default"),
        "timeout_secs": number(f, "menu_timeout"),
    }}))
}
