//! `<Record>`: the caller's voicemail and its callbacks (both carriers).

use super::*;

pub(super) async fn record(
    run: &mut Run<'_>,
    verb: roxmltree::Node<'_, '_>,
    doc_url: &str,
) -> anyhow::Result<Next> {
    let (default_max, default_silence) = if run.plivo() { (60, 15) } else { (3600, 5) };
    let max: u32 = verb
        .attribute("maxLength")
        .and_then(|v| v.parse().ok())
        .unwrap_or(default_max);
    let silence: u32 = verb
        .attribute("timeout")
        .and_then(|v| v.parse().ok())
        .unwrap_or(default_silence);
    // Without an action Twilio requests the current document again.
    let action = resolve(doc_url, verb.attribute("action").unwrap_or(doc_url))?;
    let rec_callback = verb
        .attribute(if run.plivo() {
            "callbackUrl"
        } else {
            "recordingStatusCallback"
        })
        .map(str::to_owned);
    run.out.log(run.t, format!("Record (max {max} s): beep"));
    let start = run.t;
    let (secs, digits) = match run.spec.caller.voicemail {
        VoicemailScript::Silent => {
            if run.caller_hangs_up_before(start + silence) {
                (0, "hangup")
            } else {
                run.t += silence;
                run.out
                    .log(run.t, "silence: empty recording, no action request");
                return Ok(None);
            }
        }
        VoicemailScript::Leave { secs } => {
            let secs = secs.min(max);
            if run.caller_hangs_up_before(start + secs) {
                (run.t - start, "hangup")
            } else {
                run.t = start + secs;
                run.out
                    .log(run.t, format!("caller stops talking after {secs} s"));
                if run.caller_hangs_up_before(run.t + silence) {
                    (secs, "hangup")
                } else {
                    run.t += silence.min(max - secs.min(max));
                    (secs, "")
                }
            }
        }
    };
    if secs == 0 {
        // An empty recording: no action request.
        return Ok(None);
    }
    run.out.voicemail_secs = Some(secs);
    let rsid = if run.plivo() { uuid() } else { sid("RE") };
    let mut p = run.base_params(run.call_status());
    if run.plivo() {
        p.extend(run.plivo_recording_params(&rsid, i64::from(secs)));
    } else {
        p.push(("RecordingUrl".to_owned(), run.recording_url(&rsid)));
        p.push(("RecordingSid".to_owned(), rsid.clone()));
        p.push(("RecordingDuration".to_owned(), secs.to_string()));
    }
    p.push(("Digits".to_owned(), digits.to_owned()));
    if run.spec.recording_callback_first {
        run.recording_callback(rec_callback.clone(), "RecordVerb", &rsid, secs, doc_url)
            .await?;
    }
    let next = if run.caller_gone {
        run.post(&action, p, "record action").await?;
        None
    } else {
        run.fetch_doc(&action, p, "record action").await?
    };
    if !run.spec.recording_callback_first {
        run.recording_callback(rec_callback, "RecordVerb", &rsid, secs, doc_url)
            .await?;
    }
    Ok(Some((next, Some(action))))
}
