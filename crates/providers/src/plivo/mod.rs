//! Plivo Voice: webhook parameters (numbers without `+`), `X-Plivo-Signature-V3`, Plivo XML.

pub mod signature;
mod xml;

use crate::{Form, IncomingCall, IncomingText, ParseError, UrlFor, VoiceProvider};
use switchboard_core::call::{CallerInfo, RecordingKind, RecordingReport};
use switchboard_core::flow::{DialStatus, Event, Instruction};
use switchboard_core::text::OutText;
use switchboard_core::PhoneNumber;

/// The Plivo provider.
#[derive(Debug, Clone, Copy, Default)]
pub struct Plivo;

fn err(message: impl Into<String>) -> ParseError {
    ParseError {
        provider: "plivo",
        message: message.into(),
    }
}

fn required<'f>(form: &'f Form, name: &str) -> Result<&'f str, ParseError> {
    form.non_empty(name)
        .ok_or_else(|| err(format!("the {name} parameter is missing")))
}

fn number(n: &str) -> String {
    // Plivo sends E.164 digits without '+'; keep anything else (SIP URIs) as sent.
    PhoneNumber::from_provider(n).map_or_else(|_| n.to_owned(), |p| p.to_string())
}

fn int(form: &Form, name: &str) -> Result<Option<i64>, ParseError> {
    match form.non_empty(name) {
        None => Ok(None),
        Some(v) => v
            .parse::<f64>()
            .map(|f| Some(f as i64))
            .map_err(|_| err(format!("{name} is '{v}', not a number"))),
    }
}

fn caller_gone(form: &Form) -> bool {
    form.get("CallStatus") == Some("completed") || form.get("Event") == Some("Hangup")
}

/// A recording report, or `None` when the request only says a recording started.
fn recording_report(
    form: &Form,
    kind: RecordingKind,
) -> Result<Option<RecordingReport>, ParseError> {
    let Some(url) = form.non_empty("RecordUrl") else {
        return Ok(None);
    };
    let id = required(form, "RecordingID")?;
    // The unit of RecordingDuration is disputed; the millisecond field is not.
    let secs = match int(form, "RecordingDurationMs")? {
        Some(ms) if ms >= 0 => Some(ms / 1000),
        _ => int(form, "RecordingDuration")?,
    };
    if secs.is_some_and(|s| s < 0) {
        // A background recording's start: its length is not known yet.
        return Ok(None);
    }
    let secs = secs.map(|s| s as u32);
    Ok(Some(RecordingReport {
        kind,
        provider_recording_id: id.to_owned(),
        provider_url: url.to_owned(),
        duration_secs: secs,
        has_media: secs != Some(0),
        transcribe: false,
    }))
}

impl VoiceProvider for Plivo {
    fn name(&self) -> &'static str {
        "plivo"
    }

    fn verify(
        &self,
        auth_token: &str,
        url: &str,
        form: &Form,
        header: &dyn Fn(&str) -> Option<String>,
    ) -> bool {
        let Some(nonce) = header("x-plivo-signature-v3-nonce") else {
            return false;
        };
        ["x-plivo-signature-v3", "x-plivo-signature-ma-v3"]
            .iter()
            .filter_map(|h| header(h))
            .any(|sigs| signature::verify(auth_token, "POST", url, form, &nonce, &sigs))
    }

    fn incoming(&self, form: &Form) -> Result<IncomingCall, ParseError> {
        let id = required(form, "CallUUID")?;
        if id.len() > 64 {
            return Err(err("CallUUID is longer than 64 characters"));
        }
        let from = form.get("From").unwrap_or("").trim();
        Ok(IncomingCall {
            provider_call_id: id.to_owned(),
            account_id: form.non_empty("ParentAuthID").map(str::to_owned),
            caller: CallerInfo {
                number: if from.is_empty() {
                    "anonymous".to_owned()
                } else {
                    number(from)
                },
                name: form.non_empty("CallerName").map(str::to_owned),
                ..Default::default()
            }
            .tidy(),
            to: number(form.get("To").unwrap_or(""))
                .chars()
                .take(64)
                .collect(),
        })
    }

    fn call_id<'f>(&self, form: &'f Form) -> Option<&'f str> {
        form.non_empty("CallUUID")
    }

    fn incoming_text(&self, form: &Form) -> Result<IncomingText, ParseError> {
        let id = required(form, "MessageUUID")?;
        if id.len() > 64 {
            return Err(err("MessageUUID is longer than 64 characters"));
        }
        let from = required(form, "From")?.trim();
        // An MMS carries its text in `Body` and its media as Media1…MediaN (1-based).
        let media = form
            .get("MediaCount")
            .and_then(|n| n.trim().parse::<usize>().ok())
            .unwrap_or(0);
        let body = form
            .non_empty("Text")
            .or_else(|| form.get("Body"))
            .unwrap_or("");
        Ok(IncomingText {
            message_id: id.to_owned(),
            account_id: form.non_empty("ParentAuthID").map(str::to_owned),
            from: number(from).chars().take(64).collect(),
            to: number(form.get("To").unwrap_or(""))
                .chars()
                .take(64)
                .collect(),
            body: crate::text_body(body, media),
        })
    }

    fn render_texts(&self, from: &PhoneNumber, texts: &[OutText]) -> String {
        xml::render_texts(from, texts)
    }

    fn dial_ended(&self, form: &Form, step: usize) -> Result<Event, ParseError> {
        let raw = required(form, "DialStatus")?;
        let b_leg = form.non_empty("DialBLegUUID");
        let status = match raw {
            // Nobody accepted when no B-leg was bridged.
            "completed" if b_leg.is_some() => DialStatus::Answered,
            "completed" | "no-answer" => DialStatus::NoAnswer,
            "busy" => DialStatus::Busy,
            // `timeout` is a carrier or network failure while connecting, not a ring timeout.
            "failed" | "timeout" => DialStatus::Failed,
            "cancel" | "canceled" => DialStatus::Canceled,
            other => return Err(err(format!("DialStatus '{other}' is unknown"))),
        };
        Ok(Event::DialEnded {
            step,
            status,
            talk_secs: int(form, "DialBLegDuration")?
                .filter(|d| *d >= 0)
                .map(|d| d as u32),
            caller_gone: caller_gone(form),
            leg_id: b_leg.map(str::to_owned),
            recording: None,
            // With confirmKey, Plivo only bridges after the responder pressed it.
            accept_enforced_by_provider: true,
        })
    }

    fn screen_result(
        &self,
        form: &Form,
        step: usize,
        leg: Option<usize>,
    ) -> Result<Event, ParseError> {
        // Plivo checks confirmKey itself and never calls us with the digits; a request here
        // is treated like Twilio's.
        Ok(Event::ScreenAnswered {
            step,
            leg,
            digits: form.non_empty("Digits").map(str::to_owned),
        })
    }

    fn transcript(
        &self,
        form: &Form,
    ) -> Result<(Option<String>, switchboard_core::call::Transcript), ParseError> {
        use switchboard_core::call::Transcript;
        // Plivo's fields are snake_case; `error` says why there is no text.
        let t = match (form.non_empty("error"), form.get("transcription")) {
            (Some(e), _) => Transcript::Failed {
                reason: format!("Plivo could not transcribe the message: {e}"),
            },
            (None, Some(text)) => Transcript::Done {
                text: text.trim().to_owned(),
            },
            (None, None) => return Err(err("transcription is missing".to_owned())),
        };
        Ok((form.non_empty("recording_id").map(str::to_owned), t))
    }

    fn voicemail_taken(&self, form: &Form) -> Result<Event, ParseError> {
        Ok(Event::VoicemailTaken {
            caller_gone: caller_gone(form) || form.get("Digits") == Some("hangup"),
            recording: recording_report(form, RecordingKind::Voicemail)?,
        })
    }

    fn recording(&self, form: &Form, kind: RecordingKind) -> Result<Option<Event>, ParseError> {
        Ok(recording_report(form, kind)?.map(Event::Recording))
    }

    fn call_ended(&self, form: &Form) -> Result<Option<Event>, ParseError> {
        required(form, "CallUUID")?;
        if !caller_gone(form) {
            return Ok(None);
        }
        Ok(Some(Event::CallEnded {
            duration_secs: int(form, "Duration")?.map(|d| d.max(0) as u32),
        }))
    }

    fn render(&self, instructions: &[Instruction], url_for: UrlFor<'_>) -> String {
        xml::render(instructions, url_for)
    }

    fn render_failure(&self, voicemail_url: &str, voicemail_max_secs: u32) -> String {
        xml::render_failure(voicemail_url, voicemail_max_secs)
    }
}
