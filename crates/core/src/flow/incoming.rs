//! The first webhook of a call: refuse it, or plan it and begin; and the call record when
//! Switchboard could not handle that webhook.

use super::{reject, resume, start, Instruction, Transition};
use crate::call::{Call, CallerInfo, Outcome, Phase, VoicemailReason};
use crate::line::{Line, Provider};
use crate::plan::Plan;
use crate::CallId;
use jiff::{SignedDuration, Timestamp};

/// What the provider told of a new call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCall {
    pub provider: Provider,
    pub provider_call_id: String,
    pub account_id: Option<String>,
    pub caller: CallerInfo,
    /// The number the caller dialed, as the carrier sent it.
    pub to: String,
}

/// Since when the shell must count this caller's calls to apply the line's flood limit
/// (`None`: no limit applies to them, nothing to count).
pub fn flood_window(line: &Line, caller: &str, now: Timestamp) -> Option<Timestamp> {
    let rules = &line.caller_rules;
    let limit = rules.flood_limit.filter(|_| !rules.allows(caller))?;
    Some(
        now.checked_sub(SignedDuration::from_secs(i64::from(limit.window_secs)))
            .unwrap_or(now),
    )
}

/// Why a new call from `caller` is refused: a blocked number, or as many calls within the
/// flood window (`recent`, counted over [`flood_window`]) as the line allows.
pub fn refusal(line: &Line, caller: &str, recent: u64) -> Option<String> {
    let rules = &line.caller_rules;
    if rules.blocks(caller) {
        return Some(format!("{caller} is blocked on this line"));
    }
    let limit = rules.flood_limit.filter(|_| !rules.allows(caller))?;
    (recent >= u64::from(limit.calls)).then(|| {
        format!(
            "{caller} already called {recent} times in the last {} min (flood limit {})",
            limit.window_secs / 60,
            limit.calls
        )
    })
}

pub(super) fn record(line: &Line, new: NewCall, plan: Plan, now: Timestamp) -> Call {
    let simulated = new
        .provider_call_id
        .starts_with(crate::call::SIMULATED_PREFIX);
    Call {
        id: CallId(0),
        line_id: line.id,
        provider: new.provider,
        provider_call_id: new.provider_call_id,
        account_id: new.account_id,
        caller: new.caller,
        started_at: now,
        ended_at: None,
        duration_secs: None,
        test_call: plan.test_mode,
        simulated,
        failsafe: None,
        plan,
        phase: Phase::Done,
        outcome: Outcome::InProgress,
        answered_by: None,
        attempts: vec![],
        called: line.number_called(&new.to).to_string(),
        medium: crate::call::Medium::Voice,
        texts: vec![],
        archived: false,
        version: 0,
    }
}

/// A new call: refused when `refused` says why (it rings nobody and alerts nobody), else
/// started on `plan` (from [`crate::routing::plan_at`]).
pub fn incoming(
    line: &Line,
    new: NewCall,
    plan: Plan,
    refused: Option<&str>,
    now: Timestamp,
) -> (Call, Transition) {
    match refused {
        Some(reason) => {
            let mut call = record(line, new, Plan::nobody(), now);
            let t = reject(&mut call, reason);
            (call, t)
        }
        None if !line.pins.is_empty() => {
            // Nobody hears of the call (no "ringing" notice) until the caller is let through.
            let mut call = record(line, new, plan, now);
            let t = super::pin::ask(&mut call, line);
            (call, t)
        }
        None => {
            let mut call = record(line, new, plan, now);
            let mut t = start(&mut call, line, now);
            if !call.simulated {
                // A "ringing now" notice per channel, queued with the call (Slack app
                // channels post it, and update it in place when the call ends).
                t.jobs.extend(
                    line.channels
                        .iter()
                        .map(|c| crate::store::NewJob::ringing(*c)),
                );
            }
            (call, t)
        }
    }
}

/// What to answer when the provider repeats the first webhook of a call already stored:
/// where the call is now (with the welcome again while it is still being routed).
pub fn answer_again(stored: &Call, line: &Line) -> Vec<Instruction> {
    let mut again = resume(stored, line);
    if matches!(stored.phase, Phase::Dialing { .. }) {
        again.insert(0, Instruction::Say(line.messages.welcome.clone()));
    }
    again
}

/// The record of a call whose first webhook Switchboard could not handle (`cause`): nobody
/// was planned, the caller heard the apology and was offered voicemail.
pub fn failsafe_call(line: &Line, new: NewCall, now: Timestamp, cause: &str) -> Call {
    let mut call = record(line, new, Plan::nobody(), now);
    call.phase = Phase::Voicemail {
        reason: VoicemailReason::InternalError,
    };
    call.failsafe = Some(cause.to_owned());
    call
}
