//! Ended calls' incidents, for every call saved in one transaction at once.
//!
//! Each call is decided in order by core (`incident::auto::apply`), as if it were saved
//! alone: a caller's second call in the group joins the incident their first one opened. The
//! reads and writes are set-based: one read of the callers' open incidents, one insert of the
//! new ones, one update of the changed ones, then their timelines, links and jobs in a few
//! statements (`incidents::record_many`), however many calls the group holds. Each statement
//! is a round trip, and on SQLite a hop to its connection's thread.

use super::driver::{sql, Driver};
use super::incidents::{insert_many, record_many, update_many, Recorded};
use crate::codec::ms;
use crate::rows;
use jiff::Timestamp;
use std::collections::{BTreeMap, HashMap};
use switchboard_core::incident::auto::{apply, CallIncident};
use switchboard_core::incident::{Change, Incident, Status};
use switchboard_core::store::StoreResult;
use switchboard_core::CallId;

/// A caller on a line: who a repeat call is matched by.
type Key = (i64, String);

/// One incident the group's calls touch: read (and changed), or opened by one of them.
struct Slot {
    inc: Incident,
    stored: bool,
    changes: Vec<Change>,
    saving: Vec<CallId>,
}

/// Carries out each ended call's incident (`calls`: what each asks, and when it is saved),
/// in order, inside the transaction saving them. `key_lock` (the backend's
/// [`super::Backend::KEY_LOCK`]) first makes the transactions about the same callers on the
/// same lines wait for each other, taken in one order so two groups cannot deadlock.
pub(super) async fn for_calls<D: Driver>(
    c: &mut D::Connection,
    calls: &[(&CallIncident, Timestamp)],
    key_lock: &str,
) -> StoreResult<()> {
    if calls.is_empty() {
        return Ok(());
    }
    let key = |ci: &CallIncident| -> Key { (ci.line.0, ci.caller_number.clone()) };
    // Each caller, with the earliest instant any of their calls' window reaches back to.
    let mut callers: BTreeMap<Key, Option<Timestamp>> = BTreeMap::new();
    for (ci, _) in calls {
        let since = callers.entry(key(ci)).or_insert(ci.joins_since);
        *since = match (*since, ci.joins_since) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
    }
    if !key_lock.is_empty() {
        // In the keys' order, so two groups with callers in common cannot deadlock.
        for chunk in callers.keys().collect::<Vec<_>>().chunks(100) {
            let text = key_lock.replace("{}", &super::driver::values::<D>(chunk.len(), 1));
            let mut q = sql::<D>(&text);
            for (line, caller) in chunk {
                q = q.bind(format!("switchboard incident {line} {caller}"));
            }
            q.run(&mut *c).await?;
        }
    }
    let mut slots: Vec<Slot> = Vec::new();
    // Each caller's incidents that calls may join, newest first.
    let mut open: HashMap<Key, Vec<usize>> = HashMap::new();
    let windows: Vec<(&Key, Timestamp)> = callers
        .iter()
        .filter_map(|(k, since)| since.map(|s| (k, s)))
        .collect();
    for chunk in windows.chunks(100) {
        // Joined to the list of callers, so each is one look-up in the callers' index.
        let text = format!(
            "SELECT i.* FROM incidents i JOIN (VALUES {}) AS v
                 ON i.line_id = v.column1 AND i.caller_number = v.column2
             WHERE i.status <> 'resolved' AND i.last_call_at >= v.column3
             ORDER BY i.id DESC",
            super::driver::values::<D>(chunk.len(), 3)
        );
        let mut q = sql::<D>(&text);
        for ((line, caller), since) in chunk {
            q = q.bind(*line).bind(caller.as_str()).bind(ms(*since));
        }
        for row in q.all(&mut *c).await? {
            let inc = rows::incident(&row)?;
            let (Some(line), Some(caller)) = (inc.line, inc.caller_number.clone()) else {
                continue;
            };
            open.entry((line.0, caller)).or_default().push(slots.len());
            slots.push(Slot {
                inc,
                stored: true,
                changes: Vec::new(),
                saving: Vec::new(),
            });
        }
    }
    for (ci, now) in calls {
        let mine = open.entry(key(ci)).or_default();
        // The newest open one linked to since this call's window began, as the single read
        // of a call saved alone would find it.
        let existing = ci.joins_since.and_then(|since| {
            mine.iter().copied().find(|&i| {
                let inc = &slots[i].inc;
                inc.status != Status::Resolved && inc.last_call_at.is_some_and(|t| t >= since)
            })
        });
        let Some((inc, change)) = apply(existing.map(|i| slots[i].inc.clone()), ci, *now) else {
            continue;
        };
        let i = match existing {
            Some(i) => i,
            None => {
                mine.insert(0, slots.len());
                slots.push(Slot {
                    inc: inc.clone(),
                    stored: false,
                    changes: Vec::new(),
                    saving: Vec::new(),
                });
                slots.len() - 1
            }
        };
        let slot = &mut slots[i];
        slot.inc = inc;
        slot.changes.push(change);
        slot.saving.push(ci.call);
    }
    slots.retain(|s| !s.changes.is_empty());
    let (new, changed): (Vec<&Slot>, Vec<&Slot>) = slots.iter().partition(|s| !s.stored);
    let inserted = insert_many::<D>(c, &new.iter().map(|s| &s.inc).collect::<Vec<_>>()).await?;
    let updated = update_many::<D>(c, &changed.iter().map(|s| &s.inc).collect::<Vec<_>>()).await?;
    let stored = new.iter().zip(&inserted).map(|(s, inc)| (s, inc, true));
    let stored = stored.chain(changed.iter().zip(&updated).map(|(s, inc)| (s, inc, false)));
    let items: Vec<Recorded> = stored
        .map(|(s, inc, new)| Recorded {
            inc,
            changes: s.changes.iter().collect(),
            saving: s.saving.clone(),
            new,
        })
        .collect();
    record_many::<D>(c, &items).await
}
