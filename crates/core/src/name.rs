//! Names people give things (a line, a team, a schedule, a layer, a channel…): one line of
//! text, shown on pages, in chat messages, in CSV exports and in the setup file.

use crate::DomainError;

/// The longest name, in characters.
pub const MAX_NAME: usize = 100;

/// `raw` without surrounding whitespace, when it is 1 to 100 characters and holds no control
/// character (a line break or a tab would break a chat message, a CSV row or the setup file);
/// otherwise what is wrong, on `field`.
pub fn checked(field: impl Into<String>, raw: &str) -> Result<&str, DomainError> {
    let name = raw.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME {
        return Err(DomainError::new(field, "must be 1 to 100 characters"));
    }
    if name.chars().any(char::is_control) {
        return Err(DomainError::new(
            field,
            "must be one line of text, without control characters such as a line break or a tab",
        ));
    }
    Ok(name)
}

/// Reads a name without its surrounding whitespace, as [`checked`] judges it: for the names
/// inside a schedule, which are stored as they are read (`#[serde(deserialize_with)]`).
pub fn trimmed<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    <String as serde::Deserialize>::deserialize(d).map(trim)
}

/// [`trimmed`] for a name a change may leave out (with `#[serde(default)]`).
pub fn trimmed_option<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    <Option<String> as serde::Deserialize>::deserialize(d).map(|n| n.map(trim))
}

fn trim(raw: String) -> String {
    match raw.trim() {
        t if t.len() == raw.len() => raw,
        t => t.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_is_one_line_of_1_to_100_characters() {
        assert_eq!(checked("name", "  Payments  ").unwrap(), "Payments");
        assert_eq!(
            checked("name", &"é".repeat(100)).unwrap().chars().count(),
            100
        );
        for bad in [
            "",
            "   ",
            &"x".repeat(101),
            "Pay\nments",
            "Pay\tments",
            "x\u{13}y",
        ] {
            let e = checked("layers[0].name", bad).unwrap_err();
            assert_eq!(e.field, "layers[0].name", "{bad:?}");
        }
        assert!(checked("name", "a\u{7f}b")
            .unwrap_err()
            .message
            .contains("control"));
    }
}
