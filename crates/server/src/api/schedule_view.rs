//! What the schedules API answers: a schedule with who is on call now, who is on call at an
//! instant, the shifts and gaps of a range, a calendar feed's URL.

use crate::app::AppState;
use serde::Serialize;
use std::collections::HashMap;
use switchboard_core::schedule::{Engine, Layer, Override, Removal, ScheduleId, Temporary};
use switchboard_core::store::StoredSchedule;
use switchboard_core::{TeamId, UserId};
use utoipa::ToSchema;

/// A schedule as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScheduleView {
    pub id: ScheduleId,
    #[schema(examples("Payments primary"))]
    pub name: String,
    #[schema(value_type = switchboard_core::schema::TimeZone)]
    pub time_zone: switchboard_core::Zone,
    pub layers: Vec<Layer>,
    pub overrides: Vec<Override>,
    pub removals: Vec<Removal>,
    pub temporary: Vec<Temporary>,
    /// Who is on call now (`null` when the schedule cannot be read).
    pub on_call_now: Option<OnCall>,
    /// The schedule's calendar feed (iCalendar).
    pub calendar_url: String,
    pub team: Option<TeamId>,
    pub created_at: jiff::Timestamp,
}

/// `{"schedules": [...]}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScheduleList {
    pub schedules: Vec<ScheduleView>,
}

/// A person, by id and name.
#[derive(Debug, Serialize, ToSchema)]
pub struct Person {
    pub id: UserId,
    pub name: Option<String>,
}

/// Who is on call.
#[derive(Debug, Serialize, ToSchema)]
pub struct OnCall {
    /// The first of them (`null`: nobody).
    pub user: Option<Person>,
    /// Everyone on call together.
    pub users: Vec<Person>,
    /// Why: `override`, `removed` or `layer:<name>`.
    #[schema(examples("layer:Weekdays"))]
    pub source: Option<String>,
}

/// `GET /schedules/{id}/on-call`: who is on call at an instant.
#[derive(Debug, Serialize, ToSchema)]
pub struct OnCallAt {
    pub at: jiff::Timestamp,
    #[serde(flatten)]
    pub on_call: OnCall,
}

/// A stretch of a range with the same people on call.
#[derive(Debug, Serialize, ToSchema)]
pub struct ShiftView {
    pub start: jiff::Timestamp,
    pub end: jiff::Timestamp,
    #[serde(flatten)]
    pub on_call: OnCall,
}

/// A stretch of a range with nobody on call.
#[derive(Debug, Serialize, ToSchema)]
pub struct Gap {
    pub start: jiff::Timestamp,
    pub end: jiff::Timestamp,
}

/// `GET /schedules/{id}/shifts`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Shifts {
    pub shifts: Vec<ShiftView>,
    pub gaps: Vec<Gap>,
}

/// A calendar feed's new URL.
#[derive(Debug, Serialize, ToSchema)]
pub struct CalendarFeed {
    pub calendar_url: String,
}

pub(crate) fn person(u: UserId, names: &HashMap<UserId, String>) -> Person {
    Person {
        id: u,
        name: names.get(&u).cloned(),
    }
}

/// Who is on call among `users`, first first, for `source`.
pub(crate) fn on_call(
    users: &[UserId],
    source: Option<String>,
    names: &HashMap<UserId, String>,
) -> OnCall {
    OnCall {
        user: users.first().map(|u| person(*u, names)),
        users: users.iter().map(|u| person(*u, names)).collect(),
        source,
    }
}

pub(crate) fn schedule_json(
    s: &AppState,
    st: &StoredSchedule,
    names: &HashMap<UserId, String>,
) -> ScheduleView {
    let now = s.clock.now();
    let sc = &st.schedule;
    ScheduleView {
        id: st.id,
        name: sc.name.clone(),
        time_zone: sc.time_zone.clone(),
        layers: sc.layers.clone(),
        overrides: sc.overrides.clone(),
        removals: sc.removals.clone(),
        temporary: sc.temporary.clone(),
        on_call_now: Engine::new(sc).ok().map(|e| {
            let o = e.on_call(now);
            on_call(&o.users, o.source.map(|x| x.label()), names)
        }),
        calendar_url: super::schedules::feed_url(s, &st.feed_token),
        team: st.team,
        created_at: st.created_at,
    }
}
