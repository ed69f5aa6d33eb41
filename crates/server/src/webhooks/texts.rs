//! `POST /hooks/{provider}/{token}/sms`: a text to a line's number. Its extractor verifies the
//! request and loads the line → the sender's conversation (or the responder's) is read →
//! core decides → one transaction saves → the reply document sends the texts.
//!
//! The route runs under the callback guard: when the store fails, the request is kept in the
//! spool and replayed into the call log later (its texts are then logged, alerted and open
//! their incident, but nobody's phone gets the forward: a reply document cannot be sent late).

use super::failure::Failure;
use super::{xml, Verified};
use crate::app::AppState;
use axum::extract::State;
use axum::response::Response;
use jiff::Timestamp;
use switchboard_core::call::{Call, CallEvent, EventKind};
use switchboard_core::store::StoreError;
use switchboard_core::text::{self, NewText, OutText, TextTransition};
use switchboard_core::PhoneNumber;

/// Conversations a responder's reply is matched against (the line's latest of the last day).
const RECENT: i64 = 50;

/// `POST /hooks/{provider}/{token}/sms`: the reply document sends the forwards, the relay and
/// the acknowledgement.
pub async fn incoming_text(State(st): State<AppState>, v: Verified) -> Result<Response, Failure> {
    let (from, out) = handle(&st, &v, None).await?;
    Ok(xml(v.provider.render_texts(&from, &out)))
}

fn log(now: Timestamp, first: String, t: &TextTransition) -> Vec<CallEvent> {
    std::iter::once((EventKind::Webhook, first))
        .chain(t.log.iter().cloned())
        .map(|(kind, message)| CallEvent {
            at: now,
            kind,
            message,
        })
        .collect()
}

/// Stores the text `v` carries and returns the texts to send, and the line's number to send
/// them from (the one the sender texted). `replayed`: when it was
/// received and why it was kept, for a text replayed from the spool (whose texts cannot be
/// sent any more).
pub(super) async fn handle(
    st: &AppState,
    v: &Verified,
    replayed: Option<(Timestamp, &str)>,
) -> Result<(PhoneNumber, Vec<OutText>), Failure> {
    let at = replayed.map(|r| r.0);
    let inc = v
        .provider
        .incoming_text(&v.form)
        .map_err(|e| Failure::Malformed(e.to_string()))?;
    let now = at.unwrap_or_else(|| st.clock.now());
    let since = text::conversation_since(now);
    let mut first = format!(
        "Incoming {} text from {} to {}",
        v.provider.name(),
        inc.from,
        inc.to
    );
    if let Some((_, cause)) = replayed {
        first.push_str(&format!(
            " (replayed from the spool: {cause}; nothing could be forwarded or answered)"
        ));
    }
    if let Ok(from) = PhoneNumber::parse(&inc.from) {
        let recent = st
            .store
            .conversations(v.line.id, None, since, RECENT)
            .await?;
        if let Some((conv, author)) = text::answered_by(recent, &from) {
            // The reply goes out from the number the sender texted.
            let called = v.line.number_called(&conv.called).clone();
            return save(st, v, conv, now, &first, |line, conv| {
                text::from_responder(
                    line,
                    conv,
                    author.clone(),
                    inc.message_id.clone(),
                    &inc.body,
                    now,
                )
            })
            .await
            .map(|out| (called, out));
        }
    }
    let called = v.line.number_called(&inc.to).clone();
    let existing = st
        .store
        .conversations(v.line.id, Some(&inc.from), since, 1)
        .await?
        .into_iter()
        .next()
        .filter(|c| c.outcome != switchboard_core::call::Outcome::Rejected);
    if let Some(conv) = existing {
        return save(st, v, conv, now, &first, |line, conv| {
            text::another_text(line, conv, inc.message_id.clone(), &inc.body, now)
        })
        .await
        .map(|out| (called, out));
    }
    let recent = match switchboard_core::flow::flood_window(&v.line, &inc.from, now) {
        Some(since) => {
            st.store
                .count_calls_from(v.line.id, &inc.from, since)
                .await?
        }
        None => 0,
    };
    let refused = switchboard_core::flow::refusal(&v.line, &inc.from, recent);
    let plan = match refused {
        Some(_) => switchboard_core::plan::Plan::nobody(),
        None => {
            let users = crate::directory::Users::At(now);
            let dir = crate::directory::load_in(st, &v.snapshot, &v.line, users).await?;
            switchboard_core::routing::plan_at(&v.line, &dir, now)
        }
    };
    let new = NewText {
        provider: v.line.provider,
        message_id: inc.message_id.clone(),
        account_id: inc.account_id.clone(),
        sender: switchboard_core::call::CallerInfo {
            number: inc.from.clone(),
            ..Default::default()
        }
        .tidy(),
        to: inc.to.clone(),
        body: inc.body.clone(),
    };
    let (conv, t) = text::first_text(&v.line, new, plan, refused.as_deref(), now);
    let (stored, created) = st
        .store
        .start_conversation(&conv, &log(now, first, &t), &t.jobs, t.incident.as_ref())
        .await?;
    tracing::Span::current().record("call", stored.id.0);
    if !created {
        // The carrier repeated the first text: its texts were sent with the first answer.
        return Ok((called, vec![]));
    }
    st.metrics.inc(
        "switchboard_texts_total",
        &[("provider", v.provider.name()), ("direction", "in")],
    );
    Ok((called, t.outgoing))
}

/// Applies `change` to the stored conversation and saves it, reading it again when another
/// request changed it in between.
async fn save(
    st: &AppState,
    v: &Verified,
    loaded: Call,
    now: Timestamp,
    first: &str,
    change: impl Fn(&switchboard_core::line::Line, &mut Call) -> TextTransition,
) -> Result<Vec<OutText>, Failure> {
    let id = loaded.id;
    let mut next = Some(loaded);
    for _ in 0..8 {
        let mut conv = match next.take() {
            Some(c) => c,
            None => st.store.get_call(id).await?,
        };
        let t = change(&v.line, &mut conv);
        if t.repeated {
            return Ok(vec![]);
        }
        let events = log(now, first.to_owned(), &t);
        match st
            .store
            .save_call(&conv, &events, &[], &t.jobs, t.incident.as_ref(), now)
            .await
        {
            Ok(_) => {
                tracing::Span::current().record("call", id.0);
                st.metrics.inc(
                    "switchboard_texts_total",
                    &[("provider", v.provider.name()), ("direction", "in")],
                );
                return Ok(t.outgoing);
            }
            Err(StoreError::Conflict(_)) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(Failure::Internal(
        format!("conversation {id} kept changing while a text was saved").into(),
    ))
}
