//! `switchboard export`: the setup in the store as one TOML file, by names.

use super::{SecretNames, SecretRef};
use anyhow::Context as _;
use std::collections::HashMap;
use switchboard_core::account::Team;
use switchboard_core::channel::{Channel, ChannelKind};
use switchboard_core::incident::integration::Integration;
use switchboard_core::line::Line;
use switchboard_core::store::{Store, StoredSchedule};
use switchboard_core::user::User;
use toml::{Table, Value};

/// The file, the secrets it refers to, and what it could not carry.
#[derive(Debug)]
pub struct Exported {
    pub toml: String,
    pub secrets: Vec<SecretRef>,
    /// Things the file leaves out, in words (an uploaded recording, say).
    pub left_out: Vec<String>,
}

/// Ids to the names the file uses: users by email, everything else by its name.
struct Names {
    users: HashMap<i64, String>,
    teams: HashMap<i64, String>,
    schedules: HashMap<i64, String>,
    channels: HashMap<i64, String>,
}

impl Names {
    fn of(map: &HashMap<i64, String>, what: &str, id: i64) -> Value {
        Value::String(
            map.get(&id)
                .cloned()
                .unwrap_or_else(|| format!("{what} {id} (no longer exists)")),
        )
    }

    /// A user id (or a list of them, a group on call together) as email addresses.
    fn people(&self, v: &mut Value) {
        match v {
            Value::Integer(id) => *v = Self::of(&self.users, "user", *id),
            Value::Array(items) => items.iter_mut().for_each(|x| self.people(x)),
            _ => {}
        }
    }

    fn team(&self, t: Option<switchboard_core::TeamId>) -> Option<Value> {
        t.map(|t| Self::of(&self.teams, "team", t.0))
    }

    /// Routing steps (`{user}`, `{users}`, `{schedule}`, `{schedule_all}`) by name.
    fn steps(&self, steps: &mut Value) {
        for step in steps.as_array_mut().into_iter().flatten() {
            let Some(t) = step.as_table_mut() else {
                continue;
            };
            for (key, v) in t.iter_mut() {
                match key.as_str() {
                    "user" | "users" => self.people(v),
                    "schedule" | "schedule_all" => {
                        if let Value::Integer(id) = v {
                            *v = Self::of(&self.schedules, "schedule", *id);
                        }
                    }
                    _ => {}
                }
            }
        }
    }

    /// A layer's participants by email, without the id the server gives it.
    fn layers(&self, layers: Option<&mut Value>) {
        for layer in layers
            .and_then(Value::as_array_mut)
            .into_iter()
            .flatten()
            .filter_map(Value::as_table_mut)
        {
            layer.remove("id");
            if let Some(p) = layer.get_mut("participants") {
                self.people(p);
            }
        }
    }
}

fn value<T: serde::Serialize>(x: &T) -> Result<Value, toml::ser::Error> {
    Value::try_from(x)
}

fn put(t: &mut Table, key: &str, v: impl Into<Value>) {
    t.insert(key.to_owned(), v.into());
}

/// Drops the keys of `t` whose value is an empty list (the file reads them as empty).
fn without_empty_lists(mut t: Table) -> Table {
    t.retain(|_, v| !matches!(v, Value::Array(a) if a.is_empty()));
    t
}

/// Drops the keys of `t` whose value is what `apply` takes when the key is left out, so the
/// file says only what was chosen. Under the keys in `deep` (a line's messages), each part is
/// compared on its own: a message whose text was changed still leaves out its default voice.
fn without_defaults(t: &mut Table, defaults: &Table, deep: &[&str]) {
    t.retain(|k, v| match (v, defaults.get(k)) {
        (Value::Table(inner), Some(Value::Table(d))) if deep.contains(&k) => {
            without_defaults(
                inner,
                d,
                &[
                    "welcome",
                    "no_one_on_call",
                    "no_answer",
                    "closed",
                    "text_reply",
                    "text_unanswered",
                ],
            );
            !inner.is_empty()
        }
        (v, Some(d)) => v != d,
        (_, None) => true,
    });
}

/// What a user left out of the file has: the API's defaults for a new user.
fn user_defaults() -> Result<Table, toml::ser::Error> {
    let mut t = Table::new();
    put(
        &mut t,
        "ring_phones",
        value(&switchboard_core::user::RingPhones::default())?,
    );
    put(&mut t, "time_zone", "UTC");
    put(
        &mut t,
        "clock",
        value(&switchboard_core::user::Clock::default())?,
    );
    put(
        &mut t,
        "role",
        switchboard_core::account::Role::Member.as_str(),
    );
    Ok(t)
}

/// What a line left out of the file has: the API's defaults for a new line.
fn line_defaults() -> Result<Table, toml::ser::Error> {
    let d = crate::api::lines::new_line_defaults();
    let mut t = Table::new();
    put(&mut t, "caller_id", d.caller_id.as_str());
    put(&mut t, "messages", value(&d.messages)?);
    put(&mut t, "recording", d.recording);
    put(
        &mut t,
        "voicemail_max_secs",
        i64::from(d.voicemail_max_secs),
    );
    put(&mut t, "screening", d.screening);
    put(&mut t, "caller_rules", value(&d.caller_rules)?);
    put(&mut t, "incidents", value(&d.incidents)?);
    Ok(t)
}

fn env(name: String) -> Value {
    let mut t = Table::new();
    put(&mut t, "env", name);
    Value::Table(t)
}

fn team(t: &Team, names: &Names) -> Table {
    let mut out = Table::new();
    put(&mut out, "name", t.name.clone());
    let mut members: Vec<Value> = t
        .members
        .iter()
        .map(|m| Names::of(&names.users, "user", m.0))
        .collect();
    members.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
    put(&mut out, "members", members);
    out
}

fn user(u: &User, secrets: &mut SecretNames) -> anyhow::Result<Table> {
    let mut t = Table::new();
    put(&mut t, "email", u.email.clone());
    put(&mut t, "name", u.name.clone());
    if let Some(p) = &u.phone {
        put(&mut t, "phone", p.as_str().to_owned());
    }
    if !u.other_phones.is_empty() {
        put(&mut t, "other_phones", value(&u.other_phones)?);
    }
    put(&mut t, "ring_phones", value(&u.ring_phones)?);
    put(&mut t, "time_zone", u.time_zone.name().to_owned());
    put(&mut t, "clock", value(&u.clock)?);
    put(&mut t, "role", u.role.as_str());
    if let Some(s) = &u.slack_user_id {
        put(&mut t, "slack_user_id", s.clone());
    }
    if u.has_callback_pin {
        let name = secrets.name(
            "user",
            &u.email,
            "callback_pin",
            format!("{}'s call-back PIN (4 to 8 digits)", u.email),
        );
        put(&mut t, "callback_pin", env(name));
    }
    without_defaults(&mut t, &user_defaults()?, &[]);
    Ok(t)
}

fn schedule(st: &StoredSchedule, names: &Names) -> anyhow::Result<Table> {
    let Value::Table(mut t) = value(&st.schedule)? else {
        anyhow::bail!("schedule '{}' is not a table in TOML", st.schedule.name);
    };
    t.remove("id");
    names.layers(t.get_mut("layers"));
    for o in t
        .get_mut("overrides")
        .and_then(Value::as_array_mut)
        .into_iter()
        .flatten()
        .filter_map(Value::as_table_mut)
    {
        o.remove("id");
        for key in ["user", "covering"] {
            if let Some(v) = o.get_mut(key) {
                names.people(v);
            }
        }
    }
    for r in t
        .get_mut("removals")
        .and_then(Value::as_array_mut)
        .into_iter()
        .flatten()
        .filter_map(Value::as_table_mut)
    {
        r.remove("id");
    }
    for tmp in t
        .get_mut("temporary")
        .and_then(Value::as_array_mut)
        .into_iter()
        .flatten()
        .filter_map(Value::as_table_mut)
    {
        tmp.remove("id");
        names.layers(tmp.get_mut("layers"));
    }
    if let Some(team) = names.team(st.team) {
        put(&mut t, "team", team);
    }
    Ok(without_empty_lists(t))
}

fn channel(c: &Channel, names: &Names, secrets: &mut SecretNames) -> anyhow::Result<Table> {
    let mut t = Table::new();
    put(&mut t, "name", c.name.clone());
    put(&mut t, "kind", c.kind.as_str());
    if let Some(team) = names.team(c.team) {
        put(&mut t, "team", team);
    }
    if c.live_notices {
        put(&mut t, "live_notices", true);
    }
    let mut secret = |field: &str, what: &str| {
        env(secrets.name(
            "channel",
            &c.name,
            field,
            format!("the {what} of channel '{}'", c.name),
        ))
    };
    match c.kind {
        ChannelKind::Slack | ChannelKind::Teams => {
            put(
                &mut t,
                "webhook_url",
                secret("webhook_url", "incoming webhook URL"),
            );
        }
        ChannelKind::SlackApp => {
            // Slack's Web API base (another only for a Slack-compatible server): no secret.
            put(&mut t, "webhook_url", c.webhook_url.clone());
            if let Some(app) = &c.slack {
                put(&mut t, "slack_channel", app.channel.clone());
                put(&mut t, "bot_token", secret("bot_token", "Slack bot token"));
                put(
                    &mut t,
                    "signing_secret",
                    secret("signing_secret", "Slack signing secret"),
                );
            }
        }
        ChannelKind::Email => {
            put(&mut t, "email_to", value(&c.email_to)?);
        }
    }
    Ok(t)
}

fn integration(i: &Integration, names: &Names, secrets: &mut SecretNames) -> Table {
    let mut t = Table::new();
    put(&mut t, "name", i.name.clone());
    put(&mut t, "kind", i.kind.as_str());
    if let Some(team) = names.team(i.team) {
        put(&mut t, "team", team);
    }
    // A URL with credentials or a query may carry a secret; others are plain.
    let plain = url::Url::parse(&i.url)
        .is_ok_and(|u| u.username().is_empty() && u.password().is_none() && u.query().is_none());
    if !i.url.is_empty() {
        let url = if plain {
            Value::String(i.url.clone())
        } else {
            env(secrets.name(
                "integration",
                &i.name,
                "url",
                format!("the URL of integration '{}'", i.name),
            ))
        };
        put(&mut t, "url", url);
    }
    if !i.secret.is_empty() {
        let what = format!("the secret of integration '{}'", i.name);
        put(
            &mut t,
            "secret",
            env(secrets.name("integration", &i.name, "secret", what)),
        );
    }
    t
}

/// A message without its uploaded recording (a token of this store's media), which the file
/// cannot carry; its text is kept.
fn message(m: &mut Value, at: String, left_out: &mut Vec<String>) {
    if let Some(t) = m.as_table_mut() {
        t.remove("audio_url");
        if t.remove("audio").is_some() {
            left_out.push(format!(
                "{at}: its uploaded recording (the text is exported; upload the recording again after apply)"
            ));
        }
    }
}

fn line(
    l: &Line,
    names: &Names,
    secrets: &mut SecretNames,
    left_out: &mut Vec<String>,
) -> anyhow::Result<Table> {
    let mut t = Table::new();
    put(&mut t, "name", l.name.clone());
    put(&mut t, "number", l.number.as_str().to_owned());
    put(&mut t, "other_numbers", value(&l.other_numbers)?);
    put(&mut t, "provider", l.provider.as_str());
    if let Some(team) = names.team(l.team) {
        put(&mut t, "team", team);
    }
    if l.auth_token.is_some() {
        let what = format!("the carrier auth token of line '{}'", l.name);
        put(
            &mut t,
            "auth_token",
            env(secrets.name("line", &l.name, "auth_token", what)),
        );
    }
    put(&mut t, "caller_id", l.caller_id.as_str());
    let mut routing = value(&l.routing)?;
    if let Some(steps) = routing.get_mut("steps") {
        names.steps(steps);
    }
    put(&mut t, "routing", routing);
    let mut messages = value(&l.messages)?;
    for (kind, m) in messages.as_table_mut().into_iter().flatten() {
        message(m, format!("line '{}', message {kind}", l.name), left_out);
    }
    put(&mut t, "messages", messages);
    put(&mut t, "recording", l.recording);
    put(
        &mut t,
        "voicemail_max_secs",
        i64::from(l.voicemail_max_secs),
    );
    if let Some(days) = l.retention_days {
        put(&mut t, "recording_retention_days", i64::from(days));
    }
    let channels: Vec<Value> = l
        .channels
        .iter()
        .map(|c| Names::of(&names.channels, "channel", c.0))
        .collect();
    put(&mut t, "channels", channels);
    put(&mut t, "screening", l.screening);
    put(&mut t, "caller_rules", value(&l.caller_rules)?);
    if let Some(b) = &l.business_hours {
        let mut b = value(b)?;
        if let Some(steps) = b.get_mut("after_hours").and_then(|a| a.get_mut("steps")) {
            names.steps(steps);
        }
        put(&mut t, "business_hours", b);
    }
    put(&mut t, "incidents", value(&l.incidents)?);
    if let Some(menu) = &l.menu {
        let mut menu = value(menu)?;
        if let Some(p) = menu.get_mut("prompt") {
            message(p, format!("line '{}', menu prompt", l.name), left_out);
        }
        for o in menu
            .get_mut("options")
            .and_then(Value::as_array_mut)
            .into_iter()
            .flatten()
        {
            if let Some(steps) = o.get_mut("routing").and_then(|r| r.get_mut("steps")) {
                names.steps(steps);
            }
        }
        put(&mut t, "menu", menu);
    }
    let pins: Vec<Value> = l
        .pins
        .iter()
        .map(|p| {
            let mut pin = Table::new();
            put(&mut pin, "label", p.label.clone());
            let what = format!("the PIN of '{}' on line '{}'", p.label, l.name);
            let field = format!("pin {}", p.label);
            put(
                &mut pin,
                "pin",
                env(secrets.name("line", &l.name, &field, what)),
            );
            Value::Table(pin)
        })
        .collect();
    put(&mut t, "pins", pins);
    without_defaults(&mut t, &line_defaults()?, &["messages"]);
    Ok(without_empty_lists(t))
}

/// Whether `t` is small and flat enough to read on one line: a secret's `{ env = … }`, a
/// routing step, a shift, an override.
fn is_leaf(t: &toml_edit::Table) -> bool {
    t.len() <= 5
        && t.iter().all(|(_, v)| match v {
            toml_edit::Item::Value(toml_edit::Value::Array(a)) => a
                .iter()
                .all(|x| !matches!(x, toml_edit::Value::InlineTable(_))),
            toml_edit::Item::Value(v) => !matches!(v, toml_edit::Value::InlineTable(_)),
            _ => false,
        })
}

/// Writes small flat tables below the top level inline (`auth_token = { env = "…" }`,
/// `steps = [{ schedule = "Primary" }, { user = "…" }]`) instead of as `[lines.auth_token]`
/// sections of their own. The same TOML, shorter to read and to review in a diff.
fn compact(text: &str) -> anyhow::Result<String> {
    fn walk(t: &mut toml_edit::Table) {
        for (mut key, item) in t.iter_mut() {
            match item {
                toml_edit::Item::Table(inner) => {
                    walk(inner);
                    if is_leaf(inner) {
                        let inline = std::mem::take(inner).into_inline_table();
                        *item = toml_edit::value(inline);
                        // A key that headed a section is now followed by ` = `.
                        key.leaf_decor_mut().set_suffix(" ");
                    }
                }
                toml_edit::Item::ArrayOfTables(list) => {
                    list.iter_mut().for_each(walk);
                    if list.iter().all(is_leaf) {
                        let mut array = toml_edit::Array::new();
                        for t in std::mem::take(list).into_iter() {
                            array.push(t.into_inline_table());
                        }
                        // Several: one a line.
                        if array.len() > 1 {
                            for v in array.iter_mut() {
                                v.decor_mut().set_prefix("\n    ");
                            }
                            array.set_trailing_comma(true);
                            array.set_trailing("\n");
                        }
                        *item = toml_edit::value(array);
                        key.leaf_decor_mut().set_suffix(" ");
                    }
                }
                _ => {}
            }
        }
    }
    let mut doc: toml_edit::DocumentMut = text.parse()?;
    for (_, item) in doc.iter_mut() {
        // The sections themselves (`[[lines]]`) stay as they are.
        if let toml_edit::Item::ArrayOfTables(list) = item {
            list.iter_mut().for_each(walk);
        }
    }
    Ok(doc.to_string())
}

/// The whole setup in `store`, as the file `switchboard apply` reads.
pub async fn export(store: &dyn Store) -> anyhow::Result<Exported> {
    let users = store.list_users().await?;
    let teams = store.list_teams().await?;
    let schedules = store.list_schedules().await?;
    let channels = store.list_channels().await?;
    let integrations = store.list_integrations().await?;
    let lines = store.list_lines().await?;
    let names = Names {
        users: users.iter().map(|u| (u.id.0, u.email.clone())).collect(),
        teams: teams.iter().map(|t| (t.id.0, t.name.clone())).collect(),
        schedules: schedules
            .iter()
            .map(|s| (s.id.0, s.schedule.name.clone()))
            .collect(),
        channels: channels.iter().map(|c| (c.id.0, c.name.clone())).collect(),
    };
    let mut secrets = SecretNames::default();
    let mut left_out = Vec::new();
    let tables = |v: Vec<Table>| Value::Array(v.into_iter().map(Value::Table).collect());
    let mut doc = Table::new();
    put(
        &mut doc,
        "teams",
        tables(teams.iter().map(|t| team(t, &names)).collect()),
    );
    let users: anyhow::Result<Vec<_>> = users
        .iter()
        .map(|u| user(u, &mut secrets).with_context(|| format!("user {}", u.email)))
        .collect();
    put(&mut doc, "users", tables(users?));
    let schedules: anyhow::Result<Vec<_>> = schedules
        .iter()
        .map(|s| schedule(s, &names).with_context(|| format!("schedule '{}'", s.schedule.name)))
        .collect();
    put(&mut doc, "schedules", tables(schedules?));
    let channels: anyhow::Result<Vec<_>> = channels
        .iter()
        .map(|c| channel(c, &names, &mut secrets).with_context(|| format!("channel '{}'", c.name)))
        .collect();
    put(&mut doc, "channels", tables(channels?));
    let integrations = integrations
        .iter()
        .map(|i| integration(i, &names, &mut secrets))
        .collect();
    put(&mut doc, "integrations", tables(integrations));
    let lines: anyhow::Result<Vec<_>> = lines
        .iter()
        .map(|l| {
            line(l, &names, &mut secrets, &mut left_out)
                .with_context(|| format!("line '{}'", l.name))
        })
        .collect();
    put(&mut doc, "lines", tables(lines?));
    let mut text = String::from(
        "# The Switchboard setup, by names. Secrets are references to environment variables\n\
         # ({ env = \"NAME\" }): set each one before applying this file.\n\n",
    );
    text.push_str(&compact(&toml::to_string(&doc)?)?);
    Ok(Exported {
        toml: text,
        secrets: secrets.refs,
        left_out,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_tables_are_written_inline_and_mean_the_same() {
        let text = "[[lines]]\nname = \"L\"\n\n[lines.auth_token]\nenv = \"X\"\n\n\
                    [lines.routing]\nring_timeout_secs = 20\n\n\
                    [[lines.routing.steps]]\nschedule = \"P\"\n\n\
                    [[lines.routing.steps]]\nuser = \"a@b.co\"\n";
        let out = compact(text).unwrap();
        assert!(out.contains("auth_token = { env = \"X\" }"), "{out}");
        assert!(
            out.contains("steps = [\n    { schedule = \"P\" },\n    { user = \"a@b.co\" },\n]"),
            "{out}"
        );
        assert!(out.contains("[lines.routing]\n"), "{out}");
        assert_eq!(
            out.parse::<Table>().unwrap(),
            text.parse::<Table>().unwrap()
        );
    }

    #[test]
    fn defaults_are_left_out_message_by_message() {
        let mut t: Table = toml::toml! {
            recording = true
            voicemail_max_secs = 300
            [messages.welcome]
            text = "Hello"
            language = "en-US"
        };
        let defaults: Table = toml::toml! {
            recording = true
            voicemail_max_secs = 120
            [messages.welcome]
            text = "Thank you"
            language = "en-US"
            [messages.closed]
            text = "Closed"
        };
        without_defaults(&mut t, &defaults, &["messages"]);
        let want: Table = toml::toml! {
            voicemail_max_secs = 300
            [messages.welcome]
            text = "Hello"
        };
        assert_eq!(t, want);
    }
}
