//! `X-Plivo-Signature-V3`: HMAC-SHA256 over the URL (query re-sorted), the sorted POST
//! parameters and a nonce. The header may carry several comma-separated signatures.

use crate::Form;
use base64::Engine;
use hmac::{Hmac, Mac};
use std::collections::BTreeMap;
use subtle::ConstantTimeEq;

type HmacSha256 = Hmac<sha2::Sha256>;

/// `scheme://host/path` and the decoded query parameters of `url`.
fn split_url(url: &str) -> (String, Vec<(String, String)>) {
    let no_fragment = url.split('#').next().unwrap_or(url);
    match no_fragment.split_once('?') {
        Some((base, q)) => (
            base.to_owned(),
            url::form_urlencoded::parse(q.as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        ),
        None => (no_fragment.to_owned(), vec![]),
    }
}

fn sorted(pairs: &[(String, String)]) -> BTreeMap<&str, Vec<&str>> {
    let mut m: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (k, v) in pairs {
        m.entry(k).or_default().push(v);
    }
    for v in m.values_mut() {
        v.sort();
    }
    m
}

/// The string Plivo signs (before `.nonce`), for a request with `method` to `url`.
pub fn string_to_sign(method: &str, url: &str, params: &Form) -> String {
    let (base, query) = split_url(url);
    let mut s = base;
    if method.eq_ignore_ascii_case("GET") {
        let mut all = query;
        all.extend(params.pairs().iter().cloned());
        let m = sorted(&all);
        if !m.is_empty() {
            let joined: Vec<String> = m
                .iter()
                .flat_map(|(k, vs)| vs.iter().map(move |v| format!("{k}={v}")))
                .collect();
            s.push('?');
            s.push_str(&joined.join("&"));
        }
        return s;
    }
    let q = sorted(&query);
    let qs: Vec<String> = q
        .iter()
        .flat_map(|(k, vs)| vs.iter().map(move |v| format!("{k}={v}")))
        .collect();
    let qs = qs.join("&");
    if !qs.is_empty() || !params.pairs().is_empty() {
        s.push('?');
        s.push_str(&qs);
    }
    if !qs.is_empty() && !params.pairs().is_empty() {
        s.push('.');
    }
    for (k, vs) in sorted(params.pairs()) {
        for v in vs {
            s.push_str(k);
            s.push_str(v);
        }
    }
    s
}

/// The V3 signature of a request.
pub fn sign(auth_token: &str, method: &str, url: &str, params: &Form, nonce: &str) -> String {
    let mut mac =
        HmacSha256::new_from_slice(auth_token.as_bytes()).expect("HMAC accepts keys of any size");
    mac.update(string_to_sign(method, url, params).as_bytes());
    mac.update(b".");
    mac.update(nonce.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// Whether any of the comma-separated signatures in `header` is valid.
pub fn verify(
    auth_token: &str,
    method: &str,
    url: &str,
    params: &Form,
    nonce: &str,
    header: &str,
) -> bool {
    let expected = sign(auth_token, method, url, params, nonce);
    let mut ok = subtle::Choice::from(0);
    for candidate in header.split(',') {
        ok |= expected.as_bytes().ct_eq(candidate.trim().as_bytes());
    }
    ok.into()
}

#[cfg(test)]
#[path = "signature_tests.rs"]
mod tests;
