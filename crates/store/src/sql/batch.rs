//! New calls grouped into one transaction on SQLite's one writer.
//!
//! Every statement is a round trip to the writer connection's thread, and BEGIN and COMMIT
//! are two of an incoming call's four. Calls arriving together are written by one task in one
//! transaction (at most [`MOST`]), each answered once that transaction is committed, so a
//! call is still stored before its webhook is answered. If any of them fails, or the commit
//! does, nothing of the group was stored and each is written again alone, for its own answer.

use super::calls::{insert_alone, insert_in, NewCall};
use super::Backend;
use std::sync::OnceLock;
use switchboard_core::call::Call;
use switchboard_core::store::{StoreError, StoreResult};
use tokio::sync::{mpsc, oneshot};

/// Most calls in one transaction.
const MOST: usize = 64;

/// A call waiting for the writer task, and where its answer goes.
pub(super) struct Pending {
    new: NewCall,
    reply: oneshot::Sender<StoreResult<(Call, bool)>>,
}

/// The writer task's queue, started at the first call.
pub(super) type Queue = OnceLock<mpsc::UnboundedSender<Pending>>;

/// Writes `new` with whichever calls arrive with it; see the module documentation.
pub(super) async fn insert_call<B: Backend>(
    db: &B,
    queue: &Queue,
    new: NewCall,
) -> StoreResult<(Call, bool)> {
    let sender = queue.get_or_init(|| {
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(run(db.clone(), rx));
        tx
    });
    let (reply, answer) = oneshot::channel();
    if let Err(mpsc::error::SendError(back)) = sender.send(Pending { new, reply }) {
        // The task is gone (its runtime is shutting down): written here, alone.
        return insert_alone(db, &back.new).await;
    }
    answer
        .await
        .map_err(|_| StoreError::Backend("the call writer stopped before answering".into()))?
}

async fn run<B: Backend>(db: B, mut queue: mpsc::UnboundedReceiver<Pending>) {
    while let Some(first) = queue.recv().await {
        let mut group = vec![first];
        while group.len() < MOST {
            match queue.try_recv() {
                Ok(p) => group.push(p),
                Err(_) => break,
            }
        }
        write(&db, group).await;
    }
}

async fn write<B: Backend>(db: &B, group: Vec<Pending>) {
    if group.len() > 1 {
        let together = async {
            let mut tx = db.begin().await?;
            let mut out = Vec::with_capacity(group.len());
            for p in &group {
                out.push(insert_in::<B::Db>(&mut *tx, &p.new).await?);
            }
            B::commit(tx).await?;
            Ok::<_, StoreError>(out)
        }
        .await;
        if let Ok(out) = together {
            for (p, stored) in group.into_iter().zip(out) {
                // A webhook that gave up waiting still has its call stored.
                let _ = p.reply.send(Ok(stored));
            }
            return;
        }
    }
    for p in group {
        let r = insert_alone(db, &p.new).await;
        let _ = p.reply.send(r);
    }
}
