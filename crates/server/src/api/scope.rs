//! What a request may reach, applied: every handler loads the resources in its path through
//! these, so a line, schedule, channel, call or user of another team answers 404 exactly as
//! one that does not exist (no existence leak). The rules are `core::account::Access`.

use super::error::{ApiError, ApiResult};
use crate::accounts::Principal;
use crate::app::AppState;
use switchboard_core::account::{Access, Denied};
use switchboard_core::call::Call;
use switchboard_core::channel::{Channel, ChannelId};
use switchboard_core::line::Line;
use switchboard_core::schedule::ScheduleId;
use switchboard_core::store::{StoreError, StoredSchedule};
use switchboard_core::user::User;
use switchboard_core::{CallId, DomainError, LineId, TeamId, UserId};

/// What `who` may reach: an owner-level token everything; a user by their role and teams,
/// read at every request (a changed role or membership applies at once).
pub async fn load(state: &AppState, who: &Principal) -> ApiResult<Access> {
    load_with_user(state, who).await.map(|(a, _)| a)
}

/// [`load`], with the requester's account (none for an owner-level token).
pub async fn load_with_user(
    state: &AppState,
    who: &Principal,
) -> ApiResult<(Access, Option<User>)> {
    let Some(id) = who.user() else {
        return Ok((Access::owner_level(), None));
    };
    let user = match state.store.get_user(id).await {
        Ok(u) => u,
        // The session's or token's user is gone.
        Err(StoreError::NotFound) => return Err(ApiError::Unauthorized),
        Err(e) => return Err(ApiError::store("user")(e)),
    };
    let teams = state
        .store
        .user_teams(id)
        .await
        .map_err(ApiError::store("team"))?;
    let access = Access {
        user: Some(id),
        role: user.role,
        teams,
    };
    Ok((access, Some(user)))
}

/// A 403 with the reason.
pub fn forbidden(d: Denied) -> ApiError {
    ApiError::Forbidden(d.0.to_owned())
}

/// A 422 on `field` with the reason.
pub fn invalid(field: &str) -> impl Fn(Denied) -> ApiError + '_ {
    move |d| DomainError::new(field, d.0).into()
}

/// `Ok` when the resource is visible; the 404 of a missing `what` otherwise.
pub fn visible(a: &Access, team: Option<TeamId>, what: &'static str) -> ApiResult<()> {
    if a.sees(team) {
        Ok(())
    } else {
        Err(ApiError::NotFound(what))
    }
}

pub async fn line(s: &AppState, a: &Access, id: LineId) -> ApiResult<Line> {
    let l = s
        .store
        .get_line(id)
        .await
        .map_err(ApiError::store("line"))?;
    visible(a, l.team, "line")?;
    Ok(l)
}

pub async fn schedule(s: &AppState, a: &Access, id: ScheduleId) -> ApiResult<StoredSchedule> {
    let st = s
        .store
        .get_schedule(id)
        .await
        .map_err(ApiError::store("schedule"))?;
    visible(a, st.team, "schedule")?;
    Ok(st)
}

pub async fn channel(s: &AppState, a: &Access, id: ChannelId) -> ApiResult<Channel> {
    let c = s
        .store
        .get_channel(id)
        .await
        .map_err(ApiError::store("channel"))?;
    visible(a, c.team, "channel")?;
    Ok(c)
}

/// A call is visible with its line (deleted or not).
pub async fn call(s: &AppState, a: &Access, id: CallId) -> ApiResult<Call> {
    let c = s
        .store
        .get_call(id)
        .await
        .map_err(ApiError::store("call"))?;
    if !a.sees_everything() {
        let team = s
            .store
            .line_team(c.line_id)
            .await
            .map_err(ApiError::store("call"))?;
        visible(a, team, "call")?;
    }
    Ok(c)
}

pub async fn user(s: &AppState, a: &Access, id: UserId) -> ApiResult<User> {
    let u = s
        .store
        .get_user(id)
        .await
        .map_err(ApiError::store("user"))?;
    if !a.sees_everything() && a.user != Some(id) {
        let theirs = s
            .store
            .user_teams(id)
            .await
            .map_err(ApiError::store("user"))?;
        if !a.sees_user(id, &theirs) {
            return Err(ApiError::NotFound("user"));
        }
    }
    Ok(u)
}

/// Whether a lookup for a reference in a request body found something visible: a reference
/// to another team's resource is refused as if it did not exist.
pub async fn exists(s: &AppState, a: &Access, r: Ref) -> ApiResult<bool> {
    let found = match r {
        Ref::User(id) => user(s, a, id).await.map(|_| ()),
        Ref::Schedule(id) => schedule(s, a, id).await.map(|_| ()),
        Ref::Channel(id) => channel(s, a, id).await.map(|_| ()),
        Ref::Team(id) => team(s, a, id).await.map(|_| ()),
    };
    match found {
        Ok(()) => Ok(true),
        Err(ApiError::NotFound(_)) => Ok(false),
        Err(e) => Err(e),
    }
}

/// Something a request body refers to by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ref {
    User(UserId),
    Schedule(ScheduleId),
    Channel(ChannelId),
    Team(TeamId),
}

pub async fn team(
    s: &AppState,
    a: &Access,
    id: TeamId,
) -> ApiResult<switchboard_core::account::Team> {
    let t = s
        .store
        .get_team(id)
        .await
        .map_err(ApiError::store("team"))?;
    visible(a, Some(id), "team")?;
    Ok(t)
}

/// The team a new resource goes to: the one named in the body (which must exist and be
/// visible), or the member's only team.
pub async fn team_for_new(
    s: &AppState,
    a: &Access,
    named: Option<TeamId>,
) -> ApiResult<Option<TeamId>> {
    if let Some(t) = named {
        if !exists(s, a, Ref::Team(t)).await? {
            return Err(DomainError::new("team", format!("team {t} does not exist")).into());
        }
    }
    a.team_for_new(named).map_err(invalid("team"))
}

/// A 422 on `field` unless the resource `r` exists and the request may see it.
pub async fn must_exist(s: &AppState, a: &Access, r: Ref, field: String) -> ApiResult<()> {
    if exists(s, a, r).await? {
        return Ok(());
    }
    let what = match r {
        Ref::User(id) => format!("user {id}"),
        Ref::Schedule(id) => format!("schedule {id}"),
        Ref::Channel(id) => format!("channel {id}"),
        Ref::Team(id) => format!("team {id}"),
    };
    Err(DomainError::new(field, format!("{what} does not exist")).into())
}

/// The users a request may see (`None`: everyone): oneself and the members of one's teams.
pub async fn visible_users(
    s: &AppState,
    a: &Access,
) -> ApiResult<Option<std::collections::HashSet<UserId>>> {
    if a.sees_everything() {
        return Ok(None);
    }
    let teams = s
        .store
        .list_teams()
        .await
        .map_err(ApiError::store("team"))?;
    let mut out: std::collections::HashSet<UserId> = a.user.into_iter().collect();
    for t in teams.iter().filter(|t| a.teams.contains(&t.id)) {
        out.extend(t.members.iter().copied());
    }
    Ok(Some(out))
}
