//! E.164 phone numbers, parsed once at the edge.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A phone number in E.164 form: `+`, a country code that does not start with 0, and at most 15
/// digits in all. Construct it with [`PhoneNumber::parse`] (strict) or
/// [`PhoneNumber::from_provider`] (accepts the `+`-less form Plivo sends).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema)]
#[serde(transparent)]
pub struct PhoneNumber(String);

impl PhoneNumber {
    /// Parses a number a person typed. The `+` is required; spaces, dashes, dots and
    /// parentheses are allowed as separators and dropped.
    pub fn parse(input: &str) -> Result<Self, String> {
        let trimmed = input.trim();
        let Some(rest) = trimmed.strip_prefix('+') else {
            return Err(format!(
                "'{trimmed}' is not in E.164 form: it must start with '+' and the country code, e.g. +14155550100"
            ));
        };
        let mut digits = String::with_capacity(rest.len());
        for c in rest.chars() {
            match c {
                '0'..='9' => digits.push(c),
                ' ' | '-' | '.' | '(' | ')' => {}
                other => {
                    return Err(format!(
                        "'{trimmed}' contains '{other}': only digits may follow the '+'"
                    ))
                }
            }
        }
        if digits.starts_with('0') {
            return Err(format!(
                "'{trimmed}' is not in E.164 form: a country code never starts with 0"
            ));
        }
        if digits.len() < 7 || digits.len() > 15 {
            return Err(format!(
                "'{trimmed}' has {} digits; an E.164 number has 7 to 15",
                digits.len()
            ));
        }
        Ok(Self(format!("+{digits}")))
    }

    /// Accepts a number as a provider sends it: with `+` (Twilio) or without (Plivo).
    pub fn from_provider(input: &str) -> Result<Self, String> {
        let trimmed = input.trim();
        if trimmed.starts_with('+') {
            Self::parse(trimmed)
        } else {
            Self::parse(&format!("+{trimmed}"))
        }
    }

    /// The number as `+` and digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The digits without the `+` (as Plivo wants them).
    pub fn digits(&self) -> &str {
        &self.0[1..]
    }
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for PhoneNumber {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        PhoneNumber::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
#[path = "phone_tests.rs"]
mod tests;
