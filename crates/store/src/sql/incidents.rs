//! Incidents: each change stored with its timeline lines and call links in one transaction,
//! over the version it was read at. An ended call's incident (core's `auto` decision) is
//! carried out inside the transaction that saves the call.

use super::driver::{sql, Driver};
use super::{Backend, SqlStore};
use crate::codec::ms;
use crate::rows;
use jiff::Timestamp;
use switchboard_core::incident::auto::CallIncident;
use switchboard_core::incident::integration::IntegrationId;
use switchboard_core::incident::{Change, Incident, TimelineEntry};
use switchboard_core::store::{IncidentFilter, NewJob, StoreError, StoreResult};
use switchboard_core::{CallId, IncidentId};

/// Inserts `inc` (a new one) with `change`, inside the caller's transaction.
async fn insert<D: Driver>(
    c: &mut D::Connection,
    inc: &Incident,
    change: &Change,
    saving: Option<CallId>,
) -> StoreResult<Incident> {
    let q = sql::<D>(
        "INSERT INTO incidents (title, status, severity, team_id, line_id, caller_number,
             assignee, created_at, acknowledged_at, resolved_at, last_call_at, version)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 0) RETURNING *",
    );
    let row = q
        .bind(inc.title.as_str())
        .bind(inc.status.as_str())
        .bind(inc.severity.as_str())
        .bind(inc.team.map(|t| t.0))
        .bind(inc.line.map(|l| l.0))
        .bind(inc.caller_number.as_deref())
        .bind(inc.assignee.map(|u| u.0))
        .bind(ms(inc.created_at))
        .bind(inc.acknowledged_at.map(ms))
        .bind(inc.resolved_at.map(ms))
        .bind(inc.last_call_at.map(ms))
        .one(c)
        .await?;
    let stored = rows::incident(&row)?;
    record::<D>(c, &stored, change, saving, true).await?;
    Ok(stored)
}

/// Saves the changed `inc` with `change` if it is still at the version it was read at.
async fn update<D: Driver>(
    c: &mut D::Connection,
    inc: &Incident,
    change: &Change,
    saving: Option<CallId>,
) -> StoreResult<Incident> {
    let q = sql::<D>(
        "UPDATE incidents SET title = $1, status = $2, severity = $3, assignee = $4,
             acknowledged_at = $5, resolved_at = $6, last_call_at = $7, version = version + 1
         WHERE id = $8 AND version = $9 RETURNING *",
    );
    let row = q
        .bind(inc.title.as_str())
        .bind(inc.status.as_str())
        .bind(inc.severity.as_str())
        .bind(inc.assignee.map(|u| u.0))
        .bind(inc.acknowledged_at.map(ms))
        .bind(inc.resolved_at.map(ms))
        .bind(inc.last_call_at.map(ms))
        .bind(inc.id.0)
        .bind(inc.version)
        .optional(c)
        .await?
        .ok_or_else(|| StoreError::Conflict(format!("incident {} changed meanwhile", inc.id)))?;
    record::<D>(c, inc, change, saving, false).await?;
    rows::incident(&row)
}

/// The timeline lines and call links of a change, one job per integration of the incident's
/// team for each status change to tell (queued in order, per integration), and the redraw of
/// every Slack app message of its calls (but `saving`'s: the call being saved redraws its
/// own). `new`: the incident was inserted by this change.
async fn record<D: Driver>(
    c: &mut D::Connection,
    inc: &Incident,
    change: &Change,
    saving: Option<CallId>,
    new: bool,
) -> StoreResult<()> {
    let id = inc.id;
    // The change's timeline in one statement (rows keep their order, so their ids do).
    for chunk in change.timeline.chunks(100) {
        let text = format!(
            "INSERT INTO incident_events (incident_id, at, actor_user_id, actor, kind, message) VALUES {}",
            super::driver::values(chunk.len(), 6)
        );
        let mut q = sql::<D>(&text);
        for e in chunk {
            q = q
                .bind(id.0)
                .bind(ms(e.at))
                .bind(e.actor.user.map(|u| u.0))
                .bind(e.actor.name.as_str())
                .bind(e.kind.as_str())
                .bind(e.message.as_str());
        }
        q.run(c).await?;
    }
    for (call, linked) in &change.links {
        let text = if *linked {
            "INSERT INTO incident_calls (incident_id, call_id) VALUES ($1, $2)
             ON CONFLICT DO NOTHING"
        } else {
            "DELETE FROM incident_calls WHERE incident_id = $1 AND call_id = $2"
        };
        sql::<D>(text).bind(id.0).bind(call.0).run(c).await?;
    }
    if change.notify.is_empty() {
        return Ok(());
    }
    let targets = match inc.team {
        Some(t) => {
            sql::<D>("SELECT id FROM integrations WHERE team_id = $1 ORDER BY id")
                .bind(t.0)
                .all(c)
                .await?
        }
        None => {
            sql::<D>("SELECT id FROM integrations WHERE team_id IS NULL ORDER BY id")
                .all(c)
                .await?
        }
    };
    for row in targets {
        let integration = IntegrationId(rows::col(&row, "id")?);
        for action in &change.notify {
            let job = NewJob::incident_event(id, integration, *action);
            super::jobs::enqueue::<D>(c, &job, now_of(change)).await?;
        }
    }
    // A new incident's only calls are the ones this change links; when that is just the call
    // being saved, there is no other message to redraw (one statement fewer per call that
    // opens an incident).
    if new
        && change
            .links
            .iter()
            .all(|(call, linked)| *linked && Some(*call) == saving)
    {
        return Ok(());
    }
    let messages = sql::<D>(
        "SELECT m.channel_id, m.call_id FROM slack_messages m
         JOIN incident_calls ic ON ic.call_id = m.call_id WHERE ic.incident_id = $1
         ORDER BY m.call_id, m.channel_id",
    )
    .bind(id.0)
    .all(c)
    .await?;
    for row in messages {
        let call = CallId(rows::col(&row, "call_id")?);
        if Some(call) == saving {
            continue;
        }
        let channel = switchboard_core::channel::ChannelId(rows::col(&row, "channel_id")?);
        super::jobs::enqueue::<D>(c, &NewJob::refresh(call, channel), now_of(change)).await?;
    }
    Ok(())
}

/// When a change happened: its first timeline line's instant.
fn now_of(change: &Change) -> Timestamp {
    change
        .timeline
        .first()
        .map_or_else(Timestamp::now, |e| e.at)
}

/// Carries out an ended call's incident inside the transaction saving the call: the caller's
/// open incident on the line within the window (if any) is read, core decides, the result
/// is written. `key_lock` (the backend's [`super::Backend::KEY_LOCK`]) first makes the
/// transactions about the same caller on the same line wait for each other.
pub(super) async fn for_call<D: Driver>(
    c: &mut D::Connection,
    ci: &CallIncident,
    now: Timestamp,
    key_lock: &str,
) -> StoreResult<Option<Incident>> {
    if !key_lock.is_empty() {
        let key = format!("switchboard incident {} {}", ci.line, ci.caller_number);
        sql::<D>(key_lock).bind(key).run(&mut *c).await?;
    }
    let existing = match ci.joins_since {
        Some(since) => sql::<D>(
            "SELECT * FROM incidents WHERE line_id = $1 AND caller_number = $2
                 AND status <> 'resolved' AND last_call_at >= $3
             ORDER BY id DESC LIMIT 1",
        )
        .bind(ci.line.0)
        .bind(ci.caller_number.as_str())
        .bind(ms(since))
        .optional(c)
        .await?
        .map(|r| rows::incident(&r))
        .transpose()?,
        None => None,
    };
    let is_new = existing.is_none();
    let Some((inc, change)) = switchboard_core::incident::auto::apply(existing, ci, now) else {
        return Ok(None);
    };
    let stored = if is_new {
        insert::<D>(c, &inc, &change, Some(ci.call)).await?
    } else {
        update::<D>(c, &inc, &change, Some(ci.call)).await?
    };
    Ok(Some(stored))
}

impl<B: Backend> SqlStore<B> {
    pub(super) async fn add_incident(
        &self,
        inc: &Incident,
        change: &Change,
    ) -> StoreResult<Incident> {
        let mut tx = self.db.begin().await?;
        let stored = insert::<B::Db>(&mut *tx, inc, change, None).await?;
        B::commit(tx).await?;
        Ok(stored)
    }

    pub(super) async fn change_incident(
        &self,
        inc: &Incident,
        change: &Change,
    ) -> StoreResult<Incident> {
        let mut tx = self.db.begin().await?;
        let stored = update::<B::Db>(&mut *tx, inc, change, None).await?;
        B::commit(tx).await?;
        Ok(stored)
    }

    pub(super) async fn incident(&self, id: IncidentId) -> StoreResult<Incident> {
        let q = sql("SELECT * FROM incidents WHERE id = $1").bind(id.0);
        rows::incident(&self.read_one(q).await?)
    }

    pub(super) async fn incidents(&self, f: &IncidentFilter) -> StoreResult<Vec<Incident>> {
        let mut text = String::from("SELECT * FROM incidents WHERE 1 = 1");
        let mut n = 0;
        let mut next = || {
            n += 1;
            format!("${n}")
        };
        let mut binds: Vec<Bound> = Vec::new();
        if let Some(s) = f.status {
            text.push_str(&format!(" AND status = {}", next()));
            binds.push(Bound::Text(s.as_str().to_owned()));
        }
        if f.open_only {
            text.push_str(" AND status <> 'resolved'");
        }
        if let Some(t) = f.team {
            text.push_str(&format!(" AND team_id = {}", next()));
            binds.push(Bound::Int(t.0));
        }
        if let Some(l) = f.line {
            text.push_str(&format!(" AND line_id = {}", next()));
            binds.push(Bound::Int(l.0));
        }
        if let Some(u) = f.member {
            text.push_str(&format!(
                " AND team_id IN (SELECT team_id FROM team_members WHERE user_id = {})",
                next()
            ));
            binds.push(Bound::Int(u.0));
        }
        if let Some(s) = f.since {
            text.push_str(&format!(" AND created_at >= {}", next()));
            binds.push(Bound::Int(ms(s)));
        }
        if let Some(u) = f.until {
            text.push_str(&format!(" AND created_at < {}", next()));
            binds.push(Bound::Int(ms(u)));
        }
        if let Some(b) = f.before {
            text.push_str(&format!(" AND id < {}", next()));
            binds.push(Bound::Int(b.0));
        }
        text.push_str(&format!(" ORDER BY id DESC LIMIT {}", next()));
        binds.push(Bound::Int(i64::from(f.limit.clamp(1, 500))));
        let mut q = sql::<B::Db>(&text);
        for b in binds {
            q = match b {
                Bound::Int(i) => q.bind(i),
                Bound::Text(s) => q.bind(s),
            };
        }
        self.read_all(q).await?.iter().map(rows::incident).collect()
    }

    pub(super) async fn timeline(&self, id: IncidentId) -> StoreResult<Vec<TimelineEntry>> {
        let q = sql("SELECT * FROM incident_events WHERE incident_id = $1 ORDER BY id").bind(id.0);
        self.read_all(q)
            .await?
            .iter()
            .map(rows::timeline_entry)
            .collect()
    }

    pub(super) async fn incident_call_ids(&self, id: IncidentId) -> StoreResult<Vec<CallId>> {
        let q =
            sql("SELECT call_id FROM incident_calls WHERE incident_id = $1 ORDER BY call_id DESC")
                .bind(id.0);
        self.read_all(q)
            .await?
            .iter()
            .map(|r| Ok(CallId(rows::col(r, "call_id")?)))
            .collect()
    }

    pub(super) async fn incident_deliveries(
        &self,
        id: IncidentId,
    ) -> StoreResult<Vec<switchboard_core::store::JobStatus>> {
        // The queue names the incident first: `incident/{id}/integration/{n}`.
        let q = sql("SELECT * FROM jobs WHERE queue LIKE $1 ORDER BY id")
            .bind(format!("incident/{id}/%"));
        self.read_all(q)
            .await?
            .iter()
            .map(rows::job_status)
            .collect()
    }

    pub(super) async fn incidents_of_call(&self, call: CallId) -> StoreResult<Vec<Incident>> {
        let q = sql(
            "SELECT i.* FROM incidents i JOIN incident_calls ic ON ic.incident_id = i.id
             WHERE ic.call_id = $1 ORDER BY i.id DESC",
        )
        .bind(call.0);
        self.read_all(q).await?.iter().map(rows::incident).collect()
    }
}

/// A value bound to a query built piece by piece.
enum Bound {
    Int(i64),
    Text(String),
}
