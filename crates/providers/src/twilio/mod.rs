//! Twilio Programmable Voice: webhook parameters, `X-Twilio-Signature`, TwiML.

pub mod signature;
pub(crate) mod twiml;

use crate::{Form, IncomingCall, IncomingText, ParseError, UrlFor, VoiceProvider};
use switchboard_core::call::{CallerInfo, RecordingKind, RecordingReport};
use switchboard_core::flow::{DialStatus, Event, Instruction};
use switchboard_core::text::OutText;
use switchboard_core::PhoneNumber;

/// The Twilio provider.
#[derive(Debug, Clone, Copy, Default)]
pub struct Twilio;

fn err(message: impl Into<String>) -> ParseError {
    ParseError {
        provider: "twilio",
        message: message.into(),
    }
}

fn required<'f>(form: &'f Form, name: &str) -> Result<&'f str, ParseError> {
    form.non_empty(name)
        .ok_or_else(|| err(format!("the {name} parameter is missing")))
}

fn secs(form: &Form, name: &str) -> Result<Option<u32>, ParseError> {
    match form.non_empty(name) {
        None => Ok(None),
        Some(v) => v
            .parse()
            .map(Some)
            .map_err(|_| err(format!("{name} is '{v}', not a number of seconds"))),
    }
}

/// The parent call has ended (the caller hung up) when Twilio reports a final status.
fn caller_gone(form: &Form) -> bool {
    matches!(
        form.get("CallStatus"),
        Some("completed" | "canceled" | "busy" | "failed" | "no-answer")
    )
}

fn recording_report(
    form: &Form,
    kind: RecordingKind,
) -> Result<Option<RecordingReport>, ParseError> {
    let Some(url) = form.non_empty("RecordingUrl") else {
        return Ok(None);
    };
    let sid = form
        .non_empty("RecordingSid")
        .map(str::to_owned)
        // Older payloads carry only the URL, whose last segment is the SID.
        .or_else(|| url.rsplit('/').next().map(str::to_owned))
        .ok_or_else(|| err("RecordingSid is missing"))?;
    let duration = secs(form, "RecordingDuration")?;
    Ok(Some(RecordingReport {
        kind,
        provider_recording_id: sid,
        provider_url: url.to_owned(),
        duration_secs: duration,
        has_media: duration != Some(0),
        transcribe: false,
    }))
}

impl VoiceProvider for Twilio {
    fn name(&self) -> &'static str {
        "twilio"
    }

    fn verify(
        &self,
        auth_token: &str,
        url: &str,
        form: &Form,
        header: &dyn Fn(&str) -> Option<String>,
    ) -> bool {
        match header("x-twilio-signature") {
            Some(sig) => signature::verify(auth_token, url, form, &sig),
            None => false,
        }
    }

    fn incoming(&self, form: &Form) -> Result<IncomingCall, ParseError> {
        let sid = required(form, "CallSid")?;
        if sid.len() > 64 {
            return Err(err("CallSid is longer than 64 characters"));
        }
        let from = form.get("From").unwrap_or("").trim();
        let opt = |n: &str| form.non_empty(n).map(str::to_owned);
        Ok(IncomingCall {
            provider_call_id: sid.to_owned(),
            account_id: opt("AccountSid"),
            caller: CallerInfo {
                number: if from.is_empty() {
                    "anonymous".to_owned()
                } else {
                    from.to_owned()
                },
                name: opt("CallerName"),
                city: opt("FromCity"),
                state: opt("FromState"),
                zip: opt("FromZip"),
                country: opt("FromCountry"),
            }
            .tidy(),
            to: form.get("To").unwrap_or("").chars().take(64).collect(),
        })
    }

    fn call_id<'f>(&self, form: &'f Form) -> Option<&'f str> {
        form.non_empty("CallSid")
    }

    fn dial_ended(&self, form: &Form, step: usize) -> Result<Event, ParseError> {
        let raw = required(form, "DialCallStatus")?;
        // A screened or whispered leg that hung up before the bridge can be reported as
        // completed with DialBridged=false: nobody talked to the caller.
        let bridged = form.get("DialBridged") != Some("false");
        let status = match raw {
            "completed" | "answered" if bridged => DialStatus::Answered,
            "completed" | "answered" => DialStatus::NoAnswer,
            "no-answer" => DialStatus::NoAnswer,
            "busy" => DialStatus::Busy,
            "failed" => DialStatus::Failed,
            "canceled" => DialStatus::Canceled,
            other => return Err(err(format!("DialCallStatus '{other}' is unknown"))),
        };
        Ok(Event::DialEnded {
            step,
            status,
            talk_secs: secs(form, "DialCallDuration")?,
            caller_gone: caller_gone(form),
            leg_id: form.non_empty("DialCallSid").map(str::to_owned),
            recording: recording_report(form, RecordingKind::Call)?,
            // Twilio bridges after the whisper document ends however it ends; acceptance
            // is what our own screen-result webhook recorded.
            accept_enforced_by_provider: false,
        })
    }

    fn screen_result(
        &self,
        form: &Form,
        step: usize,
        leg: Option<usize>,
    ) -> Result<Event, ParseError> {
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
        let t = match required(form, "TranscriptionStatus")? {
            "completed" => Transcript::Done {
                text: form
                    .get("TranscriptionText")
                    .unwrap_or("")
                    .trim()
                    .to_owned(),
            },
            "failed" => Transcript::Failed {
                reason: "Twilio could not transcribe the message".into(),
            },
            other => return Err(err(format!("TranscriptionStatus '{other}' is unknown"))),
        };
        Ok((form.non_empty("RecordingSid").map(str::to_owned), t))
    }

    fn voicemail_taken(&self, form: &Form) -> Result<Event, ParseError> {
        Ok(Event::VoicemailTaken {
            caller_gone: caller_gone(form) || form.get("Digits") == Some("hangup"),
            recording: recording_report(form, RecordingKind::Voicemail)?,
        })
    }

    fn recording(&self, form: &Form, kind: RecordingKind) -> Result<Option<Event>, ParseError> {
        let status = required(form, "RecordingStatus")?;
        let has_media = match status {
            "completed" => true,
            "absent" | "failed" => false,
            "in-progress" => return Ok(None),
            other => return Err(err(format!("RecordingStatus '{other}' is unknown"))),
        };
        let Some(mut report) = recording_report(form, kind)? else {
            if has_media {
                return Err(err("RecordingUrl is missing"));
            }
            return Ok(None);
        };
        report.has_media = has_media && report.duration_secs != Some(0);
        Ok(Some(Event::Recording(report)))
    }

    fn call_ended(&self, form: &Form) -> Result<Option<Event>, ParseError> {
        required(form, "CallSid")?;
        if !caller_gone(form) {
            return Ok(None);
        }
        Ok(Some(Event::CallEnded {
            duration_secs: secs(form, "CallDuration")?,
        }))
    }

    fn incoming_text(&self, form: &Form) -> Result<IncomingText, ParseError> {
        let sid = required(form, "MessageSid")?;
        if sid.len() > 64 {
            return Err(err("MessageSid is longer than 64 characters"));
        }
        let from = required(form, "From")?.trim();
        let media = form
            .get("NumMedia")
            .and_then(|n| n.trim().parse::<usize>().ok())
            .unwrap_or(0);
        Ok(IncomingText {
            message_id: sid.to_owned(),
            account_id: form.non_empty("AccountSid").map(str::to_owned),
            from: from.chars().take(64).collect(),
            to: form.get("To").unwrap_or("").chars().take(64).collect(),
            body: crate::text_body(form.get("Body").unwrap_or(""), media),
        })
    }

    fn render_texts(&self, from: &PhoneNumber, texts: &[OutText]) -> String {
        twiml::render_texts(from, texts)
    }

    fn render(&self, instructions: &[Instruction], url_for: UrlFor<'_>) -> String {
        twiml::render(instructions, url_for)
    }

    fn render_failure(&self, voicemail_url: &str, voicemail_max_secs: u32) -> String {
        twiml::render_failure(voicemail_url, voicemail_max_secs)
    }
}
