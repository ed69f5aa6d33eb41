//! Reads of calls asked at once, answered by one statement.
//!
//! A webhook of a running call reads its call first: by id (from the webhook's URL) or by
//! the carrier's call id (a status callback). Each read is a round trip to the database (on
//! SQLite a hop to a reader connection's thread and back), and under load most of a
//! webhook's time is such hops, not SQL. Calls asked for together are read by one task in one
//! statement, at most [`MOST`] at a time, so a group of webhooks costs one round trip.
//!
//! Each asker is answered from a statement that started after it asked: the task takes
//! every waiting asker before it starts a read, so a change committed before a read was
//! asked for is always seen, as with a read of its own. One read runs at a time; alone, a
//! webhook's read starts at once.

use super::driver::{sql, values};
use super::Backend;
use crate::codec::db_err;
use crate::rows;
use sqlx::pool::PoolConnection;
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};
use switchboard_core::call::Call;
use switchboard_core::store::{StoreError, StoreResult};
use switchboard_core::{CallId, LineId};
use tokio::sync::{mpsc, oneshot};

/// Most calls in one read.
const MOST: usize = 100;

/// Which call is asked for.
pub(super) enum Which {
    Id(CallId),
    /// The line's call with the carrier's call id.
    Provider(LineId, String),
}

/// A read waiting for the task, and where its answer goes.
pub(super) struct Ask {
    which: Which,
    reply: oneshot::Sender<StoreResult<Call>>,
}

/// The reading task's queue, started at the first read.
pub(super) type Queue = OnceLock<mpsc::UnboundedSender<Ask>>;

/// The call `which` names, read with whichever reads are asked for with it;
/// [`StoreError::NotFound`] when there is none.
pub(super) async fn call<B: Backend>(db: &B, queue: &Queue, which: Which) -> StoreResult<Call> {
    let sender = queue.get_or_init(|| {
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(run(db.clone(), rx));
        tx
    });
    let (reply, answer) = oneshot::channel();
    if let Err(mpsc::error::SendError(back)) = sender.send(Ask { which, reply }) {
        // The task is gone (its runtime is shutting down): read here, alone.
        let mut conn = db.readers().acquire().await.map_err(db_err)?;
        let found = read::<B::Db>(&mut *conn, std::slice::from_ref(&back)).await?;
        return found.get(&back.which).ok_or(StoreError::NotFound);
    }
    answer
        .await
        .map_err(|_| StoreError::Backend("the call reader stopped before answering".into()))?
}

async fn run<B: Backend>(db: B, mut queue: mpsc::UnboundedReceiver<Ask>) {
    let mut conn = Held::default();
    while let Some(first) = queue.recv().await {
        let group = super::batch::with_waiting(first, &mut queue, MOST);
        match conn.read(&db, &group).await {
            Ok(found) => {
                for a in group {
                    let call = found.get(&a.which).ok_or(StoreError::NotFound);
                    // An asker that gave up waiting needs no answer.
                    let _ = a.reply.send(call);
                }
            }
            Err(e) => {
                // Every asker asked before this read began, so each would have failed alone:
                // during an outage they fail together, not one after another. Each is told
                // the same error, with its causes.
                let shared: Arc<dyn std::error::Error + Send + Sync> = match e {
                    StoreError::Backend(cause) => Arc::from(cause),
                    other => Arc::new(other),
                };
                for a in group {
                    let _ = a
                        .reply
                        .send(Err(StoreError::Backend(Box::new(shared.clone()))));
                }
            }
        }
    }
}

/// How long the task keeps its connection unused before giving it back to the pool.
const KEEP: Duration = Duration::from_secs(1);

/// The task's reader connection, kept from one read to the next while reads keep coming.
///
/// A pool pings a connection when it is taken and again when it is given back: a round trip
/// each on PostgreSQL, a hop to the connection's thread each on SQLite, doubling the cost of
/// the read they surround. A connection unused for [`KEEP`] goes back to the pool, and the
/// next read takes one the pool has checked, so a database restarted while the line was quiet
/// costs no read. One that fails is closed, and the read is tried once more on a connection
/// from the pool: reads change nothing, so trying again is safe.
struct Held<D: sqlx::Database> {
    conn: Option<(PoolConnection<D>, Instant)>,
}

impl<D: sqlx::Database> Default for Held<D> {
    fn default() -> Self {
        Self { conn: None }
    }
}

impl<D: super::driver::Driver> Held<D> {
    async fn read<B: Backend<Db = D>>(&mut self, db: &B, asks: &[Ask]) -> StoreResult<Found> {
        // The kept connection while it is fresh; after it fails, one from the pool.
        let kept = self.conn.take().filter(|(_, used)| used.elapsed() < KEEP);
        if let Some((conn, _)) = kept {
            if let Ok(found) = self.on(conn, asks).await {
                return Ok(found);
            }
        }
        let conn = db.readers().acquire().await.map_err(db_err)?;
        self.on(conn, asks).await
    }

    /// Reads on `conn`, then keeps it, or closes it if the read failed.
    async fn on(&mut self, mut conn: PoolConnection<D>, asks: &[Ask]) -> StoreResult<Found> {
        let found = read::<D>(&mut *conn, asks).await;
        match found {
            Ok(_) => self.conn = Some((conn, Instant::now())),
            Err(_) => conn.close_on_drop(),
        }
        found
    }
}

/// The calls one read found, by how they were asked for.
#[derive(Default)]
struct Found {
    by_id: HashMap<i64, Call>,
    by_provider: HashMap<(i64, String), Call>,
}

impl Found {
    /// The call `which` names (a copy: two askers may ask for one call).
    fn get(&self, which: &Which) -> Option<Call> {
        match which {
            Which::Id(id) => self.by_id.get(&id.0).cloned(),
            Which::Provider(line, sid) => self.by_provider.get(&(line.0, sid.clone())).cloned(),
        }
    }
}

/// Reads every call `asks` names: one statement for those asked by id, one for those asked by
/// the carrier's id.
async fn read<D: super::driver::Driver>(
    conn: &mut D::Connection,
    asks: &[Ask],
) -> StoreResult<Found> {
    let mut ids = Vec::new();
    let mut keys = Vec::new();
    for a in asks {
        match &a.which {
            Which::Id(id) => ids.push(id.0),
            Which::Provider(line, sid) => keys.push((line.0, sid.as_str())),
        }
    }
    let mut found = Found::default();
    if !ids.is_empty() {
        // Joined to the list, as the carrier ids below are.
        let text = format!(
            "SELECT c.* FROM calls c JOIN (VALUES {}) AS v ON c.id = v.column1",
            values::<D>(ids.len(), 1)
        );
        let mut q = sql::<D>(&text);
        for id in &ids {
            q = q.bind(*id);
        }
        for row in q.all(&mut *conn).await? {
            let call = rows::call(&row)?;
            found.by_id.insert(call.id.0, call);
        }
    }
    if !keys.is_empty() {
        // Joined to the list, so each is one look-up in the (line, carrier id) index.
        let text = format!(
            "SELECT c.* FROM calls c JOIN (VALUES {}) AS v
                 ON c.line_id = v.column1 AND c.provider_call_id = v.column2",
            values::<D>(keys.len(), 2)
        );
        let mut q = sql::<D>(&text);
        for (line, sid) in &keys {
            q = q.bind(*line).bind(*sid);
        }
        for row in q.all(&mut *conn).await? {
            let call = rows::call(&row)?;
            let key = (call.line_id.0, call.provider_call_id.clone());
            found.by_provider.insert(key, call);
        }
    }
    Ok(found)
}
