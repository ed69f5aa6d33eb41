//! Ringing the plan's responders, one step after another, and what each dial's result means.

use super::*;

/// A dial ended: what became of the attempt, and the call's next step.
pub(super) fn ended(
    call: &mut Call,
    line: &Line,
    event: Event,
    now: Timestamp,
    t: &mut Transition,
) {
    let Event::DialEnded {
        step,
        status,
        talk_secs,
        caller_gone,
        leg_id,
        recording,
        accept_enforced_by_provider,
    } = event
    else {
        return;
    };
    t.recordings.extend(recording);
    if call.phase != (Phase::Dialing { step }) {
        t.log(
            EventKind::Decision,
            format!(
                "Ignored a repeated or late dial result for step {}",
                step + 1
            ),
        );
        t.instructions = resume(call, line);
        return;
    }
    let name = call.plan.steps[step]
        .responder
        .as_ref()
        .map_or_else(|| "?".to_owned(), |r| r.name.clone());
    let (awaiting_accept, picked_up) = call
        .attempts
        .iter()
        .find(|a| a.step == step)
        .map_or((false, false), |a| {
            (a.screening.awaiting_accept(), a.screening.picked_up())
        });
    let attempt_outcome = match (status, caller_gone) {
        // Screened, picked up, but the key was never pressed: a voicemail or a
        // refusal, not an answer.
        (DialStatus::Answered, _) if awaiting_accept && !accept_enforced_by_provider => {
            AttemptOutcome::NotAccepted
        }
        (DialStatus::Answered, _) => AttemptOutcome::Answered,
        (DialStatus::NoAnswer | DialStatus::Canceled, false) if awaiting_accept && picked_up => {
            AttemptOutcome::NotAccepted
        }
        (_, true) => AttemptOutcome::CallerHungUp,
        (DialStatus::NoAnswer, false) => AttemptOutcome::NoAnswer,
        (DialStatus::Busy, false) => AttemptOutcome::Busy,
        (DialStatus::Failed, false) => AttemptOutcome::Failed,
        (DialStatus::Canceled, false) => AttemptOutcome::Canceled,
    };
    if let Some(a) = call.attempt_mut(step) {
        if attempt_outcome == AttemptOutcome::Answered && a.screening.awaiting_accept() {
            // The provider only bridged after the key (Plivo's confirmKey).
            a.screening = Screening::Accepted {
                prompted: a.screening.picked_up(),
            };
        }
        a.outcome = attempt_outcome;
        a.ended_at = Some(now);
        a.duration_secs = talk_secs.filter(|_| status == DialStatus::Answered);
        a.leg_id = leg_id.or(a.leg_id.take());
    }
    match attempt_outcome {
        AttemptOutcome::Answered => {
            call.outcome = Outcome::Answered;
            call.answered_by = call.plan.steps[step].responder.as_ref().map(|r| r.user_id);
            call.phase = Phase::Connected { step };
            t.log(
                EventKind::Decision,
                format!(
                    "{name} answered{}",
                    talk_secs.map_or(String::new(), |s| format!("; talked {s} s"))
                ),
            );
            t.instructions.push(Instruction::Hangup);
        }
        AttemptOutcome::CallerHungUp => {
            call.outcome = Outcome::Abandoned;
            call.phase = Phase::Done;
            t.log(
                EventKind::Decision,
                format!("The caller hung up while {name} was ringing; routing stops"),
            );
            t.instructions.push(Instruction::Hangup);
        }
        other => {
            t.log(
                EventKind::Decision,
                format!("{name} {}", attempt_words(other)),
            );
            next_step(call, line, step + 1, now, t);
        }
    }
}

pub(super) fn next_step(
    call: &mut Call,
    line: &Line,
    from: usize,
    now: Timestamp,
    t: &mut Transition,
) {
    for (i, s) in call.plan.steps.iter().enumerate().skip(from) {
        match (&s.responder, s.skipped) {
            (Some(_), _) => break,
            (None, Some(reason)) => t.log(
                EventKind::Decision,
                format!(
                    "Skipped step {} ({}): {}",
                    i + 1,
                    s.target,
                    skip_words(reason)
                ),
            ),
            (None, None) => {}
        }
    }
    match call.plan.next_dialable(from) {
        Some((step, _)) => dial(call, line, step, now, t),
        None => {
            t.log(
                EventKind::Decision,
                "Nobody answered: playing the no-answer message",
            );
            voicemail(call, line, VoicemailReason::NoAnswer, t);
        }
    }
}

pub(super) fn dial(call: &mut Call, line: &Line, step: usize, now: Timestamp, t: &mut Transition) {
    let r = call.plan.steps[step]
        .responder
        .clone()
        .expect("dial is only called for a step with a responder");
    t.log(
        EventKind::Dial,
        format!(
            "Dialing {} ({}) for {} s",
            r.name, r.phone, line.routing.ring_timeout_secs
        ),
    );
    call.phase = Phase::Dialing { step };
    call.attempts.push(Attempt {
        step,
        user_id: r.user_id,
        name: r.name.clone(),
        number: r.phone.to_string(),
        outcome: AttemptOutcome::Ringing,
        started_at: now,
        ended_at: None,
        duration_secs: None,
        leg_id: None,
        screening: Screening::start(line.screening),
    });
    t.instructions.push(dial_instruction(call, line, &r.phone));
}

pub(super) fn dial_instruction(call: &Call, line: &Line, number: &PhoneNumber) -> Instruction {
    let Phase::Dialing { step } = call.phase else {
        unreachable!("dial_instruction is only built while dialing")
    };
    // The responder sees who is calling; a withheld or non-phone caller shows the line.
    let caller_id = PhoneNumber::from_provider(&call.caller.number)
        .map_or_else(|_| line.number.to_string(), |n| n.to_string());
    Instruction::Dial {
        number: number.clone(),
        caller_id,
        timeout_secs: line.routing.ring_timeout_secs,
        record: line.recording,
        action: Callback::DialEnded { step },
        recording_callback: Callback::RecordingReady {
            kind: RecordingKind::Call,
        },
        screening: line.screening.then_some(Callback::Screen { step }),
    }
}

fn attempt_words(o: AttemptOutcome) -> &'static str {
    match o {
        AttemptOutcome::NotAccepted => "did not accept the call",
        AttemptOutcome::NoAnswer => "did not answer",
        AttemptOutcome::Busy => "was busy",
        AttemptOutcome::Failed => "could not be reached",
        AttemptOutcome::Canceled => "was canceled",
        AttemptOutcome::Answered => "answered",
        AttemptOutcome::Ringing => "is ringing",
        AttemptOutcome::CallerHungUp => "was ringing when the caller hung up",
    }
}

pub(super) fn skip_words(r: crate::plan::SkipReason) -> &'static str {
    use crate::plan::SkipReason::*;
    match r {
        AlreadyInPlan => "already dialed in this call",
        NobodyOnCall => "nobody on call",
        NoPhone => "no phone number",
        UnknownUser => "user no longer exists",
    }
}
