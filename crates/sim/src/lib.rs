//! The carrier simulator: a fake Twilio or Plivo that places calls against a Switchboard
//! webhook over real HTTP.
//!
//! It sends the parameters the carrier sends (Twilio's empty geo fields included; Plivo's
//! numbers without `+`), signs every request (`X-Twilio-Signature`, or
//! `X-Plivo-Signature-V3` with its nonce), executes the XML it gets back (TwiML `Say`,
//! `Play`, `Pause`, `Dial`/`Number`, `Record`, `Gather`, `Redirect`, `Hangup`, `Reject`;
//! Plivo `Speak`, `Play`, `Wait`, `Dial`/`Number`, `Record` including the background
//! `startOnDialAnswer` recording, `GetDigits`/`GetInput`, `Redirect`, `Hangup`), plays scripted
//! responders and a scripted caller on a virtual clock (no real waiting), sends the action,
//! recording and status callbacks, and returns a [`Transcript`].
//!
//! It also sends texts to a line's number as the carriers' messaging webhooks do
//! ([`send_text`]) and reads the `<Message>`s of the reply.
//!
//! Behaviours the protocol notes mark as unconfirmed are settings of [`CallSpec`].

mod exec;
pub mod media;
pub mod services;
mod transcript;
pub mod whisper;

pub use transcript::{Entry, Transcript};

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

/// Which carrier the simulator plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Carrier {
    #[default]
    Twilio,
    Plivo,
}

/// How a responder's phone behaves when dialed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Responder {
    /// Picks up after `after_secs` of ringing and talks for `talk_secs`.
    Answer { after_secs: u32, talk_secs: u32 },
    /// Rings until the dial times out.
    NoAnswer,
    /// The line is busy.
    Busy,
    /// The number cannot be reached.
    Failed,
    /// The responder's own voicemail picks up after `after_secs`; the caller talks to it
    /// for `message_secs`. A voicemail never presses a screening key.
    Voicemail { after_secs: u32, message_secs: u32 },
    /// Picks up after `after_secs` but, asked to press a key to accept, does not.
    Declines { after_secs: u32 },
    /// Picks up after `after_secs` and passes the call on: presses 2 when the whisper asks
    /// for a key (Twilio), or hangs up while the confirm sound plays (Plivo, which hears only
    /// its confirm key).
    Passes { after_secs: u32 },
}

impl Responder {
    /// Parses `answer:5`, `answer:5:60`, `no-answer`, `busy`, `failed`, `voicemail:15`.
    pub fn parse(s: &str) -> Result<Self, String> {
        let parts: Vec<&str> = s.split(':').collect();
        let num = |i: usize, default: u32| -> Result<u32, String> {
            match parts.get(i) {
                None => Ok(default),
                Some(p) => p
                    .parse()
                    .map_err(|_| format!("'{p}' in '{s}' is not a number of seconds")),
            }
        };
        match parts[0] {
            "answer" => Ok(Responder::Answer {
                after_secs: num(1, 3)?,
                talk_secs: num(2, 60)?,
            }),
            "no-answer" => Ok(Responder::NoAnswer),
            "busy" => Ok(Responder::Busy),
            "failed" => Ok(Responder::Failed),
            "voicemail" => Ok(Responder::Voicemail {
                after_secs: num(1, 15)?,
                message_secs: num(2, 20)?,
            }),
            "declines" => Ok(Responder::Declines {
                after_secs: num(1, 3)?,
            }),
            "passes" => Ok(Responder::Passes {
                after_secs: num(1, 3)?,
            }),
            other => Err(format!(
                "'{other}' is not a responder behaviour (answer[:AFTER[:TALK]], no-answer, busy, failed, voicemail[:AFTER[:SECS]], declines[:AFTER], passes[:AFTER])"
            )),
        }
    }
}

/// What happens to the other legs of a dial when one leg picks up (see
/// [`CallSpec::others_on_pickup`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OthersOnPickup {
    /// They are hung up at once: the literal reading of Twilio's "the first call to pick up
    /// is connected to the current call and the rest are hung up". If the leg that picked up
    /// is then not bridged (its whisper hung up), the dial ends.
    #[default]
    HungUp,
    /// They keep ringing until a leg is bridged; a leg whose whisper hangs up drops out alone.
    KeepRinging,
}

/// What the caller does when asked to leave a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VoicemailScript {
    /// Speaks for this many seconds, then stops talking.
    Leave { secs: u32 },
    /// Says nothing (an empty recording).
    Silent,
}

/// The caller's behaviour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallerScript {
    /// Hangs up at this second of the call, wherever the call is.
    pub hang_up_at: Option<u32>,
    pub voicemail: VoicemailScript,
    /// The key pressed at each menu, in order (`-`: none, the menu times out); past the end,
    /// no key.
    pub menu_keys: &'static str,
    /// The code entered at each request for one (a `Gather`/`GetDigits` ended by `#`), in
    /// order (`""`: none, it times out); past the end, none.
    pub codes: &'static [&'static str],
}

impl Default for CallerScript {
    fn default() -> Self {
        Self {
            menu_keys: "",
            codes: &[],
            hang_up_at: None,
            voicemail: VoicemailScript::Leave { secs: 10 },
        }
    }
}

/// Which form of the URL the signature is computed over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SignedUrlForm {
    /// Exactly the URL requested.
    #[default]
    AsRequested,
    /// With the scheme's default port added (Twilio does this sometimes).
    WithDefaultPort,
    /// With any port removed (Twilio's back ends also sign this form).
    WithoutPort,
}

/// Called before each request with its index (0 = the incoming call) and URL; lets a test
/// act between two webhooks (restart the server, move its clock).
pub type BeforeRequest =
    Arc<dyn Fn(usize, String) -> Pin<Box<dyn Future<Output = ()> + Send>> + Send + Sync>;

/// One simulated call.
#[derive(Clone)]
pub struct CallSpec {
    pub carrier: Carrier,
    /// The line's voice webhook (Plivo: the answer URL).
    pub voice_url: String,
    /// The number's call-status callback (Plivo: the hangup URL), if configured.
    pub status_callback_url: Option<String>,
    /// Sign requests with this auth token (unsigned when `None`).
    pub auth_token: Option<String>,
    pub signed_url_form: SignedUrlForm,
    /// The server's `public_url` when it sits behind a proxy: requests are signed over that
    /// URL (as the provider would) and sent to the origin of `voice_url`.
    pub public_url: Option<String>,
    pub account_sid: String,
    /// Random when `None`.
    pub call_sid: Option<String>,
    pub from: String,
    pub to: String,
    pub caller_name: Option<String>,
    pub from_city: String,
    pub from_state: String,
    pub from_country: String,
    /// Dialed numbers' behaviour; numbers not listed do not answer.
    pub responders: HashMap<String, Responder>,
    pub caller: CallerScript,
    /// `DialCallStatus` reported when the caller hangs up while a responder rings
    /// (unconfirmed at Twilio: `no-answer` or `canceled`).
    pub dial_status_when_caller_hangs_up: String,
    /// What the carrier's transcription makes of a voicemail, when a `<Record>` asks for it:
    /// the text, or why it failed; `None`: no callback ever comes.
    pub carrier_transcript: Option<Result<String, String>>,
    /// What the carrier does with the other legs of a dial of several numbers when one leg
    /// picks up and runs its whisper document (Twilio's `<Number url>`, Plivo's
    /// `confirmSound`): undocumented at both carriers, so both are played.
    pub others_on_pickup: OthersOnPickup,
    /// Dial status reported when a screened responder does not accept and their leg hangs
    /// up before the bridge (unconfirmed at both carriers; `no-answer` expected).
    pub dial_status_when_screen_declined: String,
    /// Base of `RecordingUrl`s (a [`media::MediaServer`] in tests).
    pub recording_base_url: String,
    /// Send recording status callbacks before (rather than after) the action request.
    pub recording_callback_first: bool,
    pub before_request: Option<BeforeRequest>,
    /// Stop after this many documents, to catch loops.
    pub max_documents: usize,
}

impl CallSpec {
    /// A call from `from` to `to` at `voice_url`, with Twilio-like defaults.
    pub fn new(voice_url: impl Into<String>, from: &str, to: &str) -> Self {
        Self {
            carrier: Carrier::Twilio,
            voice_url: voice_url.into(),
            status_callback_url: None,
            auth_token: None,
            signed_url_form: SignedUrlForm::AsRequested,
            public_url: None,
            account_sid: "AC00000000000000000000000000000001".to_owned(),
            call_sid: None,
            from: from.to_owned(),
            to: to.to_owned(),
            caller_name: None,
            from_city: String::new(),
            from_state: String::new(),
            from_country: "US".to_owned(),
            responders: HashMap::new(),
            caller: CallerScript::default(),
            dial_status_when_caller_hangs_up: "no-answer".to_owned(),
            dial_status_when_screen_declined: "no-answer".to_owned(),
            others_on_pickup: OthersOnPickup::HungUp,
            carrier_transcript: Some(Ok(
                "Hi, this is Dana from Acme. Our payment gateway is down, please call me back."
                    .to_owned(),
            )),
            recording_base_url: "https://api.twilio.com".to_owned(),
            recording_callback_first: false,
            before_request: None,
            max_documents: 50,
        }
    }

    /// The same call through Plivo.
    pub fn plivo(mut self) -> Self {
        self.carrier = Carrier::Plivo;
        self.account_sid = "MAZDQ1ZDIXMZA5ZMU0OT".to_owned();
        self
    }

    /// Sets how `number` behaves.
    pub fn responder(mut self, number: &str, r: Responder) -> Self {
        self.responders.insert(number.to_owned(), r);
        self
    }
}

/// Places one call and plays it to the end.
pub async fn place_call(http: &reqwest::Client, spec: &CallSpec) -> anyhow::Result<Transcript> {
    exec::run(http, spec).await
}

/// Sends only the signed incoming-call webhook of `spec` and returns the HTTP status and
/// body, without executing the document (for load tests of the first webhook alone).
pub async fn incoming_webhook(
    http: &reqwest::Client,
    spec: &CallSpec,
) -> anyhow::Result<(u16, String)> {
    exec::incoming_only(http, spec).await
}

/// A text one `<Message>` of a messaging reply sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentText {
    /// E.164, whichever form the document wrote it in.
    pub from: String,
    pub to: String,
    pub body: String,
}

/// What the line answered to a text.
#[derive(Debug, Clone)]
pub struct TextReply {
    /// The carrier's id of the text sent (`MessageSid`, `MessageUUID`).
    pub message_id: String,
    pub status: u16,
    pub body: String,
    /// Every text the reply sends, in order.
    pub sent: Vec<SentText>,
}

impl TextReply {
    /// The texts sent to `number`.
    pub fn to(&self, number: &str) -> Vec<&SentText> {
        self.sent.iter().filter(|s| s.to == number).collect()
    }
}

/// Sends a text of `body` from `spec.from` to `spec.to` at the line's messaging URL `url`,
/// signed as `spec`'s carrier signs (with `media` pictures attached, and the carrier's id
/// `message_id` when given, to repeat a text), and reads the texts the reply sends. A reply
/// that is not a valid messaging document is an error.
pub async fn send_text(
    http: &reqwest::Client,
    spec: &CallSpec,
    url: &str,
    body: &str,
    media: usize,
    message_id: Option<String>,
) -> anyhow::Result<TextReply> {
    exec::text::send(http, spec, url, body, media, message_id).await
}

/// An HTTP client suited to the simulator (no connection reuse across a server restart).
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(20))
        .pool_max_idle_per_host(0)
        .build()
        .expect("static client settings")
}
