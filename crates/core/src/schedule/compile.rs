//! What compiling a schedule prepares once, so that lookups are binary searches: the
//! overrides flattened into disjoint spans, and the empty shifts of each layer (the turn
//! rule at spring-forward, from the zone's skipped stretches, cached per zone).

use super::Layer;
use crate::UserId;
use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

/// Who a replacing override puts on call, and whom it covers when it came from a cover
/// request (then it stands in for that person only, where they are on call).
pub(super) type Winner = (UserId, Option<UserId>);

/// Overlapping spans flattened into disjoint ones, each with the value the spans covering it
/// give (`None`: no span there), sorted by start; looked up by binary search.
pub(super) struct SpanIndex<T> {
    starts: Vec<Timestamp>,
    ends: Vec<Timestamp>,
    values: Vec<T>,
}

impl<T: PartialEq> SpanIndex<T> {
    /// A sweep over the spans' edges keeping the covering ones (by position) in an ordered
    /// set; `value` says what a set of covering positions gives: O(n log n) plus `value`.
    fn sweep<S>(
        spans: &[(Timestamp, Timestamp, S)],
        value: impl Fn(&std::collections::BTreeSet<usize>) -> Option<T>,
    ) -> Self {
        let mut edges: Vec<(Timestamp, bool, usize)> = Vec::with_capacity(spans.len() * 2);
        for (i, (s, e, _)) in spans.iter().enumerate() {
            edges.push((*s, true, i));
            edges.push((*e, false, i));
        }
        edges.sort_unstable_by_key(|(t, _, _)| *t);
        let mut index = SpanIndex {
            starts: vec![],
            ends: vec![],
            values: vec![],
        };
        let mut active = std::collections::BTreeSet::new();
        let mut i = 0;
        while i < edges.len() {
            let t = edges[i].0;
            while i < edges.len() && edges[i].0 == t {
                let (_, opens, which) = edges[i];
                if opens {
                    active.insert(which);
                } else {
                    active.remove(&which);
                }
                i += 1;
            }
            let here = value(&active);
            // Close the open span here, and open one for the new value.
            if let Some(last_end) = index.ends.last_mut() {
                if *last_end == Timestamp::MAX {
                    if here.as_ref() == index.values.last() {
                        continue;
                    }
                    *last_end = t;
                }
            }
            if let Some(v) = here {
                index.starts.push(t);
                index.ends.push(Timestamp::MAX);
                index.values.push(v);
            }
        }
        index
    }

    /// The value at `at`.
    fn get(&self, at: Timestamp) -> Option<&T> {
        let i = self.starts.partition_point(|s| *s <= at).checked_sub(1)?;
        (at < self.ends[i]).then(|| &self.values[i])
    }
}

/// The replacing overrides: the one listed last among those covering an instant wins.
pub(super) struct OverrideIndex(SpanIndex<Winner>);

impl OverrideIndex {
    pub(super) fn new(overrides: &[(Timestamp, Timestamp, Winner)]) -> Self {
        Self(SpanIndex::sweep(overrides, |active| {
            active.last().map(|w| overrides[*w].2)
        }))
    }

    /// The override that wins at `at`.
    pub(super) fn at(&self, at: Timestamp) -> Option<Winner> {
        self.0.get(at).copied()
    }
}

/// The adding overrides (`add: true`): everyone they add at an instant, in the order the
/// overrides are listed, nobody twice.
pub(super) struct AddIndex(SpanIndex<Vec<UserId>>);

impl AddIndex {
    pub(super) fn new(adds: &[(Timestamp, Timestamp, UserId)]) -> Self {
        Self(SpanIndex::sweep(adds, |active| {
            let mut users: Vec<UserId> = Vec::with_capacity(active.len());
            for w in active {
                if !users.contains(&adds[*w].2) {
                    users.push(adds[*w].2);
                }
            }
            (!users.is_empty()).then_some(users)
        }))
    }

    /// Whom the adding overrides put on call at `at`.
    pub(super) fn at(&self, at: Timestamp) -> &[UserId] {
        self.0.get(at).map_or(&[], Vec::as_slice)
    }
}

/// A stretch of wall-clock time a zone skips: `from` to `to` (both read as `at`).
struct Gap {
    at: Timestamp,
    from: DateTime,
    to: DateTime,
}

/// The wall-clock stretches `tz` skips between the years 2000 and 2200 (where layers may
/// start), computed once per zone and process.
fn gaps(tz: &TimeZone) -> std::sync::Arc<Vec<Gap>> {
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex, OnceLock};
    static CACHE: OnceLock<Mutex<HashMap<String, Arc<Vec<Gap>>>>> = OnceLock::new();
    let Some(name) = tz.iana_name() else {
        return Arc::new(Vec::new());
    };
    let cache = CACHE.get_or_init(Mutex::default);
    if let Some(g) = cache.lock().unwrap_or_else(|e| e.into_inner()).get(name) {
        return g.clone();
    }
    let (from, to) = (
        Timestamp::from_second(946_684_800).unwrap_or(Timestamp::MIN), // 2000-01-01
        Timestamp::from_second(7_289_654_400).unwrap_or(Timestamp::MAX), // 2201-01-01
    );
    let mut out = Vec::new();
    for tr in tz.following(from) {
        let t = tr.timestamp();
        if t > to {
            break;
        }
        let before = tz.to_offset(t - SignedDuration::from_nanos(1));
        let after = tr.offset();
        if after > before {
            out.push(Gap {
                at: t,
                from: before.to_datetime(t),
                to: after.to_datetime(t),
            });
        }
    }
    let g = Arc::new(out);
    cache
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(name.to_owned(), g.clone());
    g
}

/// The shifts of a layer that are empty: their handoff falls in a stretch of wall-clock time
/// the clocks skip and the next handoff lands on the same instant (an hourly rotation at
/// spring-forward: 02:00 and 03:00 are both the jump). An empty shift takes nobody's turn.
/// Only shifts no longer than a skipped stretch can be empty, so weekly layers have none.
/// For a layer whose turn moves on only after active shifts (daily shifts, daily or weekly
/// windows): which shifts of one repeating period (a whole number of weeks) it is active in,
/// as running counts, so the turn at any shift is a division and a lookup.
pub(super) struct ActiveTurns {
    /// `counted[j]`: active shifts among the first `j` of a period (`counted[m]` in all).
    counted: Vec<i64>,
}

impl ActiveTurns {
    pub(super) fn new(layer: &Layer) -> Option<Self> {
        let super::ShiftLength::Days(n) = layer.shift else {
            return None;
        };
        if layer.advance != super::Advance::ActiveDays || n == 0 {
            return None;
        }
        let n = i64::from(n);
        let gcd = |mut a: i64, mut b: i64| {
            while b != 0 {
                (a, b) = (b, a % b);
            }
            a
        };
        let m = 7 / gcd(7, n);
        let mut counted = vec![0];
        for j in 0..m {
            let from = layer
                .start
                .checked_add(jiff::Span::new().days(j * n))
                .ok()?;
            let to = layer
                .start
                .checked_add(jiff::Span::new().days((j + 1) * n))
                .ok()?;
            let active = layer.restrictions.iter().any(|r| overlaps(r, from, to));
            counted.push(counted[j as usize] + i64::from(active));
        }
        Some(ActiveTurns { counted })
    }

    /// The turn of shift `k`: the active shifts before it.
    pub(super) fn turn(&self, k: i64) -> i64 {
        let m = (self.counted.len() - 1) as i64;
        let per = self.counted[m as usize];
        k.div_euclid(m) * per + self.counted[k.rem_euclid(m) as usize]
    }
}

/// Whether the window `r` is open at some moment of the wall-clock span `[from, to)`.
fn overlaps(r: &super::Restriction, from: DateTime, to: DateTime) -> bool {
    use super::Restriction;
    if super::engine::in_window(r, from) {
        return true;
    }
    // Otherwise it must open inside the span.
    let mut d = from.date();
    while d.to_datetime(jiff::civil::Time::midnight()) < to {
        let opens = match *r {
            Restriction::Daily { start, .. } => Some(d.to_datetime(start)),
            Restriction::Weekly {
                start_day, start, ..
            }
            | Restriction::EveryWeeks {
                start_day, start, ..
            } => (d.weekday() == start_day.weekday()).then(|| d.to_datetime(start)),
        };
        if opens.is_some_and(|t| from < t && t < to) {
            return true;
        }
        match d.tomorrow() {
            Ok(next) => d = next,
            Err(_) => break,
        }
    }
    false
}

pub(super) fn empty_shifts(
    tz: &TimeZone,
    layer: &Layer,
    start: Timestamp,
    shift_secs: i64,
) -> Vec<i64> {
    let mut out = Vec::new();
    if shift_secs > 2 * 86_400 {
        return out;
    }
    // The index of the first handoff at or after the wall-clock time `dt`.
    let first_at = |dt: DateTime| -> i64 {
        let secs = dt.duration_since(layer.start).as_secs();
        secs.div_euclid(shift_secs) + i64::from(secs.rem_euclid(shift_secs) != 0)
    };
    for g in gaps(tz).iter().filter(|g| g.at >= start) {
        if g.to.duration_since(g.from).as_secs() < shift_secs {
            // Shorter than a shift: at most one handoff in it, never an empty shift.
            continue;
        }
        // Every handoff in [from, to] happens at the jump; all but the last are empty.
        let first = first_at(g.from).max(0);
        let mut last = first_at(g.to);
        let last_at = SignedDuration::from_secs(last.saturating_mul(shift_secs));
        if layer.start.checked_add(last_at).ok() != Some(g.to) {
            last -= 1;
        }
        out.extend(first..last);
    }
    out
}
