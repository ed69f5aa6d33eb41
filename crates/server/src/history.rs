//! Keeping what was on call as it happened: every schedule's timeline, up to now, is
//! appended to its history as time passes (the worker's sweep) and just before the schedule
//! is edited (so the past is recorded under the rules it had). The shifts API answers past
//! ranges from this record, so editing a layer later does not rewrite the past.

use crate::app::AppState;
use jiff::Timestamp;
use switchboard_core::schedule::Engine;
use switchboard_core::store::{HistoryShift, StoreError, StoredSchedule};

/// An engine's stretch as the history keeps it.
fn as_recorded(s: switchboard_core::schedule::Shift) -> HistoryShift {
    HistoryShift {
        start: s.start,
        end: s.end,
        users: s.users,
        source: s.source.map(|x| x.label()),
    }
}

/// Records `st`'s timeline from where its history stops (or its creation) up to `now`.
pub async fn record(
    state: &AppState,
    st: &StoredSchedule,
    now: Timestamp,
) -> Result<(), StoreError> {
    let after = state.store.history_until(st.id).await?;
    let from = after.unwrap_or(st.created_at);
    if from >= now {
        return Ok(());
    }
    let Ok(engine) = Engine::new(&st.schedule) else {
        return Ok(());
    };
    let shifts: Vec<HistoryShift> = engine
        .timeline(from, now)
        .into_iter()
        .map(as_recorded)
        .collect();
    match state.store.append_history(st.id, after, now, &shifts).await {
        // Another instance recorded it first: the same past, once.
        Ok(()) | Err(StoreError::Conflict(_)) => Ok(()),
        Err(e) => Err(e),
    }
}

/// Records every schedule up to now.
pub async fn record_all(state: &AppState) -> Result<(), StoreError> {
    let now = state.clock.now();
    for st in state.store.list_schedules().await? {
        record(state, &st, now).await?;
    }
    Ok(())
}

/// The final stretches of `st` over `[from, to)`, gaps included (no users): the recorded
/// past from its history, the rest from its rules as they are now; where the two meet, one
/// person's time is one stretch.
pub async fn timeline(
    state: &AppState,
    st: &StoredSchedule,
    from: Timestamp,
    to: Timestamp,
) -> Result<Vec<HistoryShift>, StoreError> {
    let until = state.store.history_until(st.id).await?;
    let rules = |a: Timestamp, b: Timestamp| -> Vec<HistoryShift> {
        match Engine::new(&st.schedule) {
            Ok(e) => e.timeline(a, b).into_iter().map(as_recorded).collect(),
            Err(e) => {
                tracing::error!(schedule = %st.id, error = %e, "stored schedule is invalid");
                vec![]
            }
        }
    };
    let mut out: Vec<HistoryShift> = Vec::new();
    let mut engine_from = from;
    if let Some(until) = until.filter(|u| *u > from) {
        let upto = until.min(to);
        let recorded = state.store.schedule_history(st.id, from, upto).await?;
        // Before the record begins (before the schedule existed), the rules answer, as
        // they do for the future: the same answer before and after the first edit.
        let begins = recorded.first().map_or(upto, |h| h.start.max(from));
        if begins > from {
            out.extend(rules(from, begins));
        }
        for h in recorded {
            out.push(HistoryShift {
                start: h.start.max(from),
                end: h.end.min(upto),
                ..h
            });
        }
        engine_from = upto;
    }
    if engine_from < to {
        out.extend(rules(engine_from, to));
    }
    let mut merged: Vec<HistoryShift> = Vec::with_capacity(out.len());
    for x in out {
        match merged.last_mut() {
            Some(last)
                if last.users == x.users && last.source == x.source && last.end == x.start =>
            {
                last.end = x.end
            }
            _ => merged.push(x),
        }
    }
    Ok(merged)
}
