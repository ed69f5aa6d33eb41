//! Tests of `channel`.

use super::*;

#[test]
fn urls_are_checked_and_hosts_extracted() {
    assert!(NewChannel::validate(
        "ops",
        ChannelKind::Slack,
        "https://hooks.slack.com/services/T/B/x"
    )
    .is_ok());
    for bad in [
        "hooks.slack.com/x",
        "ftp://x/y",
        "https://",
        "https://a b/c",
        "http://127.0.0.1:18740\\@hooks.slack.com/services/T/B/x",
        "https://user:pw@hooks.slack.com/services/T/B/x",
        "https://127.0.0.1@hooks.slack.com/services/T/B/x",
    ] {
        assert_eq!(
            NewChannel::validate("ops", ChannelKind::Slack, bad)
                .unwrap_err()
                .field,
            "webhook_url",
            "{bad}"
        );
    }
    assert_eq!(
        NewChannel::host("https://prod-1.westus.logic.azure.com:443/workflows/x?sig=1"),
        "prod-1.westus.logic.azure.com"
    );
    // The host the client would connect to, not the text after the last `@`.
    assert_eq!(
        NewChannel::host("http://127.0.0.1:18740\\@hooks.slack.com/x"),
        "127.0.0.1"
    );
    assert_eq!(NewChannel::host("http://127.0.0.1:8080/slack"), "127.0.0.1");
}

#[test]
fn email_channels_take_plain_addresses_only() {
    let c = NewChannel::email(" Ops mail ", "oncall@example.com, lead@ops.example.org").unwrap();
    assert_eq!(c.kind, ChannelKind::Email);
    assert_eq!(c.email_to, ["oncall@example.com", "lead@ops.example.org"]);
    for bad in [
        "",
        " , ",
        "oncall",
        "a@b",
        "Ops <ops@example.com>",
        "a@example.com\r\nBcc: x@evil.example",
        "a b@example.com",
        "a@@example.com",
    ] {
        let err = NewChannel::email("Ops", bad).unwrap_err();
        assert_eq!(err.field, "email_to", "{bad:?}");
    }
    let many = vec!["a@example.com"; 21].join(",");
    assert!(NewChannel::email("Ops", &many).is_err());
    assert_eq!(
        NewChannel::email("", "a@example.com").unwrap_err().field,
        "name"
    );
}
