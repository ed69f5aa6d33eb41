//! The end of a call: its length, and what its outcome is when nobody decided it before.

use super::*;

/// The provider reported the end of the call (once; a repeat changes nothing).
pub(super) fn ended(
    call: &mut Call,
    duration_secs: Option<u32>,
    now: Timestamp,
    t: &mut Transition,
) {
    if call.ended_at.is_some() {
        t.log(EventKind::Decision, "Ignored a repeated end-of-call report");
        return;
    }
    // The provider's duration is the call's length: the end is that long after the
    // start (our own clock saw the callback, which may arrive late or be replayed).
    call.ended_at = Some(
        duration_secs
            .and_then(|d| {
                call.started_at
                    .checked_add(jiff::SignedDuration::from_secs(i64::from(d)))
                    .ok()
            })
            .unwrap_or(now),
    );
    call.duration_secs = duration_secs;
    if call.outcome == Outcome::InProgress {
        match call.phase {
            Phase::Dialing { step } => {
                for a in call.ringing_mut(step) {
                    a.outcome = AttemptOutcome::CallerHungUp;
                    a.ended_at = Some(now);
                }
                call.outcome = Outcome::Abandoned;
                t.log(
                    EventKind::Decision,
                    "The caller hung up while a responder was ringing",
                );
            }
            Phase::CallBack { .. } => {
                call.outcome = Outcome::Abandoned;
                t.log(
                    EventKind::Decision,
                    "The responder hung up before calling anyone back",
                );
            }
            // Nobody was paged for a caller who never got through the PIN gate.
            Phase::Pin { .. } => {
                call.outcome = Outcome::Rejected;
                t.log(
                    EventKind::Decision,
                    "The caller hung up before entering a valid PIN",
                );
            }
            Phase::Menu { .. } => {
                call.outcome = Outcome::Abandoned;
                t.log(EventKind::Decision, "The caller hung up during the menu");
            }
            Phase::Voicemail { .. } => {
                call.outcome = Outcome::Missed;
                t.log(
                    EventKind::Decision,
                    "The caller hung up without leaving a message",
                );
            }
            Phase::Connected { .. } | Phase::Done => {
                call.outcome = Outcome::Abandoned;
                t.log(EventKind::Decision, "The caller hung up");
            }
        }
    }
    call.phase = Phase::Done;
    t.log(
        EventKind::Decision,
        format!(
            "Call ended{}",
            duration_secs.map_or(String::new(), |d| format!(" after {d} s"))
        ),
    );
}
