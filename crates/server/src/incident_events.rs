//! Telling the tools a team already uses about its incidents: the `incident_event` job,
//! queued with each status change (one per integration of the incident's team, in order per
//! integration), builds the PagerDuty, incident.io or Standard Webhooks request and reads the
//! answer as each service documents it: accepted, rate-limited (retried when it says),
//! refused (given up, with the reason kept), or unreachable (retried with back-off).

use crate::app::AppState;
use crate::jobs::JobError;
use switchboard_core::incident::integration::{webhook_key, Integration, IntegrationId, Kind};
use switchboard_core::store::{Job, StoreError};
use switchboard_core::IncidentId;
use switchboard_providers::incidents::{self, IncidentEvent};

/// Longest wait a service may ask for; a longer one is treated as this.
/// PagerDuty suggests waiting about 30 s after a 429 when it says nothing more.
const PAGERDUTY_429_SECS: i64 = 30;

fn retry(e: StoreError) -> JobError {
    JobError::Retry(e.to_string())
}

/// Runs one `incident_event` job.
pub async fn send(state: &AppState, job: &Job) -> Result<(), JobError> {
    let id = |k: &str| {
        job.payload
            .get(k)
            .and_then(serde_json::Value::as_i64)
            .ok_or_else(|| JobError::Permanent(format!("payload has no {k} id")))
    };
    let action = match job.payload.get("action").and_then(|a| a.as_str()) {
        Some("trigger") => "trigger",
        Some("acknowledge") => "acknowledge",
        Some("resolve") => "resolve",
        _ => return Err(JobError::Permanent("payload has no action".into())),
    };
    // Deleted since: nothing left to tell, or nobody to tell it.
    let integration = match state
        .store
        .get_integration(IntegrationId(id("integration")?))
        .await
    {
        Ok(i) => i,
        Err(StoreError::NotFound) => return Ok(()),
        Err(e) => return Err(retry(e)),
    };
    let inc = match state.store.get_incident(IncidentId(id("incident")?)).await {
        Ok(i) => i,
        Err(StoreError::NotFound) => return Ok(()),
        Err(e) => return Err(retry(e)),
    };
    let line = match inc.line {
        Some(l) => match state.store.get_line(l).await {
            Ok(line) => Some(line.name),
            Err(StoreError::NotFound) => Some(format!("line {l}")),
            Err(e) => return Err(retry(e)),
        },
        None => None,
    };
    let urls = crate::urls::Urls::new(&state.config.public_url);
    let event = IncidentEvent {
        incident: inc.id.0,
        title: inc.title.clone(),
        action,
        severity: inc.severity.as_str(),
        url: urls.incident(inc.id),
        source: state.config.public_url.clone(),
        caller_number: inc.caller_number.clone(),
        line,
        at: state.clock.now().to_string(),
    };
    deliver(state, &integration, &event, job.id).await
}

/// Posts `event` to `integration`; `message` identifies the event across retries.
async fn deliver(
    state: &AppState,
    integration: &Integration,
    event: &IncidentEvent,
    message: i64,
) -> Result<(), JobError> {
    let url = crate::outbound::parse_and_check(
        &integration.url,
        &state.config.alert_hosts,
        "alert_hosts",
    )
    .map_err(|why| JobError::Permanent(format!("the integration's URL is refused: {why}")))?;
    let mut req = state
        .http
        .post(url)
        .timeout(std::time::Duration::from_secs(15))
        .header(reqwest::header::CONTENT_TYPE, "application/json");
    let body = match integration.kind {
        Kind::Pagerduty => incidents::pagerduty(&integration.secret, event),
        Kind::IncidentIo => {
            req = req.bearer_auth(&integration.secret);
            incidents::incident_io(event)
        }
        Kind::Webhook => incidents::webhook(event),
    };
    let bytes = serde_json::to_vec(&body).expect("a JSON value serialises");
    if integration.kind == Kind::Webhook {
        let key = webhook_key(&integration.secret)
            .ok_or_else(|| JobError::Permanent("the signing secret is not valid".into()))?;
        // The id stays the same across retries (the receiver's idempotency key); the
        // timestamp is this attempt's.
        let id = format!("msg_switchboard_{message}");
        let ts = state.clock.now().as_second();
        req = req
            .header("webhook-id", &id)
            .header("webhook-timestamp", ts.to_string())
            .header(
                "webhook-signature",
                incidents::webhook_signature(&key, &id, ts, &bytes),
            );
    }
    let resp = req.body(bytes).send().await.map_err(|e| {
        // The URL may carry a secret: never in an error that is stored or logged.
        JobError::Retry(format!(
            "could not reach {}: {}",
            integration.kind.as_str(),
            e.without_url()
        ))
    })?;
    let status = resp.status().as_u16();
    let header_wait = crate::jobs::retry_after(state, resp.headers());
    let text = resp.text().await.unwrap_or_default();
    if (200..300).contains(&status) {
        return Ok(());
    }
    let msg = format!(
        "{} answered HTTP {status}{}",
        integration.kind.as_str(),
        reason(integration.kind, &text)
    );
    let body_wait = || {
        // incident.io says when, as an HTTP date, in its error body.
        serde_json::from_str::<serde_json::Value>(&text)
            .ok()
            .and_then(|v| v["rate_limit"]["retry_after"].as_str().map(str::to_owned))
            .and_then(|v| crate::jobs::wait_until(state, &v))
    };
    match (integration.kind, status) {
        (_, 429) => match header_wait.or_else(body_wait) {
            Some(at) => Err(JobError::RetryAt(at, msg)),
            None if integration.kind == Kind::Pagerduty => Err(JobError::RetryAt(
                crate::jobs::after(state, PAGERDUTY_429_SECS),
                msg,
            )),
            None => Err(JobError::Retry(msg)),
        },
        (Kind::Webhook, 410) => Err(JobError::Permanent(format!(
            "{msg}: the receiver says the endpoint is gone"
        ))),
        (_, 502..=504) if header_wait.is_some() => Err(JobError::RetryAt(
            header_wait.unwrap_or_else(|| state.clock.now()),
            msg,
        )),
        (_, 500..=599) | (Kind::Webhook, 300..=399) | (_, 408) => Err(JobError::Retry(msg)),
        // Invalid event, bad key or token, unknown source: retrying will not help.
        _ => Err(JobError::Permanent(msg)),
    }
}

/// What a service said was wrong, in its documented error shape (never the whole body).
fn reason(kind: Kind, text: &str) -> String {
    let Ok(v) = serde_json::from_str::<serde_json::Value>(text) else {
        return String::new();
    };
    let said = match kind {
        // {"status": "invalid event", "message": "…", "errors": ["…"]}
        Kind::Pagerduty => v["errors"]
            .as_array()
            .and_then(|e| e.first())
            .and_then(|e| e.as_str())
            .or(v["message"].as_str())
            .map(str::to_owned),
        // {"type": "validation_error", "errors": [{"message": "…"}]}
        Kind::IncidentIo => v["errors"][0]["message"]
            .as_str()
            .or(v["type"].as_str())
            .map(str::to_owned),
        Kind::Webhook => None,
    };
    said.map(|s| format!(": {}", s.chars().take(200).collect::<String>()))
        .unwrap_or_default()
}
