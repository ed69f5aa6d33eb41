//! The routing plan: who each step of a call dials, fixed once at the call's start.
//!
//! The plan is stored with the call, so every later webhook (possibly served by another
//! instance, or after a restart) follows exactly the same plan even if schedules or the line
//! change while the call is running.

use crate::line::{Routing, RoutingStep, TestMode};
use crate::{PhoneNumber, UserId};
use serde::{Deserialize, Serialize};

/// A person a step dials.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Responder {
    pub user_id: UserId,
    pub name: String,
    pub phone: PhoneNumber,
}

/// Why a step dials nobody.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    /// The same responder (or number) is dialed by an earlier step.
    AlreadyInPlan,
    /// The step's schedule has nobody on call.
    NobodyOnCall,
    /// The responder has no phone number.
    NoPhone,
    /// The user no longer exists.
    UnknownUser,
}

/// One step of the plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PlanStep {
    /// What the line's routing said, in words ("user Alice", "test mode").
    pub target: String,
    /// Who this step dials; `None` when skipped.
    pub responder: Option<Responder>,
    pub skipped: Option<SkipReason>,
    /// The people rung at the same time as `responder` (a step that rings together); the
    /// first to answer, or with screening to accept, is connected.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub also: Vec<Responder>,
    /// How long this step rings, when not the line's ring time: one of a responder's several
    /// numbers tried in order gets its share.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ring_secs: Option<u32>,
}

impl PlanStep {
    /// Everyone this step rings, `responder` first: the step's legs, by index.
    pub fn legs(&self) -> impl Iterator<Item = &Responder> {
        self.responder.iter().chain(self.also.iter())
    }
}

/// The whole plan of one call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Plan {
    pub steps: Vec<PlanStep>,
    /// The plan came from test mode, not the line's routing.
    pub test_mode: bool,
    /// The call came outside the line's business hours.
    #[serde(default)]
    pub after_hours: bool,
    /// The caller menu's option this plan is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub choice: Option<MenuChoice>,
    /// Whose PIN the caller entered at the line's PIN gate (its label, never the digits).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pin_label: Option<String>,
    /// A responder calling someone back as the hotline: who (once their PIN was checked).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callback: Option<CallBack>,
}

/// A responder who called the line from their own phone and proved it with their PIN, to
/// call someone back with the line's number as caller ID.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CallBack {
    pub by: UserId,
    pub name: String,
    /// The line's most recent caller nobody answered, offered as key 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_unanswered: Option<String>,
}

/// The option a caller chose in the line's menu (or got by default).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MenuChoice {
    /// Its index in the menu's options.
    pub option: usize,
    pub key: u8,
    pub name: String,
    /// The caller pressed its key (not the default after a timeout or wrong keys).
    pub pressed: bool,
}

/// What a routing step resolves to at the call's start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolved {
    /// A responder with a phone number.
    Responder(Responder),
    /// A known user without a phone number (named for the log).
    NoPhone { name: String },
    /// Nobody: an empty schedule.
    Nobody { label: String },
    /// The user or schedule does not exist any more.
    Unknown,
    /// Several people on call together (a schedule's group, or an added person): each is
    /// tried in turn, in this order, as a step of its own.
    Group(Vec<Resolved>),
    /// Several people rung at the same time, as one step.
    Together(Vec<Resolved>),
    /// One responder with several numbers (the first is theirs; the others are named with
    /// their label): tried one after another sharing the step's ring time, or all at once.
    Phones {
        together: bool,
        each: Vec<Responder>,
    },
}

impl Plan {
    /// The steps a call follows: the line's routing, or only the tester in test mode.
    pub fn steps_for(routing: &Routing, test_mode: Option<TestMode>) -> Vec<RoutingStep> {
        match test_mode {
            Some(t) => vec![RoutingStep::User(t.user)],
            None => routing.steps.clone(),
        }
    }

    /// Builds the plan for a call starting now. `resolve` looks up one step's target.
    pub fn resolve(
        routing: &Routing,
        test_mode: Option<TestMode>,
        mut resolve: impl FnMut(&RoutingStep) -> Resolved,
    ) -> Plan {
        let ring_secs = routing.ring_timeout_secs;
        let steps = Self::steps_for(routing, test_mode);
        let is_test = test_mode.is_some();
        let mut out: Vec<PlanStep> = Vec::with_capacity(steps.len());
        for step in &steps {
            let fallback_label = match step {
                RoutingStep::User(id) => format!("user {id}"),
                RoutingStep::Schedule(id) | RoutingStep::ScheduleAll(id) => {
                    format!("schedule {id}")
                }
                RoutingStep::Users(ids) => format!(
                    "users {}",
                    ids.iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            match resolve(step) {
                Resolved::Group(members) => {
                    for m in members {
                        let steps = person_steps(&out, m, &fallback_label, is_test, ring_secs);
                        out.extend(steps);
                    }
                }
                p @ Resolved::Phones { .. } => {
                    let steps = person_steps(&out, p, &fallback_label, is_test, ring_secs);
                    out.extend(steps);
                }
                Resolved::Together(members) => {
                    out.push(together_step(&out, members, &fallback_label, is_test));
                }
                one => out.push(plan_step(&out, one, &fallback_label, is_test)),
            }
        }
        Plan {
            steps: out,
            test_mode: is_test,
            after_hours: false,
            choice: None,
            pin_label: None,
            callback: None,
        }
    }

    /// A plan that dials nobody (a refused call, or one Switchboard could not route).
    pub fn nobody() -> Plan {
        Plan {
            steps: vec![],
            test_mode: false,
            after_hours: false,
            choice: None,
            pin_label: None,
            callback: None,
        }
    }

    /// The first step at or after `from` that dials someone.
    pub fn next_dialable(&self, from: usize) -> Option<(usize, &Responder)> {
        self.steps
            .iter()
            .enumerate()
            .skip(from)
            .find_map(|(i, s)| s.responder.as_ref().map(|r| (i, r)))
    }

    /// Whether any step dials anyone.
    pub fn has_anyone(&self) -> bool {
        self.next_dialable(0).is_some()
    }
}

/// Each of a responder's numbers gets at least this many seconds when tried in order.
pub const MIN_PHONE_RING_SECS: u32 = 10;

/// The plan steps one resolved target makes after the steps `before`: one, or for a responder
/// with several numbers tried in order, one per number, each with its share of `ring_secs`.
fn person_steps(
    before: &[PlanStep],
    r: Resolved,
    fallback_label: &str,
    is_test: bool,
    ring_secs: u32,
) -> Vec<PlanStep> {
    let Resolved::Phones { together, each } = r else {
        return vec![plan_step(before, r, fallback_label, is_test)];
    };
    let Some(first) = each.first().cloned() else {
        return vec![plan_step(
            before,
            Resolved::Unknown,
            fallback_label,
            is_test,
        )];
    };
    let dup = before
        .iter()
        .flat_map(PlanStep::legs)
        .any(|prev| prev.user_id == first.user_id || each.iter().any(|r| r.phone == prev.phone));
    if dup {
        return vec![plan_step(
            before,
            Resolved::Responder(first),
            fallback_label,
            is_test,
        )];
    }
    let target = |name: &str| match is_test {
        true => format!("test mode: {name}"),
        false => name.to_owned(),
    };
    if together {
        let mut legs = each.into_iter();
        let first = legs.next();
        return vec![PlanStep {
            target: target(&format!(
                "{} (every number)",
                first.as_ref().map_or("", |r| r.name.as_str())
            )),
            responder: first,
            skipped: None,
            also: legs.collect(),
            ring_secs: None,
        }];
    }
    let share = (ring_secs / each.len().max(1) as u32).max(MIN_PHONE_RING_SECS);
    each.into_iter()
        .map(|r| PlanStep {
            target: target(&r.name),
            responder: Some(r),
            skipped: None,
            also: vec![],
            ring_secs: Some(share),
        })
        .collect()
}

/// The plan step one resolved target makes, after the steps `before`.
fn plan_step(before: &[PlanStep], r: Resolved, fallback_label: &str, is_test: bool) -> PlanStep {
    let skip = |target: String, why| PlanStep {
        target,
        responder: None,
        skipped: Some(why),
        also: vec![],
        ring_secs: None,
    };
    match r {
        Resolved::Responder(r) => {
            let dup = before
                .iter()
                .flat_map(PlanStep::legs)
                .any(|prev| prev.user_id == r.user_id || prev.phone == r.phone);
            let target = if is_test {
                format!("test mode: {}", r.name)
            } else {
                r.name.clone()
            };
            if dup {
                skip(target, SkipReason::AlreadyInPlan)
            } else {
                PlanStep {
                    target,
                    responder: Some(r),
                    skipped: None,
                    also: vec![],
                    ring_secs: None,
                }
            }
        }
        Resolved::NoPhone { name } => skip(name, SkipReason::NoPhone),
        Resolved::Nobody { label } => skip(label, SkipReason::NobodyOnCall),
        // A group inside a group does not occur; its first member stands for it.
        Resolved::Group(mut v) | Resolved::Together(mut v) if !v.is_empty() => {
            plan_step(before, v.swap_remove(0), fallback_label, is_test)
        }
        // Reached only where one step must stand for the person: their first number.
        Resolved::Phones { mut each, .. } if !each.is_empty() => plan_step(
            before,
            Resolved::Responder(each.swap_remove(0)),
            fallback_label,
            is_test,
        ),
        Resolved::Unknown
        | Resolved::Group(_)
        | Resolved::Together(_)
        | Resolved::Phones { .. } => skip(fallback_label.to_owned(), SkipReason::UnknownUser),
    }
}

/// The one plan step that rings `members` at the same time: each member is checked as a step
/// of its own would be (no phone, already rung earlier or twice here), and those left ring
/// together. With nobody left, the step is skipped for the first member's reason.
fn together_step(
    before: &[PlanStep],
    members: Vec<Resolved>,
    fallback_label: &str,
    is_test: bool,
) -> PlanStep {
    let mut legs: Vec<Responder> = Vec::new();
    let mut names: Vec<String> = Vec::new();
    let mut first_skip: Option<PlanStep> = None;
    // A responder with several numbers rings on every one of them in a step that rings
    // together; their first number is checked as any member is, the others follow it.
    let mut extra: Vec<Responder> = Vec::new();
    let members: Vec<Resolved> = members
        .into_iter()
        .map(|m| match m {
            Resolved::Phones { mut each, .. } if !each.is_empty() => {
                let first = each.remove(0);
                extra.extend(each);
                Resolved::Responder(first)
            }
            other => other,
        })
        .collect();
    for m in members {
        let mut seen = before.to_vec();
        seen.extend(legs.iter().map(|r| PlanStep {
            target: String::new(),
            responder: Some(r.clone()),
            skipped: None,
            also: vec![],
            ring_secs: None,
        }));
        let one = plan_step(&seen, m, fallback_label, is_test);
        names.push(one.target.clone());
        match one.responder {
            Some(r) if legs.len() < crate::line::MAX_TOGETHER => legs.push(r),
            Some(_) => {}
            None => {
                first_skip.get_or_insert(one);
            }
        }
    }
    // The other numbers of members let in, as long as there is room.
    for r in extra {
        let first_in = legs.iter().any(|l| l.user_id == r.user_id);
        let dup = legs.iter().any(|l| l.phone == r.phone);
        if first_in && !dup && legs.len() < crate::line::MAX_TOGETHER {
            legs.push(r);
        }
    }
    if legs.is_empty() {
        return first_skip.unwrap_or_else(|| PlanStep {
            target: fallback_label.to_owned(),
            responder: None,
            skipped: Some(SkipReason::NobodyOnCall),
            also: vec![],
            ring_secs: None,
        });
    }
    let target = if names.len() == 1 {
        names.remove(0)
    } else {
        format!("{} (together)", names.join(" + "))
    };
    let mut legs = legs.into_iter();
    PlanStep {
        target,
        responder: legs.next(),
        skipped: None,
        also: legs.collect(),
        ring_secs: None,
    }
}

#[cfg(test)]
#[path = "plan_tests.rs"]
mod tests;
