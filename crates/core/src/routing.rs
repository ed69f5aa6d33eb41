//! Who a line rings at an instant, and why: the one resolver behind a call's plan and the
//! coverage check.
//!
//! Precedence: test mode (only the tester), then business hours (closed: the after-hours
//! action), then the line's routing. The shell loads a [`Directory`] (the users and the
//! schedules the line can reach) and asks; nothing here reads a store or a clock.

use crate::line::{AfterHours, Line, Routing, RoutingStep};
use crate::plan::{Plan, Resolved, Responder};
use crate::schedule::{restriction_edges, Engine, ScheduleId};
use crate::user::User;
use crate::UserId;
use jiff::Timestamp;
use std::collections::HashMap;

/// A span of time, `[start, end)`.
pub type Span = (Timestamp, Timestamp);

/// A schedule as routing sees it.
#[derive(Clone)]
pub struct ScheduleEntry {
    pub name: String,
    /// `None` when the stored schedule no longer compiles (it then has nobody on call).
    /// Shared: the shell keeps compiled schedules between calls.
    pub engine: Option<std::sync::Arc<Engine>>,
}

/// The users and schedules a line can reach, as loaded by the shell. Missing entries are
/// users or schedules that no longer exist.
#[derive(Default)]
pub struct Directory {
    pub users: HashMap<UserId, User>,
    pub schedules: HashMap<ScheduleId, ScheduleEntry>,
}

/// Every routing step a call to `line` can follow: the routing, the after-hours routing and
/// the test-mode user.
pub fn reachable_steps(line: &Line) -> Vec<RoutingStep> {
    let mut steps = configured_steps(line);
    if let Some(t) = line.test_mode {
        steps.push(RoutingStep::User(t.user));
    }
    steps.sort_by_key(|s| match s {
        RoutingStep::User(u) => (0, vec![u.0]),
        RoutingStep::Schedule(s) => (1, vec![s.0]),
        RoutingStep::Users(v) => (2, v.iter().map(|u| u.0).collect()),
        RoutingStep::ScheduleAll(s) => (3, vec![s.0]),
    });
    steps.dedup();
    steps
}

/// The routing steps the line's settings name: the routing, the after-hours routing and the
/// menu's options (not test mode, which ends by itself).
pub fn configured_steps(line: &Line) -> Vec<RoutingStep> {
    let mut steps = line.routing.steps.clone();
    if let Some(AfterHours::Route { steps: more }) =
        line.business_hours.as_ref().map(|b| &b.after_hours)
    {
        steps.extend(more.iter().cloned());
    }
    if let Some(m) = &line.menu {
        steps.extend(m.steps());
    }
    steps
}

/// Whether the line is closed at `at` (outside its business hours, test mode off).
fn after_hours(line: &Line, at: Timestamp) -> bool {
    line.active_test_mode(at).is_none()
        && line.business_hours.as_ref().is_some_and(|b| !b.is_open(at))
}

/// The routing a call at `at` follows, and whether it is the after-hours one.
fn routing_at(line: &Line, at: Timestamp) -> (Routing, bool) {
    let closed = after_hours(line, at);
    match (&line.business_hours, closed) {
        (Some(b), true) => (
            Routing {
                steps: match &b.after_hours {
                    AfterHours::Voicemail => vec![],
                    AfterHours::Route { steps } => steps.clone(),
                },
                ring_timeout_secs: line.routing.ring_timeout_secs,
            },
            true,
        ),
        _ => (line.routing.clone(), false),
    }
}

/// Who one routing step dials at `at`: one person, or everyone a schedule has on call
/// together, in the schedule's order (one after another, or all at once for the steps that
/// ring together).
pub fn resolve_step(step: &RoutingStep, dir: &Directory, at: Timestamp) -> Resolved {
    let users = match step {
        RoutingStep::User(_) | RoutingStep::Users(_) => step.users().to_vec(),
        RoutingStep::Schedule(id) | RoutingStep::ScheduleAll(id) => {
            let Some(entry) = dir.schedules.get(id) else {
                return Resolved::Unknown;
            };
            let users = entry
                .engine
                .as_ref()
                .map(|e| e.on_call(at).users)
                .unwrap_or_default();
            if users.is_empty() {
                return Resolved::Nobody {
                    label: format!("{} (schedule)", entry.name),
                };
            }
            users
        }
    };
    let mut each: Vec<Resolved> = users.iter().map(|u| resolve_user(*u, dir)).collect();
    if step.together() {
        Resolved::Together(each)
    } else if each.len() == 1 {
        each.remove(0)
    } else {
        Resolved::Group(each)
    }
}

fn resolve_user(user: UserId, dir: &Directory) -> Resolved {
    match dir.users.get(&user) {
        Some(u) => match &u.phone {
            Some(phone) if !u.other_phones.is_empty() => {
                // Each number is named by its label (or its place), so the log says which
                // one was rung and which answered.
                let first = Responder {
                    user_id: u.id,
                    name: u.name.clone(),
                    phone: phone.clone(),
                };
                let others = u.other_phones.iter().enumerate().map(|(i, o)| Responder {
                    user_id: u.id,
                    name: match &o.label {
                        Some(l) => format!("{} ({})", u.name, l.trim()),
                        None => format!("{} (number {})", u.name, i + 2),
                    },
                    phone: o.number.clone(),
                });
                Resolved::Phones {
                    together: u.ring_phones == crate::user::RingPhones::Together,
                    each: std::iter::once(first).chain(others).collect(),
                }
            }
            Some(phone) => Resolved::Responder(Responder {
                user_id: u.id,
                name: u.name.clone(),
                phone: phone.clone(),
            }),
            None => Resolved::NoPhone {
                name: u.name.clone(),
            },
        },
        None => Resolved::Unknown,
    }
}

/// The plan of each option of the line's menu for a key pressed at `at` (empty without a
/// menu), in the menu's order.
pub fn menu_plans(line: &Line, dir: &Directory, at: Timestamp) -> Vec<Plan> {
    line.menu.as_ref().map_or_else(Vec::new, |m| {
        m.options
            .iter()
            .map(|o| Plan::resolve(&o.routing, None, |step| resolve_step(step, dir, at)))
            .collect()
    })
}

/// The plan of a call to `line` starting at `at`. With a menu (and neither test mode nor
/// the closed hours deciding), the default option's: what a caller who presses nothing gets.
pub fn plan_at(line: &Line, dir: &Directory, at: Timestamp) -> Plan {
    if let Some(m) = &line.menu {
        if line.active_test_mode(at).is_none() && !after_hours(line, at) {
            let (index, option) = m.default_option();
            let mut plan = Plan::resolve(&option.routing, None, |s| resolve_step(s, dir, at));
            plan.choice = Some(crate::plan::MenuChoice {
                option: index,
                key: option.key,
                name: option.name.clone(),
                pressed: false,
            });
            return plan;
        }
    }
    let (routing, closed) = routing_at(line, at);
    let mut plan = Plan::resolve(&routing, line.active_test_mode(at), |step| {
        resolve_step(step, dir, at)
    });
    plan.after_hours = closed;
    plan
}

/// The instants in `[from, to)` at which [`plan_at`] can change, `from` first: shift changes
/// of every schedule the line reaches, business hours opening and closing, the end of test
/// mode.
pub fn changes(line: &Line, dir: &Directory, from: Timestamp, to: Timestamp) -> Vec<Timestamp> {
    let mut out = vec![from];
    for step in reachable_steps(line) {
        if let Some(id) = step.schedule() {
            if let Some(engine) = dir.schedules.get(&id).and_then(|e| e.engine.as_ref()) {
                out.extend(engine.timeline(from, to).iter().map(|s| s.start));
            }
        }
    }
    if let Some(b) = &line.business_hours {
        out.extend(restriction_edges(b.time_zone.tz(), &b.open, from, to));
    }
    if let Some(t) = line.test_mode {
        out.push(t.until);
    }
    out.retain(|t| *t >= from && *t < to);
    out.sort();
    out.dedup();
    out
}

/// When, over `[from, to)`, a call to the line would ring nobody.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Reach {
    /// Spans where a call rings nobody although the line means to ring someone.
    pub nobody: Vec<Span>,
    /// Spans where the line is closed and set to take a voicemail: nobody is rung by design.
    pub closed: Vec<Span>,
}

/// Where calls to the line would ring nobody over `[from, to)`, from the same resolver that
/// plans each call.
pub fn reach(line: &Line, dir: &Directory, from: Timestamp, to: Timestamp) -> Reach {
    let points = changes(line, dir, from, to);
    let mut out = Reach::default();
    for (i, start) in points.iter().enumerate() {
        let end = points.get(i + 1).copied().unwrap_or(to);
        let plan = plan_at(line, dir, *start);
        if plan.has_anyone() {
            continue;
        }
        let by_design = plan.after_hours
            && matches!(
                line.business_hours.as_ref().map(|b| &b.after_hours),
                Some(AfterHours::Voicemail)
            );
        let spans = if by_design {
            &mut out.closed
        } else {
            &mut out.nobody
        };
        match spans.last_mut() {
            Some(last) if last.1 == *start => last.1 = end,
            _ => spans.push((*start, end)),
        }
    }
    out
}

/// For a line with a menu: per option (key, name), the spans in `[from, to)` where a caller
/// who chose it would ring nobody. Instants where the menu is skipped (the line closed, or in
/// test mode) are not counted: the closed hours and test mode decide those calls.
pub fn menu_reach(
    line: &Line,
    dir: &Directory,
    from: Timestamp,
    to: Timestamp,
) -> Vec<(u8, String, Vec<Span>)> {
    let Some(menu) = &line.menu else {
        return vec![];
    };
    let points = changes(line, dir, from, to);
    let mut out: Vec<(u8, String, Vec<Span>)> = menu
        .options
        .iter()
        .map(|o| (o.key, o.name.clone(), vec![]))
        .collect();
    for (i, start) in points.iter().enumerate() {
        let end = points.get(i + 1).copied().unwrap_or(to);
        if line.active_test_mode(*start).is_some() || after_hours(line, *start) {
            continue;
        }
        for (k, plan) in menu_plans(line, dir, *start).iter().enumerate() {
            if plan.has_anyone() {
                continue;
            }
            let spans = &mut out[k].2;
            match spans.last_mut() {
                Some(last) if last.1 == *start => last.1 = end,
                _ => spans.push((*start, end)),
            }
        }
    }
    out
}

#[cfg(test)]
mod tests;
