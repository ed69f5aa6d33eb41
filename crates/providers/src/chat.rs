//! Chat alerts after a call: Slack Block Kit and Microsoft Teams Adaptive Card payloads.
//!
//! Pure functions of an [`Alert`]; delivery (HTTP, retries) is the server's background job.

use serde_json::{json, Value};

/// What an alert says about one call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alert {
    pub line: String,
    pub caller_number: String,
    pub caller_name: Option<String>,
    /// `answered`, `voicemail`, `missed`, `abandoned` or `in_progress`.
    pub outcome: String,
    pub answered_by: Option<String>,
    pub path: String,
    pub duration_secs: Option<u32>,
    /// RFC 3339 start of the call.
    pub started_at: String,
    pub call_url: String,
    /// (label, URL) of each recording.
    pub recordings: Vec<(String, String)>,
    pub test_call: bool,
    /// The incident the call is linked to: (label such as `Incident #7 (triggered): …`, URL).
    pub incident: Option<(String, String)>,
    /// The voicemail's transcript in words (its text, "transcribing…", or why there is none).
    pub transcript: Option<String>,
    /// For a conversation by text: its texts, in words ("Sender: …").
    pub text: Option<String>,
    /// A reminder of a message left after hours that nobody handled by the time the line
    /// opened again.
    pub reminder: bool,
}

impl Alert {
    /// Missed calls, voicemails and texts nobody replied to need someone to act.
    pub fn urgent(&self) -> bool {
        matches!(
            self.outcome.as_str(),
            "missed" | "voicemail" | "abandoned" | "texted"
        )
    }

    /// What the caller said, under its label: a conversation's texts, or the voicemail's
    /// transcript.
    pub fn said(&self) -> Option<(&'static str, &str)> {
        match (&self.text, &self.transcript) {
            (Some(t), _) => Some(("Text", t.as_str())),
            (None, Some(t)) => Some(("Voicemail transcript", t.as_str())),
            (None, None) => None,
        }
    }

    pub(crate) fn caller(&self) -> String {
        match &self.caller_name {
            Some(n) => format!("{n} ({})", self.caller_number),
            None => self.caller_number.clone(),
        }
    }

    /// One line summing the call up, used as the notification text.
    pub fn headline(&self) -> String {
        let what = match self.outcome.as_str() {
            "answered" => format!(
                "answered by {}",
                self.answered_by.as_deref().unwrap_or("a responder")
            ),
            "voicemail" => "VOICEMAIL left".to_owned(),
            "missed" => "MISSED: nobody answered".to_owned(),
            "abandoned" => "caller hung up before anyone answered".to_owned(),
            "in_progress" => "ringing now…".to_owned(),
            "texted" => "TEXT waiting for a reply".to_owned(),
            other => other.to_owned(),
        };
        let what = match (self.text.is_some(), self.outcome.as_str()) {
            (true, "answered") => format!(
                "replied by {}",
                self.answered_by.as_deref().unwrap_or("a responder")
            ),
            _ => what,
        };
        format!(
            "{}{}{}{} to {} from {}: {what}",
            if self.urgent() { "🚨 " } else { "" },
            if self.reminder {
                "Still unhandled now that the line is open: "
            } else {
                ""
            },
            if self.test_call { "[test] " } else { "" },
            if self.text.is_some() { "Text" } else { "Call" },
            self.line,
            self.caller()
        )
    }

    /// The notice posted when the call starts ringing.
    pub fn ringing_text(&self) -> String {
        format!(
            "{}Ringing now: call from {} to {}",
            if self.test_call { "[test] " } else { "" },
            self.caller(),
            self.line
        )
    }

    pub(crate) fn duration(&self) -> String {
        match self.duration_secs {
            Some(d) => format!("{}m {:02}s", d / 60, d % 60),
            None => "unknown".to_owned(),
        }
    }
}

/// Slack's mrkdwn needs `&`, `<` and `>` escaped; everything else is literal.
fn mrkdwn(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        let mut out: String = s.chars().take(max - 1).collect();
        out.push('…');
        out
    }
}

/// The Slack incoming-webhook body (Block Kit, with `text` as the notification fallback).
pub fn slack(a: &Alert) -> Value {
    let mut fields = vec![
        json!({ "type": "mrkdwn", "text": format!("*Caller*\n{}", mrkdwn(&a.caller())) }),
        json!({ "type": "mrkdwn", "text": format!("*Line*\n{}", mrkdwn(&a.line)) }),
        json!({ "type": "mrkdwn", "text": format!("*Outcome*\n{}", mrkdwn(&a.outcome)) }),
        json!({ "type": "mrkdwn", "text": format!("*Duration*\n{}", a.duration()) }),
    ];
    if let Some(who) = &a.answered_by {
        fields.push(json!({ "type": "mrkdwn", "text": format!("*Answered by*\n{}", mrkdwn(who)) }));
    }
    if let Some((label, url)) = &a.incident {
        fields.push(json!({ "type": "mrkdwn", "text": clip(&format!("*Incident*\n<{url}|{}>", mrkdwn(label)), 2000) }));
    }
    let mut links = vec![format!("<{}|Call log>", a.call_url)];
    links.extend(
        a.recordings
            .iter()
            .map(|(label, url)| format!("<{url}|{}>", mrkdwn(label))),
    );
    let mut body = json!({
        "text": mrkdwn(&a.headline()),
        "blocks": [
            { "type": "header", "text": { "type": "plain_text", "text": clip(&a.headline(), 150), "emoji": true } },
            { "type": "section", "fields": fields },
            { "type": "section", "text": { "type": "mrkdwn", "text": clip(&format!("*Path*\n{}", mrkdwn(&a.path)), 3000) } },
            { "type": "section", "text": { "type": "mrkdwn", "text": clip(&format!("*{}*\n{}", a.said().map_or("", |s| s.0), mrkdwn(a.said().map_or("-", |s| s.1))), 3000) } },
            { "type": "context", "elements": [
                { "type": "mrkdwn", "text": clip(&format!("{} · started {}", links.join(" · "), a.started_at), 3000) }
            ] }
        ],
        "unfurl_links": false,
    });
    if a.said().is_none() {
        // No voicemail transcript or text: no section for it.
        body["blocks"]
            .as_array_mut()
            .expect("the alert has blocks")
            .remove(3);
    }
    body
}

/// A short "ringing now" notice for a Slack incoming webhook, posted when a call starts; the
/// full alert follows when it ends.
pub fn slack_notice(a: &Alert) -> Value {
    let text = a.ringing_text();
    json!({
        "text": mrkdwn(&text),
        "blocks": [{ "type": "section", "text": { "type": "mrkdwn", "text": clip(
            &format!("*{}*\n{} · <{}|Call log>", mrkdwn(&text), mrkdwn(&a.path), a.call_url), 3000) } }],
        "unfurl_links": false,
    })
}

/// The same notice as a Microsoft Teams Adaptive Card.
pub fn teams_notice(a: &Alert) -> Value {
    let text = a.ringing_text();
    json!({
        "type": "message",
        "attachments": [{
            "contentType": "application/vnd.microsoft.card.adaptive",
            "contentUrl": null,
            "content": {
                "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                "type": "AdaptiveCard",
                "version": "1.4",
                "body": [
                    { "type": "TextBlock", "text": teams_text(&clip(&text, 300)), "weight": "Bolder", "wrap": true },
                    { "type": "TextBlock", "text": teams_text(&clip(&a.path, 1000)), "wrap": true }
                ],
                "actions": [{ "type": "Action.OpenUrl", "title": "Call log", "url": a.call_url }],
            }
        }]
    })
}

/// The buttons a Slack app's message carries for an open incident.
pub const ACK_ACTION: &str = "incident_acknowledge";
pub const RESOLVE_ACTION: &str = "incident_resolve";

/// A Slack app's message (for `chat.postMessage` and `chat.update`): the alert's blocks, and
/// Acknowledge (while triggered) and Resolve buttons for its open incident.
/// `incident`: (id, triggered, open).
pub fn slack_app(a: &Alert, incident: Option<(i64, bool, bool)>) -> Value {
    let mut body = slack(a);
    if let Some((id, triggered, true)) = incident {
        let mut buttons = Vec::new();
        if triggered {
            buttons.push(
                json!({"type": "button", "action_id": ACK_ACTION, "value": id.to_string(),
                "text": {"type": "plain_text", "text": "Acknowledge"}, "style": "primary"}),
            );
        }
        buttons.push(
            json!({"type": "button", "action_id": RESOLVE_ACTION, "value": id.to_string(),
            "text": {"type": "plain_text", "text": "Resolve"}}),
        );
        body["blocks"]
            .as_array_mut()
            .expect("the alert has blocks")
            .push(json!({"type": "actions", "block_id": format!("incident-{id}"), "elements": buttons}));
    }
    body.as_object_mut().map(|o| o.remove("unfurl_links"));
    body
}

/// Whether a Slack request's `X-Slack-Signature` is the `v0` HMAC-SHA256 of
/// `v0:{timestamp}:{body}` under the app's signing secret (its UTF-8 bytes), compared in
/// constant time. The caller checks the timestamp is recent.
pub fn slack_signature_valid(
    signing_secret: &str,
    timestamp: &str,
    body: &[u8],
    signature: &str,
) -> bool {
    use hmac::{Hmac, Mac};
    use subtle::ConstantTimeEq as _;
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(signing_secret.as_bytes())
        .expect("HMAC takes any key length");
    mac.update(b"v0:");
    mac.update(timestamp.as_bytes());
    mac.update(b":");
    mac.update(body);
    let expected: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let expected = format!("v0={expected}");
    bool::from(expected.as_bytes().ct_eq(signature.as_bytes()))
}

/// Adaptive Card text is Markdown (bold, italics, lists, links): text that came from outside
/// (a caller's name, names in the path) has its Markdown characters escaped with a backslash,
/// so a caller named `[Reset your password](https://evil.example)` shows as that text, not a
/// link. (That Teams honours CommonMark's backslash escapes is unconfirmed [M].)
fn teams_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '~') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The Teams Workflows webhook body (an Adaptive Card 1.4 message).
pub fn teams(a: &Alert) -> Value {
    let mut facts = vec![
        json!({ "title": "Caller", "value": teams_text(&a.caller()) }),
        json!({ "title": "Line", "value": teams_text(&a.line) }),
        json!({ "title": "Outcome", "value": a.outcome }),
        json!({ "title": "Duration", "value": a.duration() }),
        json!({ "title": "Path", "value": teams_text(&clip(&a.path, 3000)) }),
        json!({ "title": "Started", "value": a.started_at }),
    ];
    if let Some((label, t)) = a.said() {
        facts.push(json!({ "title": label, "value": teams_text(&clip(t, 3000)) }));
    }
    if let Some(who) = &a.answered_by {
        facts.insert(
            3,
            json!({ "title": "Answered by", "value": teams_text(who) }),
        );
    }
    if let Some((label, _)) = &a.incident {
        facts.push(json!({ "title": "Incident", "value": teams_text(&clip(label, 300)) }));
    }
    let mut actions =
        vec![json!({ "type": "Action.OpenUrl", "title": "Call log", "url": a.call_url })];
    if let Some((_, url)) = &a.incident {
        actions.push(json!({ "type": "Action.OpenUrl", "title": "Incident", "url": url }));
    }
    actions.extend(
        a.recordings
            .iter()
            .map(|(label, url)| json!({ "type": "Action.OpenUrl", "title": label, "url": url })),
    );
    json!({
        "type": "message",
        "attachments": [{
            "contentType": "application/vnd.microsoft.card.adaptive",
            "contentUrl": null,
            "content": {
                "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                "type": "AdaptiveCard",
                "version": "1.4",
                "body": [
                    {
                        "type": "TextBlock",
                        "text": teams_text(&clip(&a.headline(), 300)),
                        "weight": "Bolder",
                        "size": "Medium",
                        "wrap": true,
                        "color": if a.urgent() { "Attention" } else { "Default" },
                    },
                    { "type": "FactSet", "facts": facts }
                ],
                "actions": actions,
            }
        }]
    })
}

#[cfg(test)]
#[path = "chat_tests.rs"]
mod tests;
