//! Tests of `twiml`.

use super::*;
use switchboard_core::call::RecordingKind;
use switchboard_core::flow::{Callback, DialLeg};
use switchboard_core::PhoneNumber;

fn url_for(c: Callback) -> String {
    format!("https://sb.example/hooks/t/{c:?}?a=1&b=2")
}

#[test]
fn a_dial_carries_every_attribute_the_flow_relies_on() {
    let doc = render(
        &[
            Instruction::Say(Message {
                text: "Hi <there> & \"you\"".into(),
                voice: Some("Polly.Joanna".into()),
                language: "en-GB".into(),
                audio: None,
                audio_url: None,
            }),
            Instruction::Dial {
                legs: vec![DialLeg {
                    number: PhoneNumber::parse("+14155550101").unwrap(),
                    picked_up: None,
                }],
                caller_id: "+14155550199".into(),
                timeout_secs: 20,
                record: true,
                action: Callback::DialEnded { step: 2 },
                recording_callback: Callback::RecordingReady {
                    kind: RecordingKind::Call,
                },
                picked_up: None,
                screening: false,
            },
        ],
        &url_for,
    );
    let d = roxmltree::Document::parse(&doc).unwrap();
    let say = d.descendants().find(|n| n.has_tag_name("Say")).unwrap();
    assert_eq!(say.text(), Some("Hi <there> & \"you\""));
    assert_eq!(say.attribute("voice"), Some("Polly.Joanna"));
    let dial = d.descendants().find(|n| n.has_tag_name("Dial")).unwrap();
    assert_eq!(
        dial.attribute("action"),
        Some("https://sb.example/hooks/t/DialEnded { step: 2 }?a=1&b=2")
    );
    assert_eq!(dial.attribute("timeout"), Some("20"));
    assert_eq!(dial.attribute("callerId"), Some("+14155550199"));
    assert_eq!(dial.attribute("record"), Some("record-from-answer-dual"));
    let number = dial.first_element_child().unwrap();
    assert_eq!(number.text(), Some("+14155550101"));
    assert!(doc.contains("a=1&amp;b=2"), "{doc}");
}

#[test]
fn the_failure_document_speaks_and_records() {
    let doc = render_failure("https://sb.example/x?y=1&z=2", 120);
    let d = roxmltree::Document::parse(&doc).unwrap();
    let names: Vec<_> = d
        .root_element()
        .children()
        .filter(|n| n.is_element())
        .map(|n| n.tag_name().name())
        .collect();
    assert_eq!(names, ["Say", "Record", "Say", "Hangup"]);
}

#[test]
fn a_menu_asks_the_action_even_without_a_key() {
    let doc = render(
        &[Instruction::Menu {
            prompt: Message::spoken("Press 1."),
            timeout_secs: 6,
            action: Callback::Menu,
        }],
        &url_for,
    );
    assert!(doc.contains(r#"<Gather input="dtmf" numDigits="1" timeout="6" actionOnEmptyResult="true" action="https://sb.example/hooks/t/Menu?a=1&amp;b=2" method="POST"><Say language="en-US">Press 1.</Say></Gather>"#), "{doc}");
}

/// A dial of several legs at once (simultaneous ring), as both carriers get it.
pub(crate) fn together(screening: bool) -> Instruction {
    let leg = |n: &str, i: usize| DialLeg {
        number: PhoneNumber::parse(n).unwrap(),
        picked_up: Some(Callback::Screen {
            step: 1,
            leg: Some(i),
        }),
    };
    Instruction::Dial {
        legs: vec![leg("+14155550101", 0), leg("+14155550102", 1)],
        caller_id: "+14155550199".into(),
        timeout_secs: 25,
        record: false,
        action: Callback::DialEnded { step: 1 },
        recording_callback: Callback::RecordingReady {
            kind: RecordingKind::Call,
        },
        picked_up: Some(Callback::Screen { step: 1, leg: None }),
        screening,
    }
}

#[test]
fn several_legs_ring_in_one_dial_each_with_its_own_pickup_document() {
    let doc = render(&[together(true)], &url_for);
    let d = roxmltree::Document::parse(&doc).unwrap();
    let numbers: Vec<_> = d
        .descendants()
        .filter(|n| n.has_tag_name("Number"))
        .map(|n| (n.text().unwrap(), n.attribute("url").unwrap()))
        .collect();
    assert_eq!(
        numbers,
        [
            (
                "+14155550101",
                "https://sb.example/hooks/t/Screen { step: 1, leg: Some(0) }?a=1&b=2"
            ),
            (
                "+14155550102",
                "https://sb.example/hooks/t/Screen { step: 1, leg: Some(1) }?a=1&b=2"
            ),
        ]
    );
}
