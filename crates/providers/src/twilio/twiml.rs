//! Rendering instructions as TwiML. Every attribute we rely on is set explicitly, because
//! several Twilio defaults are undocumented or have changed over time.

use crate::xml::XmlWriter;
use crate::UrlFor;
use switchboard_core::flow::{Instruction, INTERNAL_ERROR_TEXT, NO_MESSAGE_TEXT};
use switchboard_core::line::Message;
use switchboard_core::text::OutText;
use switchboard_core::PhoneNumber;

fn say(w: &mut XmlWriter, m: &Message) {
    if let Some(url) = &m.audio {
        w.leaf("Play", &[("loop", "1")], Some(url));
        return;
    }
    let mut attrs: Vec<(&'static str, &str)> = vec![("language", m.language.as_str())];
    if let Some(v) = &m.voice {
        attrs.push(("voice", v.as_str()));
    }
    w.leaf("Say", &attrs, Some(&m.text));
}

/// One key asked for while `prompt` plays; the key goes to `action`, and with `on_empty` so
/// does the absence of one.
fn gather(w: &mut XmlWriter, prompt: &Message, timeout_secs: u32, action: &str, on_empty: bool) {
    let timeout = timeout_secs.to_string();
    let mut attrs: Vec<(&'static str, &str)> =
        vec![("input", "dtmf"), ("numDigits", "1"), ("timeout", &timeout)];
    if on_empty {
        attrs.push(("actionOnEmptyResult", "true"));
    }
    attrs.extend([("action", action), ("method", "POST")]);
    w.open("Gather", &attrs);
    say(w, prompt);
    w.close("Gather");
}

/// A messaging reply: one `<Message>` per text, from the line's number (an empty
/// `<Response/>` sends nothing).
pub fn render_texts(from: &PhoneNumber, texts: &[OutText]) -> String {
    let mut w = XmlWriter::new();
    w.open("Response", &[]);
    for t in texts {
        w.leaf(
            "Message",
            &[("to", t.to.as_str()), ("from", from.as_str())],
            Some(&t.body),
        );
    }
    w.close("Response");
    w.finish()
}

/// Renders `instructions` as one TwiML document.
pub fn render(instructions: &[Instruction], url_for: UrlFor<'_>) -> String {
    let mut w = XmlWriter::new();
    w.open("Response", &[]);
    for i in instructions {
        match i {
            Instruction::Say(m) => say(&mut w, m),
            Instruction::Dial {
                legs,
                caller_id,
                timeout_secs,
                record,
                action,
                recording_callback,
                ..
            } => {
                let action = url_for(*action);
                let timeout = timeout_secs.to_string();
                let rec_url = url_for(*recording_callback);
                let mut attrs: Vec<(&'static str, &str)> = vec![
                    ("action", &action),
                    ("method", "POST"),
                    ("timeout", &timeout),
                    ("callerId", caller_id),
                ];
                if *record {
                    attrs.extend([
                        ("record", "record-from-answer-dual"),
                        ("trim", "do-not-trim"),
                        ("recordingStatusCallback", rec_url.as_str()),
                        ("recordingStatusCallbackMethod", "POST"),
                        ("recordingStatusCallbackEvent", "completed absent"),
                    ]);
                }
                w.open("Dial", &attrs);
                // Up to ten <Number>s ring at the same time. A leg's `url` document runs on
                // the responder's leg when they pick up, before the bridge (screening, or
                // telling which leg answered).
                for leg in legs {
                    let url = leg.picked_up.map(url_for);
                    let number_attrs: Vec<(&'static str, &str)> = match &url {
                        Some(u) => vec![("url", u.as_str()), ("method", "POST")],
                        None => vec![],
                    };
                    w.leaf("Number", &number_attrs, Some(leg.number.as_str()));
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
                let rec_url = url_for(*recording_callback);
                let max = max_secs.to_string();
                let transcript = transcribe.map(url_for);
                let mut attrs: Vec<(&'static str, &str)> = vec![
                    ("action", &action),
                    ("method", "POST"),
                    ("maxLength", &max),
                    ("timeout", "5"),
                    ("finishOnKey", "#"),
                    ("playBeep", "true"),
                    ("trim", "trim-silence"),
                    ("recordingStatusCallback", &rec_url),
                    ("recordingStatusCallbackMethod", "POST"),
                    ("recordingStatusCallbackEvent", "completed absent"),
                ];
                // Twilio transcribes recordings of 2 to 120 s and posts the text to
                // transcribeCallback; a longer message is kept without a transcript.
                if let Some(t) = &transcript {
                    attrs.extend([("transcribe", "true"), ("transcribeCallback", t.as_str())]);
                }
                w.leaf("Record", &attrs, None);
            }
            Instruction::AskToAccept {
                prompt,
                timeout_secs,
                action,
            } => {
                gather(&mut w, prompt, *timeout_secs, &url_for(*action), false);
                // No key in time: hang up the responder's leg, so the caller is not bridged
                // to a voicemail and the dial reports no answer.
                w.leaf("Hangup", &[], None);
            }
            Instruction::Menu {
                prompt,
                timeout_secs,
                action,
            } => {
                // One key; with none in time Twilio still requests the action (without
                // `Digits`), so Switchboard decides the default in every case.
                gather(&mut w, prompt, *timeout_secs, &url_for(*action), true);
            }
            Instruction::AskForCode {
                prompt,
                timeout_secs,
                max_digits,
                action,
            } => {
                // Up to `max_digits` keys ended by #; with none in time Twilio still requests
                // the action (without `Digits`), so Switchboard counts the try.
                let (timeout, max) = (timeout_secs.to_string(), max_digits.to_string());
                let action = url_for(*action);
                w.open(
                    "Gather",
                    &[
                        ("input", "dtmf"),
                        ("numDigits", &max),
                        ("finishOnKey", "#"),
                        ("timeout", &timeout),
                        ("actionOnEmptyResult", "true"),
                        ("action", &action),
                        ("method", "POST"),
                    ],
                );
                say(&mut w, prompt);
                w.close("Gather");
            }
            Instruction::Hangup => w.leaf("Hangup", &[], None),
            Instruction::Reject => w.leaf("Reject", &[("reason", "rejected")], None),
        }
    }
    w.close("Response");
    w.finish()
}

/// The document for when Switchboard failed: apologise, take a message, say goodbye.
pub fn render_failure(voicemail_url: &str, max_secs: u32) -> String {
    let mut w = XmlWriter::new();
    w.open("Response", &[]);
    w.leaf("Say", &[("language", "en-US")], Some(INTERNAL_ERROR_TEXT));
    let max = max_secs.to_string();
    w.leaf(
        "Record",
        &[
            ("action", voicemail_url),
            ("method", "POST"),
            ("maxLength", &max),
            ("timeout", "5"),
            ("finishOnKey", "#"),
            ("playBeep", "true"),
            ("trim", "trim-silence"),
        ],
        None,
    );
    w.leaf("Say", &[("language", "en-US")], Some(NO_MESSAGE_TEXT));
    w.leaf("Hangup", &[], None);
    w.close("Response");
    w.finish()
}

#[cfg(test)]
#[path = "twiml_tests.rs"]
pub(crate) mod tests;
