//! Responders.

use crate::{DomainError, PhoneNumber, UserId, Zone};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// A person who can be called.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct User {
    pub id: UserId,
    pub name: String,
    pub email: String,
    pub phone: Option<PhoneNumber>,
    /// More numbers, tried after `phone` (or with it).
    pub other_phones: Vec<OtherPhone>,
    pub ring_phones: RingPhones,
    /// Where they are: the zone their local time is shown in.
    pub time_zone: Zone,
    /// How the dashboard writes times for them.
    pub clock: Clock,
    /// Their Slack user id (`U…`), so a button they press in Slack acts as them.
    pub slack_user_id: Option<String>,
    /// What they may do once logged in.
    pub role: crate::account::Role,
    /// Whether they can log in with a password.
    pub has_password: bool,
    /// Whether they set a PIN to call back as a hotline from their own phone.
    pub has_callback_pin: bool,
    pub created_at: Timestamp,
}

/// A validated user, ready to insert or to replace an existing one.
#[derive(Debug, Clone, PartialEq)]
pub struct NewUser {
    pub name: String,
    pub email: String,
    pub phone: Option<PhoneNumber>,
    /// See [`User::other_phones`].
    pub other_phones: Vec<OtherPhone>,
    pub ring_phones: RingPhones,
    pub time_zone: Zone,
    /// 24-hour unless they chose otherwise.
    pub clock: Clock,
    pub slack_user_id: Option<String>,
    /// What this write does to the call-back PIN: stored with the user's other fields, in the
    /// same statement, so a user is never saved without the PIN they were given.
    pub callback_pin: PinChange,
}

/// A change to a user's call-back PIN, which is kept only as its Argon2id hash.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum PinChange {
    /// Leave it as it is (none, for a new user).
    #[default]
    Keep,
    /// Set it to this hash.
    Set(String),
    /// Remove it.
    Remove,
}

impl PinChange {
    /// The hash to store when the column is written (`None` keeps no PIN).
    pub fn hash(&self) -> Option<&str> {
        match self {
            PinChange::Set(hash) => Some(hash),
            PinChange::Keep | PinChange::Remove => None,
        }
    }
}

/// One more number a responder can be reached on, with what it is ("desk", "landline").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OtherPhone {
    pub number: PhoneNumber,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

/// How a routing step rings a responder who has more than one number.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RingPhones {
    /// One after another, in order, sharing the step's ring time.
    #[default]
    InOrder,
    /// All at the same time; the first to answer takes the call.
    Together,
}

impl RingPhones {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InOrder => "in_order",
            Self::Together => "together",
        }
    }

    pub fn parse(s: &str) -> Result<Self, DomainError> {
        match s {
            "in_order" => Ok(Self::InOrder),
            "together" => Ok(Self::Together),
            other => Err(DomainError::new(
                "ring_phones",
                format!("'{other}' is not one of: in_order, together"),
            )),
        }
    }
}

/// At most this many numbers besides their first a responder can have.
pub const MAX_OTHER_PHONES: usize = 4;

/// Checks a responder's other numbers: E.164, labelled in at most 30 characters, none twice
/// and none their first number.
pub fn check_other_phones(
    first: Option<&PhoneNumber>,
    others: &[OtherPhone],
) -> Result<(), DomainError> {
    if others.len() > MAX_OTHER_PHONES {
        return Err(DomainError::new(
            "other_phones",
            format!("at most {MAX_OTHER_PHONES} numbers besides the first"),
        ));
    }
    if first.is_none() && !others.is_empty() {
        return Err(DomainError::new(
            "other_phones",
            "needs a first number (phone) before more",
        ));
    }
    for (i, o) in others.iter().enumerate() {
        if Some(&o.number) == first || others[..i].iter().any(|p| p.number == o.number) {
            return Err(DomainError::new(
                format!("other_phones[{i}].number"),
                format!("{} is named twice", o.number),
            ));
        }
        if let Some(l) = &o.label {
            let l = l.trim();
            if l.is_empty() || l.chars().count() > 30 || l.chars().any(char::is_control) {
                return Err(DomainError::new(
                    format!("other_phones[{i}].label"),
                    "must be 1 to 30 characters",
                ));
            }
        }
    }
    Ok(())
}

impl User {
    /// Whether `number` is their first or another number.
    pub fn has_number(&self, number: &PhoneNumber) -> bool {
        self.phone.as_ref() == Some(number) || self.other_phones.iter().any(|o| &o.number == number)
    }
}

/// Checks a Slack user id (`U…` or `W…`, capitals and digits).
pub fn check_slack_user(id: &str) -> Result<String, DomainError> {
    let id = id.trim();
    if id.len() < 9
        || id.len() > 30
        || !id.starts_with(['U', 'W'])
        || !id
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
    {
        return Err(DomainError::new(
            "slack_user_id",
            "must be a Slack member id such as U0123456789 (in Slack: the profile's ⋮ menu, Copy member ID)",
        ));
    }
    Ok(id.to_owned())
}

/// How a person's times are written: one format on every page they see.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub enum Clock {
    /// `14:05`.
    #[default]
    #[serde(rename = "24h")]
    H24,
    /// `2:05 PM`.
    #[serde(rename = "12h")]
    H12,
}

impl Clock {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::H24 => "24h",
            Self::H12 => "12h",
        }
    }

    pub fn parse(s: &str) -> Result<Self, DomainError> {
        match s {
            "24h" => Ok(Self::H24),
            "12h" => Ok(Self::H12),
            other => Err(DomainError::new(
                "clock",
                format!("'{other}' is not one of: 24h, 12h"),
            )),
        }
    }

    /// The `strftime` pattern for hours and minutes on this clock.
    pub fn hm(self) -> &'static str {
        match self {
            Self::H24 => "%H:%M",
            Self::H12 => "%-I:%M %p",
        }
    }
}

impl User {
    /// The user's settings, as a change to them starts from (the call-back PIN kept).
    pub fn settings(&self) -> NewUser {
        NewUser {
            name: self.name.clone(),
            email: self.email.clone(),
            phone: self.phone.clone(),
            other_phones: self.other_phones.clone(),
            ring_phones: self.ring_phones,
            time_zone: self.time_zone.clone(),
            clock: self.clock,
            slack_user_id: self.slack_user_id.clone(),
            callback_pin: PinChange::Keep,
        }
    }
}

impl NewUser {
    /// Validates raw fields. Every problem names its field.
    pub fn validate(
        name: &str,
        email: &str,
        phone: Option<&str>,
        time_zone: &str,
    ) -> Result<Self, DomainError> {
        let name = crate::name::checked("name", name)?;
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
            other_phones: vec![],
            ring_phones: RingPhones::InOrder,
            time_zone,
            clock: Clock::default(),
            slack_user_id: None,
            callback_pin: PinChange::Keep,
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
