//! Ringing the plan's responders, one step after another, and what each dial's result means.
//!
//! A step that rings several people together is one dial with one leg each; the carrier
//! bridges the first leg that answers (with screening: whose whisper document ends, which
//! happens only after the key) and stops the others.
//!
//! Screening and ringing together at the carriers: Twilio's `<Number>` reference says that
//! of up to ten numbers in one `<Dial>` "the first call to pick up is connected to the
//! current call and the rest are hung up", and that a `<Number url>` document runs "after
//! they answer, but before the parties are connected"; it does not say whether the other
//! legs keep ringing while that document runs (twilio.com/docs/voice/twiml/number). Plivo's
//! `<Dial>` rings every `<Number>` at once and bridges only after `confirmKey` when
//! `confirmSound` is set (plivo.com/docs/voice/xml/dial); whether the other legs ring on
//! while one leg hears the sound is not documented either. So neither carrier promises, by
//! webhooks alone, that a voicemail picking up cannot stop a person's phone from ringing.
//! What Switchboard does instead: a voicemail never presses the key, so it is never
//! connected; and when a leg picked up without accepting before the end of the ring time,
//! the legs that never picked up are rung again (the dial's result cannot tell whether they
//! rang on or were stopped), for the whole ring time.
//! A person who could still accept is rung again after a gap of a few seconds, never
//! dropped; each such round has one leg fewer, so a step rings at most as many rounds as it
//! has people. The simulator plays both carrier behaviours (`CallSpec::others_on_pickup`).

use super::*;

/// A pickup this many seconds or more before the end of the ring time cut the other phones'
/// ringing short (if the carrier stops them on a pickup).
const EARLY_MARGIN_SECS: i64 = 2;

/// A dial ended: what became of each leg, and the call's next step.
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
    let round: Vec<usize> = ringing(call, step);
    let several = round.len() > 1;
    // The leg the carrier connected: the one whose id it reports, else the one that accepted,
    // else the one that picked up, else (one leg) that leg.
    let winner = (status == DialStatus::Answered).then(|| {
        let by_id = leg_id.as_deref().and_then(|id| {
            round
                .iter()
                .copied()
                .find(|&i| call.attempts[i].leg_id.as_deref() == Some(id))
        });
        by_id
            .or_else(|| {
                round
                    .iter()
                    .copied()
                    .find(|&i| matches!(call.attempts[i].screening, Screening::Accepted { .. }))
            })
            .or_else(|| {
                round
                    .iter()
                    .copied()
                    .find(|&i| call.attempts[i].leg_id.is_some())
            })
            .unwrap_or(round[0])
    });
    for &i in &round {
        let a = &mut call.attempts[i];
        let (awaiting, picked_up) = (a.screening.awaiting_accept(), a.screening.picked_up());
        let outcome = match (winner, status, caller_gone) {
            // The responder pressed the pass key; their leg was hung up.
            _ if a.screening == Screening::Passed => AttemptOutcome::Passed,
            // Screened, picked up, but the key was never pressed: a voicemail or a
            // refusal, not an answer.
            (Some(w), _, _) if w == i && awaiting && !accept_enforced_by_provider => {
                AttemptOutcome::NotAccepted
            }
            (Some(w), _, _) if w == i => AttemptOutcome::Answered,
            (Some(_), _, _) if awaiting && picked_up => AttemptOutcome::NotAccepted,
            (Some(_), _, _) => AttemptOutcome::Canceled,
            (None, DialStatus::NoAnswer | DialStatus::Canceled, false) if awaiting && picked_up => {
                AttemptOutcome::NotAccepted
            }
            (None, _, true) => AttemptOutcome::CallerHungUp,
            (None, DialStatus::Busy, false) if !several => AttemptOutcome::Busy,
            (None, DialStatus::Failed, false) if !several => AttemptOutcome::Failed,
            (None, DialStatus::Canceled, false) => AttemptOutcome::Canceled,
            (None, _, false) => AttemptOutcome::NoAnswer,
        };
        if outcome == AttemptOutcome::Answered && a.screening.awaiting_accept() {
            // The provider only bridged after the key (Plivo's confirmKey).
            a.screening = Screening::Accepted {
                prompted: a.screening.picked_up(),
            };
        }
        a.outcome = outcome;
        a.ended_at = Some(now);
        if Some(i) == winner {
            a.duration_secs = talk_secs.filter(|_| status == DialStatus::Answered);
            a.leg_id = leg_id.clone().or(a.leg_id.take());
        } else if !several {
            a.leg_id = leg_id.clone().or(a.leg_id.take());
        }
    }
    let answered = winner.filter(|&w| call.attempts[w].outcome == AttemptOutcome::Answered);
    if let Some(w) = answered {
        let a = &call.attempts[w];
        call.outcome = Outcome::Answered;
        call.answered_by = Some(a.user_id);
        call.phase = Phase::Connected { step };
        t.log(
            EventKind::Decision,
            format!(
                "{} answered{}{}",
                a.name,
                if several {
                    "; the other phones stopped ringing"
                } else {
                    ""
                },
                talk_secs.map_or(String::new(), |s| format!("; talked {s} s"))
            ),
        );
        t.instructions.push(Instruction::Hangup);
        return;
    }
    if caller_gone {
        call.outcome = Outcome::Abandoned;
        call.phase = Phase::Done;
        let names = round_names(call, &round);
        t.log(
            EventKind::Decision,
            format!("The caller hung up while {names} was ringing; routing stops"),
        );
        t.instructions.push(Instruction::Hangup);
        return;
    }
    let again = if several {
        ring_again(call, line, &round, now)
    } else {
        None
    };
    if let Some((_, legs)) = &again {
        for &i in legs {
            call.attempts[i].outcome = AttemptOutcome::Canceled;
        }
    }
    for &i in &round {
        let a = &call.attempts[i];
        t.log(
            EventKind::Decision,
            format!("{} {}", a.name, a.outcome.words()),
        );
    }
    match again {
        Some((why, legs)) => {
            t.log(EventKind::Decision, why);
            let legs: Vec<usize> = legs.iter().map(|&i| call.attempts[i].leg).collect();
            let secs = ring_timeout(call, line, step);
            start_round(call, line, step, &legs, secs, now, t);
        }
        None => next_step(call, line, step + 1, now, t),
    }
}

/// The attempts of `step` still ringing, by index.
fn ringing(call: &Call, step: usize) -> Vec<usize> {
    call.attempts
        .iter()
        .enumerate()
        .filter(|(_, a)| a.step == step && a.outcome == AttemptOutcome::Ringing)
        .map(|(i, _)| i)
        .collect()
}

fn round_names(call: &Call, round: &[usize]) -> String {
    let names: Vec<&str> = round
        .iter()
        .map(|&i| call.attempts[i].name.as_str())
        .collect();
    names.join(" + ")
}

/// After a round of a step that rings together in which a leg picked up without accepting
/// (a voicemail, most often): the attempts of the legs that never picked up, to ring again,
/// and why in words; `None` when there are none or the pickup came at the end of the ring
/// time anyway.
fn ring_again(
    call: &Call,
    line: &Line,
    round: &[usize],
    now: Timestamp,
) -> Option<(String, Vec<usize>)> {
    let refused: Vec<usize> = round
        .iter()
        .copied()
        .filter(|&i| {
            matches!(
                call.attempts[i].outcome,
                AttemptOutcome::NotAccepted | AttemptOutcome::Passed
            )
        })
        .collect();
    let again: Vec<usize> = round
        .iter()
        .copied()
        .filter(|&i| {
            matches!(
                call.attempts[i].outcome,
                AttemptOutcome::NoAnswer | AttemptOutcome::Canceled
            )
        })
        .collect();
    // Whether the carrier stopped the other phones when that leg picked up or let them ring
    // on, the dial's result does not tell; they rang at least until the pickup. If that was
    // before the end of the ring time, they are rung again: a person who could still accept
    // must not lose to a voicemail.
    let step = call.attempts[round[0]].step;
    let timeout = ring_timeout(call, line, step);
    let round_start = round.iter().map(|&i| call.attempts[i].started_at).min()?;
    let first_pickup = refused
        .iter()
        .filter_map(|&i| call.attempts[i].picked_up_at)
        .min()
        .unwrap_or(now);
    let early =
        first_pickup.duration_since(round_start).as_secs() < i64::from(timeout) - EARLY_MARGIN_SECS;
    if refused.is_empty() || again.is_empty() || !early {
        return None;
    }
    let why = format!(
        "{} picked up without accepting, which may have stopped the other phones: ringing {} again for {timeout} s",
        round_names(call, &refused),
        round_names(call, &again)
    );
    Some((why, again))
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
        // A call back nobody answered ends there: no voicemail on one's own hotline.
        None if call.plan.callback.is_some() => {
            call.phase = Phase::Done;
            call.outcome = Outcome::Missed;
            t.log(EventKind::Decision, "Nobody answered the call back");
            t.instructions.push(Instruction::Say(system_message(
                "Nobody answered. Goodbye.",
                &line.messages.welcome,
            )));
            t.instructions.push(Instruction::Hangup);
        }
        None => {
            t.log(
                EventKind::Decision,
                "Nobody answered: playing the no-answer message",
            );
            voicemail(call, line, VoicemailReason::NoAnswer, t);
        }
    }
}

/// How long step `step` of this call rings: its own share (one of a responder's numbers
/// tried in order), else the chosen menu option's ring time, else the line's.
pub(super) fn ring_timeout(call: &Call, line: &Line, step: usize) -> u32 {
    if let Some(secs) = call.plan.steps.get(step).and_then(|s| s.ring_secs) {
        return secs;
    }
    call.plan
        .choice
        .as_ref()
        .and_then(|c| line.menu.as_ref()?.options.get(c.option))
        .map_or(line.routing.ring_timeout_secs, |o| {
            o.routing.ring_timeout_secs
        })
}

pub(super) fn dial(call: &mut Call, line: &Line, step: usize, now: Timestamp, t: &mut Transition) {
    let legs: Vec<usize> = (0..call.plan.steps[step].legs().count()).collect();
    start_round(
        call,
        line,
        step,
        &legs,
        ring_timeout(call, line, step),
        now,
        t,
    );
}

/// Whether responders are screened on this call: as the line says, never on a call back.
fn screens(call: &Call, line: &Line) -> bool {
    line.screening && call.plan.callback.is_none()
}

/// Rings `legs` of `step` for `secs` seconds: one attempt each, one dial.
fn start_round(
    call: &mut Call,
    line: &Line,
    step: usize,
    legs: &[usize],
    secs: u32,
    now: Timestamp,
    t: &mut Transition,
) {
    let people: Vec<crate::plan::Responder> = call.plan.steps[step].legs().cloned().collect();
    let words: Vec<String> = legs
        .iter()
        .map(|&l| format!("{} ({})", people[l].name, people[l].phone))
        .collect();
    t.log(
        EventKind::Dial,
        match words.len() {
            1 => format!("Dialing {} for {secs} s", words[0]),
            _ => format!("Dialing {} together for {secs} s", words.join(", ")),
        },
    );
    call.phase = Phase::Dialing { step };
    for &l in legs {
        let r = &people[l];
        call.attempts.push(Attempt {
            step,
            leg: l,
            user_id: r.user_id,
            name: r.name.clone(),
            number: r.phone.to_string(),
            outcome: AttemptOutcome::Ringing,
            started_at: now,
            ended_at: None,
            duration_secs: None,
            leg_id: None,
            screening: Screening::start(screens(call, line)),
            picked_up_at: None,
        });
    }
    t.instructions
        .push(dial_instruction(call, line, step, legs, secs));
}

/// The dial of `legs` of `step`, ringing `secs` seconds.
pub(super) fn dial_instruction(
    call: &Call,
    line: &Line,
    step: usize,
    legs: &[usize],
    secs: u32,
) -> Instruction {
    let people: Vec<&crate::plan::Responder> = call.plan.steps[step].legs().collect();
    let several = people.len() > 1;
    // The responder sees who is calling (a withheld or non-phone caller shows the line), or
    // the line's number that was called, which their phone may let through Do Not Disturb.
    let hotline = line.number_called(&call.called);
    let caller_id = match line.caller_id {
        // A responder calling someone back shows the hotline, never their own number.
        _ if call.plan.callback.is_some() => hotline.to_string(),
        crate::line::CallerIdMode::Hotline => hotline.to_string(),
        crate::line::CallerIdMode::Caller => PhoneNumber::from_provider(&call.caller.number)
            .map_or_else(|_| hotline.to_string(), |n| n.to_string()),
    };
    // Screening asks on pickup; so does a step of several legs, to learn which leg answered,
    // and a line showing its own number, to tell the responder who is calling.
    let asks = (line.screening || several || line.caller_id == crate::line::CallerIdMode::Hotline)
        && call.plan.callback.is_none();
    Instruction::Dial {
        legs: legs
            .iter()
            .map(|&l| DialLeg {
                number: people[l].phone.clone(),
                picked_up: asks.then_some(Callback::Screen {
                    step,
                    leg: several.then_some(l),
                }),
            })
            .collect(),
        caller_id,
        timeout_secs: secs,
        record: line.recording,
        action: Callback::DialEnded { step },
        recording_callback: Callback::RecordingReady {
            kind: RecordingKind::Call,
        },
        picked_up: asks.then_some(Callback::Screen { step, leg: None }),
        screening: screens(call, line),
    }
}

/// The dial that is running for `step` (a repeated request is answered with it).
pub(super) fn resume_dial(call: &Call, line: &Line, step: usize) -> Instruction {
    let round = ringing(call, step);
    let legs: Vec<usize> = round.iter().map(|&i| call.attempts[i].leg).collect();
    if legs.is_empty() {
        return Instruction::Hangup;
    }
    dial_instruction(call, line, step, &legs, ring_timeout(call, line, step))
}

pub fn skip_words(r: crate::plan::SkipReason) -> &'static str {
    use crate::plan::SkipReason::*;
    match r {
        AlreadyInPlan => "already dialed in this call",
        NobodyOnCall => "nobody on call",
        NoPhone => "no phone number",
        UnknownUser => "user no longer exists",
    }
}
