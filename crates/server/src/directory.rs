//! Loading what core's resolver needs: the users and schedules a line can reach.

use crate::app::AppState;
use crate::snapshot::Snapshot;
use jiff::Timestamp;
use std::collections::HashMap;
use std::sync::Arc;
use switchboard_core::line::{Line, RoutingStep};
use switchboard_core::routing::{reachable_steps, Directory, ScheduleEntry};
use switchboard_core::schedule::Engine;
use switchboard_core::schedule::ScheduleId;
use switchboard_core::store::StoreError;
use switchboard_core::user::User;
use switchboard_core::UserId;

/// Which users to load.
pub enum Users {
    /// Those a call at this instant can ring (a call's start).
    At(Timestamp),
    /// All of them (a look-ahead over a range, such as the coverage check).
    All,
}

/// The schedules the line can reach, and the users (see [`Users`]), as of now.
pub async fn load(state: &AppState, line: &Line, users: Users) -> Result<Directory, StoreError> {
    let snap = state.routing.snapshot(&*state.store).await?;
    load_in(state, &snap, line, users).await
}

/// [`load`] as of `snap` (the one a webhook was verified with).
pub async fn load_in(
    state: &AppState,
    snap: &Snapshot,
    line: &Line,
    users: Users,
) -> Result<Directory, StoreError> {
    let mut dir = Directory::default();
    let steps = reachable_steps(line);
    add_schedules(state, Some(snap), &mut dir, &steps).await?;
    let all = snap.users(&*state.store).await?;
    dir.users = match users {
        Users::All => (*all).clone(),
        Users::At(at) => for_call(&all, &dir, &steps, at),
    };
    Ok(dir)
}

/// The users a call at `at` can ring: on `steps`, or on call in `dir`'s schedules.
fn for_call(
    all: &HashMap<UserId, User>,
    dir: &Directory,
    steps: &[RoutingStep],
    at: Timestamp,
) -> HashMap<UserId, User> {
    steps
        .iter()
        .flat_map(|s| s.users().iter().copied())
        .chain(
            dir.schedules
                .values()
                .filter_map(|e| e.engine.as_ref())
                .flat_map(|e| e.on_call(at).users),
        )
        .filter_map(|id| all.get(&id).map(|u| (id, u.clone())))
        .collect()
}

/// One directory for all of `lines` (a page that shows each of them): every user, and each
/// schedule any of them reaches, read once however many lines share it.
pub async fn load_all(state: &AppState, lines: &[Line]) -> Result<Directory, StoreError> {
    let mut dir = Directory::default();
    let steps: Vec<RoutingStep> = lines.iter().flat_map(reachable_steps).collect();
    add_schedules(state, None, &mut dir, &steps).await?;
    add_all_users(state, &mut dir).await?;
    Ok(dir)
}

async fn add_all_users(state: &AppState, dir: &mut Directory) -> Result<(), StoreError> {
    dir.users = state
        .store
        .list_users()
        .await?
        .into_iter()
        .map(|u| (u.id, u))
        .collect();
    Ok(())
}

/// Compiled schedules kept between calls, each with the version it was compiled from. A
/// lookup asks the store for the version alone (one small read, on any instance) and compiles
/// again only when the schedule changed: a schedule with 10,000 overrides is then not parsed
/// and indexed again for every call it routes.
#[derive(Default)]
pub struct ScheduleCache(std::sync::Mutex<HashMap<ScheduleId, Compiled>>);

/// A compiled schedule: the version it was compiled from, its name and its engine.
type Compiled = (i64, Arc<str>, Option<Arc<Engine>>);

impl ScheduleCache {
    fn get(&self, id: ScheduleId, version: i64) -> Option<ScheduleEntry> {
        let map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        map.get(&id)
            .filter(|(v, _, _)| *v == version)
            .map(|(_, name, engine)| ScheduleEntry {
                name: name.to_string(),
                engine: engine.clone(),
            })
    }

    fn put(&self, id: ScheduleId, version: i64, entry: &ScheduleEntry) {
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        map.insert(
            id,
            (version, entry.name.as_str().into(), entry.engine.clone()),
        );
    }

    fn forget(&self, id: ScheduleId) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).remove(&id);
    }
}

/// The schedules `steps` reach: as `snap` already has them, else checked against their
/// version and compiled again only when changed (and then kept in `snap`).
async fn add_schedules(
    state: &AppState,
    snap: Option<&Snapshot>,
    dir: &mut Directory,
    steps: &[RoutingStep],
) -> Result<(), StoreError> {
    for id in steps.iter().filter_map(RoutingStep::schedule) {
        if dir.schedules.contains_key(&id) {
            continue;
        }
        let entry = match snap.and_then(|s| s.schedule(id)) {
            Some(entry) => entry,
            None => match compiled(state, id).await? {
                Some(entry) => {
                    if let Some(s) = snap {
                        s.keep_schedule(id, &entry);
                    }
                    entry
                }
                None => continue,
            },
        };
        dir.schedules.insert(id, entry);
    }
    Ok(())
}

/// Schedule `id` compiled, from the cache while its stored version is unchanged; `None` when
/// it no longer exists.
async fn compiled(state: &AppState, id: ScheduleId) -> Result<Option<ScheduleEntry>, StoreError> {
    let version = match state.store.schedule_version(id).await {
        Ok(v) => v,
        Err(StoreError::NotFound) => {
            state.schedules.forget(id);
            return Ok(None);
        }
        Err(e) => return Err(e),
    };
    if let Some(entry) = state.schedules.get(id, version) {
        return Ok(Some(entry));
    }
    match state.store.get_schedule(id).await {
        Ok(stored) => {
            let engine = match Engine::new(&stored.schedule) {
                Ok(e) => Some(Arc::new(e)),
                Err(e) => {
                    tracing::error!(schedule = %id, error = %e, "stored schedule is invalid; it has nobody on call");
                    None
                }
            };
            let entry = ScheduleEntry {
                name: stored.schedule.name,
                engine,
            };
            // The version read with the rules (it may be newer than the one asked).
            state.schedules.put(id, stored.version, &entry);
            Ok(Some(entry))
        }
        Err(StoreError::NotFound) => {
            state.schedules.forget(id);
            Ok(None)
        }
        Err(e) => Err(e),
    }
}
