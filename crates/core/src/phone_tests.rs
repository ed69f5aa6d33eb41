//! Tests of `phone`.

use super::*;

#[test]
fn accepts_e164_and_drops_separators() {
    for (input, want) in [
        ("+14155550100", "+14155550100"),
        (" +1 (415) 555-0100 ", "+14155550100"),
        ("+44.20.7946.0958", "+442079460958"),
        ("+4915123456789", "+4915123456789"),
    ] {
        assert_eq!(PhoneNumber::parse(input).unwrap().as_str(), want, "{input}");
    }
}

#[test]
fn rejects_what_is_not_e164_with_a_reason() {
    for (input, needle) in [
        ("14155550100", "must start with '+'"),
        ("", "must start with '+'"),
        ("+0155550100", "never starts with 0"),
        ("+1415", "7 to 15"),
        ("+1234567890123456", "7 to 15"),
        ("+1415555O100", "contains 'O'"),
        ("+1415555;0100", "contains ';'"),
    ] {
        let err = PhoneNumber::parse(input).unwrap_err();
        assert!(err.contains(needle), "{input}: {err}");
    }
}

#[test]
fn provider_numbers_without_plus_become_e164() {
    let n = PhoneNumber::from_provider("14155550100").unwrap();
    assert_eq!(n.as_str(), "+14155550100");
    assert_eq!(n.digits(), "14155550100");
    assert!(PhoneNumber::from_provider("sip:alice@example.com").is_err());
}
