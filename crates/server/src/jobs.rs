//! The background worker: claims jobs from the store and runs them.
//!
//! Jobs are rows, so nothing is lost on restart, and a job is leased while it runs, so two
//! instances never run the same one at once. Every job is idempotent.

use crate::app::AppState;
use jiff::SignedDuration;
use std::time::Duration;
use switchboard_core::call::Recording;
use switchboard_core::store::{Job, StoreError};
use switchboard_core::RecordingId;
use tokio::sync::watch;

/// How often an idle worker looks for due jobs.
pub const POLL_INTERVAL: Duration = Duration::from_millis(500);
/// Attempts before a job is given up.
pub const MAX_ATTEMPTS: u32 = 8;
/// How long a claimed job is reserved for its worker.
const LEASE_SECS: i64 = 120;

/// Runs jobs until `stop` turns true.
pub async fn run_worker(state: AppState, mut stop: watch::Receiver<bool>) {
    // Logged when the queue becomes unavailable and when it is back, not every poll.
    let mut failing = false;
    let mut next_sweep = tokio::time::Instant::now();
    loop {
        if *stop.borrow() {
            return;
        }
        if tokio::time::Instant::now() >= next_sweep {
            next_sweep += crate::retention::SWEEP_EVERY;
            if let Err(e) = crate::retention::sweep(&state).await {
                tracing::error!(error = %e, "the retention sweep failed; it runs again later");
            }
            if let Err(e) = crate::history::record_all(&state).await {
                tracing::error!(error = %e, "recording schedule history failed; it runs again later");
            }
        }
        match run_one(&state).await {
            Ok(more) => {
                if failing {
                    tracing::info!("job queue available again");
                    failing = false;
                }
                if more {
                    continue;
                }
            }
            Err(e) if !failing => {
                tracing::error!(error = %e, "job queue unavailable; jobs wait until it is back");
                failing = true;
            }
            Err(_) => {}
        }
        tokio::select! {
            _ = tokio::time::sleep(POLL_INTERVAL) => {}
            _ = stop.changed() => {}
        }
    }
}

/// Runs every due job, one after the other, until none is due (jobs a run makes due, such as
/// a retry at the current instant, included); returns how many ran. At most `limit`.
pub async fn run_due(state: &AppState, limit: usize) -> Result<usize, StoreError> {
    let mut n = 0;
    while n < limit && run_one(state).await? {
        n += 1;
    }
    Ok(n)
}

/// Claims and runs one due job; `false` when none was due.
pub async fn run_one(state: &AppState) -> Result<bool, StoreError> {
    let now = state.clock.now();
    let Some(job) = state.store.claim_job(now, LEASE_SECS).await? else {
        return Ok(false);
    };
    let span = tracing::info_span!(
        "job",
        id = job.id,
        kind = %job.kind,
        call = job.payload.get("call").and_then(serde_json::Value::as_i64),
        recording = job.payload.get("recording").and_then(serde_json::Value::as_i64),
    );
    use tracing::Instrument as _;
    run_claimed(state, job, now).instrument(span).await
}

async fn run_claimed(state: &AppState, job: Job, now: jiff::Timestamp) -> Result<bool, StoreError> {
    use switchboard_core::store::JobKind;
    let result = match JobKind::parse(&job.kind) {
        Some(JobKind::FetchRecording) => fetch_recording(state, &job).await,
        Some(JobKind::Alert) => crate::alerts::send_alert(state, &job).await,
        Some(JobKind::IncidentEvent) => crate::incident_events::send(state, &job).await,
        Some(JobKind::CoverNotice) => crate::cover_notice::send(state, &job).await,
        Some(JobKind::Transcribe) => crate::transcribe::run(state, &job).await,
        Some(JobKind::Reminder) => crate::reminders::send(state, &job).await,
        None => Err(JobError::Permanent(format!(
            "unknown job kind '{}'",
            job.kind
        ))),
    };
    let outcome = match &result {
        Ok(()) => "done",
        Err(JobError::Wait(..)) => "waiting",
        Err(JobError::Permanent(_)) => "failed",
        Err(JobError::Retry(_) | JobError::RetryAt(..)) if job.attempts >= MAX_ATTEMPTS => "failed",
        Err(JobError::Retry(_) | JobError::RetryAt(..)) => "retry",
    };
    state.metrics.inc(
        "switchboard_jobs_total",
        &[("kind", job.kind.as_str()), ("result", outcome)],
    );
    match result {
        Ok(()) => state.store.complete_job(job.id).await?,
        Err(JobError::Permanent(e)) => {
            tracing::error!(job = job.id, kind = %job.kind, error = %e, "job failed for good");
            give_up(state, &job, &e).await?;
        }
        Err(JobError::Retry(e) | JobError::RetryAt(_, e)) if job.attempts >= MAX_ATTEMPTS => {
            tracing::error!(job = job.id, kind = %job.kind, error = %e, attempts = job.attempts, "job failed too often; giving up");
            give_up(state, &job, &e).await?;
        }
        Err(JobError::Retry(e)) => {
            let backoff = (5i64 << job.attempts.min(10)).min(3600);
            let at = now
                .checked_add(SignedDuration::from_secs(backoff))
                .unwrap_or(now);
            tracing::warn!(job = job.id, kind = %job.kind, error = %e, retry_in_secs = backoff, "job failed; will retry");
            state.store.retry_job(job.id, at, &e).await?;
        }
        Err(JobError::RetryAt(at, e)) => {
            tracing::warn!(job = job.id, kind = %job.kind, error = %e, retry_at = %at, "job deferred by its destination; will retry");
            state.store.retry_job(job.id, at, &e).await?;
        }
        Err(JobError::Wait(at, note)) => {
            tracing::debug!(job = job.id, kind = %job.kind, note = %note, until = %at, "job waits");
            state.store.defer_job(job.id, at, &note).await?;
        }
    }
    Ok(true)
}

async fn give_up(state: &AppState, job: &Job, error: &str) -> Result<(), StoreError> {
    if job.kind == switchboard_core::store::JobKind::FetchRecording.as_str() {
        if let Some(id) = recording_id(job) {
            state.store.set_recording_media(id, None).await?;
        }
    }
    if job.kind == switchboard_core::store::JobKind::Transcribe.as_str() {
        if let Some(id) = recording_id(job) {
            // The reason is the last try's, as the job stored it.
            let _ = crate::transcribe::fail(state, id, error.to_owned()).await;
        }
    }
    state.store.fail_job(job.id, error).await
}

/// Longest wait a destination may ask for; a longer one is treated as this.
pub const MAX_RETRY_AFTER_SECS: i64 = 3600;

/// `secs` from now (clamped to 0 to [`MAX_RETRY_AFTER_SECS`]).
pub fn after(state: &AppState, secs: i64) -> jiff::Timestamp {
    let now = state.clock.now();
    now.checked_add(SignedDuration::from_secs(
        secs.clamp(0, MAX_RETRY_AFTER_SECS),
    ))
    .unwrap_or(now)
}

/// When a `Retry-After` value (delay-seconds or an HTTP date) says to try again.
pub fn wait_until(state: &AppState, v: &str) -> Option<jiff::Timestamp> {
    let v = v.trim();
    if let Ok(secs) = v.parse::<i64>() {
        return Some(after(state, secs));
    }
    let normalised = v.replace(" UTC", " +0000").replace(" GMT", " +0000");
    let at = jiff::fmt::rfc2822::parse(&normalised).ok()?.timestamp();
    let secs = (at - state.clock.now()).get_seconds();
    Some(after(state, secs))
}

/// When an answer's `Retry-After` header says to try again, if it has a readable one.
pub fn retry_after(
    state: &AppState,
    headers: &reqwest::header::HeaderMap,
) -> Option<jiff::Timestamp> {
    headers
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| wait_until(state, v))
}

/// Why a job did not finish.
#[derive(Debug)]
pub enum JobError {
    /// Worth trying again later (network, provider not ready, database busy).
    Retry(String),
    /// Worth trying again, not before the instant the destination asked for (`Retry-After`).
    RetryAt(jiff::Timestamp, String),
    /// Will never work (bad payload, forbidden destination).
    Permanent(String),
    /// Not a failure: waiting for something else (a voicemail being stored, a transcript
    /// being made) until the instant given; not counted as an attempt. Whoever waits bounds
    /// the wait.
    Wait(jiff::Timestamp, String),
}

fn recording_id(job: &Job) -> Option<RecordingId> {
    job.payload
        .get("recording")
        .and_then(serde_json::Value::as_i64)
        .map(RecordingId)
}

/// Downloads a recording's media into the data directory.
async fn fetch_recording(state: &AppState, job: &Job) -> Result<(), JobError> {
    let id = recording_id(job)
        .ok_or_else(|| JobError::Permanent("payload has no recording id".into()))?;
    let rec: Recording = match state.store.get_recording(id).await {
        Ok(r) => r,
        // The call was deleted meanwhile: nothing left to do.
        Err(StoreError::NotFound) => return Ok(()),
        Err(e) => return Err(JobError::Retry(e.to_string())),
    };
    // Stored already, or deleted by the retention period: nothing to fetch.
    if rec.local_path.is_some() || rec.status == switchboard_core::call::RecordingStatus::Deleted {
        return Ok(());
    }
    let url = crate::outbound::parse_and_check(
        &rec.provider_url,
        &state.config.recording_hosts,
        "recording_hosts",
    )
    .map_err(|why| JobError::Permanent(format!("the recording URL is refused: {why}")))?;
    let call = state
        .store
        .get_call(rec.call_id)
        .await
        .map_err(|e| JobError::Retry(e.to_string()))?;
    let auth_token = state
        .store
        .get_line(call.line_id)
        .await
        .ok()
        .and_then(|l| l.auth_token);
    let mut req = state.media_http.get(url);
    // Providers can require HTTP Basic auth on media (account id and auth token).
    if let (Some(account), Some(token)) = (&call.account_id, &auth_token) {
        req = req.basic_auth(account, Some(token));
    }
    let resp = req
        .send()
        .await
        .map_err(|e| JobError::Retry(format!("download failed: {}", e.without_url())))?;
    let status = resp.status();
    if !status.is_success() {
        let msg = format!("download answered HTTP {status}");
        return Err(
            if status.is_client_error() && status.as_u16() != 404 && status.as_u16() != 429 {
                JobError::Permanent(msg)
            } else {
                JobError::Retry(msg)
            },
        );
    }
    let ext = match resp
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    {
        Some(ct) if ct.contains("mpeg") || ct.contains("mp3") => "mp3",
        _ => "wav",
    };
    let bytes = resp
        .bytes()
        .await
        .map_err(|e| JobError::Retry(format!("download interrupted: {}", e.without_url())))?;
    let rel = format!("recordings/{}/{}.{ext}", rec.call_id, rec.id);
    state
        .storage
        .put(&rel, bytes)
        .await
        .map_err(|e| JobError::Retry(format!("cannot store the recording: {e}")))?;
    state
        .store
        .set_recording_media(id, Some(&rel))
        .await
        .map_err(|e| JobError::Retry(e.to_string()))?;
    Ok(())
}
