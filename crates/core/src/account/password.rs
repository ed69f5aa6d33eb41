//! What a password must be: long enough, and not one that attackers try first.

use crate::DomainError;

/// The shortest password accepted, in characters.
pub const MIN_PASSWORD_CHARS: usize = 12;
/// The longest, so hashing stays cheap to refuse.
const MAX_PASSWORD_CHARS: usize = 256;

/// Passwords tried first by anyone guessing, lower-cased; a password that is one of these, or
/// one of these followed by digits and punctuation, is refused.
const COMMON: &str = include_str!("common_passwords.txt");

/// Checks a new password for the account with `email` and `name`; the error says what to do.
pub fn check_password(password: &str, email: &str, name: &str) -> Result<(), DomainError> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(DomainError::new(
            "password",
            format!("must be at least {MIN_PASSWORD_CHARS} characters (a few unrelated words make a good one)"),
        ));
    }
    if chars > MAX_PASSWORD_CHARS {
        return Err(DomainError::new(
            "password",
            format!("must be at most {MAX_PASSWORD_CHARS} characters"),
        ));
    }
    let lower = password.to_lowercase();
    let stem = lower.trim_end_matches(|c: char| c.is_ascii_digit() || c.is_ascii_punctuation());
    let common = COMMON
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .any(|c| c == lower || c == stem);
    if common {
        return Err(DomainError::new(
            "password",
            "is one of the passwords tried first by anyone guessing; choose another",
        ));
    }
    let local = email.split('@').next().unwrap_or("").to_lowercase();
    let about_them = [local.as_str(), &name.to_lowercase()]
        .iter()
        .any(|w| w.chars().count() >= 4 && lower.contains(*w));
    if about_them || lower.chars().all(|c| lower.starts_with(c)) {
        return Err(DomainError::new(
            "password",
            "must not be built from your name or email, or one repeated character",
        ));
    }
    Ok(())
}
