//! Who may see and change what: the decision every API request and page asks, from the
//! requester's role and teams. Nothing here reads the store; the server loads the teams.

use super::Role;
use crate::{TeamId, UserId};

/// What a request may reach: its user (none for an owner-level token), the user's role and
/// the teams they are in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Access {
    pub user: Option<UserId>,
    pub role: Role,
    pub teams: Vec<TeamId>,
}

/// Why a request may not do something it can see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Denied(pub &'static str);

impl Access {
    /// An owner-level token of nobody in particular (made on the command line, or before
    /// accounts existed).
    pub fn owner_level() -> Self {
        Self {
            user: None,
            role: Role::Owner,
            teams: vec![],
        }
    }

    /// Admins and owners see every team's lines, schedules, channels and calls.
    pub fn sees_everything(&self) -> bool {
        self.role >= Role::Admin
    }

    /// Whether a resource owned by `team` (`None`: by no team) is visible. A member sees only
    /// their teams' resources; one that is not visible must look as if it did not exist.
    pub fn sees(&self, team: Option<TeamId>) -> bool {
        self.sees_everything() || team.is_some_and(|t| self.teams.contains(&t))
    }

    /// Whether another user is visible: oneself, anyone sharing a team, or anyone for admins.
    pub fn sees_user(&self, user: UserId, their_teams: &[TeamId]) -> bool {
        self.sees_everything()
            || self.user == Some(user)
            || their_teams.iter().any(|t| self.teams.contains(t))
    }

    /// Managing people and teams (creating, changing or deleting users, teams and
    /// memberships; erasing a caller; reading the audit trail) is for admins and owners.
    pub fn manage_people(&self) -> Result<(), Denied> {
        if self.sees_everything() {
            Ok(())
        } else {
            Err(Denied("only admins and owners may do this"))
        }
    }

    /// The team a new resource goes to, given the one the request named. A member must name
    /// one of their teams (or be in exactly one, which is then taken); admins may leave it
    /// unowned (visible to admins only) or name any team.
    pub fn team_for_new(&self, named: Option<TeamId>) -> Result<Option<TeamId>, Denied> {
        match named {
            Some(t) if self.sees(Some(t)) => Ok(Some(t)),
            Some(_) => Err(Denied("is not one of your teams")),
            None if self.sees_everything() => Ok(None),
            None => match self.teams.as_slice() {
                [only] => Ok(Some(*only)),
                [] => Err(Denied(
                    "you are in no team: ask an admin to add you to one before creating anything",
                )),
                _ => Err(Denied("is required: you are in several teams, name one")),
            },
        }
    }

    /// Whether a resource may move from team `from` to `to`: a member only between their own
    /// teams, and never to no team (which would hide it from them).
    pub fn may_move(&self, from: Option<TeamId>, to: Option<TeamId>) -> Result<(), Denied> {
        if from == to || self.sees_everything() {
            return Ok(());
        }
        match to {
            Some(t) if self.sees(Some(t)) => Ok(()),
            Some(_) => Err(Denied("is not one of your teams")),
            None => Err(Denied("only admins may leave a resource without a team")),
        }
    }
}
