//! Edges to the voice providers (Twilio and Plivo): webhook parsing, request signatures
//! and XML rendering.
//!
//! Each provider is one module implementing [`VoiceProvider`]; the server picks the module
//! by the line's provider with [`voice`] and never looks inside. A new provider is one new
//! module and one arm in [`voice`].

pub mod chat;
pub mod form;
pub mod incidents;
pub mod mail;
pub mod plivo;
pub mod twilio;
pub mod xml;

pub use form::Form;

use switchboard_core::call::{CallerInfo, RecordingKind};
use switchboard_core::flow::{Callback, Event, Instruction};
use switchboard_core::line::Provider;
use switchboard_core::text::OutText;
use switchboard_core::PhoneNumber;

/// A webhook whose parameters do not make sense; names what is missing or wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed {provider} webhook: {message}")]
pub struct ParseError {
    pub provider: &'static str,
    pub message: String,
}

/// The first webhook of a call, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncomingCall {
    pub provider_call_id: String,
    pub account_id: Option<String>,
    pub caller: CallerInfo,
    /// The number that was dialed, as sent.
    pub to: String,
}

/// An incoming text (SMS or MMS), parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncomingText {
    pub message_id: String,
    pub account_id: Option<String>,
    /// The sender's number, in E.164 form when it is a phone number.
    pub from: String,
    /// The number texted, in E.164 form when it is a phone number.
    pub to: String,
    /// The text; a note is added for pictures or other media, which are not forwarded.
    pub body: String,
}

/// The text kept of a message: its body, and a note when it carried media.
pub(crate) fn text_body(body: &str, media: usize) -> String {
    match media {
        0 => body.to_owned(),
        n => format!(
            "{body}{}[{n} picture(s) or file(s) sent with this text are not forwarded]",
            if body.trim().is_empty() { "" } else { "\n" }
        ),
    }
}

/// Builds the absolute URL for a webhook the provider should request next.
pub type UrlFor<'a> = &'a dyn Fn(Callback) -> String;

/// What Switchboard needs from one voice provider.
pub trait VoiceProvider: Send + Sync {
    /// The provider's name.
    fn name(&self) -> &'static str;
    /// Checks the request signature. `url` is the full public URL the provider requested,
    /// `header` looks up a request header by lowercase name.
    fn verify(
        &self,
        auth_token: &str,
        url: &str,
        form: &Form,
        header: &dyn Fn(&str) -> Option<String>,
    ) -> bool;
    /// Parses the incoming-call webhook.
    fn incoming(&self, form: &Form) -> Result<IncomingCall, ParseError>;
    /// The provider's id of the call a webhook is about.
    fn call_id<'f>(&self, form: &'f Form) -> Option<&'f str>;
    /// Parses the request that reports the end of the dial of plan step `step`.
    fn dial_ended(&self, form: &Form, step: usize) -> Result<Event, ParseError>;
    /// Parses the report of what a screened responder pressed for leg `leg` of plan step
    /// `step`.
    fn screen_result(
        &self,
        form: &Form,
        step: usize,
        leg: Option<usize>,
    ) -> Result<Event, ParseError>;
    /// Parses the carrier's transcript of a voicemail: the carrier's id of the recording
    /// (when it says) and the transcript.
    fn transcript(
        &self,
        form: &Form,
    ) -> Result<(Option<String>, switchboard_core::call::Transcript), ParseError>;
    /// Parses the request sent when the voicemail recording finished.
    fn voicemail_taken(&self, form: &Form) -> Result<Event, ParseError>;
    /// Parses a recording callback; `None` when it is only a progress report.
    fn recording(&self, form: &Form, kind: RecordingKind) -> Result<Option<Event>, ParseError>;
    /// Parses the end-of-call callback; `None` when it reports something other than the end.
    fn call_ended(&self, form: &Form) -> Result<Option<Event>, ParseError>;
    /// Parses the incoming-message webhook of a line's number.
    fn incoming_text(&self, form: &Form) -> Result<IncomingText, ParseError>;
    /// The reply document to an incoming message: sends each text from the line's number
    /// `from` (an empty document sends none).
    fn render_texts(&self, from: &PhoneNumber, texts: &[OutText]) -> String;
    /// Renders instructions as the provider's XML document.
    fn render(&self, instructions: &[Instruction], url_for: UrlFor<'_>) -> String;
    /// The document played when Switchboard itself failed: a spoken apology, a voicemail
    /// whose result goes to `voicemail_url`, then goodbye.
    fn render_failure(&self, voicemail_url: &str, voicemail_max_secs: u32) -> String;
}

/// The module for `provider`.
pub fn voice(provider: Provider) -> &'static dyn VoiceProvider {
    match provider {
        Provider::Twilio => &twilio::Twilio,
        Provider::Plivo => &plivo::Plivo,
    }
}
