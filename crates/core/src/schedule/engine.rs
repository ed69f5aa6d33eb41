//! The compiled schedule: on-call lookup and final shifts.

use super::compile::{empty_shifts, ActiveTurns, AddIndex, OverrideIndex};
use super::{Layer, Restriction, Schedule};
use crate::{DomainError, UserId};
use jiff::civil::{Date, DateTime, Time};
use jiff::tz::{AmbiguousOffset, TimeZone};
use jiff::Timestamp;
use serde::Serialize;

/// Why someone is on call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub enum Source {
    /// An override.
    Override,
    /// A removal: nobody from the schedule, on purpose.
    Removed,
    /// The layer with this name (`Temporary name/layer name` for a temporary schedule's).
    Layer(String),
}

impl Source {
    /// `override` or `layer:<name>`, as the CLI and API print it.
    pub fn label(&self) -> String {
        match self {
            Source::Override => "override".to_owned(),
            Source::Removed => "removed".to_owned(),
            Source::Layer(n) => format!("layer:{n}"),
        }
    }
}

/// Who is on call at one instant, in order: whoever the winning override or layer puts on
/// call (a group in the order it is written), then the people adding overrides add (in the
/// order the overrides are listed). Nobody is listed twice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OnCall {
    pub users: Vec<UserId>,
    /// Why the first of `users` is on call (`Removed`: nobody on purpose).
    pub source: Option<Source>,
}

impl OnCall {
    /// The first person on call.
    pub fn first(&self) -> Option<UserId> {
        self.users.first().copied()
    }
}

/// One final shift: `users` are on call from `start` (inclusive) to `end` (exclusive), in
/// order. No users marks a gap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shift {
    pub start: Timestamp,
    pub end: Timestamp,
    pub users: Vec<UserId>,
    pub source: Option<Source>,
}

impl Shift {
    /// Whether nobody is on call.
    pub fn is_gap(&self) -> bool {
        self.users.is_empty()
    }
}

struct CompiledLayer {
    layer: Layer,
    start: Timestamp,
    end: Option<Timestamp>,
    shift_secs: i64,
    /// The indexes of its empty shifts, ascending (see [`empty_shifts`]).
    empty: Vec<i64>,
    /// Its own zone, when not the schedule's.
    tz: Option<TimeZone>,
    /// When its turn moves on only after active shifts.
    active: Option<ActiveTurns>,
}

/// A schedule ready to answer questions.
pub struct Engine {
    tz: TimeZone,
    layers: Vec<CompiledLayer>,
    /// (start, end, user), in the schedule's order (later wins).
    overrides: Vec<(Timestamp, Timestamp, UserId)>,
    /// Who the overrides put on call, as disjoint spans: looked up by binary search.
    covered: OverrideIndex,
    /// Whom adding overrides add, likewise.
    added: AddIndex,
    /// The removals, merged into disjoint spans, in order.
    removed: Vec<(Timestamp, Timestamp)>,
    /// The temporary schedules, as listed (a later one wins where they overlap).
    temporary: Vec<CompiledTemporary>,
}

struct CompiledTemporary {
    start: Timestamp,
    end: Timestamp,
    layers: Vec<CompiledLayer>,
}

fn compile_layer(schedule_tz: &TimeZone, l: &Layer) -> CompiledLayer {
    let own = l.time_zone.as_ref().map(|z| z.tz().clone());
    let tz = own.as_ref().unwrap_or(schedule_tz);
    let start = instant(tz, l.start);
    let shift_secs = l.shift.civil_secs();
    CompiledLayer {
        start,
        end: l.end.map(|e| instant(tz, e)),
        shift_secs,
        empty: empty_shifts(tz, l, start, shift_secs),
        active: ActiveTurns::new(l),
        layer: l.clone(),
        tz: own,
    }
}

/// `spans` merged into disjoint spans, sorted.
fn merged(mut spans: Vec<(Timestamp, Timestamp)>) -> Vec<(Timestamp, Timestamp)> {
    spans.sort();
    let mut out: Vec<(Timestamp, Timestamp)> = Vec::with_capacity(spans.len());
    for (s, e) in spans {
        match out.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => out.push((s, e)),
        }
    }
    out
}

/// The instant of a wall-clock time: the first valid instant for a skipped time, the first
/// occurrence for a repeated one.
pub fn instant(tz: &TimeZone, dt: DateTime) -> Timestamp {
    let amb = tz.to_ambiguous_timestamp(dt);
    match amb.offset() {
        AmbiguousOffset::Unambiguous { offset } | AmbiguousOffset::Fold { before: offset, .. } => {
            offset
                .to_timestamp(dt)
                .unwrap_or_else(|_| amb.compatible().unwrap_or(Timestamp::MAX))
        }
        AmbiguousOffset::Gap { after, .. } => {
            // Read with the later offset, the time lands before the jump; the jump itself
            // is the first instant that exists.
            let probe = after.to_timestamp(dt).unwrap_or(Timestamp::MIN);
            tz.following(probe)
                .next()
                .map_or(probe, |tr| tr.timestamp())
        }
    }
}

impl Engine {
    /// Compiles `schedule` (validating it first).
    pub fn new(schedule: &Schedule) -> Result<Engine, DomainError> {
        schedule.validate()?;
        let tz = schedule.time_zone.tz().clone();
        let layers = schedule
            .layers
            .iter()
            .map(|l| compile_layer(&tz, l))
            .collect();
        let (adding, replacing): (Vec<_>, Vec<_>) = schedule.overrides.iter().partition(|o| o.add);
        let winners: Vec<_> = replacing
            .iter()
            .map(|o| (o.start, o.end, (o.user, o.covering)))
            .collect();
        let span = |o: &&super::Override| (o.start, o.end, o.user);
        let overrides: Vec<_> = replacing.iter().map(span).collect();
        let adds: Vec<_> = adding.iter().map(span).collect();
        let temporary = schedule
            .temporary
            .iter()
            .map(|t| CompiledTemporary {
                start: t.start,
                end: t.end,
                layers: t
                    .layers
                    .iter()
                    .map(|l| {
                        let mut c = compile_layer(&tz, l);
                        c.layer.name = format!("{}/{}", t.name, l.name);
                        c
                    })
                    .collect(),
            })
            .collect();
        Ok(Engine {
            covered: OverrideIndex::new(&winners),
            added: AddIndex::new(&adds),
            removed: merged(schedule.removals.iter().map(|r| (r.start, r.end)).collect()),
            temporary,
            tz,
            layers,
            overrides: overrides.into_iter().chain(adds).collect(),
        })
    }

    /// Who is on call at `at`, and why.
    pub fn on_call(&self, at: Timestamp) -> OnCall {
        let mut oc = self.base(at);
        let nobody = oc.users.is_empty();
        for u in self.added.at(at) {
            if !oc.users.contains(u) {
                oc.users.push(*u);
            }
        }
        if nobody && !oc.users.is_empty() {
            // Only added people: an override is why anyone is on call.
            oc.source = Some(Source::Override);
        }
        oc
    }

    /// Who is on call at `at` before adding overrides.
    fn base(&self, at: Timestamp) -> OnCall {
        let Some((user, covering)) = self.covered.at(at) else {
            return self.scheduled(at);
        };
        if let Some(x) = covering {
            // A cover: the coverer stands in for the one they cover, where that person is
            // on call with others (a group); alone or not on call, as any override.
            let mut oc = self.scheduled(at);
            if oc.users.len() > 1 {
                if let Some(i) = oc.users.iter().position(|u| *u == x) {
                    oc.users[i] = user;
                    let mut seen = std::collections::HashSet::new();
                    oc.users.retain(|u| seen.insert(*u));
                    return oc;
                }
            }
        }
        OnCall {
            users: vec![user],
            source: Some(Source::Override),
        }
    }

    /// Who the removals, temporary schedules and layers put on call at `at`.
    fn scheduled(&self, at: Timestamp) -> OnCall {
        let i = self.removed.partition_point(|(s, _)| *s <= at);
        if i > 0 && at < self.removed[i - 1].1 {
            return OnCall {
                users: vec![],
                source: Some(Source::Removed),
            };
        }
        let local = at.to_zoned(self.tz.clone()).datetime();
        // A temporary schedule covering `at` replaces every layer.
        let layers = match self
            .temporary
            .iter()
            .rev()
            .find(|t| t.start <= at && at < t.end)
        {
            Some(t) => &t.layers,
            None => &self.layers,
        };
        for l in layers.iter().rev() {
            let local = match &l.tz {
                Some(tz) => at.to_zoned(tz.clone()).datetime(),
                None => local,
            };
            if let Some(users) = self.layer_users(l, at, local) {
                return OnCall {
                    users: users.to_vec(),
                    source: Some(Source::Layer(l.layer.name.clone())),
                };
            }
        }
        OnCall {
            users: vec![],
            source: None,
        }
    }

    /// The zone layer `l` is read in.
    fn zone<'a>(&'a self, l: &'a CompiledLayer) -> &'a TimeZone {
        l.tz.as_ref().unwrap_or(&self.tz)
    }

    fn handoff(&self, l: &CompiledLayer, k: i64) -> Timestamp {
        match l.layer.handoff_civil(k) {
            Some(dt) => instant(self.zone(l), dt),
            None => Timestamp::MAX,
        }
    }

    /// The index of the shift of layer `l` containing `at` (`at` not before the start).
    fn shift_index(&self, l: &CompiledLayer, at: Timestamp, local: DateTime) -> i64 {
        let civil = local.duration_since(l.layer.start).as_secs();
        let mut k = civil.div_euclid(l.shift_secs).max(0);
        // The civil estimate can be off by one around DST changes; settle it exactly.
        while k > 0 && self.handoff(l, k) > at {
            k -= 1;
        }
        while self.handoff(l, k + 1) <= at {
            k += 1;
        }
        k
    }

    fn layer_users<'a>(
        &self,
        l: &'a CompiledLayer,
        at: Timestamp,
        local: DateTime,
    ) -> Option<&'a [UserId]> {
        if l.layer.participants.is_empty() || at < l.start || l.end.is_some_and(|e| at >= e) {
            return None;
        }
        if !l.layer.restrictions.is_empty()
            && !l.layer.restrictions.iter().any(|r| in_window(r, local))
        {
            return None;
        }
        let k = self.shift_index(l, at, local);
        let turn = match &l.active {
            Some(a) => a.turn(k),
            None => k - self.empty_before(l, k),
        };
        let n = l.layer.participants.len() as i64;
        Some(l.layer.participants[turn.rem_euclid(n) as usize].members())
    }

    /// How many of layer `l`'s shifts before shift `k` are empty (see [`empty_shifts`]).
    fn empty_before(&self, l: &CompiledLayer, k: i64) -> i64 {
        l.empty.partition_point(|e| *e < k) as i64
    }

    /// Every instant in `[from, to)` where the answer may change.
    fn boundaries(&self, from: Timestamp, to: Timestamp) -> Vec<Timestamp> {
        let mut b = vec![from];
        for (s, e, _) in &self.overrides {
            b.push(*s);
            b.push(*e);
        }
        for (s, e) in &self.removed {
            b.push(*s);
            b.push(*e);
        }
        for t in &self.temporary {
            b.push(t.start);
            b.push(t.end);
        }
        for l in self
            .layers
            .iter()
            .chain(self.temporary.iter().flat_map(|t| t.layers.iter()))
        {
            let tz = self.zone(l);
            let first_day = from.to_zoned(tz.clone()).date().yesterday().ok();
            let last_day = to.to_zoned(tz.clone()).date().tomorrow().ok();
            b.push(l.start);
            b.extend(l.end);
            if to > l.start {
                let from_local = from.max(l.start).to_zoned(tz.clone()).datetime();
                let mut k = self.shift_index(l, from.max(l.start), from_local);
                loop {
                    let h = self.handoff(l, k);
                    if h >= to || k > 10_000_000 {
                        break;
                    }
                    b.push(h);
                    k += 1;
                }
            }
            if let (Some(d0), Some(d1)) = (first_day, last_day) {
                for r in &l.layer.restrictions {
                    window_edges(tz, r, d0, d1, &mut b);
                }
            }
        }
        b.retain(|t| *t >= from && *t < to);
        b.sort();
        b.dedup();
        b
    }

    /// The final shifts over `[from, to)`, merged, in order, gaps included as `user: None`.
    pub fn timeline(&self, from: Timestamp, to: Timestamp) -> Vec<Shift> {
        let mut out: Vec<Shift> = Vec::new();
        if from >= to {
            return out;
        }
        let b = self.boundaries(from, to);
        for (i, start) in b.iter().enumerate() {
            let end = b.get(i + 1).copied().unwrap_or(to);
            let oc = self.on_call(*start);
            match out.last_mut() {
                Some(last) if last.users == oc.users && last.source == oc.source => last.end = end,
                _ => out.push(Shift {
                    start: *start,
                    end,
                    users: oc.users,
                    source: oc.source,
                }),
            }
        }
        // Adjacent pieces of one person's time from different sources are one shift.
        let mut merged: Vec<Shift> = Vec::with_capacity(out.len());
        for s in out {
            match merged.last_mut() {
                Some(last) if last.users == s.users && last.end == s.start => last.end = s.end,
                _ => merged.push(s),
            }
        }
        merged
    }

    /// The next `n` handoffs of layer `index` (as listed) strictly after `after`, skipping
    /// the empty shifts the clocks leave at spring-forward; fewer when the layer ends first.
    pub fn next_handoffs(&self, index: usize, after: Timestamp, n: usize) -> Vec<Timestamp> {
        let Some(l) = self.layers.get(index) else {
            return vec![];
        };
        let from = after.max(l.start);
        let local = from.to_zoned(self.zone(l).clone()).datetime();
        let mut k = self.shift_index(l, from, local);
        let mut out: Vec<Timestamp> = Vec::with_capacity(n);
        while out.len() < n && k < 10_000_000 {
            let h = self.handoff(l, k);
            if h == Timestamp::MAX || l.end.is_some_and(|e| h >= e) {
                break;
            }
            if h > after && out.last() != Some(&h) {
                out.push(h);
            }
            k += 1;
        }
        out
    }

    /// The shifts with someone on call over `[from, to)`.
    pub fn shifts(&self, from: Timestamp, to: Timestamp) -> Vec<Shift> {
        self.timeline(from, to)
            .into_iter()
            .filter(|s| !s.is_gap())
            .collect()
    }

    /// The spans in `[from, to)` with nobody on call.
    pub fn gaps(&self, from: Timestamp, to: Timestamp) -> Vec<(Timestamp, Timestamp)> {
        self.timeline(from, to)
            .into_iter()
            .filter(|s| s.is_gap())
            .map(|s| (s.start, s.end))
            .collect()
    }
}

/// Minutes since Monday 00:00 of a wall-clock moment.
fn week_minute(day: jiff::civil::Weekday, t: Time) -> i32 {
    i32::from(day.to_monday_zero_offset()) * 1440 + i32::from(t.hour()) * 60 + i32::from(t.minute())
}

fn in_range(x: i32, start: i32, end: i32) -> bool {
    if start < end {
        x >= start && x < end
    } else {
        // Crosses the wrap point (midnight or the end of the week); equal means always.
        x >= start || x < end
    }
}

/// Whether the wall-clock time `local` falls inside the window `r`.
pub fn in_window(r: &Restriction, local: DateTime) -> bool {
    let minute_of_day = i32::from(local.hour()) * 60 + i32::from(local.minute());
    match *r {
        Restriction::Daily { start, end } => in_range(
            minute_of_day,
            i32::from(start.hour()) * 60 + i32::from(start.minute()),
            i32::from(end.hour()) * 60 + i32::from(end.minute()),
        ),
        Restriction::Weekly {
            start_day,
            start,
            end_day,
            end,
        } => in_range(
            week_minute(local.weekday(), local.time()),
            week_minute(start_day.weekday(), start),
            week_minute(end_day.weekday(), end),
        ),
        Restriction::EveryWeeks {
            weeks,
            from,
            start_day,
            start,
            end_day,
            end,
        } => {
            let (now, opens) = (
                week_minute(local.weekday(), local.time()),
                week_minute(start_day.weekday(), start),
            );
            if !in_range(now, opens, week_minute(end_day.weekday(), end)) {
                return false;
            }
            // The week the window opened in: this one, or the one before when it wrapped.
            let monday = |d: Date| {
                let back = i64::from(d.weekday().to_monday_zero_offset());
                d.checked_sub(jiff::Span::new().days(back)).unwrap_or(d)
            };
            let mut opened = monday(local.date());
            if now < opens {
                opened = opened
                    .checked_sub(jiff::Span::new().days(7))
                    .unwrap_or(opened);
            }
            let weeks_since = opened
                .since(monday(from))
                .map_or(-1, |s| s.get_days())
                .div_euclid(7);
            let every = i32::try_from(weeks.max(1)).unwrap_or(1);
            weeks_since >= 0 && weeks_since % every == 0
        }
    }
}

/// The instants in `[from, to)` where the windows `restrictions`, read on the wall clock of
/// `tz`, open or close (for business hours: where a line opens or closes).
pub fn restriction_edges(
    tz: &TimeZone,
    restrictions: &[Restriction],
    from: Timestamp,
    to: Timestamp,
) -> Vec<Timestamp> {
    let day = |t: Timestamp| t.to_zoned(tz.clone()).date();
    let (d0, d1) = (
        day(from).yesterday().unwrap_or(day(from)),
        day(to).tomorrow().unwrap_or(day(to)),
    );
    let mut out = vec![];
    for r in restrictions {
        window_edges(tz, r, d0, d1, &mut out);
    }
    out.retain(|t| *t >= from && *t < to);
    out.sort();
    out.dedup();
    out
}

fn window_edges(tz: &TimeZone, r: &Restriction, d0: Date, d1: Date, out: &mut Vec<Timestamp>) {
    let mut d = d0;
    while d <= d1 {
        match *r {
            Restriction::Daily { start, end } => {
                out.push(instant(tz, d.to_datetime(start)));
                out.push(instant(tz, d.to_datetime(end)));
            }
            Restriction::Weekly {
                start_day,
                start,
                end_day,
                end,
            }
            | Restriction::EveryWeeks {
                start_day,
                start,
                end_day,
                end,
                ..
            } => {
                // Every week's edges: those of a week without the window change nothing.
                if d.weekday() == start_day.weekday() {
                    out.push(instant(tz, d.to_datetime(start)));
                }
                if d.weekday() == end_day.weekday() {
                    out.push(instant(tz, d.to_datetime(end)));
                }
            }
        }
        match d.tomorrow() {
            Ok(n) => d = n,
            Err(_) => break,
        }
    }
}
