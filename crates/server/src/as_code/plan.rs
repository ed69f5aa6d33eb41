//! `switchboard apply`: the plan. The file is read into the same values the API builds from
//! its requests (so it is checked by the same rules), compared with what is stored, and
//! turned into one [`SetupChange`] list the store writes in one transaction.
//!
//! Things are matched by name (users by email): renaming something in the file creates a new
//! one (and, with `prune`, deletes the old). What the file does not name is left alone, or
//! with `prune` deleted.

use super::file::{FileError, SetupFile};
use super::resolve::{Current, Names};
use crate::api::error::ApiError;
use crate::config::Config;
use serde::Serialize;
use switchboard_core::setup::SetupChange;
use switchboard_core::store::{Store, StoreError};
use toml::{Table, Value};

/// What a plan does to one thing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Create,
    Change,
    Delete,
}

/// One thing the plan creates, changes or deletes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[schema(examples(json!({"action": "change", "kind": "line", "name": "Security hotline", "fields": ["routing", "messages"]})))]
pub struct PlanItem {
    pub action: Action,
    /// `team`, `user`, `schedule`, `channel`, `integration` or `line`.
    pub kind: &'static str,
    /// Its name (a user's email).
    pub name: String,
    /// For a change: the settings that change (a secret by its name only, never its value).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<String>,
}

/// What applying the file does.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct SetupPlan {
    /// In the order they are written: creations and changes, then deletions.
    pub items: Vec<PlanItem>,
    /// How many things the file names are stored as it says already.
    pub unchanged: usize,
    /// Things stored but not named in the file, left as they are (without `prune`).
    pub not_in_file: Vec<String>,
}

impl SetupPlan {
    pub fn count(&self, action: Action) -> usize {
        self.items.iter().filter(|i| i.action == action).count()
    }

    /// One line: "2 to create, 1 to change, 0 to delete".
    pub fn summary(&self) -> String {
        format!(
            "{} to create, {} to change, {} to delete",
            self.count(Action::Create),
            self.count(Action::Change),
            self.count(Action::Delete)
        )
    }
}

/// A plan and the writes that carry it out.
#[derive(Debug)]
pub struct Planned {
    pub plan: SetupPlan,
    pub changes: Vec<SetupChange>,
}

/// Why there is no plan.
#[derive(Debug)]
pub enum PlanError {
    /// The file has problems: each at its line and key.
    File(Vec<FileError>),
    Store(StoreError),
}

impl From<StoreError> for PlanError {
    fn from(e: StoreError) -> Self {
        PlanError::Store(e)
    }
}

/// The writes of a plan, grouped so that each runs after what it refers to.
#[derive(Default)]
pub(super) struct Phases {
    pub teams: Vec<SetupChange>,
    pub users: Vec<SetupChange>,
    pub members: Vec<SetupChange>,
    pub schedules: Vec<SetupChange>,
    pub channels: Vec<SetupChange>,
    pub integrations: Vec<SetupChange>,
    pub lines: Vec<SetupChange>,
    /// Lines first, teams last: the reverse of creation.
    pub deletes: Vec<SetupChange>,
}

impl Phases {
    /// Every write, each after what it refers to.
    fn in_order(self) -> Vec<SetupChange> {
        [
            self.teams,
            self.users,
            self.members,
            self.schedules,
            self.channels,
            self.integrations,
            self.lines,
            self.deletes,
        ]
        .concat()
    }
}

/// Reading the file: the state of one plan being made.
pub(super) struct Planner<'a> {
    pub file: &'a SetupFile,
    pub config: &'a Config,
    pub errors: Vec<FileError>,
    pub items: Vec<PlanItem>,
    pub deletions: Vec<PlanItem>,
    pub unchanged: usize,
    pub phases: Phases,
    pub names: Names,
}

impl Planner<'_> {
    /// Notes a problem at `path` and goes on, so that one run reports every problem.
    /// One problem per key: a secret that is not set is not reported again as a wrong type.
    pub fn fail(&mut self, path: &str, message: impl Into<String>) {
        if self.errors.iter().any(|e| e.key == path) {
            return;
        }
        let e = self.file.error(path, message);
        self.errors.push(e);
    }

    /// Notes an API rule the value at `path` breaks, at the field it names.
    pub fn refused(&mut self, path: &str, e: ApiError) {
        match e {
            ApiError::Invalid(d) => {
                let at = if d.field.is_empty() {
                    path.to_owned()
                } else {
                    format!("{path}.{}", d.field)
                };
                self.fail(&at, d.message)
            }
            other => self.fail(path, other.to_string()),
        }
    }

    /// The value at `path` read as `T` (an API request type); a type error is noted at the
    /// key it is about.
    pub fn read<T: serde::de::DeserializeOwned>(&mut self, path: &str, t: Table) -> Option<T> {
        match serde_path_to_error::deserialize::<_, T>(Value::Table(t)) {
            Ok(v) => Some(v),
            Err(e) => {
                let inner = e.path().to_string();
                let at = if inner == "." || inner.is_empty() {
                    path.to_owned()
                } else {
                    format!("{path}.{inner}")
                };
                let message = e.into_inner().message().trim().to_owned();
                self.fail(&at, message);
                None
            }
        }
    }

    /// Records what happens to one thing the file names.
    pub fn outcome(&mut self, kind: &'static str, name: &str, created: bool, fields: Vec<String>) {
        if created {
            self.items.push(PlanItem {
                action: Action::Create,
                kind,
                name: name.to_owned(),
                fields: vec![],
            });
        } else if fields.is_empty() {
            self.unchanged += 1;
        } else {
            self.items.push(PlanItem {
                action: Action::Change,
                kind,
                name: name.to_owned(),
                fields,
            });
        }
    }
}

/// The fields of `a` and `b` that differ, by name.
macro_rules! changed {
    ($a:expr, $b:expr; $($f:ident),* $(,)?) => {{
        let mut v: Vec<String> = Vec::new();
        $( if $a.$f != $b.$f { v.push(stringify!($f).to_owned()); } )*
        v
    }};
}
pub(super) use changed;

/// Top-level keys the file may have, in the order they are read.
const SECTIONS: [&str; 6] = [
    "teams",
    "users",
    "schedules",
    "channels",
    "integrations",
    "lines",
];

/// The plan for applying `text` to `store`. Secrets (`{ env = "NAME" }`) are read through
/// `env`; `prune` deletes what the file does not name.
pub async fn plan(
    store: &dyn Store,
    config: &Config,
    text: &str,
    env: &(dyn Fn(&str) -> Option<String> + Sync),
    prune: bool,
) -> Result<Planned, PlanError> {
    let mut file = SetupFile::parse(text).map_err(|e| PlanError::File(vec![e]))?;
    let mut errors = Vec::new();
    for key in file.values.keys() {
        if !SECTIONS.contains(&key.as_str()) {
            errors.push(file.error(
                key,
                format!(
                    "is not a section of a setup file (those are: {})",
                    SECTIONS.join(", ")
                ),
            ));
        }
    }
    let mut values = std::mem::take(&mut file.values);
    super::file::read_secrets(&file, &mut values, env, &mut errors);
    let mut sections: Vec<Vec<(String, Table)>> = Vec::new();
    for key in SECTIONS {
        let mut list = Vec::new();
        match values.remove(key) {
            None => {}
            Some(Value::Array(items)) => {
                for (i, item) in items.into_iter().enumerate() {
                    let path = format!("{key}[{i}]");
                    match item {
                        Value::Table(t) => list.push((path, t)),
                        _ => errors.push(file.error(&path, "must be a table")),
                    }
                }
            }
            Some(_) => {
                errors.push(file.error(key, format!("must be a list of tables, written [[{key}]]")))
            }
        }
        sections.push(list);
    }
    let current = Current::read(store).await?;
    let names = Names::new(&file, &current, &sections, prune, &mut errors);
    let mut p = Planner {
        file: &file,
        config,
        errors,
        items: Vec::new(),
        deletions: Vec::new(),
        unchanged: 0,
        phases: Phases::default(),
        names,
    };
    let mut sections = sections.into_iter();
    let mut next = || sections.next().unwrap_or_default();
    let (teams, users, schedules, channels, integrations, lines) =
        (next(), next(), next(), next(), next(), next());
    super::people::teams(&mut p, &current, teams);
    super::people::users(&mut p, &current, users).await;
    super::things::schedules(&mut p, &current, schedules);
    super::things::channels(&mut p, &current, channels);
    super::things::integrations(&mut p, &current, integrations);
    super::lines::lines(&mut p, &current, lines);
    let not_in_file = super::resolve::not_in_file(&mut p, &current, prune);
    if !p.errors.is_empty() {
        let mut errors = p.errors;
        errors.sort_by_key(|e| e.line.unwrap_or(usize::MAX));
        errors.dedup();
        return Err(PlanError::File(errors));
    }
    let changes = p.phases.in_order();
    let mut items = p.items;
    items.extend(p.deletions);
    Ok(Planned {
        plan: SetupPlan {
            items,
            unchanged: p.unchanged,
            not_in_file,
        },
        changes,
    })
}

/// Why a plan could not be written, in words.
pub fn store_failure(e: &StoreError) -> String {
    match e {
        StoreError::Duplicate { field } => format!(
            "two things would share a {field} (a number another line has, an email another user has): nothing was changed"
        ),
        StoreError::Conflict(m) => format!("{m}: nothing was changed"),
        StoreError::NotFound => {
            "something the plan changes was deleted meanwhile: nothing was changed; run apply again"
                .to_owned()
        }
        StoreError::Backend(b) => format!("the database failed: {b}; nothing was changed"),
    }
}
