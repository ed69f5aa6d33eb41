//! Lines, users and schedules kept in memory between webhooks, correct across instances.
//!
//! A webhook read its line by token, and a new call the users it can ring: two reads (on
//! SQLite, two hops to a reader's thread and back) of rows that change a few times a day.
//! They are kept in a [`Snapshot`] of one configuration version: the store's
//! `config_version`, which database triggers change in the same transaction as any line, user
//! or schedule, whoever writes it (this instance, another one, a command beside them). A
//! webhook asks for that number alone, one small read, and uses the snapshot while it
//! matches; a changed number starts a new, empty snapshot, filled again as webhooks need it.
//!
//! The number is read before anything the snapshot then loads, so what a snapshot holds is
//! never older than its version: a change committed in between makes the next webhook's
//! number differ, and that webhook reads afresh.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use switchboard_core::line::Line;
use switchboard_core::routing::ScheduleEntry;
use switchboard_core::schedule::ScheduleId;
use switchboard_core::store::{Store, StoreResult};
use switchboard_core::user::User;
use switchboard_core::UserId;

/// The current snapshot.
pub struct Routing {
    current: Mutex<Arc<Snapshot>>,
}

impl Default for Routing {
    fn default() -> Self {
        Self {
            // No store has this version: the first webhook starts a snapshot.
            current: Mutex::new(Arc::new(Snapshot::new(i64::MIN))),
        }
    }
}

impl Routing {
    /// The snapshot of the store's configuration now: one read of its version.
    pub async fn snapshot(&self, store: &dyn Store) -> StoreResult<Arc<Snapshot>> {
        let version = store.config_version().await?;
        let mut current = lock(&self.current);
        if current.version != version {
            // Newer, or a database put back from a backup: either way what is kept is not it.
            *current = Arc::new(Snapshot::new(version));
        }
        Ok(current.clone())
    }
}

/// Lines, users and schedules at one configuration version, loaded as they are first asked.
pub struct Snapshot {
    version: i64,
    /// Lines by webhook token (only lines that exist: an unknown token is asked each time).
    lines: Mutex<HashMap<String, Line>>,
    users: tokio::sync::OnceCell<Arc<HashMap<UserId, User>>>,
    schedules: Mutex<HashMap<ScheduleId, ScheduleEntry>>,
}

impl Snapshot {
    fn new(version: i64) -> Self {
        Self {
            version,
            lines: Mutex::default(),
            users: tokio::sync::OnceCell::new(),
            schedules: Mutex::default(),
        }
    }

    /// The line whose webhook token is `token` (not deleted).
    pub async fn line(&self, store: &dyn Store, token: &str) -> StoreResult<Line> {
        if let Some(line) = lock(&self.lines).get(token) {
            return Ok(line.clone());
        }
        let line = store.get_line_by_token(token).await?;
        lock(&self.lines).insert(token.to_string(), line.clone());
        Ok(line)
    }

    /// Every user, by id.
    pub async fn users(&self, store: &dyn Store) -> StoreResult<Arc<HashMap<UserId, User>>> {
        self.users
            .get_or_try_init(|| async {
                let all = store.list_users().await?;
                Ok(Arc::new(all.into_iter().map(|u| (u.id, u)).collect()))
            })
            .await
            .cloned()
    }

    /// The schedule `id` as this snapshot first found it, if it has.
    pub fn schedule(&self, id: ScheduleId) -> Option<ScheduleEntry> {
        lock(&self.schedules).get(&id).cloned()
    }

    /// Keeps `entry` as schedule `id` for the rest of this snapshot.
    pub fn keep_schedule(&self, id: ScheduleId, entry: &ScheduleEntry) {
        lock(&self.schedules).insert(id, entry.clone());
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
