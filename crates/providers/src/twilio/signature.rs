//! `X-Twilio-Signature`: HMAC-SHA1 over the URL and the sorted POST parameters.
//!
//! Twilio signs "the URL it requested", but its back ends disagree on whether a port is part
//! of it, so (like the official libraries) a request is accepted when the signature matches
//! the URL with the port or without it. The comparison is constant-time.

use crate::Form;
use base64::Engine;
use hmac::{Hmac, Mac};
use std::collections::{BTreeMap, BTreeSet};
use subtle::ConstantTimeEq;

type HmacSha1 = Hmac<sha1::Sha1>;

/// The string Twilio signs: the URL, then each parameter name and value, names sorted by
/// code point, each name's values sorted with repeats dropped.
pub fn string_to_sign(url: &str, params: &Form) -> String {
    let mut by_name: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (k, v) in params.pairs() {
        by_name.entry(k).or_default().insert(v);
    }
    let mut s = String::with_capacity(url.len() + 64 * by_name.len());
    s.push_str(url);
    for (k, values) in by_name {
        for v in values {
            s.push_str(k);
            s.push_str(v);
        }
    }
    s
}

/// The signature of a request to `url` with `params`, as Twilio computes it.
pub fn sign(auth_token: &str, url: &str, params: &Form) -> String {
    let mut mac =
        HmacSha1::new_from_slice(auth_token.as_bytes()).expect("HMAC accepts keys of any size");
    mac.update(string_to_sign(url, params).as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// Whether `signature` is valid for the request, trying the URL as given, with its default
/// port added and with any port removed.
pub fn verify(auth_token: &str, url: &str, params: &Form, signature: &str) -> bool {
    let mut candidates = vec![url.to_owned()];
    candidates.extend(with_default_port(url));
    candidates.extend(without_port(url));
    // Twilio signs a percent-encoded form of the URL; a proxy may decode `'` or not.
    if url.contains('\'') {
        candidates.push(url.replace('\'', "%27"));
    }
    if url.contains("%27") {
        candidates.push(url.replace("%27", "'"));
    }
    let mut ok = subtle::Choice::from(0);
    for c in &candidates {
        let expected = sign(auth_token, c, params);
        ok |= expected.as_bytes().ct_eq(signature.as_bytes());
    }
    ok.into()
}

/// Splits `scheme://authority/rest` into its parts.
fn split(url: &str) -> Option<(&str, &str, &str)> {
    let (scheme, after) = url.split_once("://")?;
    let end = after.find(['/', '?', '#']).unwrap_or(after.len());
    Some((scheme, &after[..end], &after[end..]))
}

/// Host part of an authority, and whether it carries a port.
fn host_port(authority: &str) -> (&str, &str, Option<&str>) {
    let (userinfo, hostport) = match authority.rsplit_once('@') {
        Some((u, h)) => (&authority[..u.len() + 1], h),
        None => ("", authority),
    };
    // IPv6 literals contain ':' inside brackets.
    let port_sep = if hostport.starts_with('[') {
        hostport.find("]:").map(|i| i + 1)
    } else {
        hostport.rfind(':')
    };
    match port_sep {
        Some(i) => (userinfo, &hostport[..i], Some(&hostport[i + 1..])),
        None => (userinfo, hostport, None),
    }
}

fn with_default_port(url: &str) -> Option<String> {
    let (scheme, authority, rest) = split(url)?;
    let (userinfo, host, port) = host_port(authority);
    if port.is_some() {
        return None;
    }
    let default = match scheme {
        "https" => "443",
        "http" => "80",
        _ => return None,
    };
    Some(format!("{scheme}://{userinfo}{host}:{default}{rest}"))
}

fn without_port(url: &str) -> Option<String> {
    let (scheme, authority, rest) = split(url)?;
    let (userinfo, host, port) = host_port(authority);
    port?;
    Some(format!("{scheme}://{userinfo}{host}{rest}"))
}

#[cfg(test)]
#[path = "signature_tests.rs"]
mod tests;
