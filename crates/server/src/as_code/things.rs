//! A setup file's schedules, chat channels and incident integrations.

use super::people::{people, team};
use super::plan::{changed, Planner};
use super::resolve::Current;
use crate::api::channels::{new_channel, ChannelInput};
use crate::api::integrations::{new_integration, IntegrationInput};
use crate::api::schedules::{assign_ids, ScheduleInput};
use switchboard_core::channel::{ChannelId, NewChannel};
use switchboard_core::incident::integration::NewIntegration;
use switchboard_core::schedule::{Layer, Override, Removal, Schedule, ScheduleId, Temporary};
use switchboard_core::setup::SetupChange;
use toml::{Table, Value};

/// The tables of the list at `t[key]`, each with its path.
fn each<'a>(t: &'a mut Table, path: &str, key: &str) -> Vec<(String, &'a mut Table)> {
    t.get_mut(key)
        .and_then(Value::as_array_mut)
        .into_iter()
        .flatten()
        .enumerate()
        .filter_map(|(i, v)| v.as_table_mut().map(|t| (format!("{path}.{key}[{i}]"), t)))
        .collect()
}

/// The participants of each layer under `t[key]`, emails to ids.
fn layers(p: &mut Planner<'_>, t: &mut Table, path: &str, key: &str) {
    for (at, layer) in each(t, path, key) {
        if let Some(v) = layer.get_mut("participants") {
            people(p, &format!("{at}.participants"), v);
        }
    }
}

/// Each part of a schedule with its id set to 0, to compare what it says.
fn bare_layer(l: &Layer) -> Layer {
    Layer { id: 0, ..l.clone() }
}

fn bare_override(o: &Override) -> Override {
    Override { id: 0, ..o.clone() }
}

fn bare_removal(r: &Removal) -> Removal {
    Removal { id: 0, ..r.clone() }
}

fn bare_temporary(t: &Temporary) -> Temporary {
    Temporary {
        id: 0,
        layers: t.layers.iter().map(bare_layer).collect(),
        ..t.clone()
    }
}

/// The schedule with every id it carries set to 0.
fn without_ids(s: &Schedule) -> Schedule {
    Schedule {
        id: None,
        layers: s.layers.iter().map(bare_layer).collect(),
        overrides: s.overrides.iter().map(bare_override).collect(),
        removals: s.removals.iter().map(bare_removal).collect(),
        temporary: s.temporary.iter().map(bare_temporary).collect(),
        ..s.clone()
    }
}

/// Replaces each item of `new` that says what an item of `old` says (ids aside, as `bare`
/// leaves them) with that stored item, so an apply keeps the ids of what it does not change.
fn keep<T: Clone + PartialEq>(new: &mut [T], old: &[T], bare: fn(&T) -> T) {
    let mut used = vec![false; old.len()];
    for n in new.iter_mut() {
        let wanted = bare(n);
        let found = (0..old.len()).find(|&i| !used[i] && bare(&old[i]) == wanted);
        if let Some(i) = found {
            used[i] = true;
            *n = old[i].clone();
        }
    }
}

pub fn schedules(p: &mut Planner<'_>, current: &Current, list: Vec<(String, Table)>) {
    for (path, mut t) in list {
        let before = p.errors.len();
        let team = team(p, &path, &mut t);
        layers(p, &mut t, &path, "layers");
        for (at, o) in each(&mut t, &path, "overrides") {
            for key in ["user", "covering"] {
                if let Some(v) = o.get_mut(key) {
                    people(p, &format!("{at}.{key}"), v);
                }
            }
        }
        for (at, tmp) in each(&mut t, &path, "temporary") {
            layers(p, tmp, &at, "layers");
        }
        // A name that names nothing is reported once, not again as a wrong type.
        if p.errors.len() > before {
            continue;
        }
        let Some(input) = p.read::<ScheduleInput>(&path, t) else {
            continue;
        };
        let mut sched = input.schedule();
        let (Some(team), Some(id)) = (team, p.names.schedules.id(&sched.name)) else {
            continue;
        };
        let name = sched.name.clone();
        let stored = current.schedules.iter().find(|s| s.id.0 == id);
        if let Some(st) = stored {
            keep(&mut sched.layers, &st.schedule.layers, bare_layer);
            keep(&mut sched.overrides, &st.schedule.overrides, bare_override);
            keep(&mut sched.removals, &st.schedule.removals, bare_removal);
            keep(&mut sched.temporary, &st.schedule.temporary, bare_temporary);
        }
        assign_ids(&mut sched);
        if let Err(e) = sched.validate() {
            p.refused(&path, e.into());
            continue;
        }
        match stored {
            None => {
                p.phases.schedules.push(SetupChange::CreateSchedule {
                    placeholder: ScheduleId(id),
                    schedule: sched,
                    team,
                    feed_token: crate::api::random_secret(),
                });
                p.outcome("schedule", &name, true, vec![]);
            }
            Some(st) => {
                let (was, now) = (without_ids(&st.schedule), without_ids(&sched));
                let mut fields = changed!(was, now; name, time_zone, layers, overrides,
                    removals, temporary);
                if st.team != team {
                    fields.push("team".to_owned());
                }
                if !fields.is_empty() {
                    p.phases.schedules.push(SetupChange::ReplaceSchedule {
                        id: st.id,
                        schedule: sched,
                        team,
                        version: st.version,
                    });
                }
                p.outcome("schedule", &name, false, fields);
            }
        }
    }
}

pub fn channels(p: &mut Planner<'_>, current: &Current, list: Vec<(String, Table)>) {
    for (path, mut t) in list {
        let team = team(p, &path, &mut t);
        let Some(input) = p.read::<ChannelInput>(&path, t) else {
            continue;
        };
        let mut new = match new_channel(p.config, input) {
            Ok(n) => n,
            Err(e) => {
                p.refused(&path, e);
                continue;
            }
        };
        let (Some(team), Some(id)) = (team, p.names.channels.id(&new.name)) else {
            continue;
        };
        new.team = team;
        let name = new.name.clone();
        match current.channels.iter().find(|c| c.id.0 == id) {
            None => {
                p.phases.channels.push(SetupChange::CreateChannel {
                    placeholder: ChannelId(id),
                    channel: new,
                });
                p.outcome("channel", &name, true, vec![]);
            }
            Some(c) => {
                let was = NewChannel {
                    name: c.name.clone(),
                    kind: c.kind,
                    webhook_url: c.webhook_url.clone(),
                    team: c.team,
                    slack: c.slack.clone(),
                    live_notices: c.live_notices,
                    email_to: c.email_to.clone(),
                };
                let fields = changed!(was, new; name, kind, webhook_url, team, slack,
                    live_notices, email_to);
                if !fields.is_empty() {
                    p.phases.channels.push(SetupChange::ReplaceChannel {
                        id: c.id,
                        channel: new,
                    });
                }
                p.outcome("channel", &name, false, fields);
            }
        }
    }
}

pub fn integrations(p: &mut Planner<'_>, current: &Current, list: Vec<(String, Table)>) {
    for (path, mut t) in list {
        let team = team(p, &path, &mut t);
        let Some(input) = p.read::<IntegrationInput>(&path, t) else {
            continue;
        };
        let mut new = match new_integration(p.config, input) {
            Ok(n) => n,
            Err(e) => {
                p.refused(&path, e);
                continue;
            }
        };
        let (Some(team), Some(id)) = (team, p.names.integrations.id(&new.name)) else {
            continue;
        };
        new.team = team;
        let name = new.name.clone();
        match current.integrations.iter().find(|i| i.id.0 == id) {
            None => {
                p.phases
                    .integrations
                    .push(SetupChange::CreateIntegration { integration: new });
                p.outcome("integration", &name, true, vec![]);
            }
            Some(i) => {
                let was = NewIntegration {
                    name: i.name.clone(),
                    kind: i.kind,
                    url: i.url.clone(),
                    secret: i.secret.clone(),
                    team: i.team,
                };
                let fields = changed!(was, new; name, kind, url, secret, team);
                if !fields.is_empty() {
                    p.phases.integrations.push(SetupChange::ReplaceIntegration {
                        id: i.id,
                        integration: new,
                    });
                }
                p.outcome("integration", &name, false, fields);
            }
        }
    }
}
