//! Tests of `signature`.

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
