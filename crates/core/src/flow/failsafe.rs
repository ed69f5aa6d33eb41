//! Switchboard could not handle one of the call's voice webhooks and answered with the
//! failure document: what that does to the call.

use super::{DialStatus, Transition};
use crate::call::{AttemptOutcome, Call, EventKind, Outcome, Phase, VoicemailReason};
use jiff::Timestamp;

/// The caller heard the apology and was offered voicemail instead of what `what` (the
/// webhook, in words) would have done; `dial` is the dial result that webhook carried.
pub(super) fn served(
    call: &mut Call,
    what: &str,
    cause: &str,
    dial: Option<(usize, DialStatus)>,
    now: Timestamp,
    t: &mut Transition,
) {
    if call.failsafe.is_none() {
        call.failsafe = Some(cause.to_owned());
    }
    if call.ended_at.is_some() || call.outcome == Outcome::Rejected {
        t.log(
            EventKind::Error,
            format!("Switchboard could not handle the {what} ({cause})"),
        );
        return;
    }
    if let (Some((step, status)), Phase::Dialing { step: now_dialing }) = (dial, call.phase) {
        if step == now_dialing {
            let outcome = match status {
                DialStatus::Answered => AttemptOutcome::Answered,
                DialStatus::NoAnswer => AttemptOutcome::NoAnswer,
                DialStatus::Busy => AttemptOutcome::Busy,
                DialStatus::Failed => AttemptOutcome::Failed,
                DialStatus::Canceled => AttemptOutcome::Canceled,
            };
            // Which leg answered is not known here: the one that accepted or picked up, else
            // the first.
            let ringing: Vec<usize> = (0..call.attempts.len())
                .filter(|&i| {
                    call.attempts[i].step == step
                        && call.attempts[i].outcome == AttemptOutcome::Ringing
                })
                .collect();
            let winner = ringing
                .iter()
                .copied()
                .find(|&i| call.attempts[i].leg_id.is_some())
                .or(ringing.first().copied());
            for &i in &ringing {
                let a = &mut call.attempts[i];
                a.outcome = match (outcome, Some(i) == winner) {
                    (AttemptOutcome::Answered, false) => AttemptOutcome::Canceled,
                    (o, _) => o,
                };
                a.ended_at = Some(now);
            }
            if outcome == AttemptOutcome::Answered {
                call.outcome = Outcome::Answered;
                call.answered_by = winner.map(|w| call.attempts[w].user_id);
            }
        }
    }
    call.phase = Phase::Voicemail {
        reason: VoicemailReason::InternalError,
    };
    t.log(
        EventKind::Error,
        format!(
            "Switchboard could not handle the {what} ({cause}); the caller heard the apology and was offered voicemail"
        ),
    );
}
