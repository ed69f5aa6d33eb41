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
//!
//! Webhooks that ask at once share one read of the number ([`SharedRead`]): each gets a value
//! read by a statement that started after it asked, as if it had read alone.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use switchboard_core::line::Line;
use switchboard_core::routing::ScheduleEntry;
use switchboard_core::schedule::ScheduleId;
use switchboard_core::store::{Store, StoreError, StoreResult};
use switchboard_core::user::User;
use switchboard_core::UserId;

/// The current snapshot.
pub struct Routing {
    current: Mutex<Arc<Snapshot>>,
    reads: SharedRead,
}

impl Default for Routing {
    fn default() -> Self {
        Self {
            // No store has this version: the first webhook starts a snapshot.
            current: Mutex::new(Arc::new(Snapshot::new(i64::MIN))),
            reads: SharedRead::default(),
        }
    }
}

impl Routing {
    /// The snapshot of the store's configuration now: one read of its version (shared with
    /// the webhooks asking at the same time).
    pub async fn snapshot(&self, store: &dyn Store) -> StoreResult<Arc<Snapshot>> {
        let version = self.reads.read(|| store.config_version()).await?;
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

/// One read of a value shared by everyone who asked for it before that read started.
///
/// Each asker needs a value read by a statement that starts after it asked (a change
/// committed before it asked must be seen), not a read of its own. An asker joins the round
/// that has not started yet, or opens the next one. One read runs at a time; the next round
/// starts when it ends, for everyone who joined meanwhile. Under load, a few reads serve many
/// webhooks; alone, a webhook reads at once, as before.
#[derive(Default)]
struct SharedRead {
    /// The round that has not started: askers join it.
    waiting: Mutex<Option<Arc<Round>>>,
    /// Held while a round reads.
    running: tokio::sync::Mutex<()>,
}

#[derive(Default)]
struct Round {
    /// The read's value, or why it failed (told to every member: each asked before it began,
    /// so each would have failed alone; during an outage they fail together, not in turn).
    value: tokio::sync::OnceCell<Result<i64, String>>,
}

impl SharedRead {
    async fn read<F, Fut>(&self, read: F) -> StoreResult<i64>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = StoreResult<i64>>,
    {
        let round = {
            let mut waiting = lock(&self.waiting);
            waiting.get_or_insert_with(Arc::default).clone()
        };
        let start = || async {
            let _one_at_a_time = self.running.lock().await;
            // From here on, askers wait for the next round: this read may not see what was
            // committed before they asked.
            {
                let mut waiting = lock(&self.waiting);
                if waiting.as_ref().is_some_and(|w| Arc::ptr_eq(w, &round)) {
                    *waiting = None;
                }
            }
            read().await.map_err(|e| match e {
                StoreError::Backend(cause) => crate::errors::chain(cause.as_ref()),
                other => other.to_string(),
            })
        };
        match round.value.get_or_init(start).await {
            Ok(v) => Ok(*v),
            Err(why) => Err(StoreError::Backend(why.clone().into())),
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::SharedRead;
    use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::time::Duration;
    use switchboard_core::store::StoreError;

    /// A read that takes the stored value as it starts, then takes `ms` to answer.
    async fn slow_read(db: &AtomicI64, reads: &AtomicUsize, ms: u64) -> i64 {
        reads.fetch_add(1, Ordering::SeqCst);
        let seen = db.load(Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(ms)).await;
        seen
    }

    #[tokio::test]
    async fn askers_at_once_share_a_read() {
        let shared = Arc::new(SharedRead::default());
        let (db, reads) = (Arc::new(AtomicI64::new(7)), Arc::new(AtomicUsize::new(0)));
        let tasks: Vec<_> = (0..50)
            .map(|_| {
                let (shared, db, reads) = (shared.clone(), db.clone(), reads.clone());
                tokio::spawn(async move {
                    shared
                        .read(|| async { Ok(slow_read(&db, &reads, 20).await) })
                        .await
                })
            })
            .collect();
        for t in tasks {
            assert_eq!(t.await.unwrap().unwrap(), 7);
        }
        // The first asker's round, then one for everyone who asked while it read.
        assert!(reads.load(Ordering::SeqCst) <= 2, "{reads:?}");
    }

    #[tokio::test]
    async fn an_asker_never_gets_a_read_that_started_before_it_asked() {
        let shared = Arc::new(SharedRead::default());
        let (db, reads) = (Arc::new(AtomicI64::new(1)), Arc::new(AtomicUsize::new(0)));
        let first = {
            let (shared, db, reads) = (shared.clone(), db.clone(), reads.clone());
            tokio::spawn(async move {
                shared
                    .read(|| async { Ok(slow_read(&db, &reads, 100).await) })
                    .await
            })
        };
        // The first read has started (and seen 1); a change commits; then another asks.
        tokio::time::sleep(Duration::from_millis(30)).await;
        db.store(2, Ordering::SeqCst);
        let second = shared
            .read(|| async { Ok(slow_read(&db, &reads, 10).await) })
            .await
            .unwrap();
        assert_eq!(first.await.unwrap().unwrap(), 1);
        assert_eq!(second, 2, "the change committed before it asked");
        assert_eq!(reads.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_failed_read_fails_its_round_at_once_and_the_next_round_reads_again() {
        let shared = Arc::new(SharedRead::default());
        let reads = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..10)
            .map(|_| {
                let (shared, reads) = (shared.clone(), reads.clone());
                tokio::spawn(async move {
                    shared
                        .read(|| async {
                            reads.fetch_add(1, Ordering::SeqCst);
                            tokio::time::sleep(Duration::from_millis(20)).await;
                            Err(StoreError::Backend("connection refused".into()))
                        })
                        .await
                })
            })
            .collect();
        for t in tasks {
            let e = t.await.unwrap().unwrap_err();
            assert!(e.to_string().contains("connection refused"), "{e}");
        }
        // Two failed reads (the first asker's round and everyone else's), not one each.
        assert_eq!(reads.load(Ordering::SeqCst), 2);
        assert_eq!(shared.read(|| async { Ok(3) }).await.unwrap(), 3);
    }
}
