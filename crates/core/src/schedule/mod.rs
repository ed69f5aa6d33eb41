//! On-call schedules: layers of rotations with restrictions, plus overrides.
//!
//! The model is plain data ([`Schedule`], the API's and the CLI file's JSON). [`Engine`]
//! compiles it once (time zone resolved, rules checked) and answers who is on call at an
//! instant and the final shifts over a range. Both are pure: the instant is passed in.
//!
//! Rules:
//! - Layers are listed lowest first; a later (higher) layer wins wherever it has someone.
//! - An override wins over everything; of overlapping overrides, the one listed later wins.
//!   An override that came from a cover stands in for the person it covers only, where that
//!   person is on call in a group. An adding override (`add: true`) replaces nobody: its
//!   person is on call beside whoever else is, even during a removal.
//! - A layer's turn is a person or a group; everyone on call is listed in a defined order:
//!   the winning override's person or the group as written, then the added people in the
//!   order their overrides are listed, nobody twice.
//! - A removal ("nobody from this schedule between…") wins over temporary schedules and
//!   layers. A temporary schedule (a span with layers of its own, a holiday plan) replaces
//!   every layer while it runs; of two overlapping ones, the later listed wins.
//!   The engine flattens them into disjoint spans once, so a lookup is a binary search.
//! - Handoffs are wall-clock times in the schedule's zone: the start plus whole shifts,
//!   computed on the civil clock, so a 09:00 handoff stays at 09:00 across DST changes.
//!   Monthly rotations hand off on the start's day of the month, clamped to the month's
//!   length (counted from the start each time, so the 31st comes back after a short month),
//!   or on the Nth (or last) weekday of the month, at the start's wall-clock time.
//! - A layer's turn moves on every shift, or (`advance: active_days`, daily shifts with
//!   daily or weekly windows) only after a shift in which one of its windows was open.
//! - A wall-clock time skipped by spring-forward maps to the first valid instant (the moment
//!   the clocks jump). A time repeated at fall-back maps to its **first** occurrence.
//! - Every participant keeps their turn. When the clocks skip a handoff and the next handoff
//!   lands on the same instant (an hourly rotation at spring-forward: 02:00 and 03:00 are
//!   both the jump), the shift between them is empty and takes nobody's turn: the person
//!   after it is next. A handoff in the skipped stretch whose next handoff comes later (a
//!   half-hour change, a daily rotation) is not empty: it starts at the jump, shorter.
//! - Restrictions are read on the wall clock too; a window whose end is not after its start
//!   crosses midnight (daily) or the end of the week (weekly).

mod compile;
pub mod cover;
#[cfg(test)]
mod dst_turns;
mod engine;
#[cfg(test)]
mod follow_sun;
#[cfg(test)]
mod groups;
#[cfg(test)]
mod half_hour;
#[cfg(test)]
mod index_tests;
#[cfg(test)]
mod monthly;
#[cfg(test)]
mod spans;
#[cfg(test)]
mod tests;

pub use engine::{in_window, instant, restriction_edges, Engine, OnCall, Shift, Source};

use crate::{DomainError, UserId};
use jiff::civil::{DateTime, Time, Weekday};

/// Years a layer may start in, and overrides may fall in: wider than any real rota, narrow
/// enough that the engine never walks millennia of shifts.
pub const SANE_YEARS: std::ops::RangeInclusive<i16> = 2000..=2200;

fn out_of_years(field: String) -> DomainError {
    DomainError::new(
        field,
        format!(
            "must be between the years {} and {}",
            SANE_YEARS.start(),
            SANE_YEARS.end()
        ),
    )
}

/// A day of the week, as written in schedules (`"monday"` …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Day {
    Monday,
    Tuesday,
    Wednesday,
    Thursday,
    Friday,
    Saturday,
    Sunday,
}

impl Day {
    /// The jiff weekday.
    pub fn weekday(self) -> Weekday {
        match self {
            Day::Monday => Weekday::Monday,
            Day::Tuesday => Weekday::Tuesday,
            Day::Wednesday => Weekday::Wednesday,
            Day::Thursday => Weekday::Thursday,
            Day::Friday => Weekday::Friday,
            Day::Saturday => Weekday::Saturday,
            Day::Sunday => Weekday::Sunday,
        }
    }
}
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// Identifies a schedule.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(transparent)]
pub struct ScheduleId(pub i64);

impl std::fmt::Display for ScheduleId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::str::FromStr for ScheduleId {
    type Err = std::num::ParseIntError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.parse().map(ScheduleId)
    }
}

/// How long one shift of a rotation lasts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum ShiftLength {
    Hours(u32),
    Days(u32),
    Weeks(u32),
    /// Every `n` months on the start's day of the month (clamped to the month's length: a
    /// rotation starting on the 31st hands off on the 30th in April, the 28th or 29th in
    /// February, and the 31st again in May), at the start's wall-clock time.
    Months(u32),
    /// Every `every` months on the `nth` `day` of the month (1 to 4, or -1 for the last),
    /// at the start's wall-clock time; the first handoff is the start itself.
    MonthlyWeekday {
        every: u32,
        nth: i8,
        day: Day,
    },
}

impl ShiftLength {
    /// The length in civil seconds (a day is 24 wall-clock hours; a month is counted as 31
    /// days, for estimates and limits only).
    pub fn civil_secs(self) -> i64 {
        match self {
            ShiftLength::Hours(n) => i64::from(n) * 3600,
            ShiftLength::Days(n) => i64::from(n) * 86_400,
            ShiftLength::Weeks(n) => i64::from(n) * 604_800,
            ShiftLength::Months(n) | ShiftLength::MonthlyWeekday { every: n, .. } => {
                i64::from(n) * 31 * 86_400
            }
        }
    }

    /// Months per shift, for the monthly rotations.
    fn months(self) -> Option<u32> {
        match self {
            ShiftLength::Months(n) | ShiftLength::MonthlyWeekday { every: n, .. } => Some(n),
            _ => None,
        }
    }
}

impl Layer {
    /// The wall-clock time of handoff `k` (0 is the start), `None` past the calendar's end.
    pub fn handoff_civil(&self, k: i64) -> Option<DateTime> {
        let months = |n: u32| -> Option<jiff::civil::Date> {
            let total = i64::from(n).checked_mul(k)?;
            let span = jiff::Span::new().try_months(total).ok()?;
            // jiff clamps the day to the month's length, from the start each time.
            self.start.date().checked_add(span).ok()
        };
        match self.shift {
            ShiftLength::Months(n) => Some(months(n)?.to_datetime(self.start.time())),
            ShiftLength::MonthlyWeekday { every, nth, day } if k > 0 => {
                let d = months(every)?;
                let first = d.first_of_month();
                let found = first.nth_weekday_of_month(nth, day.weekday()).ok()?;
                Some(found.to_datetime(self.start.time()))
            }
            ShiftLength::MonthlyWeekday { .. } => Some(self.start),
            other => self
                .start
                .checked_add(jiff::SignedDuration::from_secs(
                    k.checked_mul(other.civil_secs())?,
                ))
                .ok(),
        }
    }
}

/// When a layer applies, on the wall clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "type", rename_all = "lowercase", deny_unknown_fields)]
pub enum Restriction {
    /// Every day from `start` to `end`.
    Daily {
        #[schema(value_type = crate::schema::WallTime)]
        start: Time,
        #[schema(value_type = crate::schema::WallTime)]
        end: Time,
    },
    /// Every week from `start_day` `start` to `end_day` `end`.
    Weekly {
        start_day: Day,
        #[schema(value_type = crate::schema::WallTime)]
        start: Time,
        end_day: Day,
        #[schema(value_type = crate::schema::WallTime)]
        end: Time,
    },
    /// As `weekly`, but only every `weeks` weeks: the window opening in the week (Monday to
    /// Sunday) of `from`, then every `weeks` weeks after (every other weekend: 2).
    #[serde(rename = "every_weeks")]
    EveryWeeks {
        weeks: u32,
        from: jiff::civil::Date,
        start_day: Day,
        #[schema(value_type = crate::schema::WallTime)]
        start: Time,
        end_day: Day,
        #[schema(value_type = crate::schema::WallTime)]
        end: Time,
    },
}

/// One rotation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(examples(json!({"name": "weekdays", "participants": [1, [2, 3]], "start": "2026-11-23T09:00", "shift": {"days": 1}, "restrictions": [{"type": "weekly", "start_day": "monday", "start": "09:00", "end_day": "friday", "end": "17:00"}]})))]
pub struct Layer {
    /// Stable within the schedule; assigned by the server when absent.
    #[serde(default)]
    #[schema(value_type = i64, minimum = 0, maximum = 4294967295.0)]
    pub id: u32,
    #[serde(deserialize_with = "crate::name::trimmed")]
    pub name: String,
    /// The turns, in order: each a person, or a group on call together (`[1, [2, 3], 4]`).
    pub participants: Vec<Participant>,
    /// The zone the layer's start, handoffs and restrictions are read in, when not the
    /// schedule's (a follow-the-sun team: Sydney's layer in Sydney time).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<crate::Zone>,
    /// First handoff, local to the layer's zone (the schedule's unless it has its own).
    #[schema(value_type = crate::schema::LocalDateTime)]
    pub start: DateTime,
    pub shift: ShiftLength,
    /// No one from this layer is on call from this local time on.
    #[serde(default)]
    #[schema(value_type = Option<crate::schema::LocalDateTime>)]
    pub end: Option<DateTime>,
    #[serde(default)]
    pub restrictions: Vec<Restriction>,
    /// When the turn moves on: every shift (the default), or only after a shift the layer
    /// was active in (a weekday-only daily rotation whose turn does not move over the
    /// weekend). `active_days` is for daily shifts with daily or weekly restrictions.
    #[serde(default, skip_serializing_if = "Advance::is_default")]
    pub advance: Advance,
}

/// One turn of a rotation: a person, or a group on call together (written as a list of
/// user ids). A group is on call in the order it is written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum Participant {
    User(UserId),
    Group(Vec<UserId>),
}

impl Participant {
    /// Who this turn puts on call, in order.
    pub fn members(&self) -> &[UserId] {
        match self {
            Participant::User(u) => std::slice::from_ref(u),
            Participant::Group(g) => g,
        }
    }
}

impl From<UserId> for Participant {
    fn from(u: UserId) -> Self {
        Participant::User(u)
    }
}

impl<'de> Deserialize<'de> for Participant {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Participant;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a user id, or a list of user ids on call together")
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Participant, E> {
                Ok(Participant::User(UserId(v)))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Participant, E> {
                i64::try_from(v)
                    .map(|v| Participant::User(UserId(v)))
                    .map_err(|_| E::custom("user id out of range"))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut a: A,
            ) -> Result<Participant, A::Error> {
                let mut g = Vec::new();
                while let Some(u) = a.next_element::<UserId>()? {
                    g.push(u);
                }
                Ok(Participant::Group(g))
            }
        }
        d.deserialize_any(V)
    }
}

/// When a layer's turn moves on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Advance {
    #[default]
    EveryShift,
    ActiveDays,
}

impl Advance {
    fn is_default(&self) -> bool {
        *self == Advance::EveryShift
    }
}

/// A user covering a span of time, over every layer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(examples(json!({"user": 2, "start": "2026-12-24T09:00:00Z", "end": "2026-12-25T09:00:00Z"})))]
pub struct Override {
    #[serde(default)]
    #[schema(value_type = i64, minimum = 0, maximum = 4294967295.0)]
    pub id: u32,
    pub user: UserId,
    pub start: Timestamp,
    pub end: Timestamp,
    /// Whom `user` covers, when the override came from a cover request they accepted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub covering: Option<UserId>,
    /// `user` is on call beside whoever else is, replacing nobody (an extra pair of hands).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub add: bool,
}

/// A span with nobody from the schedule on call (a remove-only override), unless an
/// override puts someone there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Removal {
    #[serde(default)]
    #[schema(value_type = i64, minimum = 0, maximum = 4294967295.0)]
    pub id: u32,
    pub start: Timestamp,
    pub end: Timestamp,
}

/// A span whose layers replace all of the schedule's layers (a holiday plan); overrides and
/// removals still win over it. Of overlapping ones, the one listed later wins.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Temporary {
    #[serde(default)]
    #[schema(value_type = i64, minimum = 0, maximum = 4294967295.0)]
    pub id: u32,
    #[serde(deserialize_with = "crate::name::trimmed")]
    pub name: String,
    pub start: Timestamp,
    pub end: Timestamp,
    /// Its rotations, as a schedule's (start local to the schedule's zone).
    #[serde(default)]
    pub layers: Vec<Layer>,
}

/// A schedule as the API and the CLI file carry it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Schedule {
    #[serde(default)]
    pub id: Option<ScheduleId>,
    #[serde(deserialize_with = "crate::name::trimmed")]
    pub name: String,
    pub time_zone: crate::Zone,
    #[serde(default)]
    pub layers: Vec<Layer>,
    #[serde(default)]
    pub overrides: Vec<Override>,
    #[serde(default)]
    pub removals: Vec<Removal>,
    #[serde(default)]
    pub temporary: Vec<Temporary>,
}

/// Checks a span's years and order, naming `field`.
fn check_span(field: &str, start: Timestamp, end: Timestamp) -> Result<(), DomainError> {
    for (k, t) in [("start", start), ("end", end)] {
        let year = t.to_zoned(jiff::tz::TimeZone::UTC).year();
        if !SANE_YEARS.contains(&year) {
            return Err(out_of_years(format!("{field}.{k}")));
        }
    }
    if end <= start {
        return Err(DomainError::new(
            format!("{field}.end"),
            "must be after the start",
        ));
    }
    Ok(())
}

impl Schedule {
    /// Checks every rule; each failure names its field.
    pub fn validate(&self) -> Result<(), DomainError> {
        crate::name::checked("name", &self.name)?;
        if self.layers.len() > 20 {
            return Err(DomainError::new("layers", "at most 20 layers are allowed"));
        }
        check_layers("layers", &self.layers)?;
        if self.removals.len() > 10_000 {
            return Err(DomainError::new("removals", "at most 10000 removals"));
        }
        for (i, r) in self.removals.iter().enumerate() {
            check_span(&format!("removals[{i}]"), r.start, r.end)?;
        }
        if self.temporary.len() > 50 {
            return Err(DomainError::new(
                "temporary",
                "at most 50 temporary schedules",
            ));
        }
        for (i, t) in self.temporary.iter().enumerate() {
            let f = format!("temporary[{i}]");
            crate::name::checked(format!("{f}.name"), &t.name)?;
            check_span(&f, t.start, t.end)?;
            if t.layers.len() > 20 {
                return Err(DomainError::new(format!("{f}.layers"), "at most 20 layers"));
            }
            check_layers(&format!("{f}.layers"), &t.layers)?;
        }
        for (i, o) in self.overrides.iter().enumerate() {
            for (k, t) in [("start", o.start), ("end", o.end)] {
                let year = t.to_zoned(jiff::tz::TimeZone::UTC).year();
                if !SANE_YEARS.contains(&year) {
                    return Err(out_of_years(format!("overrides[{i}].{k}")));
                }
            }
            if o.end <= o.start {
                return Err(DomainError::new(
                    format!("overrides[{i}].end"),
                    "must be after the override's start",
                ));
            }
        }
        if self.overrides.len() > 10_000 {
            return Err(DomainError::new("overrides", "at most 10000 overrides"));
        }
        Ok(())
    }
}

/// Checks each layer of `layers`, naming `{at}[i].field`.
fn check_layers(at: &str, layers: &[Layer]) -> Result<(), DomainError> {
    for (i, l) in layers.iter().enumerate() {
        let f = |k: &str| format!("{at}[{i}].{k}");
        crate::name::checked(f("name"), &l.name)?;
        if l.participants.len() > 100 {
            return Err(DomainError::new(
                f("participants"),
                "at most 100 participants",
            ));
        }
        for (j, p) in l.participants.iter().enumerate() {
            let m = p.members();
            let distinct: std::collections::HashSet<_> = m.iter().collect();
            if m.is_empty() || m.len() > 10 || distinct.len() != m.len() {
                return Err(DomainError::new(
                    f(&format!("participants[{j}]")),
                    "a group must have 1 to 10 different people",
                ));
            }
        }
        let n = match l.shift {
            ShiftLength::Hours(n)
            | ShiftLength::Days(n)
            | ShiftLength::Weeks(n)
            | ShiftLength::Months(n) => n,
            ShiftLength::MonthlyWeekday { every, nth, .. } => {
                if !(1..=4).contains(&nth) && nth != -1 {
                    return Err(DomainError::new(
                        f("shift.monthly_weekday.nth"),
                        "must be 1 to 4, or -1 for the last of the month",
                    ));
                }
                every
            }
        };
        let too_long = match l.shift.months() {
            Some(m) => m > 12,
            None => l.shift.civil_secs() > 52 * 604_800,
        };
        if n == 0 || too_long {
            return Err(DomainError::new(
                f("shift"),
                "must be at least 1 and at most 52 weeks (or 12 months) long",
            ));
        }
        if !SANE_YEARS.contains(&l.start.year()) {
            return Err(out_of_years(f("start")));
        }
        if let Some(end) = l.end {
            if end <= l.start {
                return Err(DomainError::new(
                    f("end"),
                    "must be after the layer's start",
                ));
            }
        }
        if l.restrictions.len() > 14 {
            return Err(DomainError::new(f("restrictions"), "at most 14 windows"));
        }
        if l.advance == Advance::ActiveDays {
            let days = matches!(l.shift, ShiftLength::Days(_));
            let weekly = l
                .restrictions
                .iter()
                .all(|r| matches!(r, Restriction::Daily { .. } | Restriction::Weekly { .. }));
            if !days || !weekly || l.restrictions.is_empty() {
                return Err(DomainError::new(
                    f("advance"),
                    "active_days needs daily shifts and daily or weekly restrictions",
                ));
            }
        }
        for (j, r) in l.restrictions.iter().enumerate() {
            if let Restriction::EveryWeeks { weeks, .. } = r {
                if !(1..=52).contains(weeks) {
                    return Err(DomainError::new(
                        f(&format!("restrictions[{j}].weeks")),
                        "must be 1 to 52",
                    ));
                }
            }
        }
    }
    Ok(())
}

impl Schedule {
    /// Every user the schedule mentions.
    pub fn users(&self) -> Vec<UserId> {
        let mut v: Vec<UserId> = self
            .layers
            .iter()
            .chain(self.temporary.iter().flat_map(|t| t.layers.iter()))
            .flat_map(|l| {
                l.participants
                    .iter()
                    .flat_map(|p| p.members().iter().copied())
            })
            .chain(self.overrides.iter().map(|o| o.user))
            .collect();
        v.sort();
        v.dedup();
        v
    }
}
