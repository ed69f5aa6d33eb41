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
    transcription(run, verb, &rsid, secs, doc_url).await?;
    Ok(Some((next, Some(action))))
}

/// The carrier's transcription of the message, when the `<Record>` asked for it: Twilio's
/// `transcribeCallback` (recordings of 2 to 120 s only; others fail) or Plivo's
/// `transcriptionUrl`, after the recording's own callback, as the spec says.
async fn transcription(
    run: &mut Run<'_>,
    verb: roxmltree::Node<'_, '_>,
    rsid: &str,
    secs: u32,
    doc_url: &str,
) -> anyhow::Result<()> {
    let url = if run.plivo() {
        verb.attribute("transcriptionUrl")
    } else {
        verb.attribute("transcribeCallback")
            .filter(|_| verb.attribute("transcribe") == Some("true"))
    };
    let (Some(url), Some(outcome)) = (url, run.spec.carrier_transcript.clone()) else {
        return Ok(());
    };
    let url = resolve(doc_url, url)?;
    let outcome = match outcome {
        Ok(_) if !run.plivo() && !(2..=120).contains(&secs) => {
            Err("Recording length is out of range for transcription".to_owned())
        }
        o => o,
    };
    let p: Vec<(String, String)> = if run.plivo() {
        let (text, error) = match &outcome {
            Ok(t) => (t.clone(), String::new()),
            Err(e) => (String::new(), e.clone()),
        };
        [
            ("call_uuid", run.call_sid.clone()),
            ("duration", secs.to_string()),
            ("error", error),
            ("recording_id", rsid.to_owned()),
            ("transcription", text),
            ("transcription_charge", "0.05".to_owned()),
            ("transcription_rate", "0.05".to_owned()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
    } else {
        let mut p = run.base_params("completed");
        let tsid = sid("TR");
        p.extend([
            ("RecordingSid".to_owned(), rsid.to_owned()),
            ("RecordingUrl".to_owned(), run.recording_url(rsid)),
            ("TranscriptionSid".to_owned(), tsid.clone()),
            (
                "TranscriptionStatus".to_owned(),
                if outcome.is_ok() {
                    "completed"
                } else {
                    "failed"
                }
                .to_owned(),
            ),
            (
                "TranscriptionText".to_owned(),
                outcome.clone().unwrap_or_default(),
            ),
            (
                "TranscriptionUrl".to_owned(),
                format!(
                    "https://api.twilio.com/2010-04-01/Accounts/{}/Transcriptions/{tsid}",
                    run.spec.account_sid
                ),
            ),
        ]);
        p
    };
    run.out.log(
        run.t,
        match &outcome {
            Ok(t) => format!("the carrier transcribes the message: {t}"),
            Err(e) => format!("the carrier could not transcribe the message: {e}"),
        },
    );
    let f = run.post(&url, p, "transcription callback").await?;
    run.out.transcript_status = Some(f.status);
    Ok(())
}
