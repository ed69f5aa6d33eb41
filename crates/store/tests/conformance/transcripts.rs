//! Voicemail transcripts: queued with the voicemail in one transaction, stored as they go
//! (with their call-log line), searchable by their words, gone with the voicemail's audio;
//! a job that waits does not use up its attempts.

use super::*;
use switchboard_core::call::Transcript;

fn voicemail(sid: &str) -> RecordingReport {
    RecordingReport {
        kind: RecordingKind::Voicemail,
        transcribe: true,
        ..report(sid, true)
    }
}

pub async fn transcripts_are_queued_stored_and_searched(s: Arc<dyn Store>) {
    let (_, l) = setup(&s).await;
    let (call, _) = s
        .start_call(&new_call(l, "CA1", "+14155550199", 0), &[], &[])
        .await
        .unwrap();
    s.save_call(&call, &[], &[voicemail("RE1")], &[], None, t(1))
        .await
        .unwrap();
    let rec = s.list_recordings(call.id).await.unwrap().remove(0);
    assert_eq!(
        rec.transcript,
        Some(Transcript::Transcribing { note: None })
    );
    let mut kinds = vec![];
    while let Some(j) = s.claim_job(t(2), 60).await.unwrap() {
        assert_eq!(j.payload["recording"], rec.id.0);
        kinds.push(j.kind);
    }
    kinds.sort();
    assert_eq!(kinds, ["fetch_recording", "transcribe"]);
    // A call recording, or a voicemail on an installation that does not transcribe: no job.
    let (other, _) = s
        .start_call(&new_call(l, "CA2", "+14155550198", 0), &[], &[])
        .await
        .unwrap();
    s.save_call(&other, &[], &[report("RE2", true)], &[], None, t(1))
        .await
        .unwrap();
    assert!(s.list_recordings(other.id).await.unwrap()[0]
        .transcript
        .is_none());

    let note = Transcript::Transcribing {
        note: Some("the engine answered HTTP 429".into()),
    };
    s.set_transcript(rec.id, &note, None).await.unwrap();
    assert_eq!(
        s.get_recording(rec.id).await.unwrap().transcript,
        Some(note)
    );
    let done = Transcript::Done {
        text: "Our Payment gateway is DOWN".into(),
    };
    s.set_transcript(rec.id, &done, Some(&event("Voicemail transcribed")))
        .await
        .unwrap();
    assert_eq!(
        s.get_recording(rec.id).await.unwrap().transcript,
        Some(done)
    );
    assert!(s
        .list_events(call.id)
        .await
        .unwrap()
        .iter()
        .any(|e| e.message == "Voicemail transcribed"));
    let search = |text: &str| {
        let s = s.clone();
        let f = CallFilter {
            text: Some(text.to_owned()),
            limit: 50,
            ..Default::default()
        };
        async move {
            s.list_calls(&f)
                .await
                .unwrap()
                .iter()
                .map(|c| c.id)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(search("gateway is down").await, [call.id]);
    assert_eq!(search("4155550198").await, [other.id]);
    assert!(search("refund").await.is_empty());
    // The retention period deleting the voicemail takes its transcript too.
    assert!(s
        .mark_recording_deleted(rec.id, &event("deleted"))
        .await
        .unwrap());
    assert!(s.get_recording(rec.id).await.unwrap().transcript.is_none());
    assert!(search("gateway").await.is_empty());
    assert!(matches!(
        s.set_transcript(rec.id, &Transcript::Done { text: "x".into() }, None)
            .await,
        Err(StoreError::NotFound)
    ));
}

pub async fn a_job_that_waits_keeps_its_attempts(s: Arc<dyn Store>) {
    s.enqueue_job(
        &NewJob::transcribe(CallId(1), switchboard_core::RecordingId(1)),
        t(0),
    )
    .await
    .unwrap();
    for i in 0..20 {
        let j = s.claim_job(t(i * 10), 5).await.unwrap().expect("due");
        assert_eq!(j.attempts, 1, "waiting is not failing");
        s.defer_job(j.id, t(i * 10 + 10), "waiting").await.unwrap();
        assert!(s.claim_job(t(i * 10 + 9), 5).await.unwrap().is_none());
    }
    let j = s.claim_job(t(200), 5).await.unwrap().unwrap();
    s.retry_job(j.id, t(210), "failed").await.unwrap();
    let j = s.claim_job(t(210), 5).await.unwrap().unwrap();
    assert_eq!(j.attempts, 2, "a failure counts");
}
