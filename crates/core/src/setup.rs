//! A change to the whole setup, written in one transaction: what `switchboard apply` and
//! `POST /api/v1/setup/apply` decide, and what the store writes.
//!
//! Things the same change creates are named before they exist by **placeholder ids**: negative
//! numbers, which no stored row has. A line created with a schedule created in the same change
//! routes to `ScheduleId(-1)`; the store, as it creates that schedule, learns its real id and
//! puts it in every later change before writing it ([`IdMap`]).

use crate::account::Role;
use crate::channel::{ChannelId, NewChannel};
use crate::incident::integration::{IntegrationId, NewIntegration};
use crate::line::{AfterHours, NewLine, RoutingStep};
use crate::schedule::{Participant, Schedule, ScheduleId};
use crate::user::NewUser;
use crate::{LineId, TeamId, UserId};
use std::collections::HashMap;

/// One write of a setup change, in the order it runs.
#[derive(Debug, Clone, PartialEq)]
pub enum SetupChange {
    CreateTeam {
        placeholder: TeamId,
        name: String,
    },
    /// Makes the team's members exactly these.
    SetMembers {
        team: TeamId,
        members: Vec<UserId>,
    },
    DeleteTeam(TeamId),
    CreateUser {
        placeholder: UserId,
        user: NewUser,
        role: Role,
    },
    ReplaceUser {
        id: UserId,
        user: NewUser,
        role: Role,
    },
    DeleteUser(UserId),
    CreateSchedule {
        placeholder: ScheduleId,
        schedule: Schedule,
        team: Option<TeamId>,
        feed_token: String,
    },
    /// Replaces the schedule if it is still at `version` (a conflict otherwise).
    ReplaceSchedule {
        id: ScheduleId,
        schedule: Schedule,
        team: Option<TeamId>,
        version: i64,
    },
    DeleteSchedule(ScheduleId),
    CreateChannel {
        placeholder: ChannelId,
        channel: NewChannel,
    },
    ReplaceChannel {
        id: ChannelId,
        channel: NewChannel,
    },
    DeleteChannel(ChannelId),
    CreateIntegration {
        integration: NewIntegration,
    },
    ReplaceIntegration {
        id: IntegrationId,
        integration: NewIntegration,
    },
    DeleteIntegration(IntegrationId),
    CreateLine {
        line: NewLine,
        webhook_token: String,
    },
    ReplaceLine {
        id: LineId,
        line: NewLine,
    },
    DeleteLine(LineId),
}

/// Placeholder ids to the ids the store gave: filled as things are created, applied to each
/// later change. An id that is not a placeholder stays as it is.
#[derive(Debug, Default, Clone)]
pub struct IdMap {
    pub teams: HashMap<i64, i64>,
    pub users: HashMap<i64, i64>,
    pub schedules: HashMap<i64, i64>,
    pub channels: HashMap<i64, i64>,
}

fn real(map: &HashMap<i64, i64>, id: &mut i64) {
    if let Some(r) = map.get(id) {
        *id = *r;
    }
}

impl IdMap {
    fn team(&self, t: &mut Option<TeamId>) {
        if let Some(t) = t {
            real(&self.teams, &mut t.0);
        }
    }

    fn steps(&self, steps: &mut [RoutingStep]) {
        for step in steps {
            match step {
                RoutingStep::User(u) => real(&self.users, &mut u.0),
                RoutingStep::Users(us) => us.iter_mut().for_each(|u| real(&self.users, &mut u.0)),
                RoutingStep::Schedule(s) | RoutingStep::ScheduleAll(s) => {
                    real(&self.schedules, &mut s.0)
                }
            }
        }
    }

    fn layers(&self, layers: &mut [crate::schedule::Layer]) {
        for p in layers.iter_mut().flat_map(|l| l.participants.iter_mut()) {
            match p {
                Participant::User(u) => real(&self.users, &mut u.0),
                Participant::Group(g) => g.iter_mut().for_each(|u| real(&self.users, &mut u.0)),
            }
        }
    }

    /// The change with every placeholder it names replaced by the real id.
    pub fn resolve(&self, change: &mut SetupChange) {
        match change {
            SetupChange::SetMembers { team, members } => {
                real(&self.teams, &mut team.0);
                members.iter_mut().for_each(|u| real(&self.users, &mut u.0));
            }
            SetupChange::CreateSchedule { schedule, team, .. }
            | SetupChange::ReplaceSchedule { schedule, team, .. } => {
                self.team(team);
                self.layers(&mut schedule.layers);
                for t in &mut schedule.temporary {
                    self.layers(&mut t.layers);
                }
                for o in &mut schedule.overrides {
                    real(&self.users, &mut o.user.0);
                    if let Some(c) = &mut o.covering {
                        real(&self.users, &mut c.0);
                    }
                }
            }
            SetupChange::CreateChannel { channel, .. }
            | SetupChange::ReplaceChannel { channel, .. } => self.team(&mut channel.team),
            SetupChange::CreateIntegration { integration }
            | SetupChange::ReplaceIntegration { integration, .. } => {
                self.team(&mut integration.team)
            }
            SetupChange::CreateLine { line, .. } | SetupChange::ReplaceLine { line, .. } => {
                self.team(&mut line.team);
                self.steps(&mut line.routing.steps);
                if let Some(b) = &mut line.business_hours {
                    if let AfterHours::Route { steps } = &mut b.after_hours {
                        self.steps(steps);
                    }
                }
                for o in line.menu.iter_mut().flat_map(|m| m.options.iter_mut()) {
                    self.steps(&mut o.routing.steps);
                }
                line.channels
                    .iter_mut()
                    .for_each(|c| real(&self.channels, &mut c.0));
            }
            SetupChange::CreateTeam { .. }
            | SetupChange::DeleteTeam(_)
            | SetupChange::CreateUser { .. }
            | SetupChange::ReplaceUser { .. }
            | SetupChange::DeleteUser(_)
            | SetupChange::DeleteSchedule(_)
            | SetupChange::DeleteChannel(_)
            | SetupChange::DeleteIntegration(_)
            | SetupChange::DeleteLine(_) => {}
        }
    }
}

/// Hands out placeholder ids: -1, -2, … per kind.
#[derive(Debug, Default)]
pub struct Placeholders {
    next: i64,
}

impl Placeholders {
    pub fn take(&mut self) -> i64 {
        self.next -= 1;
        self.next
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::line::Routing;
    use crate::schedule::Override;

    #[test]
    fn placeholders_are_replaced_everywhere_a_change_names_them() {
        let mut map = IdMap::default();
        map.users.insert(-1, 7);
        map.schedules.insert(-2, 9);
        map.teams.insert(-3, 4);
        map.channels.insert(-4, 5);
        let json = serde_json::json!({
            "name": "S", "time_zone": "UTC",
            "layers": [{"id": 1, "name": "l", "participants": [-1, [-1, 3]],
                        "start": "2026-01-05T09:00", "shift": {"days": 1}}],
            "overrides": [{"id": 1, "user": -1, "start": "2026-01-05T09:00:00Z",
                           "end": "2026-01-06T09:00:00Z", "covering": -1}],
        });
        let schedule: Schedule = serde_json::from_value(json).unwrap();
        let mut change = SetupChange::CreateSchedule {
            placeholder: ScheduleId(-2),
            schedule,
            team: Some(TeamId(-3)),
            feed_token: "t".into(),
        };
        map.resolve(&mut change);
        let SetupChange::CreateSchedule { schedule, team, .. } = change else {
            unreachable!()
        };
        assert_eq!(team, Some(TeamId(4)));
        assert_eq!(
            schedule.layers[0].participants,
            vec![
                Participant::User(UserId(7)),
                Participant::Group(vec![UserId(7), UserId(3)])
            ]
        );
        let o: &Override = &schedule.overrides[0];
        assert_eq!((o.user, o.covering), (UserId(7), Some(UserId(7))));

        let mut steps = Routing {
            steps: vec![
                RoutingStep::Schedule(ScheduleId(-2)),
                RoutingStep::Users(vec![UserId(-1), UserId(2)]),
                RoutingStep::ScheduleAll(ScheduleId(1)),
            ],
            ring_timeout_secs: 20,
        };
        map.steps(&mut steps.steps);
        assert_eq!(
            steps.steps,
            vec![
                RoutingStep::Schedule(ScheduleId(9)),
                RoutingStep::Users(vec![UserId(7), UserId(2)]),
                RoutingStep::ScheduleAll(ScheduleId(1)),
            ]
        );
    }

    #[test]
    fn placeholders_count_down_from_minus_one() {
        let mut p = Placeholders::default();
        assert_eq!((p.take(), p.take()), (-1, -2));
    }
}
