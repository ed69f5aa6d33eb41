//! A line being set up step by step on the dashboard: saved after every step (each step has
//! its own page), turned into a line once it has a number, a name and someone to ring.

use crate::line::{Messages, NewLine, Provider, Routing, RoutingStep, DEFAULT_RING_TIMEOUT_SECS};
use crate::{DomainError, PhoneNumber, TeamId};
use serde::{Deserialize, Serialize};

/// What the setup steps have gathered so far.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LineDraft {
    pub name: String,
    /// E.164, checked at the first step.
    pub number: String,
    pub provider: Provider,
    pub team: Option<TeamId>,
    pub steps: Vec<RoutingStep>,
    pub ring_timeout_secs: u32,
    pub messages: Messages,
}

impl LineDraft {
    /// A draft from the first step: a name and a number that parses.
    pub fn start(
        name: &str,
        number: &str,
        provider: Provider,
        team: Option<TeamId>,
    ) -> Result<Self, DomainError> {
        let name = crate::name::checked("name", name)?;
        let number =
            PhoneNumber::parse(number.trim()).map_err(|m| DomainError::new("number", m))?;
        Ok(Self {
            name: name.to_owned(),
            number: number.to_string(),
            provider,
            team,
            steps: Vec::new(),
            ring_timeout_secs: DEFAULT_RING_TIMEOUT_SECS,
            messages: Messages::default(),
        })
    }

    /// The line this draft describes, checked as any new line is.
    pub fn to_line(&self) -> Result<NewLine, DomainError> {
        let number = PhoneNumber::parse(&self.number).map_err(|m| DomainError::new("number", m))?;
        let routing = Routing {
            steps: self.steps.clone(),
            ring_timeout_secs: self.ring_timeout_secs,
        };
        let mut line = NewLine::with_defaults(self.name.clone(), number, self.provider, routing);
        line.messages = self.messages.clone();
        line.team = self.team;
        line.validate()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::UserId;

    #[test]
    fn a_draft_becomes_a_line_once_someone_is_rung() {
        let mut d = LineDraft::start(" Ops ", "+1 (415) 555-0100", Provider::Twilio, None).unwrap();
        assert_eq!(d.number, "+14155550100");
        assert_eq!(d.name, "Ops");
        assert_eq!(d.to_line().unwrap_err().field, "routing.steps");
        d.steps.push(RoutingStep::User(UserId(1)));
        let line = d.to_line().unwrap();
        assert_eq!(line.routing.steps, vec![RoutingStep::User(UserId(1))]);
        assert_eq!(
            LineDraft::start("Ops", "555", Provider::Twilio, None)
                .unwrap_err()
                .field,
            "number"
        );
        assert_eq!(
            LineDraft::start(" ", "+14155550100", Provider::Twilio, None)
                .unwrap_err()
                .field,
            "name"
        );
    }
}
