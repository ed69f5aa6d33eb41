//! A call's writes grouped into one transaction.
//!
//! Every statement is a round trip to the database (on SQLite, to its one writer connection's
//! thread; on PostgreSQL, to its server process), and BEGIN and COMMIT are two of an incoming
//! call's four. Writes of calls that arrive together are written by one task in one
//! transaction, at most [`MOST`], on both backends: the new calls in one multi-row statement,
//! the running calls' saves in one multi-row UPDATE, all their log lines in one INSERT, their
//! jobs in one more, and the ended calls' incidents in a few statements for all of them
//! (`incident_calls`). Each is answered once that transaction is committed, so a write is
//! still stored before its webhook is answered. If any of them fails (a save over a version
//! another request changed, included), or the commit does, nothing of the group was stored
//! and each is written again alone, for its own answer.

use super::calls::{insert_alone, insert_many_in, save_alone, save_many_in, NewCall, SaveCall};
use super::Backend;
use std::sync::OnceLock;
use switchboard_core::call::Call;
use switchboard_core::store::{StoreError, StoreResult};
use tokio::sync::{mpsc, oneshot};

/// Most writes in one transaction.
const MOST: usize = 64;

/// One write of a call.
pub(super) enum Write {
    Insert(NewCall),
    Save(SaveCall),
}

/// What a write gives back: the call and whether it was new, or the saved call's version.
enum Stored {
    Inserted(Box<(Call, bool)>),
    Saved(i64),
}

/// A write waiting for the writer task, and where its answer goes.
pub(super) struct Pending {
    write: Write,
    reply: oneshot::Sender<StoreResult<Stored>>,
}

/// The writer task's queue, started at the first write.
pub(super) type Queue = OnceLock<mpsc::UnboundedSender<Pending>>;

/// Inserts `new` with whichever writes arrive with it.
pub(super) async fn insert_call<B: Backend>(
    db: &B,
    queue: &Queue,
    new: NewCall,
) -> StoreResult<(Call, bool)> {
    match submit(db, queue, Write::Insert(new)).await? {
        Stored::Inserted(r) => Ok(*r),
        Stored::Saved(_) => unreachable!("an insert is answered as an insert"),
    }
}

/// Saves `save` with whichever writes arrive with it; its new version.
pub(super) async fn save_call<B: Backend>(
    db: &B,
    queue: &Queue,
    save: SaveCall,
) -> StoreResult<i64> {
    match submit(db, queue, Write::Save(save)).await? {
        Stored::Saved(v) => Ok(v),
        Stored::Inserted(_) => unreachable!("a save is answered as a save"),
    }
}

async fn submit<B: Backend>(db: &B, queue: &Queue, write: Write) -> StoreResult<Stored> {
    let sender = queue.get_or_init(|| {
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(run(db.clone(), rx));
        tx
    });
    let (reply, answer) = oneshot::channel();
    if let Err(mpsc::error::SendError(back)) = sender.send(Pending { write, reply }) {
        // The task is gone (its runtime is shutting down): written here, alone.
        return alone(db, &back.write).await;
    }
    answer
        .await
        .map_err(|_| StoreError::Backend("the call writer stopped before answering".into()))?
}

async fn run<B: Backend>(db: B, mut queue: mpsc::UnboundedReceiver<Pending>) {
    while let Some(first) = queue.recv().await {
        let group = with_waiting(first, &mut queue, MOST);
        write(&db, group).await;
    }
}

/// `first` and whatever already waits in `queue` behind it, at most `most` in all.
pub(super) fn with_waiting<T>(
    first: T,
    queue: &mut mpsc::UnboundedReceiver<T>,
    most: usize,
) -> Vec<T> {
    let mut group = vec![first];
    while group.len() < most {
        match queue.try_recv() {
            Ok(p) => group.push(p),
            Err(_) => break,
        }
    }
    group
}

async fn alone<B: Backend>(db: &B, write: &Write) -> StoreResult<Stored> {
    match write {
        Write::Insert(new) => insert_alone(db, new)
            .await
            .map(|r| Stored::Inserted(Box::new(r))),
        Write::Save(save) => save_alone(db, save).await.map(Stored::Saved),
    }
}

async fn write<B: Backend>(db: &B, group: Vec<Pending>) {
    if group.len() > 1 {
        let together = async {
            let mut tx = db.begin().await?;
            // The new calls in one statement (and their log lines in another), then the saves.
            let (mut news, mut saves) = (Vec::new(), Vec::new());
            for p in &group {
                match &p.write {
                    Write::Insert(new) => news.push(new),
                    Write::Save(save) => saves.push(save),
                }
            }
            let mut inserted = insert_many_in::<B::Db>(&mut tx, &news).await?.into_iter();
            let mut saved = save_many_in::<B>(&mut tx, &saves).await?.into_iter();
            let short = || StoreError::Backend("a grouped write gave fewer results".into());
            let mut out = Vec::with_capacity(group.len());
            for p in &group {
                out.push(match &p.write {
                    Write::Insert(_) => {
                        Stored::Inserted(Box::new(inserted.next().ok_or_else(short)?))
                    }
                    Write::Save(_) => Stored::Saved(saved.next().ok_or_else(short)?),
                });
            }
            B::commit(tx).await?;
            Ok::<_, StoreError>(out)
        }
        .await;
        if let Ok(out) = together {
            for (p, stored) in group.into_iter().zip(out) {
                // A webhook that gave up waiting still has its write stored.
                let _ = p.reply.send(Ok(stored));
            }
            return;
        }
    }
    for p in group {
        let r = alone(db, &p.write).await;
        let _ = p.reply.send(r);
    }
}
