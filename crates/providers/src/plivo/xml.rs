//! Rendering instructions as Plivo XML. Defaults Plivo leaves undocumented are set explicitly.

use crate::xml::XmlWriter;
use crate::UrlFor;
use switchboard_core::flow::{
    Instruction, ACCEPT_KEY, ACCEPT_TIMEOUT_SECS, INTERNAL_ERROR_TEXT, NO_MESSAGE_TEXT,
};
use switchboard_core::line::Message;
use switchboard_core::text::OutText;
use switchboard_core::PhoneNumber;

fn speak(w: &mut XmlWriter, m: &Message) {
    if let Some(url) = &m.audio {
        w.leaf("Play", &[("loop", "1")], Some(url));
        return;
    }
    let mut attrs: Vec<(&'static str, &str)> = vec![("language", m.language.as_str())];
    if let Some(v) = &m.voice {
        attrs.push(("voice", v.as_str()));
    }
    w.leaf("Speak", &attrs, Some(&m.text));
}

/// Plivo wants numbers as digits without `+`.
fn digits(n: &str) -> &str {
    n.strip_prefix('+').unwrap_or(n)
}

fn voicemail(
    w: &mut XmlWriter,
    action: &str,
    callback: Option<&str>,
    max_secs: u32,
    transcript: Option<&str>,
) {
    let max = max_secs.to_string();
    let mut attrs: Vec<(&'static str, &str)> = vec![
        ("action", action),
        ("method", "POST"),
        ("fileFormat", "mp3"),
        ("maxLength", &max),
        ("timeout", "5"),
        ("finishOnKey", "#"),
        ("playBeep", "true"),
        ("redirect", "true"),
    ];
    if let Some(cb) = callback {
        attrs.extend([("callbackUrl", cb), ("callbackMethod", "POST")]);
    }
    // Plivo's automated transcription (English only) posts its result to transcriptionUrl.
    if let Some(t) = transcript {
        attrs.extend([
            ("transcriptionType", "auto"),
            ("transcriptionUrl", t),
            ("transcriptionMethod", "POST"),
        ]);
    }
    w.leaf("Record", &attrs, None);
}

/// A messaging reply: one `<Message>` per text, from the line's number, numbers as digits
/// without `+` as Plivo writes them (an empty `<Response/>` sends nothing).
pub fn render_texts(from: &PhoneNumber, texts: &[OutText]) -> String {
    let mut w = XmlWriter::new();
    w.open("Response", &[]);
    for t in texts {
        w.leaf(
            "Message",
            &[
                ("src", from.digits()),
                ("dst", t.to.digits()),
                ("type", "sms"),
            ],
            Some(&t.body),
        );
    }
    w.close("Response");
    w.finish()
}

/// Renders `instructions` as one Plivo XML document.
pub fn render(instructions: &[Instruction], url_for: UrlFor<'_>) -> String {
    let mut w = XmlWriter::new();
    w.open("Response", &[]);
    for i in instructions {
        match i {
            Instruction::Say(m) => speak(&mut w, m),
            Instruction::Dial {
                legs,
                caller_id,
                timeout_secs,
                record,
                action,
                recording_callback,
                picked_up,
                screening,
            } => {
                if *record {
                    // Plivo records a bridged call with a background <Record> placed before
                    // the <Dial>; its action fires at the start, the file comes to callbackUrl.
                    let rec = url_for(*recording_callback);
                    w.leaf(
                        "Record",
                        &[
                            ("action", &rec),
                            ("method", "POST"),
                            ("startOnDialAnswer", "true"),
                            ("redirect", "false"),
                            ("fileFormat", "mp3"),
                            ("maxLength", "14400"),
                            ("callbackUrl", &rec),
                            ("callbackMethod", "POST"),
                        ],
                        None,
                    );
                }
                let action = url_for(*action);
                let timeout = timeout_secs.to_string();
                // confirmSound is one URL per dial: the leg that picked up is told by its `To`.
                let screen_url = picked_up.map(url_for);
                let confirm_timeout = ACCEPT_TIMEOUT_SECS.to_string();
                let mut attrs: Vec<(&'static str, &str)> = vec![
                    ("action", &action),
                    ("method", "POST"),
                    ("redirect", "true"),
                    ("timeout", &timeout),
                    ("callerId", digits(caller_id)),
                ];
                // Plivo screens declaratively: it plays confirmSound to the responder and
                // bridges only after confirmKey. Without screening, confirmSound alone (an
                // empty document) tells which of several legs picked up.
                if let Some(u) = &screen_url {
                    attrs.push(("confirmSound", u.as_str()));
                    if *screening {
                        attrs.extend([
                            ("confirmKey", ACCEPT_KEY),
                            ("confirmTimeout", confirm_timeout.as_str()),
                        ]);
                    }
                }
                w.open("Dial", &attrs);
                // Several numbers in one dial ring at the same time.
                for leg in legs {
                    w.leaf("Number", &[], Some(leg.number.digits()));
                }
                w.close("Dial");
            }
            Instruction::Record {
                max_secs,
                action,
                recording_callback,
                transcribe,
            } => {
                let action = url_for(*action);
                let cb = url_for(*recording_callback);
                let transcript = transcribe.map(url_for);
                voicemail(&mut w, &action, Some(&cb), *max_secs, transcript.as_deref());
            }
            // A confirmSound document may hold only Speak, Play and Wait: the prompt alone.
            Instruction::AskToAccept { prompt, .. } => speak(&mut w, prompt),
            Instruction::Menu {
                prompt,
                timeout_secs,
                action,
            } => {
                // One key, one try; with none in time Plivo runs the next element, which asks
                // Switchboard with no `Digits`, so the default is decided in every case.
                let action = url_for(*action);
                let timeout = timeout_secs.to_string();
                w.open(
                    "GetDigits",
                    &[
                        ("action", &action),
                        ("method", "POST"),
                        ("timeout", &timeout),
                        ("numDigits", "1"),
                        ("retries", "1"),
                        ("finishOnKey", "none"),
                        ("redirect", "true"),
                    ],
                );
                speak(&mut w, prompt);
                w.close("GetDigits");
                w.leaf("Redirect", &[("method", "POST")], Some(&action));
            }
            Instruction::AskForCode {
                prompt,
                timeout_secs,
                max_digits,
                action,
            } => {
                // Up to `max_digits` keys ended by #, kept out of Plivo's logs; with none in
                // time the next element asks Switchboard with no `Digits`.
                let action = url_for(*action);
                let (timeout, max) = (timeout_secs.to_string(), max_digits.to_string());
                w.open(
                    "GetDigits",
                    &[
                        ("action", &action),
                        ("method", "POST"),
                        ("timeout", &timeout),
                        ("digitTimeout", "5"),
                        ("numDigits", &max),
                        ("retries", "1"),
                        ("finishOnKey", "#"),
                        ("log", "false"),
                        ("redirect", "true"),
                    ],
                );
                speak(&mut w, prompt);
                w.close("GetDigits");
                w.leaf("Redirect", &[("method", "POST")], Some(&action));
            }
            Instruction::Hangup => w.leaf("Hangup", &[], None),
            Instruction::Reject => w.leaf("Hangup", &[("reason", "rejected")], None),
        }
    }
    w.close("Response");
    w.finish()
}

/// The document for when Switchboard failed: apologise, take a message, say goodbye.
pub fn render_failure(voicemail_url: &str, max_secs: u32) -> String {
    let mut w = XmlWriter::new();
    w.open("Response", &[]);
    w.leaf("Speak", &[("language", "en-US")], Some(INTERNAL_ERROR_TEXT));
    voicemail(&mut w, voicemail_url, None, max_secs, None);
    w.leaf("Speak", &[("language", "en-US")], Some(NO_MESSAGE_TEXT));
    w.leaf("Hangup", &[], None);
    w.close("Response");
    w.finish()
}

#[cfg(test)]
mod menu_tests {
    use super::*;
    use switchboard_core::flow::Callback;

    #[test]
    fn a_menu_without_a_key_redirects_to_the_action() {
        let url = |_: Callback| "https://sb.example/menu".to_owned();
        let doc = render(
            &[Instruction::Menu {
                prompt: Message::spoken("Press 1."),
                timeout_secs: 6,
                action: Callback::Menu,
            }],
            &url,
        );
        assert!(doc.contains(r#"<GetDigits action="https://sb.example/menu" method="POST" timeout="6" numDigits="1" retries="1" finishOnKey="none" redirect="true"><Speak language="en-US">Press 1.</Speak></GetDigits><Redirect method="POST">https://sb.example/menu</Redirect>"#), "{doc}");
    }
}

#[cfg(test)]
mod together_tests {
    use super::*;
    use switchboard_core::flow::Callback;

    fn url_for(c: Callback) -> String {
        format!("https://sb.example/{c:?}")
    }

    #[test]
    fn several_numbers_ring_in_one_dial_with_one_confirm_sound() {
        for screening in [true, false] {
            let doc = render(
                &[crate::twilio::twiml::tests::together(screening)],
                &url_for,
            );
            let d = roxmltree::Document::parse(&doc).unwrap();
            let dial = d.descendants().find(|n| n.has_tag_name("Dial")).unwrap();
            let numbers: Vec<_> = dial
                .children()
                .filter(|n| n.has_tag_name("Number"))
                .map(|n| n.text().unwrap())
                .collect();
            assert_eq!(numbers, ["14155550101", "14155550102"]);
            // One URL per dial: the leg is told by the request's To.
            assert_eq!(
                dial.attribute("confirmSound"),
                Some("https://sb.example/Screen { step: 1, leg: None }")
            );
            assert_eq!(
                dial.attribute("confirmKey"),
                screening.then_some(ACCEPT_KEY),
                "{doc}"
            );
        }
    }
}
