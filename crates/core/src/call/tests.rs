use super::*;

fn report(has_media: bool) -> RecordingReport {
    RecordingReport {
        kind: RecordingKind::Voicemail,
        provider_recording_id: "RE1".into(),
        provider_url: "https://api.twilio.com/r".into(),
        duration_secs: Some(12),
        has_media,
        transcribe: false,
    }
}

#[test]
fn screening_is_stored_in_the_shape_the_api_always_showed() {
    let attempt = |screening| Attempt {
        step: 0,
        leg: 0,
        user_id: UserId(1),
        name: "Alice".into(),
        number: "+14155550101".into(),
        outcome: AttemptOutcome::Ringing,
        started_at: Timestamp::UNIX_EPOCH,
        ended_at: None,
        duration_secs: None,
        leg_id: None,
        picked_up_at: None,
        screening,
    };
    for (s, accepted, picked_up) in [
        (Screening::Off, serde_json::Value::Null, false),
        (Screening::Waiting, false.into(), false),
        (Screening::PickedUp, false.into(), true),
        (Screening::Accepted { prompted: true }, true.into(), true),
        (Screening::Accepted { prompted: false }, true.into(), false),
    ] {
        let json = serde_json::to_value(attempt(s)).unwrap();
        assert_eq!(json["accepted"], accepted, "{s:?}");
        assert_eq!(json["picked_up"], picked_up, "{s:?}");
        let back: Attempt = serde_json::from_value(json).unwrap();
        assert_eq!(back.screening, s);
    }
    // Attempts stored before screening existed have neither field.
    let old = serde_json::json!({"step": 0, "user_id": 1, "name": "A", "number": "+1",
        "outcome": "answered", "started_at": "2026-11-24T09:00:00Z", "ended_at": null,
        "duration_secs": 30, "leg_id": null});
    let a: Attempt = serde_json::from_value(old).unwrap();
    assert_eq!(a.screening, Screening::Off);
}

#[test]
fn a_recording_is_fetched_once_and_a_stored_copy_stays() {
    use RecordingStatus::*;
    assert_eq!(report(true).apply_to(None), (Pending, true));
    assert_eq!(report(false).apply_to(None), (Absent, false));
    assert_eq!(report(true).apply_to(Some(Pending)), (Pending, false));
    assert_eq!(report(false).apply_to(Some(Pending)), (Absent, false));
    assert_eq!(report(false).apply_to(Some(Stored)), (Stored, false));
    assert_eq!(report(true).apply_to(Some(Failed)), (Failed, false));
}
