//! Delivering chat alerts: the `alert` job, queued when a call ends (one per channel of its
//! line), builds the Slack or Teams payload and posts it, honouring `Retry-After`.

use crate::app::AppState;
use crate::jobs::JobError;
use jiff::SignedDuration;
use switchboard_core::call::RecordingKind;
use switchboard_core::channel::{ChannelId, ChannelKind};
use switchboard_core::store::{Job, StoreError};
use switchboard_core::CallId;
use switchboard_providers::chat::{self, Alert};

/// How long the alert after a call waits for its voicemail's transcript, after the call ended.
pub const TRANSCRIPT_WAIT_SECS: i64 = 120;

fn id_in(job: &Job, key: &str) -> Result<i64, JobError> {
    job.payload
        .get(key)
        .and_then(serde_json::Value::as_i64)
        .ok_or_else(|| JobError::Permanent(format!("payload has no {key} id")))
}

fn retry(e: StoreError) -> JobError {
    JobError::Retry(e.to_string())
}

/// Runs one `alert` job.
pub async fn send_alert(state: &AppState, job: &Job) -> Result<(), JobError> {
    let call_id = CallId(id_in(job, "call")?);
    let channel_id = ChannelId(id_in(job, "channel")?);
    // A channel or call deleted since: nothing left to say.
    let channel = match state.store.get_channel(channel_id).await {
        Ok(c) => c,
        Err(StoreError::NotFound) => return Ok(()),
        Err(e) => return Err(retry(e)),
    };
    // A redraw is for Slack app channels only; a ringing notice also for a webhook channel
    // that asked for live notices. The others post once, after the call.
    let ringing = job.payload.get("ringing").is_some();
    let refresh = job.payload.get("refresh").is_some();
    let reminder = job.payload.get("reminder").is_some();
    let live = channel.kind == ChannelKind::SlackApp
        || (ringing && channel.live_notices && channel.kind != ChannelKind::Email);
    if (ringing || refresh) && !live {
        return Ok(());
    }
    let call = match state.store.get_call(call_id).await {
        Ok(c) => c,
        Err(StoreError::NotFound) => return Ok(()),
        Err(e) => return Err(retry(e)),
    };
    // A webhook channel's notice that comes after the call ended says nothing new: the full
    // alert is on its way.
    if ringing && channel.kind != ChannelKind::SlackApp && call.ended_at.is_some() {
        return Ok(());
    }
    let line = match state.store.get_line(call.line_id).await {
        // A line with several numbers names the one called.
        Ok(l) if !l.other_numbers.is_empty() && !call.called.is_empty() => {
            format!("{} ({})", l.name, call.called)
        }
        Ok(l) => l.name,
        Err(StoreError::NotFound) => format!("line {}", call.line_id),
        Err(e) => return Err(retry(e)),
    };
    let recordings = state.store.list_recordings(call.id).await.map_err(retry)?;
    let transcript = crate::api::calls::voicemail_transcript(&recordings).cloned();
    // The alert after the call waits a bounded time for a voicemail transcript being made. A
    // Slack app channel does not wait: its message is updated when the transcript is made.
    if let Some(t) = transcript.as_ref().filter(|t| t.pending()) {
        let now = state.clock.now();
        let since_end = now.as_second() - call.ended_at.unwrap_or(now).as_second();
        if !ringing && channel.kind != ChannelKind::SlackApp && since_end < TRANSCRIPT_WAIT_SECS {
            let at = now
                .checked_add(SignedDuration::from_secs(10))
                .unwrap_or(now);
            return Err(JobError::Wait(
                at,
                format!("waiting for the voicemail transcript ({})", t.words()),
            ));
        }
    }
    // The incident the call opened or joined (in the same transaction as its end).
    let incident = state
        .store
        .call_incidents(call.id)
        .await
        .map_err(retry)?
        .into_iter()
        .next();
    let incident_state = incident.as_ref().map(|i| (i.id.0, i.status));
    let urls = crate::urls::Urls::new(&state.config.public_url);
    let answered_by = call.answered_by_name();
    let alert = Alert {
        line,
        caller_number: call.caller.number.clone(),
        caller_name: call.caller.name.clone(),
        outcome: call.outcome.as_str().to_owned(),
        answered_by,
        path: call.path(),
        duration_secs: call.duration_secs,
        started_at: call.started_at.to_string(),
        call_url: urls.call(call.id),
        recordings: recordings
            .iter()
            .filter(|r| r.status != switchboard_core::call::RecordingStatus::Absent)
            .map(|r| {
                let what = match r.kind {
                    RecordingKind::Call => "Recording",
                    RecordingKind::Voicemail => "Voicemail",
                };
                let label = match r.duration_secs {
                    Some(d) => format!("{what} ({d} s)"),
                    None => what.to_owned(),
                };
                (label, urls.recording(call.id, r.id))
            })
            .collect(),
        test_call: call.test_call,
        incident: incident.map(|i| {
            (
                format!("Incident #{} ({}): {}", i.id, i.status.as_str(), i.title),
                urls.incident(i.id),
            )
        }),
        transcript: transcript.map(|t| match t.pending() {
            true => "transcribing… (on the call log when it is made)".to_owned(),
            false => t.words(),
        }),
        text: (call.medium == switchboard_core::call::Medium::Text).then(|| {
            call.texts
                .iter()
                .map(|t| {
                    let who = t.by.as_ref().map_or("Sender", |a| a.name.as_str());
                    format!("{who}: {}", t.body)
                })
                .collect::<Vec<_>>()
                .join("\n")
        }),
        reminder,
    };
    if reminder {
        // A new message, never an edit of the first one: it must notify.
        return deliver(state, &channel, &alert).await;
    }
    match (&channel.slack, channel.kind) {
        (Some(app), ChannelKind::SlackApp) => {
            let buttons = incident_state.map(|(id, st)| {
                (
                    id,
                    st == switchboard_core::incident::Status::Triggered,
                    st != switchboard_core::incident::Status::Resolved,
                )
            });
            let body = chat::slack_app(&alert, buttons);
            crate::slack::post_or_update(state, &channel, app, call.id, &body).await
        }
        (None, ChannelKind::SlackApp) => Err(JobError::Permanent(
            "the Slack app channel has no bot token".into(),
        )),
        _ if ringing => post(state, &channel, &notice_body(&channel, &alert)).await,
        (_, ChannelKind::Email) => {
            let voicemail = voicemail_of(state, &call, &recordings).await?;
            email(state, &channel, &alert, voicemail).await
        }
        _ => deliver(state, &channel, &alert).await,
    }
}

/// Posts `alert` to `channel` and says whether it was taken, and if not, whether to try
/// again (and when). The answer's body is never repeated.
pub async fn deliver(
    state: &AppState,
    channel: &switchboard_core::channel::Channel,
    alert: &Alert,
) -> Result<(), JobError> {
    if let (ChannelKind::SlackApp, Some(app)) = (channel.kind, &channel.slack) {
        let body = chat::slack_app(alert, None);
        return crate::slack::post_once(state, channel, app, &body).await;
    }
    if channel.kind == ChannelKind::Email {
        return email(state, channel, alert, None).await;
    }
    let body = match channel.kind {
        ChannelKind::Slack | ChannelKind::SlackApp | ChannelKind::Email => chat::slack(alert),
        ChannelKind::Teams => chat::teams(alert),
    };
    post(state, channel, &body).await
}

/// Mails `alert` to an email channel's addresses, with `voicemail` attached.
async fn email(
    state: &AppState,
    channel: &switchboard_core::channel::Channel,
    alert: &Alert,
    voicemail: Option<crate::email::Voicemail>,
) -> Result<(), JobError> {
    let Some(cfg) = &state.config.smtp else {
        return Err(JobError::Permanent(
            "no SMTP server is configured (smtp_url, smtp_from)".into(),
        ));
    };
    let msg = crate::email::message(cfg, &channel.email_to, alert, voicemail)?;
    crate::email::send(cfg, msg).await
}

/// How long an email alert waits for a voicemail still being fetched, after the call ended.
const VOICEMAIL_WAIT_SECS: i64 = 300;

/// The voicemail to attach: our stored copy when it is small enough. While one is still being
/// fetched (for at most [`VOICEMAIL_WAIT_SECS`] after the call), the alert waits for it; after
/// that, or when it is too large, it goes out with the link only.
async fn voicemail_of(
    state: &AppState,
    call: &switchboard_core::call::Call,
    recordings: &[switchboard_core::call::Recording],
) -> Result<Option<crate::email::Voicemail>, JobError> {
    use switchboard_core::call::RecordingStatus;
    let Some(vm) = recordings
        .iter()
        .find(|r| r.kind == RecordingKind::Voicemail)
    else {
        return Ok(None);
    };
    let now = state.clock.now();
    let ended = call.ended_at.unwrap_or(now);
    match (&vm.status, &vm.local_path) {
        (RecordingStatus::Pending, _)
            if (now.as_second() - ended.as_second()) < VOICEMAIL_WAIT_SECS =>
        {
            let at = now
                .checked_add(SignedDuration::from_secs(20))
                .unwrap_or(now);
            Err(JobError::Wait(
                at,
                "waiting for the voicemail to be stored".into(),
            ))
        }
        (RecordingStatus::Stored, Some(path)) => {
            let size = match state.storage.size(path).await {
                Ok(size) => size,
                // Gone from the store (deleted meanwhile): the email links the call instead.
                Err(crate::storage::StorageError::NotFound(_)) => return Ok(None),
                // The store is away: the email waits for it rather than go without.
                Err(e) => {
                    return Err(JobError::Retry(format!(
                        "could not read the voicemail: {e}"
                    )))
                }
            };
            if size > crate::email::MAX_ATTACHMENT_BYTES as u64 {
                return Ok(None);
            }
            let bytes = state
                .storage
                .get(path)
                .await
                .map_err(|e| JobError::Retry(format!("could not read the voicemail: {e}")))?
                .to_vec();
            let mp3 = path.ends_with(".mp3");
            Ok(Some(crate::email::Voicemail {
                name: format!("voicemail-{}.{}", call.id, if mp3 { "mp3" } else { "wav" }),
                bytes,
                content_type: if mp3 { "audio/mpeg" } else { "audio/wav" }.to_owned(),
            }))
        }
        _ => Ok(None),
    }
}

/// A webhook channel's "ringing now" notice.
fn notice_body(channel: &switchboard_core::channel::Channel, alert: &Alert) -> serde_json::Value {
    match channel.kind {
        ChannelKind::Teams => chat::teams_notice(alert),
        _ => chat::slack_notice(alert),
    }
}

/// Posts `body` to a webhook channel and says whether it was taken, and if not, whether to
/// try again (and when). The answer's body is never repeated.
async fn post(
    state: &AppState,
    channel: &switchboard_core::channel::Channel,
    body: &serde_json::Value,
) -> Result<(), JobError> {
    let url = crate::outbound::parse_and_check(
        &channel.webhook_url,
        &state.config.alert_hosts,
        "alert_hosts",
    )
    .map_err(|why| JobError::Permanent(format!("the channel's webhook is refused: {why}")))?;
    let resp = state
        .http
        .post(url)
        .json(body)
        .timeout(std::time::Duration::from_secs(15))
        .send()
        .await
        // The URL is the channel's secret: never in an error that is stored or logged.
        .map_err(|e| {
            JobError::Retry(format!("could not reach the channel: {}", e.without_url()))
        })?;
    let status = resp.status();
    let retry_after = crate::jobs::retry_after(state, resp.headers());
    let text: String = resp
        .text()
        .await
        .unwrap_or_default()
        .chars()
        .take(200)
        .collect();
    let delivered = match (channel.kind, status.as_u16()) {
        (ChannelKind::Slack | ChannelKind::SlackApp, 200) => true,
        // Workflows answer 202; the retired connectors answered 200 with "1" (and 200 with an
        // error text when throttling).
        (ChannelKind::Teams, 202) => true,
        (ChannelKind::Teams, 200) => text.trim() == "1" || text.trim().is_empty(),
        _ => false,
    };
    if delivered {
        return Ok(());
    }
    // What the receiver answered is not repeated: it may be anything (an internal service's
    // page, if a URL ever got past the checks).
    let msg = format!("the channel answered HTTP {}", status.as_u16());
    match status.as_u16() {
        429 | 503 => match retry_after {
            Some(at) => Err(JobError::RetryAt(at, msg)),
            None => Err(JobError::Retry(msg)),
        },
        s if (500..600).contains(&s) || s == 200 => Err(JobError::Retry(msg)),
        // 400, 403, 404, 410…: a bad, revoked or archived webhook; retrying will not help.
        _ => Err(JobError::Permanent(msg)),
    }
}
