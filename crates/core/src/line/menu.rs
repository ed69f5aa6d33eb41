//! A caller menu ("press 1 for payments, 2 for infrastructure"): a prompt and up to 9
//! options, each with a key, a name and its own routing (steps, ring time, and optionally its
//! own no-one-on-call and no-answer messages). No key in time takes the default option; a key
//! that is no option plays the prompt once more, then takes the default.

use super::{check_message, Message, Routing, RoutingStep, RING_TIMEOUT_RANGE};
use crate::DomainError;
use serde::{Deserialize, Serialize};

/// Seconds the caller has to press a key, by default.
pub const DEFAULT_MENU_TIMEOUT_SECS: u32 = 6;

fn default_timeout() -> u32 {
    DEFAULT_MENU_TIMEOUT_SECS
}

/// A line's caller menu.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Menu {
    /// What the caller hears, e.g. "For payments, press 1. For anything else, press 2."; a
    /// recording uploaded for it (`PUT …/messages/menu/audio`) plays instead of the text.
    pub prompt: Message,
    pub options: Vec<MenuOption>,
    /// The key of the option taken when no key is pressed in time (or a wrong one twice).
    pub default_key: u8,
    /// Seconds to wait for a key after the prompt (3 to 30).
    #[serde(default = "default_timeout")]
    pub timeout_secs: u32,
}

/// One option of a caller menu.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MenuOption {
    /// The key, 1 to 9.
    pub key: u8,
    /// What the call log calls it ("Payments"), stored without surrounding whitespace.
    #[serde(deserialize_with = "crate::name::trimmed")]
    pub name: String,
    pub routing: Routing,
    /// Played instead of the line's when this option's routing has nobody to ring.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_one_on_call: Option<Message>,
    /// Played instead of the line's when nobody of this option answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_answer: Option<Message>,
}

impl Menu {
    /// The option whose key is `key`.
    pub fn option(&self, key: &str) -> Option<(usize, &MenuOption)> {
        self.options
            .iter()
            .enumerate()
            .find(|(_, o)| o.key.to_string() == key)
    }

    /// The default option.
    pub fn default_option(&self) -> (usize, &MenuOption) {
        self.options
            .iter()
            .enumerate()
            .find(|(_, o)| o.key == self.default_key)
            .unwrap_or((0, &self.options[0]))
    }

    /// Every routing step of every option.
    pub fn steps(&self) -> impl Iterator<Item = RoutingStep> + '_ {
        self.options
            .iter()
            .flat_map(|o| o.routing.steps.iter().cloned())
    }

    /// Checks every rule, naming the field (`menu.options[1].key`).
    pub fn validate(&self) -> Result<(), DomainError> {
        check_message("menu.prompt", &self.prompt)?;
        if self.options.is_empty() || self.options.len() > 9 {
            return Err(DomainError::new("menu.options", "must have 1 to 9 options"));
        }
        if !(3..=30).contains(&self.timeout_secs) {
            return Err(DomainError::new(
                "menu.timeout_secs",
                "must be 3 to 30 seconds",
            ));
        }
        for (i, o) in self.options.iter().enumerate() {
            let f = |k: &str| format!("menu.options[{i}].{k}");
            if !(1..=9).contains(&o.key) {
                return Err(DomainError::new(f("key"), "must be a key from 1 to 9"));
            }
            if self.options[..i].iter().any(|p| p.key == o.key) {
                return Err(DomainError::new(
                    f("key"),
                    format!("{} is the key of another option", o.key),
                ));
            }
            let name = o.name.trim();
            if name.is_empty() || name.chars().count() > 60 {
                return Err(DomainError::new(f("name"), "must be 1 to 60 characters"));
            }
            if name.chars().any(char::is_control) {
                return Err(DomainError::new(
                    f("name"),
                    "must be one line of text, without control characters such as a line break or a tab",
                ));
            }
            RoutingStep::validate_all(&o.routing.steps, &f("routing.steps"))?;
            if !RING_TIMEOUT_RANGE.contains(&o.routing.ring_timeout_secs) {
                return Err(DomainError::new(
                    f("routing.ring_timeout_secs"),
                    format!(
                        "must be {} to {} seconds",
                        RING_TIMEOUT_RANGE.start(),
                        RING_TIMEOUT_RANGE.end()
                    ),
                ));
            }
            for (k, m) in [
                ("no_one_on_call", &o.no_one_on_call),
                ("no_answer", &o.no_answer),
            ] {
                if let Some(m) = m {
                    check_message(&f(k), m)?;
                }
            }
        }
        if !self.options.iter().any(|o| o.key == self.default_key) {
            return Err(DomainError::new(
                "menu.default_key",
                format!("{} is not the key of an option", self.default_key),
            ));
        }
        Ok(())
    }
}
