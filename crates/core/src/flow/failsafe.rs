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
            if outcome == AttemptOutcome::Answered {
                call.outcome = Outcome::Answered;
                call.answered_by = call.plan.steps[step].responder.as_ref().map(|r| r.user_id);
            }
            if let Some(a) = call.attempt_mut(step) {
                a.outcome = outcome;
                a.ended_at = Some(now);
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
