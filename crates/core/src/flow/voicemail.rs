//! Voicemail: the message the caller hears, the recording, and recordings reported later.

use super::*;

/// The voicemail recording finished (or the caller hung up during it).
pub(super) fn taken(call: &mut Call, line: &Line, event: Event, t: &mut Transition) {
    let Event::VoicemailTaken {
        caller_gone,
        recording,
    } = event
    else {
        return;
    };
    let has_message = recording
        .as_ref()
        .is_some_and(|r| r.has_media && r.duration_secs != Some(0));
    if let Some(r) = recording {
        t.recordings.push(r);
    }
    if has_message {
        call.outcome = Outcome::Voicemail;
        t.log(EventKind::Decision, "The caller left a voicemail");
    } else if call.outcome == Outcome::InProgress {
        call.outcome = Outcome::Missed;
        t.log(EventKind::Decision, "The caller left no message");
    }
    if caller_gone {
        t.log(EventKind::Decision, "The caller hung up while recording");
    }
    call.phase = Phase::Done;
    let like = &line.messages.no_answer;
    t.instructions.push(Instruction::Say(system_message(
        if has_message {
            THANKS_TEXT
        } else {
            NO_MESSAGE_TEXT
        },
        like,
    )));
    t.instructions.push(Instruction::Hangup);
}

/// A recording of the call or its voicemail was reported.
pub(super) fn recording(call: &mut Call, report: RecordingReport, t: &mut Transition) {
    if report.kind == RecordingKind::Voicemail
        && report.has_media
        && matches!(call.outcome, Outcome::InProgress | Outcome::Missed)
    {
        call.outcome = Outcome::Voicemail;
        t.log(
            EventKind::Decision,
            "A voicemail recording arrived: outcome is voicemail",
        );
    }
    t.log(
        EventKind::Recording,
        format!(
            "{} recording {} {}",
            report.kind.as_str(),
            report.provider_recording_id,
            if report.has_media {
                format!("is ready ({} s)", report.duration_secs.unwrap_or(0))
            } else {
                "has no media".to_owned()
            }
        ),
    );
    t.recordings.push(report);
}

pub(super) fn voicemail(call: &mut Call, line: &Line, reason: VoicemailReason, t: &mut Transition) {
    call.phase = Phase::Voicemail { reason };
    t.instructions.extend(voicemail_instructions_for(
        line,
        call.plan.choice.as_ref(),
        reason,
    ));
}

/// The message for `reason`, then a recording, then a goodbye if nothing was recorded.
pub fn voicemail_instructions(line: &Line, reason: VoicemailReason) -> Vec<Instruction> {
    voicemail_instructions_for(line, None, reason)
}

/// As [`voicemail_instructions`], with the messages of the menu option `choice` (where it has
/// its own).
pub fn voicemail_instructions_for(
    line: &Line,
    choice: Option<&crate::plan::MenuChoice>,
    reason: VoicemailReason,
) -> Vec<Instruction> {
    let option = choice.and_then(|c| line.menu.as_ref()?.options.get(c.option));
    let message = match reason {
        VoicemailReason::NoOneOnCall => option
            .and_then(|o| o.no_one_on_call.clone())
            .unwrap_or_else(|| line.messages.no_one_on_call.clone()),
        VoicemailReason::Closed => line.messages.closed.clone(),
        VoicemailReason::NoAnswer => option
            .and_then(|o| o.no_answer.clone())
            .unwrap_or_else(|| line.messages.no_answer.clone()),
        VoicemailReason::InternalError => {
            system_message(INTERNAL_ERROR_TEXT, &line.messages.no_answer)
        }
    };
    let goodbye = system_message(NO_MESSAGE_TEXT, &message);
    vec![
        Instruction::Say(message),
        Instruction::Record {
            max_secs: line.voicemail_max_secs,
            action: Callback::Voicemail,
            recording_callback: Callback::RecordingReady {
                kind: RecordingKind::Voicemail,
            },
            transcribe: None,
        },
        Instruction::Say(goodbye),
        Instruction::Hangup,
    ]
}
