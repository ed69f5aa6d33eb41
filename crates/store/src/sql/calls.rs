//! Calls and their activity log. A call is written with optimistic concurrency: each save
//! names the version it read, and a save that lost a race writes nothing.

use super::driver::{sql, Driver};
use super::{found, Backend, SqlStore};
use crate::codec::{ms, to_json};
use crate::rows::{self, col};
use jiff::Timestamp;
use switchboard_core::call::{Call, CallEvent, Recording, RecordingReport};
use switchboard_core::store::{CallFilter, JobStatus, NewJob, StoreError, StoreResult};
use switchboard_core::{CallId, LineId};

/// Appends log lines to a call, inside the caller's transaction.
pub(super) async fn insert_events<D: Driver>(
    c: &mut D::Connection,
    call: CallId,
    events: &[CallEvent],
) -> StoreResult<()> {
    let rows: Vec<_> = events.iter().map(|e| (call, e)).collect();
    insert_log::<D>(c, &rows).await
}

/// Appends log lines, each to its call, inside the caller's transaction.
async fn insert_log<D: Driver>(
    c: &mut D::Connection,
    rows: &[(CallId, &CallEvent)],
) -> StoreResult<()> {
    // One statement for a webhook's lines, or a group's (each statement is a round trip to
    // the database, and on SQLite a hop to its connection's thread); rows keep their order,
    // so their ids do.
    for chunk in rows.chunks(100) {
        let text = format!(
            "INSERT INTO call_events (call_id, at, kind, message) VALUES {}",
            super::driver::values::<D>(chunk.len(), 4)
        );
        let mut q = sql::<D>(&text);
        for (call, e) in chunk {
            q = q
                .bind(call.0)
                .bind(ms(e.at))
                .bind(e.kind.as_str())
                .bind(e.message.as_str());
        }
        q.run(c).await?;
    }
    Ok(())
}

/// A value bound to one condition of [`SqlStore::calls`].
enum Arg<'a> {
    Int(i64),
    Text(&'a str),
    Bool(bool),
}

impl<B: Backend> SqlStore<B> {
    /// Stores a new call with its first log lines, once: a retried first webhook finds the
    /// call it already started (`false`) instead of starting a second.
    pub(super) async fn insert_call(
        &self,
        c: &Call,
        events: &[CallEvent],
        jobs: &[NewJob],
    ) -> StoreResult<(Call, bool)> {
        let new = NewCall {
            call: c.clone(),
            events: events.to_vec(),
            jobs: jobs.to_vec(),
        };
        super::batch::insert_call(&self.db, &self.calls, new).await
    }

    /// The call `id`, read with whichever calls are asked for with it (`call_reads`).
    pub(super) async fn call(&self, id: CallId) -> StoreResult<Call> {
        use super::call_reads::{call, Which};
        call(&self.db, &self.call_reads, Which::Id(id)).await
    }

    /// The call of `line` with the carrier's call id, read like [`Self::call`].
    pub(super) async fn call_by_provider_id(
        &self,
        line: LineId,
        provider_call_id: &str,
    ) -> StoreResult<Call> {
        use super::call_reads::{call, Which};
        let which = Which::Provider(line, provider_call_id.to_owned());
        call(&self.db, &self.call_reads, which).await
    }

    pub(super) async fn calls_from(
        &self,
        line: LineId,
        caller_number: &str,
        since: Timestamp,
    ) -> StoreResult<u64> {
        let q = sql("SELECT COUNT(*) AS n FROM calls
             WHERE line_id = $1 AND caller_number = $2 AND started_at >= $3");
        let row = self
            .read_one(q.bind(line.0).bind(caller_number).bind(ms(since)))
            .await?;
        Ok(col::<_, i64>(&row, "n")?.max(0) as u64)
    }

    /// Calls matching `f`, newest first.
    pub(super) async fn outcome_counts(
        &self,
        edges: &[Timestamp],
        member: Option<switchboard_core::UserId>,
    ) -> StoreResult<Vec<(usize, switchboard_core::call::Outcome, u64)>> {
        if edges.len() < 2 {
            return Ok(Vec::new());
        }
        // The span a call falls in, counted by the database: a month of a busy line is a
        // few hundred rows, not one per call (or per quarter hour).
        let mut span = String::from("CAST(CASE");
        for i in 1..edges.len() {
            span.push_str(&format!(" WHEN started_at < ${} THEN {}", i + 1, i - 1));
        }
        span.push_str(" END AS BIGINT)");
        let last = edges.len();
        let mut text = format!(
            "SELECT {span} AS span, outcome, COUNT(*) AS n FROM calls
             WHERE started_at >= $1 AND started_at < ${last} AND NOT test_call"
        );
        if member.is_some() {
            text.push_str(&format!(
                " AND line_id IN (SELECT l.id FROM lines l
                     JOIN team_members m ON m.team_id = l.team_id WHERE m.user_id = ${})",
                last + 1
            ));
        }
        text.push_str(" GROUP BY span, outcome");
        let mut q = sql::<B::Db>(&text);
        for e in edges {
            q = q.bind(ms(*e));
        }
        if let Some(u) = member {
            q = q.bind(u.0);
        }
        let rows = self.read_all(q).await?;
        rows.iter()
            .map(|r| {
                let o: String = crate::rows::col(r, "outcome")?;
                let span: i64 = crate::rows::col(r, "span")?;
                let n: i64 = crate::rows::col(r, "n")?;
                Ok((
                    usize::try_from(span).map_err(|_| StoreError::Backend("bad span".into()))?,
                    switchboard_core::call::Outcome::parse(&o)
                        .ok_or_else(|| StoreError::Backend("unknown outcome".into()))?,
                    n.max(0) as u64,
                ))
            })
            .collect()
    }

    pub(super) async fn calls(&self, f: &CallFilter) -> StoreResult<Vec<Call>> {
        let mut text = String::from(match f.include_archived {
            true => "SELECT * FROM calls WHERE 1 = 1",
            false => "SELECT * FROM calls WHERE NOT archived",
        });
        let lowered = f.text.as_ref().map(|t| t.to_lowercase());
        let mut args = Vec::new();
        let mut when = |condition: &str, arg| {
            args.push(arg);
            text.push_str(&condition.replace('?', &format!("${}", args.len())));
        };
        if let Some(l) = f.line {
            when(" AND line_id = ?", Arg::Int(l.0));
        }
        if let Some(u) = f.member {
            // Checked per call while walking the newest first, so a page stops after its
            // rows (an IN list would make the database sort every call of those lines).
            when(
                " AND EXISTS (SELECT 1 FROM lines l JOIN team_members m ON m.team_id = l.team_id
                     WHERE l.id = calls.line_id AND m.user_id = ?)",
                Arg::Int(u.0),
            );
        }
        if let Some(o) = f.outcome {
            when(" AND outcome = ?", Arg::Text(o.as_str()));
        }
        if f.exclude_test {
            when(" AND test_call = ?", Arg::Bool(false));
        }
        if let Some(u) = f.answered_by {
            when(" AND answered_by = ?", Arg::Int(u.0));
        }
        if let Some(a) = f.after {
            when(" AND id > ?", Arg::Int(a.0));
        }
        let contains = format!(" AND {}(caller_number, ?) > 0", B::POSITION);
        if let Some(c) = &f.caller {
            when(&contains, Arg::Text(c));
        }
        if let Some(t) = lowered.as_deref() {
            // The caller (number; with letters in the text also name and place) or its
            // voicemail's transcript (kept on the call for this), in any case. No subquery, so
            // these cheap tests run before a member's team check.
            let p = B::POSITION;
            when(&format!(" AND ({p}(caller_number, ?) > 0"), Arg::Text(t));
            if t.chars().any(char::is_alphabetic) {
                when(&format!(" OR {p}(LOWER(caller), ?) > 0"), Arg::Text(t));
            }
            when(
                &format!(
                    " OR (transcript_text IS NOT NULL AND {p}(LOWER(transcript_text), ?) > 0))"
                ),
                Arg::Text(t),
            );
        }
        if let Some(s) = f.since {
            when(" AND started_at >= ?", Arg::Int(ms(s)));
        }
        if let Some(u) = f.until {
            when(" AND started_at < ?", Arg::Int(ms(u)));
        }
        if let Some(b) = f.before {
            when(" AND id < ?", Arg::Int(b.0));
        }
        when(
            " ORDER BY id DESC LIMIT ?",
            Arg::Int(i64::from(f.limit.max(1))),
        );
        let mut q = sql(&text);
        for a in args {
            q = match a {
                Arg::Int(i) => q.bind(i),
                Arg::Text(t) => q.bind(t),
                Arg::Bool(b) => q.bind(b),
            };
        }
        self.read_all(q).await?.iter().map(rows::call).collect()
    }

    /// Saves a changed call with its new log lines, reported recordings and jobs, if the
    /// stored version is still the one it was read at; otherwise nothing is written.
    pub(super) async fn update_call(
        &self,
        c: &Call,
        events: &[CallEvent],
        recordings: &[RecordingReport],
        jobs: &[NewJob],
        incident: Option<&switchboard_core::incident::auto::CallIncident>,
        now: Timestamp,
    ) -> StoreResult<i64> {
        let save = SaveCall {
            call: c.clone(),
            events: events.to_vec(),
            recordings: recordings.to_vec(),
            jobs: jobs.to_vec(),
            incident: incident.cloned(),
            now,
        };
        super::batch::save_call(&self.db, &self.calls, save).await
    }

    pub(super) async fn call_jobs(&self, call: CallId) -> StoreResult<Vec<JobStatus>> {
        let q = sql("SELECT * FROM jobs WHERE call_id = $1 ORDER BY id").bind(call.0);
        self.read_all(q)
            .await?
            .iter()
            .map(rows::job_status)
            .collect()
    }

    pub(super) async fn failed_alert_jobs(&self, limit: u32) -> StoreResult<Vec<JobStatus>> {
        let q = sql(
            "SELECT * FROM jobs WHERE kind = $1 AND status = 'failed' ORDER BY id DESC LIMIT $2",
        )
        .bind(switchboard_core::store::JobKind::Alert.as_str())
        .bind(i64::from(limit));
        self.read_all(q)
            .await?
            .iter()
            .map(rows::job_status)
            .collect()
    }

    pub(super) async fn add_events(&self, call: CallId, events: &[CallEvent]) -> StoreResult<()> {
        let mut tx = self.db.begin().await?;
        insert_events::<B::Db>(&mut *tx, call, events).await?;
        B::commit(tx).await
    }

    pub(super) async fn events(&self, call: CallId) -> StoreResult<Vec<CallEvent>> {
        let q = sql("SELECT at, kind, message FROM call_events WHERE call_id = $1 ORDER BY id");
        self.read_all(q.bind(call.0))
            .await?
            .iter()
            .map(rows::event)
            .collect()
    }

    pub(super) async fn archive_call(&self, id: CallId, archived: bool) -> StoreResult<()> {
        let q = sql("UPDATE calls SET archived = $1 WHERE id = $2 RETURNING id");
        found(self.write_one(q.bind(archived).bind(id.0)).await)
    }

    /// Deletes a call with its log and recordings' rows, returning the recordings so their
    /// stored media can be removed.
    pub(super) async fn remove_call(&self, id: CallId) -> StoreResult<Vec<Recording>> {
        let mut tx = self.db.begin().await?;
        // Read first: the recordings' rows go with the call (ON DELETE CASCADE).
        let q = sql::<B::Db>("SELECT * FROM recordings WHERE call_id = $1 ORDER BY id");
        let recordings = q.bind(id.0).all(&mut *tx).await?;
        let recordings = recordings
            .iter()
            .map(rows::recording)
            .collect::<StoreResult<Vec<_>>>()?;
        let q = sql::<B::Db>("DELETE FROM calls WHERE id = $1 RETURNING id");
        q.bind(id.0).one(&mut *tx).await?;
        B::commit(tx).await?;
        Ok(recordings)
    }
}

impl<B: Backend> SqlStore<B> {
    /// Stores a new text conversation (once, like a call), its log lines, jobs, and what it
    /// asks of incidents, in one transaction.
    pub(super) async fn insert_conversation(
        &self,
        c: &Call,
        events: &[CallEvent],
        jobs: &[NewJob],
        incident: Option<&switchboard_core::incident::auto::CallIncident>,
    ) -> StoreResult<(Call, bool)> {
        let new = NewCall {
            call: c.clone(),
            events: events.to_vec(),
            jobs: jobs.to_vec(),
        };
        let mut tx = self.db.begin().await?;
        let (stored, created) = insert_in::<B::Db>(&mut *tx, &new).await?;
        if let (true, Some(ci)) = (created, incident) {
            let ci = switchboard_core::incident::auto::CallIncident {
                call: stored.id,
                ..ci.clone()
            };
            let one = [(&ci, c.started_at)];
            super::incident_calls::for_calls::<B::Db>(&mut *tx, &one, B::KEY_LOCK).await?;
        }
        B::commit(tx).await?;
        Ok((stored, created))
    }

    /// The caller of the most recent call to `line` nobody answered (missed, abandoned or a
    /// voicemail), leaving out responders' own calls back: those whose plan has the key
    /// `callback` (serde writes it `"callback":`; a string value holding those characters is
    /// escaped, `\"callback\":`, so a label such as a PIN's cannot match).
    pub(super) async fn last_unanswered(&self, line: LineId) -> StoreResult<Option<String>> {
        let q = sql(
            "SELECT caller_number FROM calls WHERE line_id = $1 AND medium = 'voice'
               AND outcome IN ('missed', 'abandoned', 'voicemail')
               AND plan NOT LIKE '%\"callback\":%'
             ORDER BY id DESC LIMIT 1",
        )
        .bind(line.0);
        match self.read_one(q).await {
            Ok(row) => Ok(Some(rows::col(&row, "caller_number")?)),
            Err(StoreError::NotFound) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Text conversations of `line` started since `since`, newest first, at most `limit`;
    /// only those of `sender` when given.
    pub(super) async fn conversations(
        &self,
        line: LineId,
        sender: Option<&str>,
        since: Timestamp,
        limit: i64,
    ) -> StoreResult<Vec<Call>> {
        let rows = match sender {
            Some(s) => {
                self.read_all(
                    sql("SELECT * FROM calls WHERE line_id = $1 AND medium = 'text'
                           AND caller_number = $2 AND started_at >= $3
                         ORDER BY id DESC LIMIT $4")
                    .bind(line.0)
                    .bind(s)
                    .bind(ms(since))
                    .bind(limit),
                )
                .await?
            }
            None => {
                self.read_all(
                    sql("SELECT * FROM calls WHERE line_id = $1 AND medium = 'text'
                           AND started_at >= $2
                         ORDER BY id DESC LIMIT $3")
                    .bind(line.0)
                    .bind(ms(since))
                    .bind(limit),
                )
                .await?
            }
        };
        rows.iter().map(rows::call).collect()
    }
}

/// A new call with its first log lines and jobs, as one write.
pub(super) struct NewCall {
    pub call: Call,
    pub events: Vec<CallEvent>,
    pub jobs: Vec<NewJob>,
}

/// Writes `new` in its own transaction.
pub(super) async fn insert_alone<B: Backend>(db: &B, new: &NewCall) -> StoreResult<(Call, bool)> {
    let mut tx = db.begin().await?;
    let result = insert_in::<B::Db>(&mut *tx, new).await?;
    B::commit(tx).await?;
    Ok(result)
}

/// Inserts the call unless its provider id is already on the line (a retried webhook: the
/// stored call, `false`), with its log lines and jobs, in the open transaction `c`.
pub(super) async fn insert_in<D: Driver>(
    c: &mut D::Connection,
    new: &NewCall,
) -> StoreResult<(Call, bool)> {
    let mut out = insert_many_in::<D>(c, &[new]).await?;
    out.pop()
        .ok_or_else(|| StoreError::Backend("an insert of one call gave no call".into()))
}

/// Columns of a new call bound per row by [`insert_many_in`].
const CALL_COLUMNS: usize = 20;

/// [`insert_in`] for several calls in one statement (and one for all their log lines): a
/// group written together costs a few round trips to the database, not two per call. The
/// calls come back in `news`' order; a call whose provider id is already on its line (stored
/// before, or earlier in `news`) is the stored one, with `false`.
pub(super) async fn insert_many_in<D: Driver>(
    c: &mut D::Connection,
    news: &[&NewCall],
) -> StoreResult<Vec<(Call, bool)>> {
    if news.is_empty() {
        return Ok(Vec::new());
    }
    let text = format!(
        "INSERT INTO calls (line_id, provider, provider_call_id, account_id, caller,
             caller_number, started_at, ended_at, duration_secs, plan, phase, outcome,
             answered_by, attempts, test_call, failsafe, simulated, medium, texts, called)
         VALUES {}
         ON CONFLICT (line_id, provider_call_id) DO NOTHING
         RETURNING id, line_id, provider_call_id",
        super::driver::values::<D>(news.len(), CALL_COLUMNS)
    );
    let mut q = sql::<D>(&text);
    for new in news {
        let c0 = &new.call;
        q = q
            .bind(c0.line_id.0)
            .bind(c0.provider.as_str())
            .bind(c0.provider_call_id.as_str())
            .bind(c0.account_id.as_deref())
            .bind(to_json(&c0.caller))
            .bind(c0.caller.number.as_str())
            .bind(ms(c0.started_at))
            .bind(c0.ended_at.map(ms))
            .bind(c0.duration_secs.map(i64::from))
            .bind(to_json(&c0.plan))
            .bind(to_json(&c0.phase))
            .bind(c0.outcome.as_str())
            .bind(c0.answered_by.map(|u| u.0))
            .bind(to_json(&c0.attempts))
            .bind(c0.test_call)
            .bind(c0.failsafe.as_deref())
            .bind(c0.simulated)
            .bind(c0.medium.as_str())
            .bind(to_json(&c0.texts))
            .bind(c0.called.as_str());
    }
    // Rows come back in no promised order: matched to their calls by line and provider id.
    let mut ids = std::collections::HashMap::new();
    for row in q.all(&mut *c).await? {
        let key: (i64, String) = (col(&row, "line_id")?, col(&row, "provider_call_id")?);
        ids.insert(key, CallId(col(&row, "id")?));
    }
    let mut out = Vec::with_capacity(news.len());
    let mut log = Vec::new();
    for new in news {
        let c0 = &new.call;
        // Taken by the first of `news` with its key: a second one finds the stored call.
        match ids.remove(&(c0.line_id.0, c0.provider_call_id.clone())) {
            Some(id) => {
                log.extend(new.events.iter().map(|e| (id, e)));
                let call = Call {
                    id,
                    version: 0,
                    archived: false,
                    ..c0.clone()
                };
                out.push((call, true));
            }
            None => {
                let q =
                    sql::<D>("SELECT * FROM calls WHERE line_id = $1 AND provider_call_id = $2");
                let q = q.bind(c0.line_id.0).bind(c0.provider_call_id.as_str());
                out.push((rows::call(&q.one(&mut *c).await?)?, false));
            }
        }
    }
    insert_log::<D>(&mut *c, &log).await?;
    let mut jobs = Vec::new();
    for (new, (call, created)) in news.iter().zip(&out) {
        if !created {
            continue;
        }
        for j in &new.jobs {
            let mut job = j.clone();
            job.call = Some(call.id);
            job.payload["call"] = serde_json::json!(call.id);
            job.queue = job.queue.map(|q| q.replace("{call}", &call.id.to_string()));
            jobs.push((job, call.started_at));
        }
    }
    let jobs: Vec<_> = jobs.iter().map(|(j, at)| (j, *at)).collect();
    super::jobs::enqueue_many::<D>(&mut *c, &jobs).await?;
    Ok(out)
}

/// A running call's change with its log lines, recordings, jobs and incident, as one write.
pub(super) struct SaveCall {
    pub call: Call,
    pub events: Vec<CallEvent>,
    pub recordings: Vec<RecordingReport>,
    pub jobs: Vec<NewJob>,
    pub incident: Option<switchboard_core::incident::auto::CallIncident>,
    pub now: Timestamp,
}

/// Writes `save` in its own transaction; its new version.
pub(super) async fn save_alone<B: Backend>(db: &B, save: &SaveCall) -> StoreResult<i64> {
    let mut tx = db.begin().await?;
    let version = save_in::<B>(&mut tx, save).await?;
    B::commit(tx).await?;
    Ok(version)
}

/// Saves the call over the version it was read at ([`StoreError::Conflict`] when another
/// request changed it meanwhile), in the open transaction `tx`.
pub(super) async fn save_in<B: Backend>(tx: &mut B::Tx, save: &SaveCall) -> StoreResult<i64> {
    let mut versions = save_many_in::<B>(tx, &[save]).await?;
    versions
        .pop()
        .ok_or_else(|| StoreError::Backend("a save of one call gave no version".into()))
}

/// Columns bound per saved call by [`save_many_in`].
const SAVE_COLUMNS: usize = 12;

/// [`save_in`] for several calls: their rows in one statement, their log lines in another,
/// each one's recordings, their jobs in one statement, then their incidents together. Any
/// call changed meanwhile (or named twice) fails the whole write with
/// [`StoreError::Conflict`]; the new versions come back in `saves`' order.
pub(super) async fn save_many_in<B: Backend>(
    tx: &mut B::Tx,
    saves: &[&SaveCall],
) -> StoreResult<Vec<i64>> {
    let mut ids = std::collections::HashSet::new();
    for save in saves {
        if !ids.insert(save.call.id.0) {
            // Both read the same version: one of them must be told the call changed, and
            // one statement would apply only one of them. Each is written again alone.
            return Err(StoreError::Conflict(format!(
                "call {} saved twice at once",
                save.call.id
            )));
        }
    }
    if saves.is_empty() {
        return Ok(Vec::new());
    }
    // The versioned write comes first: it takes the row's lock (PostgreSQL) or the write
    // lock (SQLite) at once, so concurrent webhooks of one call serialise here and the
    // loser sees a changed version. VALUES columns are column1, column2, … on both.
    let text = format!(
        "UPDATE calls SET ended_at = v.column3, duration_secs = v.column4, phase = v.column5,
             outcome = v.column6, answered_by = v.column7, attempts = v.column8,
             account_id = COALESCE(calls.account_id, v.column9), failsafe = v.column10,
             plan = v.column11, texts = v.column12, version = calls.version + 1
         FROM (VALUES {}) AS v
         WHERE calls.id = v.column1 AND calls.version = v.column2
         RETURNING calls.id",
        super::driver::values::<B::Db>(saves.len(), SAVE_COLUMNS)
    );
    let mut q = sql::<B::Db>(&text);
    for save in saves {
        let c = &save.call;
        q = q
            .bind(c.id.0)
            .bind(c.version)
            .bind(c.ended_at.map(ms))
            .bind(c.duration_secs.map(i64::from))
            .bind(to_json(&c.phase))
            .bind(c.outcome.as_str())
            .bind(c.answered_by.map(|u| u.0))
            .bind(to_json(&c.attempts))
            .bind(c.account_id.as_deref())
            .bind(c.failsafe.as_deref())
            // The plan changes once, when a caller menu's key picks the option.
            .bind(to_json(&c.plan))
            .bind(to_json(&c.texts));
    }
    let mut updated = std::collections::HashSet::new();
    for row in q.all(&mut **tx).await? {
        updated.insert(col::<_, i64>(&row, "id")?);
    }
    if let Some(lost) = saves.iter().find(|s| !updated.contains(&s.call.id.0)) {
        return Err(StoreError::Conflict(format!(
            "call {} changed concurrently",
            lost.call.id
        )));
    }
    let log: Vec<_> = saves
        .iter()
        .flat_map(|s| s.events.iter().map(|e| (s.call.id, e)))
        .collect();
    insert_log::<B::Db>(&mut **tx, &log).await?;
    for save in saves {
        for r in &save.recordings {
            super::recordings::upsert::<B::Db>(&mut **tx, save.call.id, r, save.now).await?;
        }
    }
    // Their jobs in one statement, then their incidents together (each call in order, so a
    // caller's second call joins the incident their first opened).
    let jobs: Vec<_> = saves
        .iter()
        .flat_map(|s| s.jobs.iter().map(|j| (j, s.now)))
        .collect();
    super::jobs::enqueue_many::<B::Db>(&mut **tx, &jobs).await?;
    let incidents: Vec<_> = saves
        .iter()
        .filter_map(|s| s.incident.as_ref().map(|ci| (ci, s.now)))
        .collect();
    super::incident_calls::for_calls::<B::Db>(&mut **tx, &incidents, B::KEY_LOCK).await?;
    Ok(saves.iter().map(|s| s.call.version + 1).collect())
}
