//! Recordings of calls: what the carrier reported, and where our copy is.

use super::driver::{sql, Driver};
use super::{found, Backend, SqlStore};
use crate::codec::{ms, to_json};
use crate::rows::{self, col};
use jiff::Timestamp;
use switchboard_core::call::{
    CallEvent, Recording, RecordingKind, RecordingReport, RecordingStatus, Transcript,
};
use switchboard_core::store::{NewJob, StoreError, StoreResult};
use switchboard_core::{CallId, LineId, RecordingId};

/// Records a carrier's report of a recording, inside the caller's transaction. Core decides
/// the new status and whether to fetch the media ([`RecordingReport::apply_to`]); a report
/// repeated for the same recording updates its row and queues nothing again.
pub(super) async fn upsert<D: Driver>(
    c: &mut D::Connection,
    call: CallId,
    r: &RecordingReport,
    now: Timestamp,
) -> StoreResult<()> {
    let q = sql::<D>(
        "SELECT id, status FROM recordings WHERE call_id = $1 AND provider_recording_id = $2",
    );
    let existing = q
        .bind(call.0)
        .bind(r.provider_recording_id.as_str())
        .optional(c)
        .await?;
    let duration = r.duration_secs.map(i64::from);
    if let Some(row) = existing {
        let status: String = col(&row, "status")?;
        let (status, _) = r.apply_to(RecordingStatus::parse(&status));
        let q = sql::<D>(
            "UPDATE recordings SET provider_url = $1, duration_secs = COALESCE($2, duration_secs),
                 status = $3
             WHERE id = $4",
        );
        return q
            .bind(r.provider_url.as_str())
            .bind(duration)
            .bind(status.as_str())
            .bind(col::<_, i64>(&row, "id")?)
            .run(c)
            .await;
    }
    let (status, fetch) = r.apply_to(None);
    // A voicemail with media, on an installation that transcribes: "transcribing…" from the
    // start, and its job queued with it.
    let transcribe = fetch && r.transcribe && r.kind == RecordingKind::Voicemail;
    let transcript = transcribe.then(|| to_json(&Transcript::Transcribing { note: None }));
    let q = sql::<D>(
        "INSERT INTO recordings (call_id, kind, provider_recording_id, provider_url,
             duration_secs, status, created_at, transcript)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    );
    let row = q
        .bind(call.0)
        .bind(r.kind.as_str())
        .bind(r.provider_recording_id.as_str())
        .bind(r.provider_url.as_str())
        .bind(duration)
        .bind(status.as_str())
        .bind(ms(now))
        .bind(transcript)
        .one(c)
        .await?;
    let id = RecordingId(col(&row, "id")?);
    if fetch {
        super::jobs::enqueue::<D>(c, &NewJob::fetch_recording(call, id), now).await?;
    }
    if transcribe {
        super::jobs::enqueue::<D>(c, &NewJob::transcribe(call, id), now).await?;
    }
    Ok(())
}

impl<B: Backend> SqlStore<B> {
    pub(super) async fn recordings(&self, call: CallId) -> StoreResult<Vec<Recording>> {
        let q = sql("SELECT * FROM recordings WHERE call_id = $1 ORDER BY id").bind(call.0);
        self.read_all(q)
            .await?
            .iter()
            .map(rows::recording)
            .collect()
    }

    pub(super) async fn recording(&self, id: RecordingId) -> StoreResult<Recording> {
        let q = sql("SELECT * FROM recordings WHERE id = $1").bind(id.0);
        rows::recording(&self.read_one(q).await?)
    }

    pub(super) async fn due(
        &self,
        line: LineId,
        before: Timestamp,
        limit: u32,
    ) -> StoreResult<Vec<Recording>> {
        let q = sql(
            "SELECT r.* FROM recordings r JOIN calls c ON c.id = r.call_id
             WHERE c.line_id = $1 AND r.created_at < $2 AND r.status <> 'deleted'
             ORDER BY r.id LIMIT $3",
        );
        let q = q.bind(line.0).bind(ms(before)).bind(i64::from(limit));
        self.read_all(q)
            .await?
            .iter()
            .map(rows::recording)
            .collect()
    }

    pub(super) async fn mark_deleted(
        &self,
        id: RecordingId,
        event: &CallEvent,
    ) -> StoreResult<bool> {
        let mut tx = self.db.begin().await?;
        let q = sql::<B::Db>(
            "UPDATE recordings SET status = 'deleted', local_path = NULL, transcript = NULL
             WHERE id = $1 AND status <> 'deleted' RETURNING call_id, kind",
        );
        let row = q.bind(id.0).optional(&mut *tx).await?;
        if let Some(row) = &row {
            let call = CallId(col(row, "call_id")?);
            if col::<_, String>(row, "kind")? == RecordingKind::Voicemail.as_str() {
                sql::<B::Db>("UPDATE calls SET transcript_text = NULL WHERE id = $1")
                    .bind(call.0)
                    .run(&mut *tx)
                    .await?;
            }
            super::calls::insert_events::<B::Db>(&mut *tx, call, std::slice::from_ref(event))
                .await?;
        }
        B::commit(tx).await?;
        Ok(row.is_some())
    }

    /// Records where our copy of the media is (`None`: fetching it failed for good).
    pub(super) async fn put_transcript(
        &self,
        id: RecordingId,
        t: &Transcript,
        event: Option<&CallEvent>,
    ) -> StoreResult<()> {
        let json = to_json(t);
        let mut tx = self.db.begin().await?;
        // A deleted voicemail (the line's retention ran out) keeps no transcript.
        let q = sql::<B::Db>(
            "UPDATE recordings SET transcript = $1
             WHERE id = $2 AND status <> 'deleted' RETURNING call_id",
        );
        let row = q.bind(json).bind(id.0).optional(&mut *tx).await?;
        let Some(row) = row else {
            return Err(StoreError::NotFound);
        };
        let call = CallId(col(&row, "call_id")?);
        // The words on the call too, where the list's search reads them.
        sql::<B::Db>("UPDATE calls SET transcript_text = $1 WHERE id = $2")
            .bind(t.text())
            .bind(call.0)
            .run(&mut *tx)
            .await?;
        if let Some(event) = event {
            super::calls::insert_events::<B::Db>(&mut *tx, call, std::slice::from_ref(event))
                .await?;
        }
        B::commit(tx).await
    }

    pub(super) async fn set_media(&self, id: RecordingId, path: Option<&str>) -> StoreResult<()> {
        let status = match path {
            Some(_) => RecordingStatus::Stored,
            None => RecordingStatus::Failed,
        };
        let q =
            sql("UPDATE recordings SET status = $1, local_path = $2 WHERE id = $3 RETURNING id");
        found(
            self.write_one(q.bind(status.as_str()).bind(path).bind(id.0))
                .await,
        )
    }
}
