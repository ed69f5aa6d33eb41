//! `<Dial>`: ringing scripted responders, bridging, and the dial's callbacks (both carriers).

use super::*;

pub(super) async fn dial(
    run: &mut Run<'_>,
    verb: roxmltree::Node<'_, '_>,
    doc_url: &str,
) -> anyhow::Result<Next> {
    let timeout: u32 = verb
        .attribute("timeout")
        .and_then(|v| v.parse().ok())
        .unwrap_or(30);
    let numbers: Vec<String> = verb
        .children()
        .filter(|n| n.has_tag_name("Number"))
        .map(|n| e164(n.text().unwrap_or("").trim()))
        .collect();
    let record = verb
        .attribute("record")
        .is_some_and(|r| r != "do-not-record" && r != "false");
    run.out.log(
        run.t,
        format!(
            "Dial {} (timeout {timeout} s, caller id {})",
            numbers.join(", "),
            verb.attribute("callerId").unwrap_or("-")
        ),
    );
    run.out.dialed.extend(numbers.iter().cloned());
    // Several numbers ring together; each leg that picks up is screened in the order they
    // pick up, and the first to be bridged wins. What happens to the other legs while one is
    // screened is the carrier's (undocumented) choice: `others_on_pickup`.
    let behaviour = |n: &String| {
        run.spec
            .responders
            .get(n)
            .copied()
            .unwrap_or(Responder::NoAnswer)
    };
    let mut pickups: Vec<(u32, usize, Responder)> = numbers
        .iter()
        .enumerate()
        .filter_map(|(i, n)| match behaviour(n) {
            r @ (Responder::Answer { after_secs, .. }
            | Responder::Voicemail { after_secs, .. }
            | Responder::Declines { after_secs }
            | Responder::Passes { after_secs })
                if after_secs < timeout =>
            {
                Some((after_secs, i, r))
            }
            _ => None,
        })
        .collect();
    pickups.sort_by_key(|(after, i, _)| (*after, *i));
    let refusal = match numbers.as_slice() {
        [one] => match behaviour(one) {
            Responder::Busy => "busy",
            Responder::Failed => "failed",
            _ => "no-answer",
        },
        _ => "no-answer",
    };
    let leg_sids: Vec<String> = numbers
        .iter()
        .map(|_| if run.plivo() { uuid() } else { sid("CA") })
        .collect();
    // A Plivo background recording belongs to the dial that follows it.
    let background = run.background_recording.take();
    let background_id = uuid();
    let mut talk = 0;
    let mut dial_status: Option<String> = None;
    let mut bridged = false;
    let mut winner: Option<usize> = None;
    let dial_start = run.t;
    let mut declined = false;
    for (after, i, r) in pickups {
        let at = run.t.max(dial_start + after);
        if at >= dial_start + timeout {
            break;
        }
        if run.caller_hangs_up_before(at) {
            break;
        }
        run.t = at;
        let number = &numbers[i];
        if screen(run, verb, number, r, &leg_sids[i], doc_url).await? {
            winner = Some(i);
            break;
        }
        declined = true;
        if run.caller_gone {
            break;
        }
        if numbers.len() == 1 || run.spec.others_on_pickup == OthersOnPickup::HungUp {
            if numbers.len() > 1 {
                run.out.log(
                    run.t,
                    "the other legs were hung up when that leg picked up; the dial ends",
                );
            }
            dial_status = Some(run.spec.dial_status_when_screen_declined.clone());
            break;
        }
    }
    if let Some(i) = winner {
        let number = numbers[i].clone();
        let r = behaviour(&number);
        bridged = true;
        run.out.connected_to = Some(number.clone());
        let planned = match r {
            Responder::Answer { talk_secs, .. } => {
                run.out.log(run.t, format!("{number} answers"));
                talk_secs
            }
            Responder::Voicemail { message_secs, .. } => {
                run.out.log(run.t, format!("{number}'s voicemail picks up"));
                message_secs
            }
            _ => 0,
        };
        let start = run.t;
        if let Some((action, _)) = &background {
            // Fires when recording starts; the length is not known yet.
            let mut p = run.base_params("in-progress");
            p.extend(run.plivo_recording_params(&background_id, -1));
            run.post(&action.clone(), p, "record action (start)")
                .await?;
        }
        if run.caller_hangs_up_before(start + planned) {
            talk = run.t - start;
        } else {
            run.t = start + planned;
            talk = planned;
            run.out.log(run.t, format!("{number} hangs up"));
        }
        dial_status = Some("completed".to_owned());
    }
    let dial_status: String = match dial_status {
        Some(s) => s,
        None if run.caller_gone => run.spec.dial_status_when_caller_hangs_up.clone(),
        None => {
            let ring_until = if refusal == "no-answer" {
                dial_start + timeout
            } else {
                dial_start + 1
            };
            if run.caller_hangs_up_before(ring_until.max(run.t)) {
                run.spec.dial_status_when_caller_hangs_up.clone()
            } else {
                run.t = ring_until.max(run.t);
                let refusal = if declined && numbers.len() == 1 {
                    run.spec.dial_status_when_screen_declined.as_str()
                } else {
                    refusal
                };
                run.out.log(run.t, format!("dial ends: {refusal}"));
                refusal.to_owned()
            }
        }
    };
    // The bridged leg, else the first (Twilio reports a DialCallSid either way).
    let leg_sid = leg_sids[winner.unwrap_or(0)].clone();
    let rec_sid = (record && bridged && talk > 0).then(|| sid("RE"));
    let rec_callback = verb.attribute("recordingStatusCallback").map(str::to_owned);
    let Some(action) = verb.attribute("action") else {
        if let Some(rsid) = &rec_sid {
            run.recording_callback(rec_callback, "DialVerb", rsid, talk, doc_url)
                .await?;
        }
        return Ok(None);
    };
    let action = resolve(doc_url, action)?;
    if run.plivo() {
        let mut p = run.base_params(run.call_status());
        let plivo_status = if dial_status == "canceled" {
            "no-answer"
        } else {
            dial_status.as_str()
        };
        p.push(("DialStatus".to_owned(), plivo_status.to_owned()));
        p.push((
            "DialRingStatus".to_owned(),
            (dial_status != "failed").to_string(),
        ));
        p.push((
            "DialHangupCause".to_owned(),
            match plivo_status {
                "busy" => "USER_BUSY",
                "failed" => "UNALLOCATED_NUMBER",
                "no-answer" => "NO_ANSWER",
                _ => "NORMAL_CLEARING",
            }
            .to_owned(),
        ));
        p.push(("DialALegUUID".to_owned(), run.call_sid.clone()));
        p.push((
            "DialBLegUUID".to_owned(),
            if bridged {
                leg_sid.clone()
            } else {
                String::new()
            },
        ));
        if bridged {
            p.push(("DialBLegDuration".to_owned(), talk.to_string()));
        }
        let redirect = verb.attribute("redirect") != Some("false");
        let next = if run.caller_gone || !redirect {
            run.post(&action, p, "dial action").await?;
            None
        } else {
            run.fetch_doc(&action, p, "dial action").await?
        };
        if let (Some((_, callback)), true) = (&background, bridged && talk > 0) {
            run.recording_callback(callback.clone(), "DialVerb", &background_id, talk, doc_url)
                .await?;
        }
        if !redirect && !run.caller_gone {
            return Ok(None);
        }
        return Ok(Some((next, Some(action))));
    }
    let mut p = run.base_params(run.call_status());
    p.push(("DialCallStatus".to_owned(), dial_status.clone()));
    p.push(("DialCallSid".to_owned(), leg_sid));
    p.push(("DialBridged".to_owned(), bridged.to_string()));
    if bridged {
        p.push(("DialCallDuration".to_owned(), talk.to_string()));
    }
    if let Some(rsid) = &rec_sid {
        p.push(("RecordingUrl".to_owned(), run.recording_url(rsid)));
        p.push(("RecordingSid".to_owned(), rsid.clone()));
        p.push(("RecordingDuration".to_owned(), talk.to_string()));
    }
    if run.spec.recording_callback_first {
        if let Some(rsid) = &rec_sid {
            run.recording_callback(rec_callback.clone(), "DialVerb", rsid, talk, doc_url)
                .await?;
        }
    }
    let next = if run.caller_gone {
        // Still requested after the caller hung up; the answer is ignored.
        run.post(&action, p, "dial action").await?;
        None
    } else {
        run.fetch_doc(&action, p, "dial action").await?
    };
    if !run.spec.recording_callback_first {
        if let Some(rsid) = &rec_sid {
            run.recording_callback(rec_callback, "DialVerb", rsid, talk, doc_url)
                .await?;
        }
    }
    Ok(Some((next, Some(action))))
}

/// Call screening on the answering responder's leg: Twilio's `<Number url>` whisper
/// document, or Plivo's `confirmSound` + `confirmKey`. Returns whether the responder
/// accepted (so the legs are bridged). Without screening, always true.
async fn screen(
    run: &mut Run<'_>,
    dial: roxmltree::Node<'_, '_>,
    number: &str,
    responder: Responder,
    leg: &str,
    doc_url: &str,
) -> anyhow::Result<bool> {
    // Only a person presses the key; a voicemail greeting never does.
    let presses = matches!(responder, Responder::Answer { .. });
    let passes = matches!(responder, Responder::Passes { .. });
    if run.plivo() {
        let Some(sound) = dial.attribute("confirmSound") else {
            return Ok(true);
        };
        let key = dial.attribute("confirmKey").unwrap_or("");
        let wait: u32 = dial
            .attribute("confirmTimeout")
            .and_then(|v| v.parse().ok())
            .unwrap_or(120);
        let url = resolve(doc_url, sound)?;
        // The request is about the answering leg: its id, and the number it dialed.
        let mut p = run.plivo_params("in-progress", "Answer");
        p.retain(|(k, _)| k != "CallUUID" && k != "To");
        p.push(("CallUUID".to_owned(), leg.to_owned()));
        p.push(("To".to_owned(), number.trim_start_matches('+').to_owned()));
        let f = run.post(&url, p, "confirm sound").await?;
        run.out.documents.push(f.body.clone());
        if let Ok(doc) = roxmltree::Document::parse(&f.body) {
            for n in doc.root_element().children().filter(|n| n.is_element()) {
                let text = n.text().unwrap_or("").trim().to_owned();
                run.t += speech_secs(&text);
                run.out.log(run.t, format!("{number} hears: {text}"));
            }
        }
        if key.is_empty() {
            // confirmSound alone: the sound plays, then the legs are bridged.
            return Ok(!run.caller_hangs_up_before(run.t));
        }
        if presses {
            run.t += 2;
            run.out.log(run.t, format!("{number} presses {key}"));
            return Ok(!run.caller_hangs_up_before(run.t));
        }
        if passes {
            run.t += 1;
            run.out
                .log(run.t, format!("{number} hangs up to pass the call on"));
            return Ok(false);
        }
        run.t += wait;
        run.out.log(
            run.t,
            format!("{number} does not press {key}; the leg hangs up"),
        );
        return Ok(false);
    }
    let Some(url) = dial
        .children()
        .find(|n| n.has_tag_name("Number") && e164(n.text().unwrap_or("").trim()) == number)
        .and_then(|n| n.attribute("url"))
    else {
        return Ok(true);
    };
    let mut url = resolve(doc_url, url)?;
    let leg_params = |run: &Run<'_>| -> Vec<(String, String)> {
        vec![
            ("AccountSid".to_owned(), run.spec.account_sid.clone()),
            ("ApiVersion".to_owned(), "2010-04-01".to_owned()),
            ("CallSid".to_owned(), leg.to_owned()),
            ("CallStatus".to_owned(), "in-progress".to_owned()),
            ("Direction".to_owned(), "outbound-dial".to_owned()),
            (
                "From".to_owned(),
                dial.attribute("callerId").unwrap_or("").to_owned(),
            ),
            ("ParentCallSid".to_owned(), run.call_sid.clone()),
            ("To".to_owned(), number.to_owned()),
        ]
    };
    let mut params = leg_params(run);
    let mut what = "whisper";
    // The whisper may hand over to a Gather action document; at most a few hops.
    for _ in 0..4 {
        let f = run.post(&url, params.clone(), what).await?;
        run.out.documents.push(f.body.clone());
        let Ok(doc) = roxmltree::Document::parse(&f.body) else {
            return Ok(false);
        };
        let mut next: Option<(String, Vec<(String, String)>)> = None;
        for verb in doc.root_element().children().filter(|n| n.is_element()) {
            match verb.tag_name().name() {
                "Say" | "Play" => {
                    let text = verb.text().unwrap_or("").trim().to_owned();
                    run.t += speech_secs(&text);
                    run.out.log(run.t, format!("{number} hears: {text}"));
                }
                "Gather" => {
                    for say in verb.children().filter(|n| n.has_tag_name("Say")) {
                        let text = say.text().unwrap_or("").trim().to_owned();
                        run.t += speech_secs(&text);
                        run.out.log(run.t, format!("{number} hears: {text}"));
                    }
                    if presses || passes {
                        let key = if presses { "1" } else { "2" };
                        run.t += 2;
                        run.out.log(run.t, format!("{number} presses {key}"));
                        let action = resolve(&url, verb.attribute("action").unwrap_or(&url))?;
                        let mut p = leg_params(run);
                        p.push(("Digits".to_owned(), key.to_owned()));
                        next = Some((action, p));
                        break;
                    }
                    let wait: u32 = verb
                        .attribute("timeout")
                        .and_then(|v| v.parse().ok())
                        .unwrap_or(5);
                    run.t += wait;
                    run.out.log(run.t, format!("{number} presses nothing"));
                }
                "Hangup" => {
                    run.out
                        .log(run.t, format!("{number}'s leg hangs up before the bridge"));
                    return Ok(false);
                }
                _ => {}
            }
        }
        match next {
            Some((u, p)) => {
                url = u;
                params = p;
                what = "screening answer";
            }
            // The whisper document ran out: the legs are bridged.
            None => return Ok(!run.caller_hangs_up_before(run.t)),
        }
    }
    Ok(false)
}
