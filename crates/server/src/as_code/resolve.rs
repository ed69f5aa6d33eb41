//! What is stored, and the names a setup file uses for it: each name (a user's email) to the
//! id of the stored thing it means, or to a placeholder for one the plan creates.

use super::file::{FileError, SetupFile};
use super::plan::{Action, PlanItem, Planner};
use std::collections::{HashMap, HashSet};
use switchboard_core::account::Team;
use switchboard_core::channel::Channel;
use switchboard_core::incident::integration::Integration;
use switchboard_core::line::Line;
use switchboard_core::setup::{Placeholders, SetupChange};
use switchboard_core::store::{Store, StoreResult, StoredSchedule};
use switchboard_core::user::User;
use toml::Table;

/// The setup as stored.
pub struct Current {
    pub users: Vec<User>,
    /// The hashes of users' call-back PINs, by user id.
    pub pins: HashMap<i64, String>,
    pub teams: Vec<Team>,
    pub schedules: Vec<StoredSchedule>,
    pub channels: Vec<Channel>,
    pub integrations: Vec<Integration>,
    pub lines: Vec<Line>,
}

impl Current {
    pub async fn read(store: &dyn Store) -> StoreResult<Current> {
        let users = store.list_users().await?;
        let mut pins = HashMap::new();
        for u in users.iter().filter(|u| u.has_callback_pin) {
            if let Some(h) = store.callback_pin(u.id).await? {
                pins.insert(u.id.0, h);
            }
        }
        Ok(Current {
            users,
            pins,
            teams: store.list_teams().await?,
            schedules: store.list_schedules().await?,
            channels: store.list_channels().await?,
            integrations: store.list_integrations().await?,
            lines: store.list_lines().await?,
        })
    }

    /// Every stored thing of each kind as (id, name), in [`super::plan`]'s section order.
    fn named(&self) -> [Vec<(i64, String)>; 6] {
        [
            self.teams
                .iter()
                .map(|t| (t.id.0, t.name.clone()))
                .collect(),
            self.users
                .iter()
                .map(|u| (u.id.0, u.email.clone()))
                .collect(),
            self.schedules
                .iter()
                .map(|s| (s.id.0, s.schedule.name.clone()))
                .collect(),
            self.channels
                .iter()
                .map(|c| (c.id.0, c.name.clone()))
                .collect(),
            self.integrations
                .iter()
                .map(|i| (i.id.0, i.name.clone()))
                .collect(),
            self.lines
                .iter()
                .map(|l| (l.id.0, l.name.clone()))
                .collect(),
        ]
    }
}

/// The names of one kind of thing.
#[derive(Debug, Default)]
pub struct Kind {
    /// Name to id: stored (positive) or a placeholder (negative).
    ids: HashMap<String, i64>,
    /// The names the file gives things of this kind.
    in_file: HashSet<String>,
    /// Emails are matched whatever their case.
    fold: bool,
}

impl Kind {
    fn key(&self, name: &str) -> String {
        if self.fold {
            name.trim().to_lowercase()
        } else {
            name.to_owned()
        }
    }

    /// The id `name` means, if any.
    pub fn id(&self, name: &str) -> Option<i64> {
        self.ids.get(&self.key(name)).copied()
    }

    pub fn in_file(&self, name: &str) -> bool {
        self.in_file.contains(&self.key(name))
    }
}

/// The names of each kind.
#[derive(Debug, Default)]
pub struct Names {
    /// Only what the file names is kept (and can be referred to).
    pub prune: bool,
    pub teams: Kind,
    pub users: Kind,
    pub schedules: Kind,
    pub channels: Kind,
    pub integrations: Kind,
    pub lines: Kind,
}

/// What each section's entries are named by, and the kind in words.
const NAMED_BY: [(&str, &str); 6] = [
    ("name", "team"),
    ("email", "user"),
    ("name", "schedule"),
    ("name", "channel"),
    ("name", "integration"),
    ("name", "line"),
];

impl Names {
    pub fn new(
        file: &SetupFile,
        current: &Current,
        sections: &[Vec<(String, Table)>],
        prune: bool,
        errors: &mut Vec<FileError>,
    ) -> Names {
        let mut names = Names {
            prune,
            ..Names::default()
        };
        names.users.fold = true;
        let mut placeholders = Placeholders::default();
        let stored = current.named();
        let kinds = [
            &mut names.teams,
            &mut names.users,
            &mut names.schedules,
            &mut names.channels,
            &mut names.integrations,
            &mut names.lines,
        ];
        for (((kind, section), stored), (key, what)) in
            kinds.into_iter().zip(sections).zip(stored).zip(NAMED_BY)
        {
            let mut by_name: HashMap<String, Vec<i64>> = HashMap::new();
            for (id, name) in &stored {
                by_name.entry(kind.key(name)).or_default().push(*id);
            }
            let mut seen: HashMap<String, String> = HashMap::new();
            for (path, t) in section {
                let Some(name) = t.get(key).and_then(|v| v.as_str()) else {
                    errors.push(file.error(
                        path,
                        format!("needs a {key}: every {what} is known by its {key}"),
                    ));
                    continue;
                };
                let k = kind.key(name);
                let at = format!("{path}.{key}");
                if let Some(first) = seen.get(&k) {
                    let line = file
                        .line_of(first)
                        .map_or(String::new(), |l| format!(" on line {l}"));
                    errors.push(file.error(
                        &at,
                        format!("'{name}' is in the file twice (first{line}): each {what} once"),
                    ));
                    continue;
                }
                seen.insert(k.clone(), at.clone());
                kind.in_file.insert(k.clone());
                let id = match by_name.get(&k).map(Vec::as_slice) {
                    None | Some([]) => placeholders.take(),
                    Some([id]) => *id,
                    Some(more) => {
                        errors.push(file.error(
                            &at,
                            format!(
                                "{} stored {what}s are named '{name}': rename all but one (in the dashboard or the API) so the file can tell them apart",
                                more.len()
                            ),
                        ));
                        continue;
                    }
                };
                kind.ids.insert(k, id);
            }
            // Without prune, what the file does not name stays, and the file may refer to it.
            if !prune {
                for (k, ids) in by_name {
                    if let (false, [id]) = (kind.in_file.contains(&k), ids.as_slice()) {
                        kind.ids.insert(k, *id);
                    }
                }
            }
        }
        names
    }
}

/// What is stored but not in the file: deleted with `prune`, listed otherwise.
pub fn not_in_file(p: &mut Planner<'_>, current: &Current, prune: bool) -> Vec<String> {
    let mut kept = Vec::new();
    let mut gone = |kind: &'static str, name: &str, change: SetupChange, p: &mut Planner<'_>| {
        if prune {
            p.phases.deletes.push(change);
            p.deletions.push(PlanItem {
                action: Action::Delete,
                kind,
                name: name.to_owned(),
                fields: vec![],
            });
        } else {
            kept.push(format!("{kind} '{name}'"));
        }
    };
    for l in &current.lines {
        if !p.names.lines.in_file(&l.name) {
            gone("line", &l.name, SetupChange::DeleteLine(l.id), p);
        }
    }
    for i in &current.integrations {
        if !p.names.integrations.in_file(&i.name) {
            gone(
                "integration",
                &i.name,
                SetupChange::DeleteIntegration(i.id),
                p,
            );
        }
    }
    for c in &current.channels {
        if !p.names.channels.in_file(&c.name) {
            gone("channel", &c.name, SetupChange::DeleteChannel(c.id), p);
        }
    }
    for s in &current.schedules {
        if !p.names.schedules.in_file(&s.schedule.name) {
            gone(
                "schedule",
                &s.schedule.name,
                SetupChange::DeleteSchedule(s.id),
                p,
            );
        }
    }
    for u in &current.users {
        if !p.names.users.in_file(&u.email) {
            gone("user", &u.email, SetupChange::DeleteUser(u.id), p);
        }
    }
    for t in &current.teams {
        if !p.names.teams.in_file(&t.name) {
            gone("team", &t.name, SetupChange::DeleteTeam(t.id), p);
        }
    }
    kept
}

/// A reference by name at `path` to a thing of `kind`, as its id; an unknown name is noted.
pub fn refer(p: &mut Planner<'_>, path: &str, what: &str, name: &str) -> Option<i64> {
    let kind = match what {
        "team" => &p.names.teams,
        "user" => &p.names.users,
        "schedule" => &p.names.schedules,
        _ => &p.names.channels,
    };
    if let Some(id) = kind.id(name) {
        return Some(id);
    }
    let named = if what == "user" {
        format!("no user has the email '{name}'")
    } else {
        format!("there is no {what} named '{name}'")
    };
    let place = if p.names.prune {
        "in the file (with prune, only what the file names is kept)"
    } else {
        "in the file or stored"
    };
    p.fail(path, format!("{named} {place}"));
    None
}
