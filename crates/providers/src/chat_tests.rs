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
        transcript: None,
        text: None,
        reminder: false,
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

#[test]
fn slack_signing_matches_slacks_documented_vector() {
    let secret = "8f742231b10e8888abcd99yyyzzz85a5";
    let body = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
    let good = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";
    assert!(slack_signature_valid(
        secret,
        "1531420618",
        body.as_bytes(),
        good
    ));
    let longer = format!("{body}------");
    assert!(!slack_signature_valid(
        secret,
        "1531420618",
        longer.as_bytes(),
        good
    ));
    assert!(!slack_signature_valid(
        secret,
        "1531420619",
        body.as_bytes(),
        good
    ));
    // The interactivity example: a form with one `payload` field.
    let payload = "payload=%7B%22type%22%3A%22block_actions%22%2C%22actions%22%3A%5B%7B%22action_id%22%3A%22ack%22%2C%22value%22%3A%22inc-42%22%7D%5D%7D";
    assert!(slack_signature_valid(
        secret,
        "1700000010",
        payload.as_bytes(),
        "v0=3af456ede66844bdd005efabd95d3bbae41911dc52625224573119e4b325b4b2"
    ));
}

#[test]
fn a_slack_app_message_offers_the_incident_s_buttons_while_it_is_open() {
    let a = alert("missed");
    let triggered = slack_app(&a, Some((7, true, true)));
    let actions = triggered["blocks"].as_array().unwrap().last().unwrap();
    let ids: Vec<&str> = actions["elements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["action_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [ACK_ACTION, RESOLVE_ACTION]);
    assert_eq!(actions["elements"][0]["value"], "7");
    let acked = slack_app(&a, Some((7, false, true)));
    assert_eq!(
        acked["blocks"].as_array().unwrap().last().unwrap()["elements"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let resolved = slack_app(&a, Some((7, false, false)));
    assert!(!resolved.to_string().contains(RESOLVE_ACTION));
}

#[test]
fn a_ringing_notice_is_short_and_links_the_call() {
    let mut a = alert("in_progress");
    a.path = "Alice is ringing".into();
    let slack = slack_notice(&a);
    assert_eq!(
        slack["text"],
        "Ringing now: call from ACME (+14155550199) to Engineering &lt;Hotline&gt; &amp; co"
    );
    let block = slack["blocks"][0]["text"]["text"].as_str().unwrap();
    assert!(
        block.contains("Alice is ringing") && block.contains(&format!("<{}|Call log>", a.call_url)),
        "{block}"
    );
    assert_eq!(slack["blocks"].as_array().unwrap().len(), 1);
    let teams = teams_notice(&a);
    let card = &teams["attachments"][0]["content"];
    assert!(card["body"][0]["text"]
        .as_str()
        .unwrap()
        .starts_with("Ringing now: call from"));
    assert_eq!(card["actions"][0]["url"], a.call_url.as_str());
}

#[test]
fn a_voicemail_transcript_is_in_every_alert_only_when_there_is_one() {
    let mut a = alert("voicemail");
    let without = slack(&a).to_string();
    assert!(!without.contains("Voicemail transcript"), "{without}");
    a.transcript = Some("Gateway <down> & out".into());
    let s = slack(&a);
    let blocks = s["blocks"].as_array().unwrap();
    assert_eq!(
        blocks[3]["text"]["text"],
        "*Voicemail transcript*\nGateway &lt;down&gt; &amp; out"
    );
    let t = teams(&a).to_string();
    assert!(
        t.contains("Voicemail transcript") && t.contains("Gateway"),
        "{t}"
    );
}
