//! Slack app channels: the call's message is posted (`chat.postMessage`) when it starts
//! ringing and updated in place (`chat.update`) when it ends or its incident changes, with
//! Acknowledge / Resolve buttons. A button press comes back to `POST /slack/actions/{channel}`
//! signed with the app's signing secret: a forged or stale request is refused and changes
//! nothing; a valid one acts as the Switchboard user whose Slack user id pressed it, within
//! that user's teams, and is in the audit trail under their name.

use crate::app::AppState;
use crate::jobs::JobError;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};
use switchboard_core::channel::{Channel, ChannelId, ChannelKind, SlackApp};
use switchboard_core::incident::Actor;
use switchboard_core::store::StoreError;
use switchboard_core::{CallId, IncidentId};

/// How far a request's timestamp may be from our clock (Slack's and every SDK's rule).
const TOLERANCE_SECS: i64 = 300;

/// Posts `body` (`text` and `blocks`) as the call's message in the app's channel, or updates
/// the message it already is.
pub async fn post_or_update(
    state: &AppState,
    channel: &Channel,
    app: &SlackApp,
    call: CallId,
    body: &Value,
) -> Result<(), JobError> {
    let store_err = |e: StoreError| JobError::Retry(e.to_string());
    let existing = state
        .store
        .slack_message(channel.id, call)
        .await
        .map_err(store_err)?;
    let (method, mut payload) = match &existing {
        Some((ch, ts)) => ("chat.update", json!({"channel": ch, "ts": ts})),
        None => ("chat.postMessage", json!({"channel": app.channel})),
    };
    payload["text"] = body["text"].clone();
    payload["blocks"] = body["blocks"].clone();
    let remember = |v: Value| async move {
        match (v["channel"].as_str(), v["ts"].as_str()) {
            (Some(ch), Some(ts)) => state
                .store
                .save_slack_message(channel.id, call, ch, ts)
                .await
                .map_err(store_err),
            _ => Ok(()),
        }
    };
    match call_api(state, channel, app, method, &payload).await? {
        Ok(v) if existing.is_none() => remember(v).await,
        Ok(_) => Ok(()),
        // The message is gone (deleted in Slack): post it anew.
        Err(code) if existing.is_some() && code == "message_not_found" => {
            payload["channel"] = json!(app.channel);
            if let Some(o) = payload.as_object_mut() {
                o.remove("ts");
            }
            match call_api(state, channel, app, "chat.postMessage", &payload).await? {
                Ok(v) => remember(v).await,
                Err(code) => Err(JobError::Permanent(format!("Slack answered {code}"))),
            }
        }
        Err(code) if code == "ratelimited" => {
            Err(JobError::Retry(format!("Slack answered {code}")))
        }
        Err(code) => Err(JobError::Permanent(format!("Slack answered {code}"))),
    }
}

/// Posts `body` once, as a new message that nothing updates later (a test message).
pub async fn post_once(
    state: &AppState,
    channel: &Channel,
    app: &SlackApp,
    body: &Value,
) -> Result<(), JobError> {
    let mut payload = json!({"channel": app.channel});
    payload["text"] = body["text"].clone();
    payload["blocks"] = body["blocks"].clone();
    match call_api(state, channel, app, "chat.postMessage", &payload).await? {
        Ok(_) => Ok(()),
        Err(code) => Err(JobError::Permanent(format!("Slack answered {code}"))),
    }
}

/// Posts `text` to `to` (a channel, or a person's Slack user id: a direct message from the
/// app) through the Slack app of `channel`.
pub(crate) async fn post_to(
    state: &AppState,
    channel: &Channel,
    app: &SlackApp,
    to: &str,
    text: &str,
) -> Result<(), JobError> {
    let payload = json!({"channel": to, "text": text, "unfurl_links": false});
    match call_api(state, channel, app, "chat.postMessage", &payload).await? {
        Ok(_) => Ok(()),
        Err(code) => Err(JobError::Permanent(format!("Slack answered {code}"))),
    }
}

/// One Web API call: `Ok(Ok(body))` when Slack says `ok`, `Ok(Err(code))` when it answers
/// with an error code, `Err` when it is worth trying again (429, 5xx, unreachable).
async fn call_api(
    state: &AppState,
    channel: &Channel,
    app: &SlackApp,
    method: &str,
    payload: &Value,
) -> Result<Result<Value, String>, JobError> {
    let raw = format!("{}/{method}", channel.webhook_url.trim_end_matches('/'));
    let url = crate::outbound::parse_and_check(&raw, &state.config.alert_hosts, "alert_hosts")
        .map_err(|why| JobError::Permanent(format!("Slack's API is refused: {why}")))?;
    let resp = state
        .http
        .post(url)
        .bearer_auth(&app.bot_token)
        .json(payload)
        .timeout(std::time::Duration::from_secs(15))
        .send()
        .await
        .map_err(|e| JobError::Retry(format!("could not reach Slack: {}", e.without_url())))?;
    let status = resp.status().as_u16();
    if status == 429 {
        let at = crate::jobs::retry_after(state, resp.headers())
            .unwrap_or_else(|| crate::jobs::after(state, 30));
        return Err(JobError::RetryAt(at, "Slack answered HTTP 429".into()));
    }
    if status != 200 {
        return Err(JobError::Retry(format!("Slack answered HTTP {status}")));
    }
    let v: Value = resp
        .json()
        .await
        .map_err(|_| JobError::Retry("Slack's answer was not JSON".into()))?;
    Ok(if v["ok"] == json!(true) {
        Ok(v)
    } else {
        Err(v["error"].as_str().unwrap_or("an unknown error").to_owned())
    })
}

fn refuse(status: StatusCode, why: &str) -> Response {
    (status, why.to_owned()).into_response()
}

/// `POST /slack/actions/{channel}`: a button press in a Slack app channel's message.
pub async fn actions(
    State(s): State<AppState>,
    Path(channel): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Ok(id) = channel.parse::<i64>() else {
        return refuse(StatusCode::NOT_FOUND, "no such Slack app channel");
    };
    let channel = match s.store.get_channel(ChannelId(id)).await {
        Ok(c) if c.kind == ChannelKind::SlackApp => c,
        Ok(_) | Err(StoreError::NotFound) => {
            return refuse(StatusCode::NOT_FOUND, "no such Slack app channel")
        }
        Err(e) => {
            tracing::error!(error = %e, "could not read a channel for a Slack action");
            return refuse(StatusCode::SERVICE_UNAVAILABLE, "try again");
        }
    };
    let Some(app) = channel.slack.clone() else {
        return refuse(StatusCode::NOT_FOUND, "no such Slack app channel");
    };
    let h = |n: &str| headers.get(n).and_then(|v| v.to_str().ok()).unwrap_or("");
    let (ts, sig) = (h("x-slack-request-timestamp"), h("x-slack-signature"));
    let fresh = ts
        .parse::<i64>()
        .is_ok_and(|t| (s.clock.now().as_second() - t).abs() <= TOLERANCE_SECS);
    if !fresh
        || !switchboard_providers::chat::slack_signature_valid(&app.signing_secret, ts, &body, sig)
    {
        tracing::warn!(
            channel = id,
            "refused a Slack action with a bad or stale signature"
        );
        return refuse(StatusCode::UNAUTHORIZED, "invalid or stale signature");
    }
    let payload = url::form_urlencoded::parse(&body)
        .find(|(k, _)| k == "payload")
        .and_then(|(_, v)| serde_json::from_str::<Value>(&v).ok());
    let Some(p) = payload else {
        return refuse(StatusCode::BAD_REQUEST, "no payload");
    };
    let action = &p["actions"][0];
    let (Some(action_id), Some(value), Some(slack_user)) = (
        action["action_id"].as_str(),
        action["value"].as_str(),
        p["user"]["id"].as_str(),
    ) else {
        return refuse(StatusCode::BAD_REQUEST, "not a button press");
    };
    let said = match act(&s, action_id, value, slack_user).await {
        Ok(done) => done,
        Err(why) => why,
    };
    // The press is taken at once; what became of it goes to the presser alone.
    if let Some(url) = p["response_url"].as_str() {
        let (state, url, text) = (s.clone(), url.to_owned(), said);
        tokio::spawn(async move { tell(&state, &url, &text).await });
    }
    StatusCode::OK.into_response()
}

/// Carries out a press; the sentence for the presser, or why nothing changed.
async fn act(
    s: &AppState,
    action_id: &str,
    value: &str,
    slack_user: &str,
) -> Result<String, String> {
    use switchboard_providers::chat::{ACK_ACTION, RESOLVE_ACTION};
    let user = match s.store.user_by_slack_id(slack_user).await {
        Ok(u) => u,
        Err(_) => {
            return Err(
                "Your Slack account is not linked to a Switchboard user; nothing was changed. Ask an admin to set your Slack user id on your account.".into(),
            )
        }
    };
    let id = value
        .parse::<i64>()
        .map(IncidentId)
        .map_err(|_| "That button names no incident.".to_owned())?;
    let who = crate::accounts::Principal::Token {
        id: 0,
        user: Some(user.id),
        read_only: false,
    };
    let access = crate::api::scope::load(s, &who)
        .await
        .map_err(|_| "Switchboard could not check your access; try again.".to_owned())?;
    let mut inc = crate::api::incidents::load(s, &access, id)
        .await
        .map_err(|_| format!("Incident #{id} is not one you can change."))?;
    let actor = Actor::user(user.id, &format!("{} (from Slack)", user.name));
    let now = s.clock.now();
    let before = serde_json::json!(crate::api::incidents::incident_json(&inc));
    let change = match action_id {
        ACK_ACTION => inc.acknowledge(&actor, now),
        RESOLVE_ACTION => inc.resolve(&actor, now),
        _ => return Err("Unknown button.".into()),
    }
    .map_err(|e| format!("Incident #{id} {}; nothing was changed.", e.message))?;
    let saved = s
        .store
        .save_incident(&inc, &change)
        .await
        .map_err(|_| format!("Incident #{id} changed meanwhile; nothing was changed."))?;
    crate::audit::record(
        s,
        switchboard_core::audit::AuditEntry {
            at: now,
            actor_user: Some(user.id),
            actor: format!("{} (Slack user {slack_user})", crate::audit::named(&user)),
            address: None,
            action: format!("slack {action_id}"),
            target: Some(format!("incidents/{id}")),
            status: 200,
            before: Some(before),
            after: Some(serde_json::json!(crate::api::incidents::incident_json(
                &saved
            ))),
        },
    )
    .await;
    // The messages of the incident's calls are redrawn by jobs queued with the change.
    Ok(format!("Incident #{id} is {} now.", saved.status.as_str()))
}

/// Tells the presser (an ephemeral message through the press's `response_url`).
async fn tell(state: &AppState, url: &str, text: &str) {
    let Ok(url) = crate::outbound::parse_and_check(url, &state.config.alert_hosts, "alert_hosts")
    else {
        return;
    };
    let body = json!({"response_type": "ephemeral", "replace_original": false, "text": text});
    if let Err(e) = state.http.post(url).json(&body).send().await {
        tracing::warn!(error = %e.without_url(), "could not answer a Slack button press");
    }
}
