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
mod tests {
    use super::*;

    #[test]
    fn shared_v3_vectors_agree() {
        let raw = include_str!("../../testdata/signature-vectors.json");
        let doc: serde_json::Value = serde_json::from_str(raw).unwrap();
        let mut checked = 0;
        for v in doc["vectors"].as_array().unwrap() {
            if v["scheme"] != "plivo-v3" {
                continue;
            }
            let params: Form = v["params"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, val)| (k.clone(), val.as_str().unwrap().to_owned()))
                .collect();
            let method = v["method"].as_str().unwrap();
            let url = v["url"].as_str().unwrap();
            assert_eq!(
                format!(
                    "{}.{}",
                    string_to_sign(method, url, &params),
                    v["nonce"].as_str().unwrap()
                ),
                v["string_to_sign"].as_str().unwrap(),
                "{}",
                v["id"]
            );
            let ok = verify(
                v["auth_token"].as_str().unwrap(),
                method,
                url,
                &params,
                v["nonce"].as_str().unwrap(),
                v["x_plivo_signature_v3"].as_str().unwrap(),
            );
            assert_eq!(ok, v["expected_valid"].as_bool().unwrap(), "{}", v["id"]);
            checked += 1;
        }
        assert_eq!(checked, 4);
    }

    #[test]
    fn extra_vectors_and_tampering() {
        let params: Form = [
            ("CallUUID", "11111111-2222-3333-4444-555555555555"),
            ("From", "14155550100"),
            ("To", "15005550006"),
            ("CallStatus", "ringing"),
            ("Direction", "inbound"),
            ("Event", "StartApp"),
        ]
        .into_iter()
        .collect();
        let url = "https://lcr.example.org/webhooks/plivo/answer";
        let (tok, nonce) = ("plivo_sim_token_0001", "05429567804466091622");
        let good = "eob2LKiWt1li2eNb7YNfdmMVgQNtf2bjm4ZpBtm6JiI=";
        assert_eq!(sign(tok, "POST", url, &params, nonce), good);
        // Several signatures in one header: any valid one is enough.
        assert!(verify(
            tok,
            "POST",
            url,
            &params,
            nonce,
            &format!("bogus=, {good}")
        ));
        assert!(!verify(
            tok,
            "POST",
            url,
            &params,
            "05429567804466091623",
            good
        ));
        let mut changed = params.clone();
        changed.0[1].1 = "14155550101".into();
        assert!(!verify(tok, "POST", url, &changed, nonce, good));
        assert!(!verify("other", "POST", url, &params, nonce, good));
    }
}
