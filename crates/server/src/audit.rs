//! Writing the audit trail: every API request that changes something (its route, who made it,
//! from where, the status, and the resource before and after, secrets masked), every
//! recording download, every login and every account command. `GET /api/v1/audit` reads it.
//!
//! The state before and after is the API's own view of the resource (the handler that answers
//! `GET` on it, with the requester's rights), so it shows exactly what a reader of the API
//! would have seen, and a new resource or route is audited without more code here.

use crate::accounts::Principal;
use crate::api::error::{ApiError, ApiQuery, ApiResult};
use crate::api::{calls, channels, lines, schedules, scope, teams, users};
use crate::app::AppState;
use axum::body::Body;
use axum::extract::{MatchedPath, Path, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use axum::{Extension, Json};
use serde::Deserialize;
use serde_json::Value;
use switchboard_core::account::Access;
use switchboard_core::audit::{mask_secrets, AuditEntry, AuditFilter};
use switchboard_core::UserId;

/// An account as the trail names it: "Name <email>".
pub fn named(user: &switchboard_core::user::User) -> String {
    format!("{} <{}>", user.name, user.email)
}

/// Who acted, in words, for the audit trail.
pub async fn actor(state: &AppState, who: &Principal) -> (Option<UserId>, String) {
    let named = |u: UserId| async move {
        match state.store.get_user(u).await {
            Ok(user) => named(&user),
            Err(_) => format!("user {u}"),
        }
    };
    match who {
        Principal::Session { user, .. } => (Some(*user), named(*user).await),
        Principal::Token {
            id, user: Some(u), ..
        } => (Some(*u), format!("{} (API token {id})", named(*u).await)),
        Principal::Token { id, user: None, .. } => (None, format!("owner-level API token {id}")),
    }
}

/// Appends `entry`. The change it describes is stored already, so a failure here is logged
/// (at error, with its cause) rather than turned into a failed request.
pub async fn record(state: &AppState, entry: AuditEntry) {
    if let Err(e) = state.store.append_audit(&entry).await {
        tracing::error!(
            error = %crate::errors::chain(&e),
            action = %entry.action,
            "could not write to the audit trail"
        );
    }
}

/// The resource a path is about, as `(kind, id)`: `/lines/3/coverage` → `("lines", "3")`;
/// `/me` → the requester's own user.
fn resource(path: &str, who: &Principal) -> Option<(String, String)> {
    let mut seg = path.trim_start_matches('/').split('/');
    let kind = seg.next()?;
    // One's own details, through the API (`/me`) or the profile page.
    if kind == "me" || path.trim_end_matches('/') == "/profile" {
        return who.user().map(|u| ("users".to_owned(), u.to_string()));
    }
    let id = seg.next()?;
    id.parse::<i64>()
        .ok()
        .map(|_| (kind.to_owned(), id.to_owned()))
}

/// The API's view of a resource, as its `GET` answers the requester, secrets masked.
async fn snapshot(s: &AppState, a: &Access, kind: &str, id: &str) -> Option<Value> {
    let (st, ac, p) = (State(s.clone()), Extension(a.clone()), Path(id.to_owned()));
    let got = match kind {
        "lines" => value(lines::get_line(st, ac, p).await),
        "schedules" => value(schedules::get_schedule(st, ac, p).await),
        "users" => value(users::get_user(st, ac, p).await),
        "channels" => value(channels::get_channel(st, ac, p).await),
        "teams" => value(teams::get_team(st, ac, p).await),
        "calls" => value(calls::get_call(st, ac, p).await),
        "incidents" => value(crate::api::incidents::get_incident(st, ac, p).await),
        "integrations" => value(crate::api::integrations::get_integration(st, ac, p).await),
        _ => return None,
    };
    got.map(|v| mask_secrets(&v))
}

/// A `GET` answer as JSON, if it succeeded.
fn value<T: serde::Serialize>(got: Result<Json<T>, crate::api::error::ApiError>) -> Option<Value> {
    got.ok().and_then(|Json(v)| serde_json::to_value(v).ok())
}

/// Records every request that changes something, and every recording download.
/// Marks an answer to a POST that only showed something (a page form's preview or check)
/// and changed nothing: the trail leaves it out.
#[derive(Debug, Clone, Copy)]
pub struct Unchanged;

/// Marks `resp` as changing nothing (see [`Unchanged`]).
pub fn unchanged(mut resp: Response) -> Response {
    resp.extensions_mut().insert(Unchanged);
    resp
}

pub async fn layer(State(s): State<AppState>, req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| path.clone(), |m| m.as_str().to_owned());
    let download = route.ends_with("/media");
    if crate::accounts::session::is_safe(&method) && !download {
        return next.run(req).await;
    }
    let (Some(who), Some(access)) = (
        req.extensions().get::<Principal>().cloned(),
        req.extensions().get::<Access>().cloned(),
    ) else {
        return next.run(req).await;
    };
    let address = crate::accounts::routes::address(&s, req.extensions(), req.headers());
    let res = resource(&path, &who);
    let before = match &res {
        Some((k, id)) if !download => snapshot(&s, &access, k, id).await,
        _ => None,
    };
    let resp = next.run(req).await;
    if resp.extensions().get::<Unchanged>().is_some() {
        return resp;
    }
    let status = resp.status();
    let (resp, body) = if download {
        (resp, None)
    } else {
        let (parts, body) = resp.into_parts();
        match axum::body::to_bytes(body, 4 << 20).await {
            Ok(bytes) => {
                let v = serde_json::from_slice::<Value>(&bytes).ok();
                (Response::from_parts(parts, Body::from(bytes)), v)
            }
            Err(e) => {
                tracing::error!(error = %e, "could not read an API answer to audit it");
                (Response::from_parts(parts, Body::empty()), None)
            }
        }
    };
    // A method the route does not have touched nothing; a refused download is not one.
    if status == axum::http::StatusCode::METHOD_NOT_ALLOWED || (download && !status.is_success()) {
        return resp;
    }
    let mut target = path.trim_start_matches('/').to_owned();
    let after = if download || !status.is_success() || method == axum::http::Method::DELETE {
        None
    } else if let Some((k, id)) = &res {
        snapshot(&s, &access, k, id)
            .await
            .or(body.as_ref().map(mask_secrets))
    } else {
        // A new resource names itself in the answer.
        if let Some(id) = body.as_ref().and_then(|b| b["id"].as_i64()) {
            target = format!("{target}/{id}");
        }
        body.as_ref().map(mask_secrets)
    };
    let (actor_user, actor) = actor(&s, &who).await;
    let action = if download {
        "download recording".to_owned()
    } else {
        format!("{method} {route}")
    };
    record(
        &s,
        AuditEntry {
            at: s.clock.now(),
            actor_user,
            actor,
            address: Some(address),
            action,
            target: Some(target),
            status: status.as_u16(),
            before,
            after,
        },
    )
    .await;
    resp
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    #[param(example = 2)]
    pub actor: Option<i64>,
    #[param(max_length = 200, example = "PATCH /lines/{id}")]
    pub action: Option<String>,
    #[param(max_length = 200, example = "lines/3")]
    pub target: Option<String>,
    #[param(value_type = Option<String>, format = DateTime, example = "2026-11-24T09:00:00Z")]
    pub since: Option<String>,
    #[param(value_type = Option<String>, format = DateTime, example = "2026-11-24T09:00:00Z")]
    pub until: Option<String>,
    #[param(example = 900)]
    pub before: Option<i64>,
    /// Entries per page: 1 to 500 (100 by default).
    #[param(minimum = 1, maximum = 500, example = 100)]
    pub limit: Option<u32>,
}

fn instant(field: &str, raw: &str) -> ApiResult<jiff::Timestamp> {
    raw.parse().map_err(|_| {
        switchboard_core::DomainError::new(
            field,
            format!("'{raw}' is not an RFC 3339 instant, e.g. 2026-11-24T09:00:00Z"),
        )
        .into()
    })
}

/// `GET /api/v1/audit`: the trail, newest first, for admins and owners.
#[utoipa::path(
    get,
    path = "/audit",
    tag = "audit",
    params(AuditQuery),
    responses((status = 200, description = "OK", body = crate::accounts::views::AuditList))
)]
pub async fn list_audit(
    State(s): State<AppState>,
    Extension(a): Extension<Access>,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> ApiResult<Json<crate::accounts::views::AuditList>> {
    a.manage_people().map_err(scope::forbidden)?;
    for (field, v) in [("action", &q.action), ("target", &q.target)] {
        if v.as_ref()
            .is_some_and(|t| t.contains('\0') || t.len() > 200)
        {
            return Err(switchboard_core::DomainError::new(
                field,
                "must be up to 200 characters, without NUL",
            )
            .into());
        }
    }
    let filter = AuditFilter {
        actor_user: q.actor.map(UserId),
        action: q.action,
        target: q.target.map(|t| t.trim_matches('/').to_owned()),
        since: q.since.map(|t| instant("since", &t)).transpose()?,
        until: q.until.map(|t| instant("until", &t)).transpose()?,
        before: q.before,
        limit: crate::api::page_limit(q.limit, 100, 500)?,
    };
    let entries = s
        .store
        .list_audit(&filter)
        .await
        .map_err(ApiError::store("audit entry"))?;
    let next_before = (entries.len() as u32 == filter.limit)
        .then(|| entries.last().map(|(id, _)| *id))
        .flatten();
    let entries = entries
        .into_iter()
        .map(|(id, e)| crate::accounts::views::AuditEntryView {
            id,
            at: e.at,
            actor: e.actor,
            actor_user: e.actor_user,
            address: e.address,
            action: e.action,
            target: e.target,
            status: e.status,
            before: e.before,
            after: e.after,
        })
        .collect();
    Ok(Json(crate::accounts::views::AuditList {
        entries,
        next_before,
    }))
}

/// Records an account command run on the server (`user create`, `user set-password`, `token
/// create`, `token revoke`); the actor is the command line and the system user running it.
pub async fn command_line(
    store: &dyn switchboard_core::store::Store,
    action: &str,
    target: String,
) -> anyhow::Result<()> {
    let who = std::env::var("USER").unwrap_or_else(|_| "unknown".to_owned());
    store
        .append_audit(&AuditEntry {
            at: jiff::Timestamp::now(),
            actor_user: None,
            actor: format!("command line (system user {who})"),
            address: None,
            action: action.to_owned(),
            target: Some(target),
            status: 0,
            before: None,
            after: None,
        })
        .await
        .map_err(|e| anyhow::anyhow!("done, but the audit trail could not be written: {e}"))
}

/// A login attempt, by password or single sign-on: `user` when it succeeded, otherwise `who`
/// (the email the attempt gave, cut short: it is the requester's text).
pub struct LoginAttempt {
    pub action: &'static str,
    pub status: axum::http::StatusCode,
    pub user: Option<switchboard_core::user::User>,
    pub who: String,
    pub address: String,
}

/// Records a login attempt.
pub async fn login(state: &AppState, a: LoginAttempt) {
    let (actor_user, actor) = match &a.user {
        Some(u) => (Some(u.id), named(u)),
        None => (
            None,
            a.who
                .chars()
                .filter(|c| !c.is_control())
                .take(120)
                .collect(),
        ),
    };
    record(
        state,
        AuditEntry {
            at: state.clock.now(),
            actor_user,
            actor,
            address: Some(a.address),
            action: a.action.to_owned(),
            target: actor_user.map(|u| format!("users/{u}")),
            status: a.status.as_u16(),
            before: None,
            after: None,
        },
    )
    .await;
}
