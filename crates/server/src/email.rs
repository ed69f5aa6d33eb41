//! Email channels: the alert as a plain-text and HTML message through the installation's SMTP
//! server (`smtp_url`: `smtps://` for TLS from the start, `smtp://…?tls=required` for
//! STARTTLS, plain `smtp://` only to a server on this machine), with the voicemail attached
//! when our copy is stored and small enough, otherwise linked. Delivery is the alert job's:
//! a temporary refusal (4xx) or an unreachable server is retried, a permanent one (5xx)
//! fails with the server's reason; the URL's password is never shown.

use crate::config::{cfg_err, ConfigError};
use crate::jobs::JobError;
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use switchboard_providers::chat::Alert;

/// Largest voicemail attached; a longer one is linked.
pub const MAX_ATTACHMENT_BYTES: usize = 5 << 20;

/// Where email goes out.
#[derive(Clone)]
pub struct SmtpConfig {
    /// `smtp://`, `smtps://` URL, with credentials if the server wants them.
    pub url: String,
    /// The sender, such as `Switchboard <switchboard@example.com>`.
    pub from: Mailbox,
}

impl std::fmt::Debug for SmtpConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpConfig")
            .field("url", &crate::config::redact_url(&self.url))
            .field("from", &self.from.to_string())
            .finish()
    }
}

type Layer = Option<(String, String)>;

impl SmtpConfig {
    /// Both keys or neither; each checked, naming the key and where it came from.
    pub fn from_layers(url: Layer, from: Layer) -> Result<Option<SmtpConfig>, ConfigError> {
        let (url, from) = match (url, from) {
            (None, None) => return Ok(None),
            (Some((_, src)), None) => {
                return Err(cfg_err("smtp_from", &src, "is required with smtp_url"))
            }
            (None, Some((_, src))) => {
                return Err(cfg_err("smtp_url", &src, "is required with smtp_from"))
            }
            (Some(u), Some(f)) => (u, f),
        };
        let parsed = url::Url::parse(&url.0).map_err(|_| {
            cfg_err(
                "smtp_url",
                &url.1,
                "is not a URL such as smtps://user:password@smtp.example.com",
            )
        })?;
        let plain_ok = parsed
            .host_str()
            .is_some_and(|h| crate::outbound::is_loopback(h.trim_matches(['[', ']'])));
        let tls = parsed.scheme() == "smtps"
            || parsed
                .query_pairs()
                .any(|(k, v)| k == "tls" && v == "required");
        match parsed.scheme() {
            "smtp" | "smtps" if tls || plain_ok => {}
            "smtp" | "smtps" => {
                return Err(cfg_err(
                    "smtp_url",
                    &url.1,
                    "must use TLS (smtps://…, or smtp://…?tls=required for STARTTLS); plain SMTP only to this machine",
                ))
            }
            _ => return Err(cfg_err("smtp_url", &url.1, "must start with smtp:// or smtps://")),
        }
        AsyncSmtpTransport::<Tokio1Executor>::from_url(&url.0)
            .map_err(|e| cfg_err("smtp_url", &url.1, format!("is not usable: {e}")))?;
        let from_box: Mailbox = from.0.parse().map_err(|_| {
            cfg_err(
                "smtp_from",
                &from.1,
                "is not an address such as Switchboard <switchboard@example.com>",
            )
        })?;
        Ok(Some(SmtpConfig {
            url: url.0,
            from: from_box,
        }))
    }
}

/// A voicemail to attach: file name, bytes, MIME type.
pub struct Voicemail {
    pub name: String,
    pub bytes: Vec<u8>,
    pub content_type: String,
}

/// The message for `alert` to `to`.
pub fn message(
    cfg: &SmtpConfig,
    to: &[String],
    alert: &Alert,
    voicemail: Option<Voicemail>,
) -> Result<Message, JobError> {
    let bad = |e: String| JobError::Permanent(format!("the message could not be built: {e}"));
    let mut b = Message::builder()
        .from(cfg.from.clone())
        .subject(alert.headline());
    for a in to {
        b = b.to(a
            .parse()
            .map_err(|_| bad(format!("{a:?} is not an address")))?);
    }
    let body = MultiPart::alternative_plain_html(
        switchboard_providers::mail::text(alert),
        switchboard_providers::mail::html(alert),
    );
    let body = match voicemail {
        Some(v) => {
            let ct = ContentType::parse(&v.content_type).map_err(|e| bad(e.to_string()))?;
            let file: SinglePart = Attachment::new(v.name).body(v.bytes, ct);
            MultiPart::mixed().multipart(body).singlepart(file)
        }
        None => body,
    };
    b.multipart(body).map_err(|e| bad(e.to_string()))
}

/// Sends `msg` through the configured server.
pub async fn send(cfg: &SmtpConfig, msg: Message) -> Result<(), JobError> {
    let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&cfg.url)
        .map_err(|e| JobError::Permanent(format!("the SMTP URL is not usable: {e}")))?
        .timeout(Some(std::time::Duration::from_secs(20)))
        .build();
    match transport.send(msg).await {
        Ok(_) => Ok(()),
        // lettre's messages carry the server's answer, never the URL or its password.
        Err(e) if e.is_permanent() => Err(JobError::Permanent(format!(
            "the mail server refused the message: {e}"
        ))),
        Err(e) => Err(JobError::Retry(format!(
            "the mail server did not take the message: {e}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layer(v: &str) -> Layer {
        Some((v.to_owned(), "SWITCHBOARD_TEST".to_owned()))
    }

    #[test]
    fn smtp_settings_are_both_or_neither_and_encrypted_off_this_machine() {
        assert!(SmtpConfig::from_layers(None, None).unwrap().is_none());
        let from = layer("Switchboard <sb@example.com>");
        assert_eq!(
            SmtpConfig::from_layers(layer("smtps://smtp.example.com"), None)
                .unwrap_err()
                .key,
            "smtp_from"
        );
        assert_eq!(
            SmtpConfig::from_layers(None, from.clone()).unwrap_err().key,
            "smtp_url"
        );
        for ok in [
            "smtps://user:secret@smtp.example.com",
            "smtp://smtp.example.com:587?tls=required",
            "smtp://127.0.0.1:2525",
        ] {
            assert!(
                SmtpConfig::from_layers(layer(ok), from.clone()).is_ok(),
                "{ok}"
            );
        }
        for bad in [
            "smtp://smtp.example.com",
            "http://smtp.example.com",
            "not a url",
        ] {
            let err = SmtpConfig::from_layers(layer(bad), from.clone()).unwrap_err();
            assert_eq!(err.key, "smtp_url", "{bad}");
        }
        let err = SmtpConfig::from_layers(layer("smtps://smtp.example.com"), layer("nobody"))
            .unwrap_err();
        assert_eq!(err.key, "smtp_from");
        // The password never shows in the configuration's debug output.
        let cfg = SmtpConfig::from_layers(layer("smtps://user:secret@smtp.example.com"), from)
            .unwrap()
            .unwrap();
        assert!(!format!("{cfg:?}").contains("secret"));
    }
}
