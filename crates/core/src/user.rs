//! Responders.

use crate::{DomainError, PhoneNumber, UserId, Zone};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// A person who can be called.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct User {
    pub id: UserId,
    pub name: String,
    pub email: String,
    pub phone: Option<PhoneNumber>,
    /// Where they are: the zone their local time is shown in.
    pub time_zone: Zone,
    /// What they may do once logged in.
    pub role: crate::account::Role,
    /// Whether they can log in with a password.
    pub has_password: bool,
    pub created_at: Timestamp,
}

/// A validated user, ready to insert or to replace an existing one.
#[derive(Debug, Clone, PartialEq)]
pub struct NewUser {
    pub name: String,
    pub email: String,
    pub phone: Option<PhoneNumber>,
    pub time_zone: Zone,
}

impl NewUser {
    /// Validates raw fields. Every problem names its field.
    pub fn validate(
        name: &str,
        email: &str,
        phone: Option<&str>,
        time_zone: &str,
    ) -> Result<Self, DomainError> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(DomainError::new("name", "must be 1 to 100 characters"));
        }
        let email = email.trim();
        let valid_email = email.len() <= 254
            && email
                .split_once('@')
                .is_some_and(|(l, d)| !l.is_empty() && d.contains('.') && !d.starts_with('.'))
            && !email.chars().any(char::is_whitespace);
        if !valid_email {
            return Err(DomainError::new(
                "email",
                format!("'{email}' is not an email address"),
            ));
        }
        let phone = match phone.map(str::trim).filter(|p| !p.is_empty()) {
            Some(p) => Some(PhoneNumber::parse(p).map_err(|m| DomainError::new("phone", m))?),
            None => None,
        };
        let time_zone =
            Zone::parse(time_zone).map_err(|e| DomainError::new("time_zone", e.to_string()))?;
        Ok(Self {
            name: name.to_owned(),
            email: email.to_owned(),
            phone,
            time_zone,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_names_the_field() {
        let ok = NewUser::validate("Alice", "alice@example.com", Some("+14155550100"), "UTC");
        assert!(ok.is_ok());
        let cases = [
            ("", "a@b.co", Some("+14155550100"), "UTC", "name"),
            ("A", "not-an-email", None, "UTC", "email"),
            ("A", "a@b.co", Some("555-0100"), "UTC", "phone"),
            ("A", "a@b.co", None, "Mars/Olympus", "time_zone"),
        ];
        for (n, e, p, tz, field) in cases {
            assert_eq!(NewUser::validate(n, e, p, tz).unwrap_err().field, field);
        }
    }
}
