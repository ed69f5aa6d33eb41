//! Requests to addresses that came from outside: chat webhooks (from the API) and recording
//! media (from the provider's webhooks).
//!
//! Every such URL is parsed once, by the parser the HTTP client uses, and the host that
//! parser found is checked against the allow-list for its purpose — when the URL is accepted,
//! again before every request, and again on every redirect. Plain `http` is refused, except
//! to a loopback host that the operator listed explicitly (a local relay, or the tests).

use reqwest::redirect::Policy;
use std::net::IpAddr;
use std::time::Duration;

/// Checks that `url` may be requested for the purpose whose allow-list is `allowed` (named
/// `key` in the configuration).
pub fn check(url: &url::Url, allowed: &[String], key: &str) -> Result<(), String> {
    let host = url.host_str().unwrap_or("").trim_matches(['[', ']']);
    if host.is_empty() {
        return Err("the URL has no host".to_owned());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("the URL must not contain credentials".to_owned());
    }
    if !crate::config::host_matches(allowed, host) {
        return Err(format!("'{host}' is not in {key}"));
    }
    match url.scheme() {
        "https" => Ok(()),
        "http" if is_loopback(host) => Ok(()),
        "http" => Err(format!("'{host}' must be reached over https")),
        other => Err(format!("the scheme '{other}' is not allowed")),
    }
}

/// Parses `raw` as the client will, then [`check`]s it.
pub fn parse_and_check(raw: &str, allowed: &[String], key: &str) -> Result<url::Url, String> {
    if raw.contains('\\') {
        return Err("the URL contains a backslash".to_owned());
    }
    let url = url::Url::parse(raw).map_err(|e| format!("the URL is invalid: {e}"))?;
    check(&url, allowed, key)?;
    Ok(url)
}

/// Why `raw` is refused as the URL of a service that receives personal data (`what`, as in
/// "voicemails are personal data"): not an http(s) URL, or plain http to another machine.
/// `example` is shown in the message.
pub(crate) fn secure_url(raw: &str, what: &str, example: &str) -> Result<url::Url, String> {
    let parsed = url::Url::parse(raw.trim())
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
        .ok_or_else(|| format!("'{raw}' is not an http(s) URL such as {example}"))?;
    let local = parsed
        .host_str()
        .is_some_and(|h| is_loopback(h.trim_matches(['[', ']'])));
    if parsed.scheme() == "http" && !local {
        return Err(format!(
            "must use https ({what} are personal data); plain http only to this machine"
        ));
    }
    Ok(parsed)
}

/// `localhost` or a loopback address (brackets of an IPv6 literal already removed).
pub(crate) fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// An HTTP client whose redirects are followed only to allowed hosts (at most 3).
pub fn client(allowed: Vec<String>, key: &'static str) -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .redirect(Policy::custom(move |attempt| {
            if attempt.previous().len() >= 3 {
                return attempt.error("too many redirects");
            }
            match check(attempt.url(), &allowed, key) {
                Ok(()) => attempt.follow(),
                Err(why) => attempt.error(format!("refused a redirect: {why}")),
            }
        }))
        .build()
        .expect("the HTTP client builds with static settings")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allowed() -> Vec<String> {
        vec![
            "hooks.slack.com".into(),
            "*.twilio.com".into(),
            "127.0.0.1".into(),
        ]
    }

    #[test]
    fn only_the_host_the_client_would_reach_counts() {
        let ok = |u: &str| parse_and_check(u, &allowed(), "alert_hosts");
        assert!(ok("https://hooks.slack.com/services/T/B/x").is_ok());
        assert!(ok("https://api.twilio.com/2010-04-01/x").is_ok());
        assert!(
            ok("http://127.0.0.1:9000/x").is_ok(),
            "listed loopback relay"
        );
        for bad in [
            "http://127.0.0.1:18740\\@hooks.slack.com/services/T/B/x",
            "http://10.0.0.1:18740/@hooks.slack.com/x",
            "https://hooks.slack.com@10.0.0.1/x",
            "https://u:p@hooks.slack.com/x",
            "http://hooks.slack.com/services/T/B/x",
            "https://evil.example/hooks.slack.com",
            "https://twilio.com.evil.example/x",
            "file:///etc/passwd",
        ] {
            assert!(ok(bad).is_err(), "{bad} was accepted");
        }
        assert!(parse_and_check("http://localhost/x", &allowed(), "k").is_err());
    }
}
