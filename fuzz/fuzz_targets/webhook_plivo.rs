//! Plivo webhooks: every parser over arbitrary forms, and the V3 signature check over
//! arbitrary URLs, nonces and (comma-separated) signatures.
#![no_main]

use libfuzzer_sys::fuzz_target;
use switchboard_providers::plivo::signature;
use switchboard_providers::{plivo::Plivo, Form, VoiceProvider};

fuzz_target!(|data: &[u8]| {
    let form = switchboard_fuzz::form(data);
    switchboard_fuzz::parse_all(&Plivo, &form);
    let text = String::from_utf8_lossy(data);
    let mut parts = text.splitn(3, '\n');
    let (url, nonce, sig) = (
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
    );
    let url = format!("https://sb.example.com/hooks/plivo/t/voice?{url}");
    let header = |name: &str| match name {
        "x-plivo-signature-v3" => Some(sig.to_owned()),
        "x-plivo-signature-v3-nonce" => Some(nonce.to_owned()),
        _ => None,
    };
    let _ = Plivo.verify("token", &url, &form, &header);
    let good = signature::sign("token", "POST", &url, &form, nonce);
    let with_good = |name: &str| match name {
        "x-plivo-signature-v3" => Some(format!("{sig},{good}")),
        "x-plivo-signature-v3-nonce" => Some(nonce.to_owned()),
        _ => None,
    };
    assert!(
        Plivo.verify("token", &url, &form, &with_good),
        "own signature refused"
    );
    // A parameter the form does not have yet (an exact repeat of a pair adds nothing: the
    // providers sign each name's distinct values).
    let mut changed = form.0.clone();
    let name = (0..)
        .map(|i| format!("Injected{i}"))
        .find(|n| form.get(n).is_none())
        .unwrap();
    changed.push((name, "1".to_owned()));
    let only_good = |name: &str| match name {
        "x-plivo-signature-v3" => Some(good.clone()),
        "x-plivo-signature-v3-nonce" => Some(nonce.to_owned()),
        _ => None,
    };
    assert!(
        !Plivo.verify("token", &url, &Form(changed), &only_good),
        "a changed form verified"
    );
});
