//! `/api/v1/schedules`: schedules, their layers and overrides, who is on call, shifts, and
//! calendar feeds.

use super::error::{ApiError, ApiJson, ApiQuery, ApiResult};
use super::schedule_view::{
    on_call, schedule_json, CalendarFeed, Gap, OnCallAt, ScheduleList, ScheduleView, ShiftView,
    Shifts,
};
use super::scope::{self, Ref};
use super::{instant, parse_id, random_secret};
use crate::app::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Extension;
use axum::Json;
use serde::Deserialize;
use serde_json::Value;
use std::collections::HashMap;
use switchboard_core::account::Access;
use switchboard_core::schedule::{Engine, Layer, Override, Schedule};
use switchboard_core::store::{StoreError, StoredSchedule};
use switchboard_core::Zone;
use switchboard_core::{DomainError, TeamId, UserId};
use utoipa::ToSchema;

/// Longest range `/shifts` answers for.
const MAX_RANGE_DAYS: i64 = 366;

pub(crate) fn feed_url(s: &AppState, token: &str) -> String {
    crate::urls::Urls::new(&s.config.public_url).calendar(token)
}

pub(crate) async fn user_names(s: &AppState) -> ApiResult<HashMap<UserId, String>> {
    Ok(s.store
        .list_users()
        .await
        .map_err(ApiError::store("user"))?
        .into_iter()
        .map(|u| (u.id, u.name))
        .collect())
}

/// Gives every layer, removal, temporary schedule and override without an id (or with a
/// repeated one) a fresh one.
pub(crate) fn assign_ids(sched: &mut Schedule) {
    fresh_ids(sched.layers.iter_mut().map(|l| &mut l.id));
    fresh_ids(sched.removals.iter_mut().map(|r| &mut r.id));
    fresh_ids(sched.temporary.iter_mut().map(|t| &mut t.id));
    fresh_ids(sched.overrides.iter_mut().map(|o| &mut o.id));
}

/// Replaces each id that is 0 or repeats an earlier one with one above all of them, or, when
/// the ids given reach `u32::MAX`, with the lowest one free (at most 10,000 items a list, so
/// one always is).
fn fresh_ids<'a>(ids: impl Iterator<Item = &'a mut u32>) {
    let mut ids: Vec<&mut u32> = ids.collect();
    let given: std::collections::HashSet<u32> = ids.iter().map(|i| **i).collect();
    let mut next = ids.iter().map(|i| **i).max().unwrap_or(0);
    let mut seen = std::collections::HashSet::new();
    for id in &mut ids {
        if **id == 0 || !seen.insert(**id) {
            let free = |n: &u32| !given.contains(n) && !seen.contains(n);
            next = next
                .checked_add(1)
                .filter(free)
                .unwrap_or_else(|| (1..=u32::MAX).find(free).unwrap_or(1));
            **id = next;
            seen.insert(next);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::fresh_ids;

    #[test]
    fn ids_given_up_to_the_largest_still_leave_room() {
        let mut ids = [u32::MAX, 0, 0, 7, 7, 0, 2];
        fresh_ids(ids.iter_mut());
        assert_eq!(ids, [u32::MAX, 1, 3, 7, 4, 5, 2]);
        let mut ids = [0, 5, 0, 5];
        fresh_ids(ids.iter_mut());
        assert_eq!(ids, [6, 5, 7, 8]);
    }
}

/// Validates the schedule and that every user it names exists. A member may put only people
/// they can see (their teams') on a schedule; those it named already (`kept`) need only
/// still exist.
async fn check(s: &AppState, a: &Access, sched: &Schedule, kept: &[UserId]) -> ApiResult<()> {
    sched.validate()?;
    let mut names = user_names(s).await?;
    if let Some(visible) = scope::visible_users(s, a).await? {
        names.retain(|u, _| visible.contains(u) || kept.contains(u));
    }
    for (i, l) in sched.layers.iter().enumerate() {
        if let Some(u) = l
            .participants
            .iter()
            .flat_map(|p| p.members())
            .find(|u| !names.contains_key(u))
        {
            return Err(DomainError::new(
                format!("layers[{i}].participants"),
                format!("user {u} does not exist"),
            )
            .into());
        }
    }
    for (t, temp) in sched.temporary.iter().enumerate() {
        for (i, l) in temp.layers.iter().enumerate() {
            if let Some(u) = l
                .participants
                .iter()
                .flat_map(|p| p.members())
                .find(|u| !names.contains_key(u))
            {
                return Err(DomainError::new(
                    format!("temporary[{t}].layers[{i}].participants"),
                    format!("user {u} does not exist"),
                )
                .into());
            }
        }
    }
    for (i, o) in sched.overrides.iter().enumerate() {
        if !names.contains_key(&o.user) {
            return Err(DomainError::new(
                format!("overrides[{i}].user"),
                format!("user {} does not exist", o.user),
            )
            .into());
        }
    }
    Ok(())
}

async fn load(s: &AppState, a: &Access, id: &str) -> ApiResult<StoredSchedule> {
    scope::schedule(s, a, parse_id(id, "schedule")?).await
}

/// Loads the schedule, applies `change`, validates and saves it; when someone else saved
/// in between, starts again from their version, so concurrent edits (two people adding
/// overrides at once) never lose one another.
pub(crate) async fn modify(
    s: &AppState,
    a: &Access,
    id: &str,
    team: Option<Option<TeamId>>,
    change: impl Fn(&mut Schedule) -> ApiResult<()>,
) -> ApiResult<Json<ScheduleView>> {
    if let Some(Some(t)) = team {
        if !scope::exists(s, a, Ref::Team(t)).await? {
            return Err(DomainError::new("team", format!("team {t} does not exist")).into());
        }
    }
    for attempt in 0..25u64 {
        if attempt > 0 {
            // Back off a little, with jitter, so a burst of concurrent edits drains instead
            // of colliding again at once.
            use rand::Rng;
            let ms = rand::thread_rng().gen_range(1..=5 * attempt.min(10));
            tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
        }
        let st = load(s, a, id).await?;
        // The past, recorded under the rules it had, before they change.
        crate::history::record(s, &st, s.clock.now())
            .await
            .map_err(ApiError::store("schedule"))?;
        let new_team = match team {
            Some(to) => {
                a.may_move(st.team, to).map_err(scope::invalid("team"))?;
                to
            }
            None => st.team,
        };
        let kept = st.schedule.users();
        let mut sched = st.schedule;
        change(&mut sched)?;
        assign_ids(&mut sched);
        check(s, a, &sched, &kept).await?;
        match s
            .store
            .update_schedule(st.id, &sched, new_team, st.version)
            .await
        {
            Ok(saved) => return Ok(Json(schedule_json(s, &saved, &user_names(s).await?))),
            Err(StoreError::Conflict(_)) => continue,
            Err(e) => return Err(ApiError::store("schedule")(e)),
        }
    }
    Err(ApiError::Conflict(
        "the schedule kept changing while saving; try again".to_owned(),
    ))
}

/// A new schedule: the schedule itself and, optionally, the team that owns it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(examples(json!({"name": "Primary", "time_zone": "Europe/Berlin", "layers": [{"name": "daily", "participants": [1, 2], "start": "2026-11-23T09:00", "shift": {"days": 1}}]})))]
pub struct ScheduleInput {
    /// Ignored, as before: a schedule file may carry its id.
    #[serde(default, rename = "id")]
    _id: Option<Value>,
    #[serde(deserialize_with = "switchboard_core::name::trimmed")]
    name: String,
    time_zone: Zone,
    #[serde(default)]
    layers: Vec<Layer>,
    #[serde(default)]
    overrides: Vec<Override>,
    /// Spans with nobody from the schedule on call.
    #[serde(default)]
    removals: Vec<switchboard_core::schedule::Removal>,
    /// Spans whose layers replace the schedule's (a holiday plan).
    #[serde(default)]
    temporary: Vec<switchboard_core::schedule::Temporary>,
    team: Option<TeamId>,
}

impl ScheduleInput {
    /// The schedule it describes, without ids yet (see [`assign_ids`]), and not yet checked.
    pub(crate) fn schedule(self) -> Schedule {
        Schedule {
            removals: self.removals,
            temporary: self.temporary,
            id: None,
            name: self.name,
            time_zone: self.time_zone,
            layers: self.layers,
            overrides: self.overrides,
        }
    }
}

#[utoipa::path(
    post,
    path = "/schedules",
    tag = "schedules",
    request_body = ScheduleInput,
    responses((status = 201, description = "Created", body = ScheduleView))
)]
pub async fn create_schedule(
    State(s): State<AppState>,
    Extension(a): Extension<Access>,
    ApiJson(input): ApiJson<ScheduleInput>,
) -> ApiResult<(StatusCode, Json<ScheduleView>)> {
    let team = scope::team_for_new(&s, &a, input.team).await?;
    let mut sched = input.schedule();
    assign_ids(&mut sched);
    check(&s, &a, &sched, &[]).await?;
    let st = s
        .store
        .create_schedule(&sched, &random_secret(), team, s.clock.now())
        .await
        .map_err(ApiError::store("schedule"))?;
    Ok((
        StatusCode::CREATED,
        Json(schedule_json(&s, &st, &user_names(&s).await?)),
    ))
}

#[utoipa::path(
    get,
    path = "/schedules",
    tag = "schedules",
    responses((status = 200, description = "OK", body = ScheduleList))
)]
pub async fn list_schedules(
    State(s): State<AppState>,
    Extension(a): Extension<Access>,
) -> ApiResult<Json<ScheduleList>> {
    let names = user_names(&s).await?;
    let all = s
        .store
        .list_schedules()
        .await
        .map_err(ApiError::store("schedule"))?;
    let schedules = all
        .iter()
        .filter(|st| a.sees(st.team))
        .map(|st| schedule_json(&s, st, &names))
        .collect();
    Ok(Json(ScheduleList { schedules }))
}

#[utoipa::path(
    get,
    path = "/schedules/{id}",
    tag = "schedules",
    params(("id" = i64, Path, description = "The schedule's id", example = 1)),
    responses((status = 200, description = "OK", body = ScheduleView))
)]
pub async fn get_schedule(
    State(s): State<AppState>,
    Extension(a): Extension<Access>,
    Path(id): Path<String>,
) -> ApiResult<Json<ScheduleView>> {
    let st = load(&s, &a, &id).await?;
    Ok(Json(schedule_json(&s, &st, &user_names(&s).await?)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(examples(json!({"name": "Primary (EU)"})))]
pub struct SchedulePatch {
    #[serde(default, deserialize_with = "switchboard_core::name::trimmed_option")]
    name: Option<String>,
    time_zone: Option<Zone>,
    layers: Option<Vec<Layer>>,
    overrides: Option<Vec<Override>>,
    removals: Option<Vec<switchboard_core::schedule::Removal>>,
    temporary: Option<Vec<switchboard_core::schedule::Temporary>>,
    /// The owning team; `null`: none (admins only).
    #[serde(default, deserialize_with = "super::lines::explicit_null")]
    team: Option<Option<TeamId>>,
}

#[utoipa::path(
    patch,
    path = "/schedules/{id}",
    tag = "schedules",
    params(("id" = i64, Path, description = "The schedule's id", example = 1)),
    request_body = SchedulePatch,
    responses((status = 200, description = "OK", body = ScheduleView))
)]
pub async fn update_schedule(
    State(s): State<AppState>,
    Extension(a): Extension<Access>,
    Path(id): Path<String>,
    ApiJson(p): ApiJson<SchedulePatch>,
) -> ApiResult<Json<ScheduleView>> {
    modify(&s, &a, &id, p.team, |sched| {
        if let Some(n) = &p.name {
            sched.name = n.clone();
        }
        if let Some(z) = &p.time_zone {
            sched.time_zone = z.clone();
        }
        if let Some(l) = &p.layers {
            sched.layers = l.clone();
        }
        if let Some(o) = &p.overrides {
            sched.overrides = o.clone();
        }
        if let Some(r) = &p.removals {
            sched.removals = r.clone();
        }
        if let Some(t) = &p.temporary {
            sched.temporary = t.clone();
        }
        Ok(())
    })
    .await
}

#[utoipa::path(
    delete,
    path = "/schedules/{id}",
    tag = "schedules",
    params(("id" = i64, Path, description = "The schedule's id", example = 1)),
    responses((status = 204, description = "Done"))
)]
pub async fn delete_schedule(
    State(s): State<AppState>,
    Extension(a): Extension<Access>,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let st = load(&s, &a, &id).await?;
    let lines = s
        .store
        .list_lines()
        .await
        .map_err(ApiError::store("line"))?;
    if let Some(l) = lines.iter().find(|l| {
        switchboard_core::routing::configured_steps(l)
            .iter()
            .any(|step| step.schedule() == Some(st.id))
    }) {
        return Err(ApiError::Conflict(format!(
            "schedule {} is in the routing of line '{}' (id {}); remove it from there first",
            st.id, l.name, l.id
        )));
    }
    s.store
        .delete_schedule(st.id)
        .await
        .map_err(ApiError::store("schedule"))?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    post,
    path = "/schedules/{id}/layers",
    tag = "schedules",
    params(("id" = i64, Path, description = "The schedule's id", example = 1)),
    request_body = Layer,
    responses((status = 201, description = "Created", body = ScheduleView))
)]
pub async fn add_layer(
    State(s): State<AppState>,
    Extension(a): Extension<Access>,
    Path(id): Path<String>,
    ApiJson(layer): ApiJson<Layer>,
) -> ApiResult<(StatusCode, Json<ScheduleView>)> {
    let layer = Layer { id: 0, ..layer };
    let saved = modify(&s, &a, &id, None, |sched| {
        sched.layers.push(layer.clone());
        Ok(())
    })
    .await?;
    Ok((StatusCode::CREATED, saved))
}

#[utoipa::path(
    put,
    path = "/schedules/{id}/layers/{layer}",
    tag = "schedules",
    params(("id" = i64, Path, description = "The schedule's id", example = 1), ("layer" = u32, Path, description = "The layer's id within the schedule", example = 1)),
    request_body = Layer,
    responses((status = 200, description = "OK", body = ScheduleView))
)]
pub async fn update_layer(
    State(s): State<AppState>,
    Extension(a): Extension<Access>,
    Path((id, layer_id)): Path<(String, String)>,
    ApiJson(layer): ApiJson<Layer>,
) -> ApiResult<Json<ScheduleView>> {
    let lid: u32 = parse_id(&layer_id, "layer")?;
    let layer = Layer { id: lid, ..layer };
    modify(&s, &a, &id, None, |sched| {
        let slot = sched
            .layers
            .iter_mut()
            .find(|l| l.id == lid)
            .ok_or(ApiError::NotFound("layer"))?;
        *slot = layer.clone();
        Ok(())
    })
    .await
}

#[utoipa::path(
    delete,
    path = "/schedules/{id}/layers/{layer}",
    tag = "schedules",
    params(("id" = i64, Path, description = "The schedule's id", example = 1), ("layer" = u32, Path, description = "The layer's id within the schedule", example = 1)),
    responses((status = 200, description = "OK", body = ScheduleView))
)]
pub async fn delete_layer(
    State(s): State<AppState>,
    Extension(a): Extension<Access>,
    Path((id, layer_id)): Path<(String, String)>,
) -> ApiResult<Json<ScheduleView>> {
    let lid: u32 = parse_id(&layer_id, "layer")?;
    modify(&s, &a, &id, None, |sched| {
        let before = sched.layers.len();
        sched.layers.retain(|l| l.id != lid);
        if sched.layers.len() == before {
            return Err(ApiError::NotFound("layer"));
        }
        Ok(())
    })
    .await
}

#[utoipa::path(
    post,
    path = "/schedules/{id}/overrides",
    tag = "schedules",
    params(("id" = i64, Path, description = "The schedule's id", example = 1)),
    request_body = Override,
    responses((status = 201, description = "Created", body = ScheduleView))
)]
pub async fn add_override(
    State(s): State<AppState>,
    Extension(a): Extension<Access>,
    Path(id): Path<String>,
    ApiJson(o): ApiJson<Override>,
) -> ApiResult<(StatusCode, Json<ScheduleView>)> {
    let o = Override { id: 0, ..o };
    let saved = modify(&s, &a, &id, None, |sched| {
        sched.overrides.push(o.clone());
        Ok(())
    })
    .await?;
    Ok((StatusCode::CREATED, saved))
}

#[utoipa::path(
    delete,
    path = "/schedules/{id}/overrides/{override}",
    tag = "schedules",
    params(("id" = i64, Path, description = "The schedule's id", example = 1), ("override" = u32, Path, description = "The override's id within the schedule", example = 1)),
    responses((status = 200, description = "OK", body = ScheduleView))
)]
pub async fn delete_override(
    State(s): State<AppState>,
    Extension(a): Extension<Access>,
    Path((id, oid)): Path<(String, String)>,
) -> ApiResult<Json<ScheduleView>> {
    let oid: u32 = parse_id(&oid, "override")?;
    modify(&s, &a, &id, None, |sched| {
        let before = sched.overrides.len();
        sched.overrides.retain(|o| o.id != oid);
        if sched.overrides.len() == before {
            return Err(ApiError::NotFound("override"));
        }
        Ok(())
    })
    .await
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AtQuery {
    #[param(value_type = Option<String>, format = DateTime, example = "2026-11-24T09:00:00Z")]
    at: Option<String>,
}

fn engine(st: &StoredSchedule) -> ApiResult<Engine> {
    Engine::new(&st.schedule).map_err(ApiError::from)
}

#[utoipa::path(
    get,
    path = "/schedules/{id}/on-call",
    tag = "schedules",
    params(("id" = i64, Path, description = "The schedule's id", example = 1), AtQuery),
    responses((status = 200, description = "OK", body = OnCallAt))
)]
pub async fn get_on_call(
    State(s): State<AppState>,
    Extension(a): Extension<Access>,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<AtQuery>,
) -> ApiResult<Json<OnCallAt>> {
    let st = load(&s, &a, &id).await?;
    let at = match q.at {
        Some(a) => instant("at", &a)?,
        None => s.clock.now(),
    };
    let oc = engine(&st)?.on_call(at);
    let names = user_names(&s).await?;
    Ok(Json(OnCallAt {
        at,
        on_call: on_call(&oc.users, oc.source.map(|x| x.label()), &names),
    }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RangeQuery {
    #[param(value_type = String, format = DateTime, example = "2026-11-24T09:00:00Z")]
    from: Option<String>,
    #[param(value_type = String, format = DateTime, example = "2026-12-01T09:00:00Z")]
    to: Option<String>,
}

#[utoipa::path(
    get,
    path = "/schedules/{id}/shifts",
    tag = "schedules",
    params(("id" = i64, Path, description = "The schedule's id", example = 1), RangeQuery),
    responses((status = 200, description = "OK", body = Shifts))
)]
pub async fn get_shifts(
    State(s): State<AppState>,
    Extension(a): Extension<Access>,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<RangeQuery>,
) -> ApiResult<Json<Shifts>> {
    let required = |field: &'static str, v: Option<String>| {
        v.ok_or_else(|| {
            DomainError::new(
                field,
                "is required: an RFC 3339 instant, e.g. 2026-11-24T09:00:00Z",
            )
        })
    };
    let (from, to) = (
        instant("from", &required("from", q.from)?)?,
        instant("to", &required("to", q.to)?)?,
    );
    if to <= from {
        return Err(DomainError::new("to", "must be after from").into());
    }
    if to.as_second() - from.as_second() > MAX_RANGE_DAYS * 86_400 {
        return Err(DomainError::new(
            "to",
            format!("the range may span at most {MAX_RANGE_DAYS} days"),
        )
        .into());
    }
    let st = load(&s, &a, &id).await?;
    let merged = crate::history::timeline(&s, &st, from, to)
        .await
        .map_err(ApiError::store("schedule"))?;
    let names = user_names(&s).await?;
    let shifts = merged
        .iter()
        .filter(|x| !x.users.is_empty())
        .map(|x| ShiftView {
            start: x.start,
            end: x.end,
            on_call: on_call(&x.users, x.source.clone(), &names),
        })
        .collect();
    let gaps = merged
        .iter()
        .filter(|x| x.users.is_empty())
        .map(|x| Gap {
            start: x.start,
            end: x.end,
        })
        .collect();
    Ok(Json(Shifts { shifts, gaps }))
}

/// Rotates the schedule's calendar secret (the old URL stops working).
#[utoipa::path(
    post,
    path = "/schedules/{id}/calendar-feed",
    tag = "schedules",
    params(("id" = i64, Path, description = "The schedule's id", example = 1)),
    responses((status = 200, description = "OK", body = CalendarFeed))
)]
pub async fn rotate_schedule_feed(
    State(s): State<AppState>,
    Extension(a): Extension<Access>,
    Path(id): Path<String>,
) -> ApiResult<Json<CalendarFeed>> {
    let st = load(&s, &a, &id).await?;
    let token = random_secret();
    s.store
        .set_schedule_feed_token(st.id, &token)
        .await
        .map_err(ApiError::store("schedule"))?;
    Ok(Json(CalendarFeed {
        calendar_url: feed_url(&s, &token),
    }))
}

/// Creates (or rotates) a user's personal calendar secret.
#[utoipa::path(
    post,
    path = "/users/{id}/calendar-feed",
    tag = "users",
    params(("id" = i64, Path, description = "The user's id", example = 1)),
    responses((status = 200, description = "OK", body = CalendarFeed))
)]
pub async fn rotate_user_feed(
    State(s): State<AppState>,
    Extension(a): Extension<Access>,
    Path(id): Path<String>,
) -> ApiResult<Json<CalendarFeed>> {
    let id: UserId = parse_id(&id, "user")?;
    scope::user(&s, &a, id).await?;
    if a.user != Some(id) {
        a.manage_people().map_err(scope::forbidden)?;
    }
    let token = random_secret();
    s.store
        .set_user_feed_token(id, &token)
        .await
        .map_err(ApiError::store("user"))?;
    Ok(Json(CalendarFeed {
        calendar_url: feed_url(&s, &token),
    }))
}
