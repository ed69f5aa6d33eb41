//! Deleting our copies of recordings and voicemails once their line's retention period has
//! run out, with the deletion in each call's log.
//!
//! The file goes first, then the row is marked `deleted` (with its log line) in one
//! transaction. A failure in between leaves a row whose file is gone, which the next sweep
//! marks; never a file the database no longer knows about. Several instances may sweep at
//! once: each file removal tolerates one already gone, and the row is marked once.

use crate::app::AppState;
use switchboard_core::call::{CallEvent, EventKind};
use switchboard_core::store::StoreError;

/// How often the worker sweeps.
pub const SWEEP_EVERY: std::time::Duration = std::time::Duration::from_secs(600);
/// Recordings looked at per line and sweep.
const BATCH: u32 = 500;

/// Deletes every recording past its line's retention period; returns how many.
pub async fn sweep(state: &AppState) -> Result<usize, StoreError> {
    let now = state.clock.now();
    let mut deleted = 0;
    for line in state.store.list_lines().await? {
        let (Some(cutoff), Some(days)) = (line.retention_cutoff(now), line.retention_days) else {
            continue;
        };
        for r in state.store.recordings_due(line.id, cutoff, BATCH).await? {
            if let Some(path) = &r.local_path {
                match state.storage.delete(path).await {
                    Ok(()) => {}
                    Err(e) => {
                        tracing::error!(recording = %r.id, error = %e, "could not delete a recording past its retention period; it is tried again at the next sweep");
                        continue;
                    }
                }
            }
            let event = CallEvent {
                at: now,
                kind: EventKind::Recording,
                message: format!(
                    "{} recording {} deleted: the line keeps recordings for {days} day{}",
                    r.kind.as_str(),
                    r.provider_recording_id,
                    if days == 1 { "" } else { "s" }
                ),
            };
            if state.store.mark_recording_deleted(r.id, &event).await? {
                deleted += 1;
            }
        }
    }
    if deleted > 0 {
        tracing::info!(deleted, "deleted recordings past their retention period");
    }
    Ok(deleted)
}
