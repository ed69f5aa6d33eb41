//! Shared pieces of the fuzz targets.

use switchboard_providers::{Form, VoiceProvider};

/// The fuzz input as a form: decoded as `application/x-www-form-urlencoded` when it is one,
/// otherwise split into `key=value` pairs on `&` byte by byte (so every parser sees input
/// that is not a valid form too).
pub fn form(data: &[u8]) -> Form {
    if let Ok(pairs) = serde_urlencoded::from_bytes::<Vec<(String, String)>>(data) {
        return Form(pairs);
    }
    Form(
        data.split(|b| *b == b'&')
            .map(|kv| {
                let s = String::from_utf8_lossy(kv);
                match s.split_once('=') {
                    Some((k, v)) => (k.to_owned(), v.to_owned()),
                    None => (s.into_owned(), String::new()),
                }
            })
            .collect(),
    )
}

/// Runs every parser of `p` over `form`: none may panic, and what they accept is consistent.
pub fn parse_all(p: &dyn VoiceProvider, form: &Form) {
    if let Ok(incoming) = p.incoming(form) {
        assert!(!incoming.provider_call_id.is_empty());
        assert!(incoming.caller.number.chars().count() <= 64);
        assert!(incoming
            .caller
            .name
            .as_ref()
            .is_none_or(|n| n.chars().count() <= 64));
        assert_eq!(p.call_id(form), Some(incoming.provider_call_id.as_str()));
    }
    for step in [0, 1, 8, usize::MAX] {
        let _ = p.dial_ended(form, step);
        let _ = p.screen_result(form, step, None);
        let _ = p.screen_result(form, step, Some(step));
    }
    let _ = p.voicemail_taken(form);
    // A carrier's transcript failure always says why.
    if let Ok((_, switchboard_core::call::Transcript::Failed { reason })) = p.transcript(form) {
        assert!(!reason.is_empty());
    }
    for kind in [
        switchboard_core::call::RecordingKind::Call,
        switchboard_core::call::RecordingKind::Voicemail,
    ] {
        let _ = p.recording(form, kind);
    }
    let _ = p.call_ended(form);
}
