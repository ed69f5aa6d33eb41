//! The TwiML and Plivo XML renderers (voice documents and replies to texts): whatever the texts, voices, languages, caller ids and
//! URLs, the document is well-formed XML and every text reads back exactly as given (less
//! the characters XML 1.0 cannot carry).
#![no_main]

use libfuzzer_sys::fuzz_target;
use switchboard_core::call::RecordingKind;
use switchboard_core::flow::{Callback, DialLeg, Instruction};
use switchboard_core::line::{Message, Provider};
use switchboard_core::PhoneNumber;

fn clean(s: &str) -> String {
    s.chars()
        .filter(|c| (*c as u32) >= 0x20 || matches!(c, '\t' | '\n' | '\r'))
        .filter(|c| !matches!(c, '\u{FFFE}' | '\u{FFFF}'))
        .collect()
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut parts = text.split('\u{1F}');
    let mut next = || parts.next().unwrap_or("").to_owned();
    let (say, voice, language, caller_id, path) = (next(), next(), next(), next(), next());
    let message = Message {
        text: say.clone(),
        voice: Some(voice.clone()).filter(|v| !v.is_empty()),
        language: language.clone(),
        audio: None,
        audio_url: None,
    };
    let number = PhoneNumber::parse("+14155550101").unwrap();
    let instructions = [
        Instruction::Say(message.clone()),
        Instruction::Dial {
            // Two legs ringing together, each with its pickup document.
            legs: vec![
                DialLeg {
                    number: number.clone(),
                    picked_up: Some(Callback::Screen {
                        step: 0,
                        leg: Some(0),
                    }),
                },
                DialLeg {
                    number,
                    picked_up: Some(Callback::Screen {
                        step: 0,
                        leg: Some(1),
                    }),
                },
            ],
            caller_id: caller_id.clone(),
            timeout_secs: 20,
            record: true,
            action: Callback::DialEnded { step: 0 },
            recording_callback: Callback::RecordingReady {
                kind: RecordingKind::Call,
            },
            picked_up: Some(Callback::Screen { step: 0, leg: None }),
            screening: true,
        },
        Instruction::AskToAccept {
            prompt: message.clone(),
            timeout_secs: 10,
            action: Callback::ScreenResult { step: 0, leg: None },
        },
        Instruction::Record {
            max_secs: 120,
            action: Callback::Voicemail,
            recording_callback: Callback::RecordingReady {
                kind: RecordingKind::Voicemail,
            },
            transcribe: Some(Callback::Transcript),
        },
        Instruction::AskForCode {
            prompt: message.clone(),
            timeout_secs: 10,
            max_digits: 8,
            action: Callback::Pin,
        },
        Instruction::Hangup,
    ];
    let url_for = |c: Callback| format!("https://sb.example.com/{path}/{c:?}");
    for provider in [Provider::Twilio, Provider::Plivo] {
        let p = switchboard_providers::voice(provider);
        let full = p.render(&instructions, &url_for);
        let reject = p.render(&[Instruction::Reject], &url_for);
        // A reply to a text carries whatever the sender wrote, forwarded.
        let texts_doc = p.render_texts(
            &PhoneNumber::parse("+15005550006").unwrap(),
            &[switchboard_core::text::OutText {
                to: PhoneNumber::parse("+14155550101").unwrap(),
                body: say.clone(),
            }],
        );
        let sent = roxmltree::Document::parse(&texts_doc).unwrap_or_else(|e| {
            panic!("{provider:?} rendered a malformed reply ({e}): {texts_doc}")
        });
        let said = clean(&say);
        assert!(
            said.trim().is_empty()
                || sent
                    .descendants()
                    .filter_map(|n| n.text())
                    .any(|t| t == said),
            "{provider:?}: the text {said:?} did not survive: {texts_doc}"
        );
        let failure = p.render_failure(&url_for(Callback::Voicemail), 180);
        for (what, doc) in [
            ("document", &full),
            ("reject", &reject),
            ("failure", &failure),
        ] {
            let parsed = roxmltree::Document::parse(doc).unwrap_or_else(|e| {
                panic!("{provider:?} rendered a malformed {what} ({e}): {doc}")
            });
            let texts: Vec<&str> = parsed.descendants().filter_map(|n| n.text()).collect();
            let attrs: Vec<&str> = parsed
                .descendants()
                .flat_map(|n| n.attributes().map(|a| a.value()))
                .collect();
            let url = clean(&url_for(Callback::Voicemail));
            if what != "reject" {
                assert!(
                    attrs.contains(&url.as_str()),
                    "{provider:?}: URL {url:?} lost: {doc}"
                );
            }
            if what == "document" {
                let said = clean(&say);
                if !said.trim().is_empty() {
                    assert!(
                        texts.contains(&said.as_str()),
                        "{provider:?}: the text {said:?} did not survive: {doc}"
                    );
                }
                let cid = clean(&caller_id);
                // Plivo takes numbers without the leading `+`.
                let bare = cid.strip_prefix('+').unwrap_or(&cid);
                let survived = attrs.contains(&cid.as_str())
                    || (provider == Provider::Plivo && attrs.contains(&bare));
                assert!(
                    cid.is_empty() || survived,
                    "{provider:?}: the caller id {cid:?} did not survive: {doc}"
                );
            }
        }
    }
});
