//! Tests of `chat`.

use super::*;

fn alert(outcome: &str) -> Alert {
    Alert {
        line: "Engineering <Hotline> & co".into(),
        caller_number: "+14155550199".into(),
        caller_name: Some("ACME".into()),
        outcome: outcome.into(),
        answered_by: (outcome == "answered").then(|| "Bob".into()),
        path: "Alice did not answer → Bob answered".into(),
        duration_secs: Some(95),
        started_at: "2026-11-24T09:00:00Z".into(),
        call_url: "https://sb.example/api/v1/calls/7".into(),
        recordings: vec![("Voicemail (12 s)".into(), "https://sb.example/r/1".into())],
        test_call: false,
        incident: None,
    }
}

#[test]
fn slack_escapes_and_marks_urgency() {
    let v = slack(&alert("missed"));
    let text = v["text"].as_str().unwrap();
    assert!(text.starts_with("🚨 "), "{text}");
    assert!(text.contains("&lt;Hotline&gt; &amp; co"), "{text}");
    assert_eq!(v["blocks"][0]["type"], "header");
    let ok = slack(&alert("answered"));
    assert!(!ok["text"].as_str().unwrap().starts_with("🚨"));
    assert!(ok["text"].as_str().unwrap().contains("answered by Bob"));
    assert!(ok["blocks"][1]["fields"].to_string().contains("1m 35s"));
}

#[test]
fn teams_is_an_adaptive_card_message() {
    let v = teams(&alert("voicemail"));
    let card = &v["attachments"][0]["content"];
    assert_eq!(card["type"], "AdaptiveCard");
    assert_eq!(card["body"][0]["color"], "Attention");
    assert_eq!(card["actions"][1]["url"], "https://sb.example/r/1");
}

#[test]
fn a_caller_name_cannot_become_a_teams_link() {
    let mut a = alert("voicemail");
    a.caller_name = Some("[Reset your password](https://evil.example) *now*".into());
    let v = teams(&a);
    let card = v["attachments"][0]["content"].to_string();
    assert!(
        card.contains(r"\\[Reset your password\\](https://evil.example) \\*now\\*"),
        "{card}"
    );
    assert!(!card.contains("[Reset your password](https"), "{card}");
    // Phone numbers stay readable.
    assert!(card.contains("+14155550199"), "{card}");
}
