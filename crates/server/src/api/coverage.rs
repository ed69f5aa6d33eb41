//! `GET /api/v1/lines/{id}/coverage?days=N`: warns before it matters — when, over the next
//! days, a call to the line would reach nobody, who cannot be rung, and what is misconfigured.

use super::error::{ApiError, ApiQuery, ApiResult};
use super::parse_id;
use crate::app::AppState;
use axum::extract::{Path, State};
use axum::Extension;
use axum::Json;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use switchboard_core::account::Access;
use switchboard_core::line::{AfterHours, Line, RoutingStep};
use switchboard_core::routing::Directory;
use switchboard_core::{DomainError, LineId, UserId};
use utoipa::ToSchema;

/// Longest look-ahead, in days.
const MAX_DAYS: i64 = 90;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CoverageQuery {
    #[param(minimum = 1, maximum = 90, example = 14)]
    pub days: Option<i64>,
}

/// `GET /lines/{id}/coverage`: when, over the next days, a call would reach nobody.
#[derive(Debug, Serialize, ToSchema)]
pub struct Coverage {
    pub line_id: LineId,
    pub from: Timestamp,
    pub to: Timestamp,
    /// Whether every call in the range would ring someone (outside closed hours).
    pub covered: bool,
    /// When a call would reach nobody.
    pub uncovered: Vec<Span>,
    /// When the line is closed (business hours).
    pub closed: Vec<Span>,
    pub warnings: Vec<CoverageWarning>,
}

/// A stretch of time.
#[derive(Debug, Serialize, ToSchema)]
pub struct Span {
    pub start: Timestamp,
    pub end: Timestamp,
}

fn span(&(start, end): &(Timestamp, Timestamp)) -> Span {
    Span { start, end }
}

/// Something wrong with a line's coverage, in words, with what it is about.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct CoverageWarning {
    /// `no_signature_check`, `test_mode`, `schedule_gap`, `no_phone`, `line_uncovered`,
    /// `menu_option_uncovered`, …
    #[schema(examples("schedule_gap"))]
    pub kind: String,
    pub message: String,
    /// The schedule with a gap.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schedule: Option<switchboard_core::schedule::ScheduleId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end: Option<Timestamp>,
    /// The responder without a phone number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<UserId>,
    /// The menu option's key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<u8>,
    /// When the menu option would reach nobody.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uncovered: Option<Vec<Span>>,
}

/// `GET /lines/{id}/routing`: whom a call at an instant would ring.
#[derive(Debug, Serialize, ToSchema)]
pub struct RoutingAt {
    pub line_id: LineId,
    pub at: Timestamp,
    pub test_mode: bool,
    pub after_hours: bool,
    pub rings_anyone: bool,
    pub steps: Vec<switchboard_core::plan::PlanStep>,
}

fn warning(kind: &str, message: String) -> CoverageWarning {
    CoverageWarning {
        kind: kind.to_owned(),
        message,
        ..Default::default()
    }
}

#[utoipa::path(
    get,
    path = "/lines/{id}/coverage",
    tag = "lines",
    params(("id" = i64, Path, description = "The line's id", example = 1), CoverageQuery),
    responses((status = 200, description = "OK", body = Coverage))
)]
pub async fn get_coverage(
    State(s): State<AppState>,
    Extension(a): Extension<Access>,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<CoverageQuery>,
) -> ApiResult<Json<Coverage>> {
    let days = q.days.unwrap_or(14);
    if !(1..=MAX_DAYS).contains(&days) {
        return Err(DomainError::new("days", format!("must be 1 to {MAX_DAYS}")).into());
    }
    let id: LineId = parse_id(&id, "line")?;
    let line = super::scope::line(&s, &a, id).await?;
    let dir = crate::directory::load(&s, &line, crate::directory::Users::All)
        .await
        .map_err(ApiError::store("user"))?;
    report(&line, &dir, s.clock.now(), days)
        .map(Json)
        .map_err(|e| ApiError::Internal(Box::new(e)))
}

/// The coverage of `line` over `days` days from `from`, with everything it reaches in `dir`
/// (which may hold more: the home page loads one directory for all lines).
pub fn report(
    line: &Line,
    dir: &Directory,
    from: Timestamp,
    days: i64,
) -> Result<Coverage, jiff::Error> {
    let to = from.checked_add(SignedDuration::from_hours(24 * days))?;
    let mut warnings = Vec::new();
    if line.auth_token.is_none() {
        warnings.push(warning(
            "no_signature_check",
            "the line has no auth_token: webhook signatures are not checked".to_owned(),
        ));
    }
    if let Some(t) = line.active_test_mode(from) {
        warnings.push(warning(
            "test_mode",
            format!(
                "test mode is on until {}: calls ring only user {}",
                t.until, t.user
            ),
        ));
    }
    // What each step can tell: unknown targets, schedule gaps, people without a phone. The
    // after-hours routing is checked like the routing.
    let mut labelled: Vec<(String, RoutingStep)> = line
        .routing
        .steps
        .iter()
        .enumerate()
        .map(|(i, st)| (format!("step {}", i + 1), st.clone()))
        .collect();
    if let Some(AfterHours::Route { steps }) = line.business_hours.as_ref().map(|b| &b.after_hours)
    {
        labelled.extend(
            steps
                .iter()
                .enumerate()
                .map(|(i, st)| (format!("after-hours step {}", i + 1), st.clone())),
        );
    }
    if let Some(m) = &line.menu {
        for o in &m.options {
            labelled.extend(o.routing.steps.iter().enumerate().map(|(i, st)| {
                (
                    format!("menu option {} ({}) step {}", o.key, o.name, i + 1),
                    st.clone(),
                )
            }));
        }
    }
    let mut without_phone: BTreeSet<UserId> = BTreeSet::new();
    for (label, step) in &labelled {
        for &u in step.users() {
            match dir.users.get(&u) {
                None => warnings.push(warning(
                    "unknown_user",
                    format!("{label}: user {u} no longer exists"),
                )),
                Some(user) if user.phone.is_none() => {
                    without_phone.insert(u);
                }
                Some(_) => {}
            }
        }
        {
            if let Some(sid) = step.schedule() {
                let Some(entry) = dir.schedules.get(&sid) else {
                    warnings.push(warning(
                        "unknown_schedule",
                        format!("{label}: schedule {sid} no longer exists"),
                    ));
                    continue;
                };
                let Some(engine) = &entry.engine else {
                    continue;
                };
                let mut gaps = 0;
                for piece in engine.timeline(from, to) {
                    for u in &piece.users {
                        if dir.users.get(u).is_none_or(|x| x.phone.is_none()) {
                            without_phone.insert(*u);
                        }
                    }
                    match piece.users.first() {
                        Some(_) => {}
                        None => {
                            gaps += 1;
                            if gaps <= 10 {
                                warnings.push(CoverageWarning {
                                    schedule: Some(sid),
                                    start: Some(piece.start),
                                    end: Some(piece.end),
                                    ..warning(
                                        "schedule_gap",
                                        format!(
                                            "{label}: nobody is on call in '{}' from {} to {}",
                                            entry.name, piece.start, piece.end
                                        ),
                                    )
                                });
                            }
                        }
                    }
                }
            }
        }
    }
    for u in &without_phone {
        let name = dir
            .users
            .get(u)
            .map_or_else(|| u.to_string(), |x| x.name.clone());
        warnings.push(CoverageWarning {
            user: Some(*u),
            ..warning(
                "no_phone",
                format!("{name} is in the routing but has no phone number"),
            )
        });
    }
    // Where a call would ring nobody: the resolver that plans every call, asked at each
    // instant the answer can change.
    let reach = switchboard_core::routing::reach(line, dir, from, to);
    let holes = reach.nobody;
    let secs: i64 = holes
        .iter()
        .map(|(a, b)| b.as_second() - a.as_second())
        .sum();
    if !holes.is_empty() {
        warnings.push(warning(
            "line_uncovered",
            format!(
                "calls would reach nobody for {} h {} min in the next {days} days, first from {}; they go to voicemail",
                secs / 3600,
                secs % 3600 / 60,
                holes[0].0
            ),
        ));
    }
    // A menu's options: a caller who presses a key follows that option's routing.
    for (key, name, spans) in switchboard_core::routing::menu_reach(line, dir, from, to) {
        if let Some(first) = spans.first() {
            let secs: i64 = spans
                .iter()
                .map(|(a, b)| b.as_second() - a.as_second())
                .sum();
            warnings.push(CoverageWarning {
                key: Some(key),
                uncovered: Some(spans.iter().map(span).collect()),
                ..warning(
                    "menu_option_uncovered",
                    format!(
                        "menu option {key} ({name}): callers who choose it would reach nobody for {} h {} min in the next {days} days, first from {}",
                        secs / 3600,
                        secs % 3600 / 60,
                        first.0
                    ),
                )
            });
        }
    }
    Ok(Coverage {
        line_id: line.id,
        from,
        to,
        covered: holes.is_empty(),
        uncovered: holes.iter().map(span).collect(),
        closed: reach.closed.iter().map(span).collect(),
        warnings,
    })
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RoutingQuery {
    #[param(value_type = Option<String>, format = DateTime, example = "2026-11-24T09:00:00Z")]
    at: Option<String>,
}

/// `GET /api/v1/lines/{id}/routing?at=T`: who a call to the line at `T` (default now) would
/// ring, in order, and why each other step rings nobody — the same plan a call starting then
/// gets.
#[utoipa::path(
    get,
    path = "/lines/{id}/routing",
    tag = "lines",
    params(("id" = i64, Path, description = "The line's id", example = 1), RoutingQuery),
    responses((status = 200, description = "OK", body = RoutingAt))
)]
pub async fn get_routing(
    State(s): State<AppState>,
    Extension(a): Extension<Access>,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<RoutingQuery>,
) -> ApiResult<Json<RoutingAt>> {
    let at: Timestamp = match q.at {
        Some(raw) => raw.parse().map_err(|_| {
            DomainError::new(
                "at",
                format!("'{raw}' is not an RFC 3339 instant, e.g. 2026-11-24T09:00:00Z"),
            )
        })?,
        None => s.clock.now(),
    };
    let id: LineId = parse_id(&id, "line")?;
    let line = super::scope::line(&s, &a, id).await?;
    let dir = crate::directory::load(&s, &line, crate::directory::Users::At(at))
        .await
        .map_err(ApiError::store("user"))?;
    let plan = switchboard_core::routing::plan_at(&line, &dir, at);
    Ok(Json(RoutingAt {
        line_id: line.id,
        at,
        test_mode: plan.test_mode,
        after_hours: plan.after_hours,
        rings_anyone: plan.has_anyone(),
        steps: plan.steps,
    }))
}
