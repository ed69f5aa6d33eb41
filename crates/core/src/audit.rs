//! The audit trail: who changed what, when and from where, with the state before and after,
//! secrets masked. Entries are only ever appended; nothing changes or removes them.

use crate::UserId;
use jiff::Timestamp;
use serde_json::Value;

/// One audited action.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEntry {
    pub at: Timestamp,
    /// The account that acted, when one did (kept after the account is deleted).
    pub actor_user: Option<UserId>,
    /// Who acted, in words: "Olga Owner <olga@example.com>", "API token 3 (deploy)",
    /// "owner-level API token 1 (ci)", "command line", or the email a failed login gave.
    pub actor: String,
    /// The client's address, as login throttling counts it.
    pub address: Option<String>,
    /// What was done: a route (`PATCH /lines/{id}`) or a named action (`login`,
    /// `login failed`, `download recording`, `user create`…).
    pub action: String,
    /// What it was done to (`lines/3`), when there is one.
    pub target: Option<String>,
    /// The HTTP status the request got (0 for the command line).
    pub status: u16,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

/// Which entries to list, newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub actor_user: Option<UserId>,
    /// Entries whose action contains this text.
    pub action: Option<String>,
    /// Entries about exactly this target, or anything below it (`lines/3` matches
    /// `lines/3/messages/welcome/audio`).
    pub target: Option<String>,
    pub since: Option<Timestamp>,
    pub until: Option<Timestamp>,
    /// Only entries with an id lower than this (paging).
    pub before: Option<i64>,
    pub limit: u32,
}

/// What a masked secret reads as.
pub const MASKED: &str = "[secret]";

/// Keys whose values are secrets, or URLs that carry one (a line's webhook URLs hold its
/// token, a calendar feed's URL is its secret).
const SECRET_KEYS: [&str; 18] = [
    "password",
    "pin",
    "callback_pin",
    "password_hash",
    "auth_token",
    "token",
    "csrf_token",
    "client_secret",
    "secret",
    "webhook_url",
    "status_callback_url",
    "answer_url",
    "hangup_url",
    "sms_url",
    "message_url",
    "calendar_url",
    "audio_url",
    "audio",
];

/// `v` with every secret replaced by [`MASKED`], at any depth.
pub fn mask_secrets(v: &Value) -> Value {
    match v {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, val)| {
                    let secret = SECRET_KEYS.contains(&k.as_str()) && !val.is_null();
                    let val = if secret {
                        Value::String(MASKED.to_owned())
                    } else {
                        mask_secrets(val)
                    };
                    (k.clone(), val)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(mask_secrets).collect()),
        // Whatever its key, a provider webhook URL carries its line's secret token.
        Value::String(s) if WEBHOOK_PATHS.iter().any(|p| s.contains(p)) => {
            Value::String(MASKED.to_owned())
        }
        other => other.clone(),
    }
}

/// The paths provider webhook URLs have, before the line's token.
const WEBHOOK_PATHS: [&str; 2] = ["/hooks/twilio/", "/hooks/plivo/"];

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_webhook_url_is_masked_under_any_key() {
        let v =
            json!({"new_url": "https://sb.example/hooks/plivo/TOKEN/sms", "note": "/hooks/ docs"});
        assert_eq!(
            mask_secrets(&v),
            json!({"new_url": MASKED, "note": "/hooks/ docs"})
        );
    }

    #[test]
    fn secrets_are_masked_at_any_depth_and_the_rest_kept() {
        let v = json!({
            "name": "Hotline", "auth_token": "s3cret", "signature_checks": true,
            "messages": {"welcome": {"text": "hi", "audio": "abc.wav", "audio_url": "http://x/media/abc.wav"}},
            "channels": [{"webhook_url": "https://hooks.slack.com/services/T/B/x", "id": 1}],
            "token": "sb_abc", "password": "plum kettle", "business_hours": null,
            "calendar_url": "http://x/calendar/feed.ics",
        });
        let m = mask_secrets(&v);
        let text = m.to_string();
        for secret in [
            "s3cret",
            "abc.wav",
            "hooks.slack.com",
            "sb_abc",
            "plum kettle",
            "feed.ics",
        ] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
        assert_eq!(m["name"], "Hotline");
        assert_eq!(m["messages"]["welcome"]["text"], "hi");
        assert_eq!(m["channels"][0]["id"], 1);
        assert_eq!(m["auth_token"], MASKED);
        assert_eq!(m["business_hours"], Value::Null);
    }
}
