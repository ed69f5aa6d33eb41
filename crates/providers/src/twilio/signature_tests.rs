//! Tests of `signature`.

use super::*;

fn official_params() -> Form {
    [
        ("CallSid", "CA1234567890ABCDE"),
        ("Caller", "+14158675309"),
        ("Digits", "1234"),
        ("From", "+14158675309"),
        ("To", "+18005551212"),
    ]
    .into_iter()
    .collect()
}

const URL: &str = "https://mycompany.com/myapp.php?foo=1&bar=2";

#[test]
fn official_vectors() {
    let p = official_params();
    assert_eq!(sign("12345", URL, &p), "RSOYDt4T1cUTdK1PDd93/VVr8B8=");
    assert_eq!(
        sign(
            "12345",
            "https://mycompany.com:443/myapp.php?foo=1&bar=2",
            &p
        ),
        "kvajT1Ptam85bY51eRf/AJRuM3w="
    );
    assert_eq!(
        sign("12345", "http://mycompany.com:80/myapp.php?foo=1&bar=2", &p),
        "0ZXoZLH/DfblKGATFgpif+LLRf4="
    );
    assert_eq!(
        sign(
            "12345",
            "http://mycompany.com:1234/myapp.php?foo=1&bar=2",
            &p
        ),
        "Zmvh+3yNM1Phv2jhDCwEM3q5ebU="
    );
    let repeated: Form = [
        ("Sid", "CA123"),
        ("SidAccount", "AC123"),
        ("Digits", "5678"),
        ("Digits", "1234"),
        ("Digits", "1234"),
    ]
    .into_iter()
    .collect();
    assert_eq!(
        sign("12345", URL, &repeated),
        "IK+Dwps556ElfBT0I3Rgjkr1wJU="
    );
    assert_eq!(
        sign(
            "12345",
            "https://user:pass@mycompany.com/myapp.php?foo=1&bar=2",
            &p
        ),
        "CukzLTc1tT5dXEDIHm/tKBanW10="
    );
}

#[test]
fn both_port_forms_are_accepted() {
    let p = official_params();
    assert!(verify("12345", URL, &p, "RSOYDt4T1cUTdK1PDd93/VVr8B8="));
    assert!(verify("12345", URL, &p, "kvajT1Ptam85bY51eRf/AJRuM3w="));
    assert!(verify(
        "12345",
        "https://mycompany.com:1234/myapp.php?foo=1&bar=2",
        &p,
        "RSOYDt4T1cUTdK1PDd93/VVr8B8="
    ));
    assert!(verify(
        "12345",
        "https://user:pass@mycompany.com/myapp.php?foo=1&bar=2",
        &p,
        "ZQFR1PTIZXF2MXB8ZnKCvnnA+rI="
    ));
}

#[test]
fn tampering_is_rejected() {
    let p = official_params();
    assert!(!verify("12345", URL, &p, "RSOYDt4T1cUTdK1PDd93/VVr8B9="));
    assert!(!verify("54321", URL, &p, "RSOYDt4T1cUTdK1PDd93/VVr8B8="));
    let mut changed = p.clone();
    changed.0[2].1 = "9999".into();
    assert!(!verify(
        "12345",
        URL,
        &changed,
        "RSOYDt4T1cUTdK1PDd93/VVr8B8="
    ));
    assert!(!verify("12345", URL, &p, ""));
}

#[test]
fn shared_vectors_file_agrees() {
    let raw = include_str!("../../testdata/signature-vectors.json");
    let doc: serde_json::Value = serde_json::from_str(raw).unwrap();
    let mut checked = 0;
    for v in doc["vectors"].as_array().unwrap() {
        let json_body = !v["body"].is_null();
        if v["scheme"] != "twilio-x-twilio-signature" || json_body {
            continue;
        }
        let sig = v["x_twilio_signature"].as_str().unwrap_or("");
        let mut form = Form::default();
        match &v["params"] {
            serde_json::Value::Array(pairs) => {
                for pair in pairs {
                    let k = pair[0].as_str().unwrap().to_owned();
                    form.0.push((k, pair[1].as_str().unwrap().to_owned()));
                }
            }
            serde_json::Value::Object(map) => {
                for (k, val) in map {
                    match val {
                        serde_json::Value::Array(items) => {
                            for i in items {
                                form.0.push((k.clone(), i.as_str().unwrap().to_owned()));
                            }
                        }
                        other => form.0.push((k.clone(), other.as_str().unwrap().to_owned())),
                    }
                }
            }
            _ => {}
        }
        let ok = verify(
            v["auth_token"].as_str().unwrap(),
            v["url"].as_str().unwrap(),
            &form,
            sig,
        );
        assert_eq!(ok, v["expected_valid"].as_bool().unwrap(), "{}", v["id"]);
        checked += 1;
    }
    assert!(checked >= 15, "only {checked} twilio vectors found");
}
