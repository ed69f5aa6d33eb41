//! Texts to a line's number (SMS), decided without I/O.
//!
//! A text from outside opens a conversation (a [`Call`] whose `medium` is `text`, in the call
//! log beside calls) or joins the sender's conversation of the last day on that line. The
//! first text is planned by the same resolver as a call (caller rules, business hours, who is
//! on call now, then the line's fallbacks), and every text of the conversation is forwarded
//! from the line's number to the people of that plan, each copy naming the sender and the
//! line; the sender gets the line's acknowledgement once. A responder's text to the line's
//! number is relayed to the sender of the latest conversation forwarded to them, from the
//! line's number, so neither side sees the other's personal number; the conversation's other
//! recipients get a copy, so they know it is being answered.
//!
//! Everything is answered in the webhook's own reply document (TwiML or Plivo `<Message>`),
//! so no carrier API key is needed.

use crate::call::{Call, CallerInfo, EventKind, Medium, Outcome, Phase};
use crate::line::{Line, Provider};
use crate::plan::{Plan, Responder};
use crate::{CallId, PhoneNumber, UserId};

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

/// A sender's texts within this many hours of their last one join the same conversation.
pub const CONVERSATION_HOURS: i64 = 24;
/// At most this many people get a forwarded text.
pub const MAX_RECIPIENTS: usize = 10;
/// Longest text kept, in characters (Twilio joins a long SMS into up to 1,600).
pub const MAX_BODY: usize = 1600;

/// One text of a conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Text {
    pub at: Timestamp,
    /// The carrier's id of the message (`MessageSid`, `MessageUUID`): a repeated webhook is
    /// recognised by it.
    pub message_id: String,
    /// The responder who wrote it; `None`: the person who texted the line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<Author>,
    pub body: String,
    /// Whom it was sent on to, by name ("Alice"; "the sender").
    pub sent_to: Vec<String>,
}

/// A responder who wrote a text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Author {
    pub user_id: UserId,
    pub name: String,
}

/// What the carrier told of an incoming text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewText {
    pub provider: Provider,
    pub message_id: String,
    pub account_id: Option<String>,
    pub sender: CallerInfo,
    /// The number texted, as the carrier sent it.
    pub to: String,
    pub body: String,
}

/// A text to send from the line's number, in the reply document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutText {
    pub to: PhoneNumber,
    pub body: String,
}

/// What one incoming text produced.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TextTransition {
    /// Texts to send now (the reply document).
    pub outgoing: Vec<OutText>,
    pub log: Vec<(EventKind, String)>,
    /// Background jobs (chat alerts) to queue with the change.
    pub jobs: Vec<crate::store::NewJob>,
    pub incident: Option<crate::incident::auto::CallIncident>,
    /// The carrier repeated a text already stored: nothing changed, nothing is sent again.
    pub repeated: bool,
}

impl TextTransition {
    fn log(&mut self, message: impl Into<String>) {
        self.log.push((EventKind::Decision, message.into()));
    }
}

/// The text as kept: control characters other than new lines removed, cut to [`MAX_BODY`].
pub fn tidy_body(body: &str) -> String {
    body.chars()
        .filter(|c| *c == '\n' || !c.is_control())
        .take(MAX_BODY)
        .collect::<String>()
        .trim()
        .to_owned()
}

/// The people a conversation's texts go to: everyone its plan names, in order, once each.
pub fn recipients(plan: &Plan) -> Vec<Responder> {
    let mut out: Vec<Responder> = Vec::new();
    for r in plan.steps.iter().flat_map(|s| s.legs()) {
        if out.len() < MAX_RECIPIENTS && !out.iter().any(|o| o.phone == r.phone) {
            out.push(r.clone());
        }
    }
    out
}

/// Since when a sender's earlier texts join their new one into one conversation.
pub fn conversation_since(now: Timestamp) -> Timestamp {
    now.checked_sub(SignedDuration::from_hours(CONVERSATION_HOURS))
        .unwrap_or(now)
}

fn names(rs: &[Responder]) -> String {
    let n: Vec<&str> = rs.iter().map(|r| r.name.as_str()).collect();
    n.join(", ")
}

/// The forwarded copy of a sender's text.
fn forward_body(line: &Line, sender: &CallerInfo, body: &str, first: bool) -> String {
    let who = match &sender.name {
        Some(n) => format!("{n} ({})", sender.number),
        None => sender.number.clone(),
    };
    let hint = if first {
        "\n(Reply to this number to answer; the sender sees only the hotline's number.)"
    } else {
        ""
    };
    format!("[{}] Text from {who}:\n{body}{hint}", line.name)
}

/// The copies of the sender's `body` for the people `to`.
fn forwards(
    line: &Line,
    sender: &CallerInfo,
    to: &[Responder],
    body: &str,
    first: bool,
) -> Vec<OutText> {
    to.iter()
        .map(|r| OutText {
            to: r.phone.clone(),
            body: forward_body(line, sender, body, first),
        })
        .collect()
}

/// The sender's text as kept in the conversation, sent on to `to`.
fn from_the_sender(message_id: String, body: String, to: &[Responder], now: Timestamp) -> Text {
    Text {
        at: now,
        message_id,
        by: None,
        body,
        sent_to: to.iter().map(|r| r.name.clone()).collect(),
    }
}

/// The carrier's repeat of a text already in the conversation (the same message id): nothing
/// changes and nothing is sent again.
fn repeated(conv: &Call, message_id: &str) -> Option<TextTransition> {
    conv.texts
        .iter()
        .any(|x| x.message_id == message_id)
        .then(|| TextTransition {
            repeated: true,
            ..TextTransition::default()
        })
}

/// Another text from the sender of `conv` (their conversation of the last day on this line):
/// forwarded to the same people, not acknowledged again.
pub fn another_text(
    line: &Line,
    conv: &mut Call,
    message_id: String,
    body: &str,
    now: Timestamp,
) -> TextTransition {
    if let Some(t) = repeated(conv, &message_id) {
        return t;
    }
    let mut t = TextTransition::default();
    let body = tidy_body(body);
    let to = recipients(&conv.plan);
    t.outgoing = forwards(line, &conv.caller, &to, &body, false);
    t.log(match to.is_empty() {
        true => "Another text from the sender; nobody to forward it to".to_owned(),
        false => format!("Another text from the sender, forwarded to {}", names(&to)),
    });
    conv.texts.push(from_the_sender(message_id, body, &to, now));
    t
}

/// The first text of a conversation: refused when `refused` says why (forwarded to nobody,
/// answered with nothing), else forwarded to everyone `plan` names (as a new call's plan) and
/// acknowledged.
pub fn first_text(
    line: &Line,
    new: NewText,
    plan: Plan,
    refused: Option<&str>,
    now: Timestamp,
) -> (Call, TextTransition) {
    let mut t = TextTransition::default();
    let body = tidy_body(&new.body);
    let simulated = new.message_id.starts_with(crate::call::SIMULATED_PREFIX);
    let mut conv = Call {
        id: CallId(0),
        line_id: line.id,
        provider: new.provider,
        provider_call_id: new.message_id.clone(),
        account_id: new.account_id,
        caller: new.sender,
        started_at: now,
        ended_at: Some(now),
        duration_secs: None,
        test_call: plan.test_mode,
        simulated,
        failsafe: None,
        plan: Plan::nobody(),
        phase: Phase::Done,
        outcome: Outcome::Texted,
        answered_by: None,
        attempts: vec![],
        called: line.number_called(&new.to).to_string(),
        medium: Medium::Text,
        texts: vec![],
        archived: false,
        version: 0,
    };
    if let Some(reason) = refused {
        conv.outcome = Outcome::Rejected;
        t.log(format!("Text refused: {reason}; not forwarded"));
        conv.texts
            .push(from_the_sender(new.message_id, body, &[], now));
        return (conv, t);
    }
    conv.plan = plan;
    let to = recipients(&conv.plan);
    for s in &conv.plan.steps {
        if let (None, Some(why)) = (&s.responder, s.skipped) {
            t.log.push((
                EventKind::Plan,
                format!("{}: {}", s.target, crate::flow::skip_words(why)),
            ));
        }
    }
    t.outgoing = forwards(line, &conv.caller, &to, &body, true);
    let ack = match to.is_empty() {
        true => &line.messages.text_unanswered,
        false => &line.messages.text_reply,
    };
    if let (false, Ok(sender)) = (ack.text.is_empty(), PhoneNumber::parse(&conv.caller.number)) {
        t.outgoing.push(OutText {
            to: sender,
            body: ack.text.clone(),
        });
    }
    t.log(match to.is_empty() {
        true => "Nobody to forward the text to: the sender was told so".to_owned(),
        false => format!("Text forwarded to {}", names(&to)),
    });
    conv.texts
        .push(from_the_sender(new.message_id, body, &to, now));
    if !conv.simulated {
        t.jobs.extend(
            line.channels
                .iter()
                .map(|c| crate::store::NewJob::alert(CallId(0), *c)),
        );
    }
    t.incident = crate::incident::auto::on_call_end(&conv, line, &line.incidents);
    t.jobs.extend(crate::flow::reminder(&conv, line, now));
    (conv, t)
}

/// The conversation a text from `from` answers, and its author: the latest of `recent`
/// (newest first) that was forwarded to that number and was not sent from it.
pub fn answered_by(recent: Vec<Call>, from: &PhoneNumber) -> Option<(Call, Author)> {
    recent.into_iter().find_map(|c| {
        if c.medium != Medium::Text
            || c.outcome == Outcome::Rejected
            || PhoneNumber::parse(&c.caller.number).ok().as_ref() == Some(from)
        {
            return None;
        }
        let r = recipients(&c.plan).into_iter().find(|r| &r.phone == from)?;
        Some((
            c,
            Author {
                user_id: r.user_id,
                name: r.name,
            },
        ))
    })
}

/// A responder's text to the line's number, relayed to the sender of `conv` (from
/// [`answered_by`]), with a copy to the conversation's other recipients.
pub fn from_responder(
    line: &Line,
    conv: &mut Call,
    author: Author,
    message_id: String,
    body: &str,
    now: Timestamp,
) -> TextTransition {
    if let Some(t) = repeated(conv, &message_id) {
        return t;
    }
    let mut t = TextTransition::default();
    let body = tidy_body(body);
    let mut sent_to = Vec::new();
    match PhoneNumber::parse(&conv.caller.number) {
        Ok(sender) => {
            t.outgoing.push(OutText {
                to: sender,
                body: format!("[{}] {body}", line.name),
            });
            sent_to.push("the sender".to_owned());
            t.log(format!("{} replied; relayed to the sender", author.name));
        }
        Err(_) => t.log(format!(
            "{} replied, but the sender's number ({}) cannot take a text",
            author.name, conv.caller.number
        )),
    }
    for r in recipients(&conv.plan) {
        if r.user_id != author.user_id {
            t.outgoing.push(OutText {
                to: r.phone.clone(),
                body: format!(
                    "[{}] {} replied to {}:\n{body}",
                    line.name, author.name, conv.caller.number
                ),
            });
            sent_to.push(r.name.clone());
        }
    }
    if conv.answered_by.is_none() {
        conv.outcome = Outcome::Answered;
        conv.answered_by = Some(author.user_id);
    }
    conv.texts.push(Text {
        at: now,
        message_id,
        by: Some(author),
        body,
        sent_to,
    });
    t
}

#[cfg(test)]
#[path = "text_tests.rs"]
mod tests;
