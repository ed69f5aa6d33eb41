//! Configuration as code: the whole setup (teams, users, schedules, chat channels, incident
//! integrations and lines with their routing, messages, business hours and caller rules) as
//! one TOML file that refers to things by name, never by id, and holds no secret: each secret
//! is a reference to an environment variable, `{ env = "NAME" }`.
//!
//! `switchboard export` writes it ([`export`]); `switchboard apply` and the API's
//! `/setup/plan` and `/setup/apply` read it ([`plan`]) and write the difference in one
//! transaction.

pub mod export;
pub mod file;
mod lines;
mod people;
pub mod plan;
mod resolve;
mod things;

use std::collections::BTreeSet;

/// A secret the file refers to: the variable that holds it, and what it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretRef {
    pub env: String,
    pub what: String,
}

/// Makes the names of the variables secrets are referred to by: readable, from what each
/// belongs to, and never the same twice in one file.
#[derive(Debug, Default)]
pub struct SecretNames {
    used: BTreeSet<String>,
    pub refs: Vec<SecretRef>,
}

impl SecretNames {
    /// `SWITCHBOARD_SECRET_<KIND>_<OWNER>_<FIELD>`, upper case, every run of other characters one
    /// `_`; a second one alike gets `_2`, and so on.
    pub fn name(&mut self, kind: &str, owner: &str, field: &str, what: String) -> String {
        let raw = format!("SWITCHBOARD SECRET {kind} {owner} {field}");
        let mut base = String::new();
        for c in raw.chars() {
            if c.is_ascii_alphanumeric() {
                base.push(c.to_ascii_uppercase());
            } else if !base.ends_with('_') {
                base.push('_');
            }
        }
        let base = base.trim_end_matches('_').to_owned();
        let mut name = base.clone();
        let mut n = 2;
        while !self.used.insert(name.clone()) {
            name = format!("{base}_{n}");
            n += 1;
        }
        self.refs.push(SecretRef {
            env: name.clone(),
            what,
        });
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_names_are_readable_and_unique() {
        let mut n = SecretNames::default();
        let a = n.name("line", "Security hotline", "auth_token", "x".into());
        let b = n.name("line", "Security  hotline!", "auth_token", "y".into());
        let c = n.name("channel", "#payments-oncall", "webhook_url", "z".into());
        assert_eq!(a, "SWITCHBOARD_SECRET_LINE_SECURITY_HOTLINE_AUTH_TOKEN");
        assert_eq!(b, "SWITCHBOARD_SECRET_LINE_SECURITY_HOTLINE_AUTH_TOKEN_2");
        assert_eq!(c, "SWITCHBOARD_SECRET_CHANNEL_PAYMENTS_ONCALL_WEBHOOK_URL");
        assert_eq!(n.refs.len(), 3);
    }
}
