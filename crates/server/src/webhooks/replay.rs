//! Replaying the spool into the call log, and watching the store's health.
//!
//! One task per process: it checks the store (every second while something waits or the
//! store is down, every ten otherwise), logs when it goes away and when it comes back, and
//! replays spooled webhooks in the order they arrived — this process's own, then those of
//! processes that stopped. Each entry is verified again (its signature, against the line as
//! stored), then applied as of the moment it was received.

use super::calls;

use super::failure::Failure;
use super::{failsafe, kind_of, verify_parts, Rejected};
use crate::app::AppState;
use crate::spool::Entry;
use std::time::{Duration, Instant};
use switchboard_core::flow::Event;
use tokio::sync::watch;

/// Replays the spool and logs the store's availability until `stop` turns true.
pub async fn run_replay(state: AppState, mut stop: watch::Receiver<bool>) {
    let mut down_since: Option<Instant> = None;
    let mut stuck = Stuck::default();
    loop {
        if *stop.borrow() {
            return;
        }
        let up = matches!(
            tokio::time::timeout(Duration::from_secs(5), state.store.ping()).await,
            Ok(Ok(()))
        );
        match (up, down_since) {
            (false, None) => {
                tracing::error!(
                    "the database is unavailable: webhooks are answered from the local spool until it is back"
                );
                down_since = Some(Instant::now());
            }
            (true, Some(since)) => {
                tracing::info!(
                    after_secs = since.elapsed().as_secs(),
                    spooled = state.spool.own_pending_count(),
                    "the database is reachable again; replaying the spool"
                );
                down_since = None;
            }
            _ => {}
        }
        if up {
            replay_all(&state, &mut stuck).await;
        }
        let busy = down_since.is_some() || state.spool.own_pending_count() > 0;
        let wait = if busy {
            Duration::from_secs(1)
        } else {
            Duration::from_secs(10)
        };
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = state.spool.notify.notified() => {}
            _ = stop.changed() => {}
        }
    }
}

/// What became of one entry.
enum Replayed {
    /// In the call log (or not needed there).
    Done,
    /// Dropped for good, with the reason (forged, unknown line or call).
    Dropped(String),
    /// The store failed: stop and try again later.
    Later(String),
}

/// Entries that failed while the store answered, by id; past [`MAX_TRIES`] one is set aside
/// (left in the spool file, tried again after a restart) so it cannot hold up the others.
#[derive(Default)]
struct Stuck {
    tries: std::collections::HashMap<String, u32>,
}

/// Failed replays of one entry, with the store up, before it is set aside.
const MAX_TRIES: u32 = 20;

impl Stuck {
    fn set_aside(&self, entry: &Entry) -> bool {
        self.tries.get(&entry.id).is_some_and(|n| *n >= MAX_TRIES)
    }

    /// Counts a failure; `true` when the entry is now set aside.
    fn failed(&mut self, entry: &Entry, error: &str) -> bool {
        let n = self.tries.entry(entry.id.clone()).or_default();
        *n += 1;
        if *n == MAX_TRIES {
            tracing::error!(spooled = %entry.id, error = %error, tries = MAX_TRIES, "a spooled webhook keeps failing while the database answers; it stays in the spool and is tried again after a restart");
        }
        *n >= MAX_TRIES
    }
}

/// Replays what the spool holds now, once (what the background loop does each turn while the
/// store answers); for a caller that drives replays itself, such as a test.
pub async fn replay_now(state: &AppState) {
    replay_all(state, &mut Stuck::default()).await;
}

async fn replay_all(state: &AppState, stuck: &mut Stuck) {
    for entry in state.spool.own_pending() {
        if stuck.set_aside(&entry) {
            continue;
        }
        match replay(state, &entry).await {
            Replayed::Later(e) => {
                if stuck.failed(&entry, &e) {
                    continue;
                }
                tracing::warn!(spooled = %entry.id, error = %e, "replay of the spool paused");
                return;
            }
            outcome => {
                report(&entry, &outcome);
                if let Err(e) = state.spool.mark_done_own(&entry) {
                    tracing::error!(error = %e, "could not mark a spooled webhook as replayed");
                    return;
                }
            }
        }
    }
    for orphan in state.spool.orphans() {
        let entries = orphan.pending();
        state.spool.hold_calls(&entries);
        let mut all = true;
        for entry in &entries {
            if !all || stuck.set_aside(entry) {
                all = false;
                state.spool.release(entry);
                continue;
            }
            match replay(state, entry).await {
                Replayed::Later(e) => {
                    if !stuck.failed(entry, &e) {
                        tracing::warn!(spooled = %entry.id, error = %e, "replay of a stopped instance's spool paused");
                    }
                    all = false;
                    state.spool.release(entry);
                }
                outcome => {
                    report(entry, &outcome);
                    let marked = orphan.mark_done(entry);
                    state.spool.release(entry);
                    if let Err(e) = marked {
                        tracing::error!(error = %e, "could not mark a spooled webhook as replayed");
                        all = false;
                    }
                }
            }
        }
        if all {
            orphan.remove();
        }
    }
}

fn report(entry: &Entry, outcome: &Replayed) {
    match outcome {
        Replayed::Done => {
            tracing::info!(spooled = %entry.id, received_at = %entry.received_at, "replayed a spooled webhook into the call log")
        }
        Replayed::Dropped(why) => {
            tracing::warn!(spooled = %entry.id, reason = %why, "dropped a spooled webhook")
        }
        Replayed::Later(_) => {}
    }
}

fn failure(f: Failure) -> Replayed {
    match f {
        Failure::NotFound => Replayed::Dropped("its call does not exist".to_owned()),
        Failure::Forbidden => Replayed::Dropped("its signature does not verify".to_owned()),
        Failure::Malformed(m) | Failure::BadRequest(m) => Replayed::Dropped(m),
        Failure::Unavailable(e) => Replayed::Later(e.to_string()),
        Failure::Internal(e) => Replayed::Later(e.to_string()),
        // Replay runs the spool in order; nothing is behind itself.
        Failure::Queued => Replayed::Later("queued".to_owned()),
    }
}

fn outcome<T>(r: Result<T, Failure>) -> Replayed {
    r.map_or_else(failure, |_| Replayed::Done)
}

async fn replay(state: &AppState, entry: &Entry) -> Replayed {
    let body = entry.body_bytes();
    let header = |name: &str| entry.header(name);
    let v = match verify_parts(
        state,
        &entry.provider,
        &entry.token,
        &entry.path,
        &header,
        &body,
    )
    .await
    {
        Ok(v) => v,
        Err(Rejected::Unavailable(e)) => return Replayed::Later(e.to_string()),
        Err(Rejected::Forbidden) => {
            return Replayed::Dropped("its signature does not verify".to_owned())
        }
        Err(Rejected::NotFound) => return Replayed::Dropped("its line does not exist".to_owned()),
        Err(Rejected::Malformed(m)) => return Replayed::Dropped(m),
    };
    let at = entry.received_at;
    let path = entry
        .path
        .split('?')
        .next()
        .unwrap_or("")
        .trim_start_matches("/hooks");
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let served = |what: String, dial| Event::FailsafeServed {
        what,
        cause: entry.cause.clone(),
        dial,
    };
    let webhook = |what: &str| format!("{what} (replayed from the spool: {})", entry.cause);
    match kind_of(path) {
        "voice" => {
            // The call may exist (the failure came after it was stored) or not.
            match failsafe::call_for(state, &v, at, &entry.cause).await {
                Ok((_, true)) => Replayed::Done,
                Ok((id, false)) => {
                    let event = served("incoming call".to_owned(), None);
                    let note = webhook("Incoming call");
                    outcome(calls::apply(state, &v.line, id, event, note, Some(at)).await)
                }
                Err(f) => failure(f),
            }
        }
        "failsafe" => outcome(failsafe::store_voicemail(state, &v, at, &entry.cause).await),
        "status" => outcome(calls::status_event(state, &v, Some(at)).await),
        "sms" => outcome(super::texts::handle(state, &v, Some((at, &entry.cause))).await),
        "transcript" => match calls::replayed_call(state, &v, parts[3], false).await {
            Ok(call) => outcome(calls::transcript_event(state, &v, &call).await),
            Err(f) => failure(f),
        },
        "recording" => match calls::replayed_call(state, &v, parts[3], true).await {
            Ok(call) => outcome(calls::recording_event(state, &v, call, parts[5], Some(at)).await),
            Err(f) => failure(f),
        },
        kind
        @ ("dial" | "voicemail" | "screen" | "screen_result" | "menu" | "pin" | "callback") => {
            // The screening requests come from the responder's leg (as when live).
            let caller_leg = !kind.starts_with("screen");
            let stored = match calls::replayed_call(state, &v, parts[3], caller_leg).await {
                Ok(c) => c,
                Err(Failure::NotFound) => {
                    return Replayed::Dropped("it is not about a call of its line".to_owned())
                }
                Err(f) => return failure(f),
            };
            let step = parts.get(5).and_then(|s| calls::parse_step(s).ok());
            let (what, dial) = match (kind, step) {
                ("dial", Some(step)) => {
                    let dial = match v.provider.dial_ended(&v.form, step) {
                        Ok(Event::DialEnded { status, .. }) => Some((step, status)),
                        _ => None,
                    };
                    (format!("dial result for step {}", step + 1), dial)
                }
                ("screen", Some(step)) => (format!("screening prompt of step {}", step + 1), None),
                ("screen_result", Some(step)) => {
                    (format!("screening answer of step {}", step + 1), None)
                }
                ("menu", _) => ("caller's menu key".to_owned(), None),
                ("pin", _) => ("PIN the caller entered".to_owned(), None),
                ("callback", _) => ("responder's call-back keys".to_owned(), None),
                _ => ("end of the voicemail".to_owned(), None),
            };
            let note = webhook(&format!("The {what}"));
            // The call read above is the one applied (read again only after a concurrent change).
            let event = served(what, dial);
            outcome(calls::apply_to(state, &v.line, stored, event, note, Some(at)).await)
        }
        other => Replayed::Dropped(format!("a webhook of kind '{other}' is not replayed")),
    }
}
