//! A setup file's teams and users.

use super::plan::{changed, Planner};
use super::resolve::{refer, Current};
use crate::api::users::{new_user, UserInput};
use switchboard_core::account::Role;
use switchboard_core::setup::SetupChange;
use switchboard_core::user::PinChange;
use switchboard_core::{TeamId, UserId};
use toml::{Table, Value};

/// Emails at `path` (one, or a list of them: a group on call together) as user ids, in place.
pub fn people(p: &mut Planner<'_>, path: &str, v: &mut Value) {
    match v {
        Value::String(email) => {
            if let Some(id) = refer(p, path, "user", email) {
                *v = Value::Integer(id);
            }
        }
        Value::Array(items) => {
            for (i, x) in items.iter_mut().enumerate() {
                people(p, &format!("{path}[{i}]"), x);
            }
        }
        _ => {}
    }
}

/// The team named at `t.team`, taken out of `t`.
pub fn team(p: &mut Planner<'_>, path: &str, t: &mut Table) -> Option<Option<TeamId>> {
    match t.remove("team") {
        None => Some(None),
        Some(Value::String(name)) => {
            refer(p, &format!("{path}.team"), "team", &name).map(|id| Some(TeamId(id)))
        }
        Some(_) => {
            p.fail(&format!("{path}.team"), "must be a team's name");
            None
        }
    }
}

pub fn teams(p: &mut Planner<'_>, current: &Current, list: Vec<(String, Table)>) {
    for (path, mut t) in list {
        let Some(Value::String(name)) = t.remove("name") else {
            continue; // Reported with the names.
        };
        if let Err(e) = switchboard_core::name::checked("name", &name) {
            p.fail(&format!("{path}.name"), e.message);
            continue;
        }
        let mut members = Vec::new();
        match t.remove("members") {
            None => {}
            Some(Value::Array(list)) => {
                for (i, v) in list.iter().enumerate() {
                    let at = format!("{path}.members[{i}]");
                    match v.as_str() {
                        Some(email) => {
                            if let Some(id) = refer(p, &at, "user", email) {
                                members.push(UserId(id));
                            }
                        }
                        None => p.fail(&at, "must be a user's email"),
                    }
                }
            }
            Some(_) => p.fail(&format!("{path}.members"), "must be a list of emails"),
        }
        if let Some(k) = t.keys().next() {
            p.fail(
                &format!("{path}.{k}"),
                "is not a setting of a team (those are: name, members)",
            );
            continue;
        }
        members.sort();
        members.dedup();
        let Some(id) = p.names.teams.id(&name) else {
            continue;
        };
        let stored = current.teams.iter().find(|t| t.id.0 == id);
        match stored {
            None => {
                p.phases.teams.push(SetupChange::CreateTeam {
                    placeholder: TeamId(id),
                    name: name.clone(),
                });
                if !members.is_empty() {
                    p.phases.members.push(SetupChange::SetMembers {
                        team: TeamId(id),
                        members,
                    });
                }
                p.outcome("team", &name, true, vec![]);
            }
            Some(stored) => {
                let mut had = stored.members.clone();
                had.sort();
                let mut fields = vec![];
                if had != members {
                    fields.push("members".to_owned());
                    p.phases.members.push(SetupChange::SetMembers {
                        team: stored.id,
                        members,
                    });
                }
                p.outcome("team", &name, false, fields);
            }
        }
    }
}

/// The call-back PIN a file's user has: 4 to 8 digits, or none.
fn pin(p: &mut Planner<'_>, path: &str, v: Option<Value>) -> Result<Option<String>, ()> {
    let at = format!("{path}.callback_pin");
    match v {
        None => Ok(None),
        Some(Value::String(s))
            if (4..=8).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit()) =>
        {
            Ok(Some(s))
        }
        Some(_) => {
            p.fail(
                &at,
                "must be 4 to 8 digits (from an environment variable: { env = \"NAME\" })",
            );
            Err(())
        }
    }
}

/// The PIN, hashed; a failure (its thread could not run) is noted, never a PIN left out.
async fn hashed(p: &mut Planner<'_>, path: &str, pin: &str) -> PinChange {
    match crate::accounts::password::hash(pin).await {
        Ok(h) => PinChange::Set(h),
        Err(e) => {
            tracing::error!(error = %e, "could not hash a call-back PIN");
            p.fail(
                &format!("{path}.callback_pin"),
                "could not be hashed: try again",
            );
            PinChange::Keep
        }
    }
}

pub async fn users(p: &mut Planner<'_>, current: &Current, list: Vec<(String, Table)>) {
    for (path, mut t) in list {
        let role = role(p, &path, t.remove("role"));
        let pin = pin(p, &path, t.remove("callback_pin"));
        let Some(input) = p.read::<UserInput>(&path, t) else {
            continue;
        };
        let mut new = match new_user(input) {
            Ok(n) => n,
            Err(e) => {
                p.refused(&path, e);
                continue;
            }
        };
        let (Some(role), Ok(pin), Some(id)) = (role, pin, p.names.users.id(&new.email)) else {
            continue;
        };
        let email = new.email.clone();
        match current.users.iter().find(|u| u.id.0 == id) {
            None => {
                if let Some(pin) = &pin {
                    new.callback_pin = hashed(p, &path, pin).await;
                }
                p.phases.users.push(SetupChange::CreateUser {
                    placeholder: UserId(id),
                    user: new,
                    role,
                });
                p.outcome("user", &email, true, vec![]);
            }
            Some(stored) => {
                let was = stored.settings();
                let mut fields = changed!(was, new; name, email, phone, other_phones,
                    ring_phones, time_zone, clock, slack_user_id);
                if stored.role != role {
                    fields.push("role".to_owned());
                }
                let hash = current.pins.get(&id);
                new.callback_pin = match (&pin, hash) {
                    (Some(pin), Some(h)) if crate::accounts::password::verify(pin, h).await => {
                        PinChange::Keep
                    }
                    (Some(pin), _) => hashed(p, &path, pin).await,
                    (None, Some(_)) => PinChange::Remove,
                    (None, None) => PinChange::Keep,
                };
                if new.callback_pin != PinChange::Keep {
                    fields.push("callback_pin".to_owned());
                }
                if !fields.is_empty() {
                    p.phases.users.push(SetupChange::ReplaceUser {
                        id: stored.id,
                        user: new,
                        role,
                    });
                }
                p.outcome("user", &email, false, fields);
            }
        }
    }
}

/// The role a file's user has: `member` unless it says otherwise.
pub(super) fn role(p: &mut Planner<'_>, path: &str, v: Option<Value>) -> Option<Role> {
    match v {
        None => Some(Role::Member),
        Some(Value::String(s)) => match Role::parse(&s) {
            Some(r) => Some(r),
            None => {
                p.fail(
                    &format!("{path}.role"),
                    format!("'{s}' is not one of: member, admin, owner"),
                );
                None
            }
        },
        Some(_) => {
            p.fail(&format!("{path}.role"), "must be a string");
            None
        }
    }
}
