//! `GET /api/v1/lines/{id}/coverage?days=N`: warns before it matters — when, over the next
//! days, a call to the line would reach nobody, who cannot be rung, and what is misconfigured.

use super::error::{ApiError, ApiResult};
use super::parse_id;
use crate::app::AppState;
use axum::extract::{Path, Query, State};
use axum::Json;
use jiff::{SignedDuration, Timestamp};
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::{BTreeSet, HashMap};
use switchboard_core::coverage::{uncovered, Span};
use switchboard_core::line::RoutingStep;
use switchboard_core::schedule::Engine;
use switchboard_core::store::StoreError;
use switchboard_core::user::User;
use switchboard_core::{DomainError, LineId, UserId};

/// Longest look-ahead, in days.
const MAX_DAYS: i64 = 90;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CoverageQuery {
    days: Option<i64>,
}

fn warning(kind: &str, message: String) -> Value {
    json!({ "kind": kind, "message": message })
}

/// Joins touching spans.
fn merge(mut spans: Vec<Span>) -> Vec<Span> {
    spans.sort();
    let mut out: Vec<Span> = Vec::with_capacity(spans.len());
    for s in spans {
        match out.last_mut() {
            Some(last) if s.0 <= last.1 => last.1 = last.1.max(s.1),
            _ => out.push(s),
        }
    }
    out
}

pub async fn get_coverage(
    State(s): State<AppState>,
    Path(id): Path<String>,
    q: Result<Query<CoverageQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<Value>> {
    let Query(q) = q.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let days = q.days.unwrap_or(14);
    if !(1..=MAX_DAYS).contains(&days) {
        return Err(DomainError::new("days", format!("must be 1 to {MAX_DAYS}")).into());
    }
    let id: LineId = parse_id(&id, "line")?;
    let line = s
        .store
        .get_line(id)
        .await
        .map_err(ApiError::store("line"))?;
    let users: HashMap<UserId, User> = s
        .store
        .list_users()
        .await
        .map_err(ApiError::store("user"))?
        .into_iter()
        .map(|u| (u.id, u))
        .collect();
    let from = s.clock.now();
    let to = from
        .checked_add(SignedDuration::from_hours(24 * days))
        .map_err(|e| ApiError::Internal(Box::new(e)))?;
    let whole = vec![(from, to)];
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
    let mut without_phone: BTreeSet<UserId> = BTreeSet::new();
    let mut per_step: Vec<Vec<Span>> = Vec::new();
    for (i, step) in line.routing.steps.iter().enumerate() {
        let n = i + 1;
        let spans = match *step {
            RoutingStep::User(u) => match users.get(&u) {
                None => {
                    warnings.push(warning(
                        "unknown_user",
                        format!("step {n}: user {u} no longer exists"),
                    ));
                    whole.clone()
                }
                Some(user) if user.phone.is_none() => {
                    without_phone.insert(u);
                    whole.clone()
                }
                Some(_) => vec![],
            },
            RoutingStep::Schedule(sid) => {
                let stored = match s.store.get_schedule(sid).await {
                    Ok(st) => st,
                    Err(StoreError::NotFound) => {
                        warnings.push(warning(
                            "unknown_schedule",
                            format!("step {n}: schedule {sid} no longer exists"),
                        ));
                        per_step.push(whole.clone());
                        continue;
                    }
                    Err(e) => return Err(ApiError::store("schedule")(e)),
                };
                let engine = Engine::new(&stored.schedule)?;
                let mut spans = Vec::new();
                let mut gaps = 0;
                for piece in engine.timeline(from, to) {
                    let reachable = piece
                        .user
                        .and_then(|u| users.get(&u))
                        .is_some_and(|u| u.phone.is_some());
                    if let Some(u) = piece.user.filter(|_| !reachable) {
                        without_phone.insert(u);
                    }
                    if piece.user.is_none() {
                        gaps += 1;
                        if gaps <= 10 {
                            warnings.push(json!({
                                "kind": "schedule_gap",
                                "message": format!(
                                    "step {n}: nobody is on call in '{}' from {} to {}",
                                    stored.schedule.name, piece.start, piece.end
                                ),
                                "schedule": sid,
                                "start": piece.start,
                                "end": piece.end,
                            }));
                        }
                    }
                    if !reachable {
                        spans.push((piece.start, piece.end));
                    }
                }
                merge(spans)
            }
        };
        per_step.push(spans);
    }
    for u in &without_phone {
        let name = users
            .get(u)
            .map_or_else(|| u.to_string(), |x| x.name.clone());
        warnings.push(json!({
            "kind": "no_phone",
            "message": format!("{name} is in the routing but has no phone number"),
            "user": u,
        }));
    }
    let holes = uncovered(&per_step);
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
    let holes_json: Vec<Value> = holes
        .iter()
        .map(|(a, b): &(Timestamp, Timestamp)| json!({ "start": a, "end": b }))
        .collect();
    Ok(Json(json!({
        "line_id": line.id,
        "from": from,
        "to": to,
        "covered": holes.is_empty(),
        "uncovered": holes_json,
        "warnings": warnings,
    })))
}
