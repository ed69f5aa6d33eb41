//! Twilio webhooks: every parser over arbitrary forms, and the signature check over
//! arbitrary URLs, forms and signatures (a signature we made always verifies; a changed
//! parameter never does).
#![no_main]

use libfuzzer_sys::fuzz_target;
use switchboard_providers::twilio::signature;
use switchboard_providers::{twilio::Twilio, Form, VoiceProvider};

fuzz_target!(|data: &[u8]| {
    let form = switchboard_fuzz::form(data);
    switchboard_fuzz::parse_all(&Twilio, &form);
    let text = String::from_utf8_lossy(data);
    let (url, sig) = text.split_once('\n').unwrap_or((&text, ""));
    let url = format!("https://sb.example.com/hooks/twilio/t/voice?{url}");
    let _ = signature::verify("token", &url, &form, sig);
    let header = |name: &str| (name == "x-twilio-signature").then(|| sig.to_owned());
    let _ = Twilio.verify("token", &url, &form, &header);
    let good = signature::sign("token", &url, &form);
    assert!(
        signature::verify("token", &url, &form, &good),
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
    assert!(
        !signature::verify("token", &url, &Form(changed), &good),
        "a changed form verified"
    );
});
