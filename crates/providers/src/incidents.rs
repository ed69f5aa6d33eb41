//! What the tools a team already uses are sent about an incident: PagerDuty Events API v2,
//! incident.io HTTP alert sources, and Standard Webhooks (with their signature). Pure: the
//! server posts the bodies and handles the answers.

use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

/// An incident's status change, as the integrations are told it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncidentEvent {
    pub incident: i64,
    pub title: String,
    /// `trigger`, `acknowledge` or `resolve`.
    pub action: &'static str,
    /// `critical`, `high`, `medium` or `low`.
    pub severity: &'static str,
    /// The incident's page.
    pub url: String,
    /// The instance's public URL (PagerDuty's `source`).
    pub source: String,
    pub caller_number: Option<String>,
    pub line: Option<String>,
    /// RFC 3339, when the change happened.
    pub at: String,
}

impl IncidentEvent {
    /// The key that ties every event of one incident together downstream (PagerDuty's
    /// `dedup_key`, incident.io's `deduplication_key`): stable, so a retried or repeated
    /// event changes the same alert and never opens a second.
    pub fn dedup_key(&self) -> String {
        format!("switchboard-incident-{}", self.incident)
    }

    fn details(&self) -> Value {
        json!({
            "incident": self.incident,
            "severity": self.severity,
            "caller": self.caller_number,
            "line": self.line,
            "url": self.url,
        })
    }
}

/// PagerDuty's severity for ours.
fn pagerduty_severity(s: &str) -> &'static str {
    match s {
        "critical" => "critical",
        "high" => "error",
        "medium" => "warning",
        _ => "info",
    }
}

/// The Events API v2 body: a trigger carries the payload and a link back; acknowledge and
/// resolve carry only the key.
pub fn pagerduty(routing_key: &str, e: &IncidentEvent) -> Value {
    let mut body = json!({
        "routing_key": routing_key,
        "event_action": e.action,
        "dedup_key": e.dedup_key(),
    });
    if e.action == "trigger" {
        body["payload"] = json!({
            // At most 1024 characters, as PagerDuty documents.
            "summary": e.title.chars().take(1024).collect::<String>(),
            "source": e.source,
            "severity": pagerduty_severity(e.severity),
            "timestamp": e.at,
            "component": "switchboard",
            "group": e.line,
            "class": "incident",
            "custom_details": e.details(),
        });
        body["links"] = json!([{"href": e.url, "text": "The incident in Switchboard"}]);
        body["client"] = json!("Switchboard");
        body["client_url"] = json!(e.url);
    }
    body
}

/// The incident.io alert event: firing until resolved, under one deduplication key.
pub fn incident_io(e: &IncidentEvent) -> Value {
    let status = if e.action == "resolve" {
        "resolved"
    } else {
        "firing"
    };
    let mut description = format!("Severity {}.", e.severity);
    if let Some(c) = &e.caller_number {
        description.push_str(&format!(" Caller **{c}**."));
    }
    if e.action == "acknowledge" {
        description.push_str(" Acknowledged in Switchboard.");
    }
    json!({
        "title": e.title,
        "status": status,
        "deduplication_key": e.dedup_key(),
        "description": description,
        "metadata": e.details(),
        "source_url": e.url,
    })
}

/// A Standard Webhooks message: `{type, timestamp, data}`.
pub fn webhook(e: &IncidentEvent) -> Value {
    let kind = match e.action {
        "trigger" => "incident.triggered",
        "acknowledge" => "incident.acknowledged",
        _ => "incident.resolved",
    };
    json!({
        "type": kind,
        "timestamp": e.at,
        "data": {
            "id": e.incident,
            "title": e.title,
            "status": match e.action {
                "trigger" => "triggered",
                "acknowledge" => "acknowledged",
                _ => "resolved",
            },
            "severity": e.severity,
            "caller_number": e.caller_number,
            "line": e.line,
            "url": e.url,
        },
    })
}

/// The `webhook-signature` header of a Standard Webhooks message: `v1,` and the base64
/// HMAC-SHA256, keyed with the secret's bytes, of `{id}.{timestamp}.{body}`.
pub fn webhook_signature(key: &[u8], id: &str, timestamp: i64, body: &[u8]) -> String {
    use base64::Engine as _;
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!(
        "v1,{}",
        base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
    )
}

/// Whether `header` (space-separated `version,signature` entries) holds a valid `v1`
/// signature of the message, compared in constant time; other versions are skipped.
pub fn webhook_verify(key: &[u8], id: &str, timestamp: i64, body: &[u8], header: &str) -> bool {
    use subtle::ConstantTimeEq as _;
    let expected = webhook_signature(key, id, timestamp, body);
    header.split(' ').any(|entry| {
        entry.starts_with("v1,") && bool::from(entry.as_bytes().ct_eq(expected.as_bytes()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(secret: &str) -> Vec<u8> {
        switchboard_core::incident::integration::webhook_key(secret).unwrap()
    }

    #[test]
    fn standard_webhooks_vectors() {
        // SW-1 and SW-2 from the specification's own library tests.
        let k1 = key("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
        let body1 = br#"{"test": 2432232314}"#;
        assert_eq!(
            webhook_signature(&k1, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body1),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
        let k2 = key("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD");
        let body2 = br#"{"email":"test@example.com","username":"test_user"}"#;
        assert_eq!(
            webhook_signature(&k2, "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk", 1649367553, body2),
            "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw="
        );
        // The bare secret (without whsec_) is the same key.
        assert_eq!(key("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"), k1);
        // Negative vectors, and several entries of which one is valid.
        let id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
        assert!(!webhook_verify(
            &k1,
            id,
            1614265330,
            body1,
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OA="
        ));
        assert!(!webhook_verify(
            &k2,
            "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk",
            1649367553,
            body2,
            "v1,R3PTzyfHASBKHH98a7yexTwaJ4yNIcGhFQc1yuN+BPU="
        ));
        let many = "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= v2,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE= v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=";
        assert!(webhook_verify(&k1, id, 1614265330, body1, many));
    }

    #[test]
    fn the_rotation_example() {
        let body = br#"{"type":"call.missed","data":{"call_id":"c_1"}}"#;
        let old = key("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
        assert_eq!(
            webhook_signature(&old, "msg_test_1", 1700000000, body),
            "v1,63H8gO5Es6cgiTBZpreFFhVkvqyd5wriFik5ihM2ups="
        );
    }

    fn event(action: &'static str) -> IncidentEvent {
        IncidentEvent {
            incident: 42,
            title: "x".repeat(2000),
            action,
            severity: "high",
            url: "https://sb.example/incidents/42".into(),
            source: "https://sb.example".into(),
            caller_number: Some("+14155550199".into()),
            line: Some("Payments hotline".into()),
            at: "2026-12-06T10:00:00Z".into(),
        }
    }

    #[test]
    fn pagerduty_bodies_follow_the_events_api() {
        let t = pagerduty("0123456789abcdef0123456789abcdef", &event("trigger"));
        assert_eq!(t["event_action"], "trigger");
        assert_eq!(t["dedup_key"], "switchboard-incident-42");
        assert_eq!(t["payload"]["summary"].as_str().unwrap().len(), 1024);
        assert_eq!(t["payload"]["severity"], "error");
        assert_eq!(t["links"][0]["href"], "https://sb.example/incidents/42");
        let r = pagerduty("0123456789abcdef0123456789abcdef", &event("resolve"));
        assert_eq!(
            r["dedup_key"], t["dedup_key"],
            "one key for the incident's life"
        );
        assert!(r.get("payload").is_none());
    }

    #[test]
    fn incident_io_fires_until_resolved() {
        assert_eq!(incident_io(&event("trigger"))["status"], "firing");
        assert_eq!(incident_io(&event("acknowledge"))["status"], "firing");
        let r = incident_io(&event("resolve"));
        assert_eq!(r["status"], "resolved");
        assert_eq!(r["deduplication_key"], "switchboard-incident-42");
        assert_eq!(
            webhook(&event("acknowledge"))["type"],
            "incident.acknowledged"
        );
    }
}
