//! Every URL Switchboard hands out — to providers (webhooks), to API users (media, call log,
//! calendar feeds), to chat alerts — built in one place from `public_url`. The router's
//! paths are the other half; a test requests each URL built here and checks a route answers.

use switchboard_core::flow::Callback;
use switchboard_core::line::{Line, Provider};
use switchboard_core::{CallId, RecordingId};

/// URL builder over the public origin (no trailing slash).
#[derive(Debug, Clone, Copy)]
pub struct Urls<'a> {
    public: &'a str,
}

impl<'a> Urls<'a> {
    pub fn new(public_url: &'a str) -> Self {
        Self {
            public: public_url.trim_end_matches('/'),
        }
    }

    /// `…/hooks/{provider}/{token}`: the base of every webhook of a line.
    pub fn hooks(&self, provider: Provider, token: &str) -> String {
        format!("{}/hooks/{}/{token}", self.public, provider.as_str())
    }

    /// The line's voice (answer) webhook: where a call comes in.
    pub fn voice(&self, line: &Line) -> String {
        format!("{}/voice", self.hooks(line.provider, &line.webhook_token))
    }

    /// The line's messaging webhook (texts to its number).
    pub fn sms(&self, line: &Line) -> String {
        format!("{}/sms", self.hooks(line.provider, &line.webhook_token))
    }

    /// The line's call-status (hangup) callback.
    pub fn status(&self, line: &Line) -> String {
        format!("{}/status", self.hooks(line.provider, &line.webhook_token))
    }

    /// Where the failure document sends the caller's voicemail.
    pub fn failsafe_voicemail(&self, provider: Provider, token: &str) -> String {
        format!("{}/failsafe-voicemail", self.hooks(provider, token))
    }

    /// The URL a provider requests for `callback` of `call`.
    pub fn callback(&self, line: &Line, call: CallId, callback: Callback) -> String {
        let base = format!(
            "{}/calls/{call}",
            self.hooks(line.provider, &line.webhook_token)
        );
        match callback {
            Callback::DialEnded { step } => format!("{base}/dial/{step}"),
            Callback::Voicemail => format!("{base}/voicemail"),
            Callback::RecordingReady { kind } => format!("{base}/recording/{}", kind.as_str()),
            Callback::Screen { step, leg } => format!("{base}/screen/{step}{}", leg_query(leg)),
            Callback::ScreenResult { step, leg } => {
                format!("{base}/screen/{step}/result{}", leg_query(leg))
            }
            Callback::Menu => format!("{base}/menu"),
            Callback::Pin => format!("{base}/pin"),
            Callback::CallBack => format!("{base}/callback"),
            Callback::Transcript => format!("{base}/transcript"),
        }
    }

    /// An uploaded message's audio, fetched by the provider.
    pub fn media(&self, token: &str) -> String {
        format!("{}/media/{token}", self.public)
    }

    /// The first-run setup page, with its one-time token.
    /// Where the identity provider sends the browser back after a single sign-on login.
    pub fn sso_callback(&self) -> String {
        format!("{}/api/v1/sso/callback", self.public)
    }

    pub fn setup(&self, token: &str) -> String {
        format!("{}/setup?token={token}", self.public)
    }

    /// A schedule's or user's calendar feed.
    pub fn calendar(&self, token: &str) -> String {
        format!("{}/calendar/{token}.ics", self.public)
    }

    /// A call's page (chat alerts link to it; a visitor who is not logged in logs in and
    /// lands there).
    pub fn call(&self, call: CallId) -> String {
        format!("{}/calls/{call}", self.public)
    }

    /// An incident's page (the link chat alerts and the tools it is sent to show; a
    /// visitor who is not logged in logs in and lands there).
    pub fn incident(&self, incident: switchboard_core::IncidentId) -> String {
        format!("{}/incidents/{incident}", self.public)
    }

    /// Our stored copy of a recording, absolute.
    pub fn recording(&self, call: CallId, recording: RecordingId) -> String {
        format!("{}{}", self.public, recording_path(call, recording))
    }
}

/// Our stored copy of a recording, as a path below the origin (as the API lists it).
pub fn recording_path(call: CallId, recording: RecordingId) -> String {
    format!("/api/v1/calls/{call}/recordings/{recording}/media")
}

/// `?leg=N` for one leg of a step that rings several people together.
fn leg_query(leg: Option<usize>) -> String {
    leg.map_or_else(String::new, |l| format!("?leg={l}"))
}
