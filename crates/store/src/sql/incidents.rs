//! Incidents: each change stored with its timeline lines and call links in one transaction,
//! over the version it was read at. Ended calls' incidents (core's `auto` decision) are
//! carried out inside the transaction that saves the calls (`incident_calls`).

use super::driver::{sql, Driver};
use super::{Backend, SqlStore};
use crate::codec::ms;
use crate::rows;
use jiff::Timestamp;
use std::collections::{HashMap, HashSet};
use switchboard_core::incident::integration::IntegrationId;
use switchboard_core::incident::{Change, Incident, TimelineEntry};
use switchboard_core::store::{IncidentFilter, NewJob, StoreError, StoreResult};
use switchboard_core::{CallId, IncidentId};

/// Columns bound per new incident by [`insert_many`].
const NEW_COLUMNS: usize = 12;

/// Inserts new incidents, inside the caller's transaction; the stored ones come back in
/// `incs`' order. One statement for those about different callers (matched back by line and
/// caller, since RETURNING promises no order), another for each further one about the same.
pub(super) async fn insert_many<D: Driver>(
    c: &mut D::Connection,
    incs: &[&Incident],
) -> StoreResult<Vec<Incident>> {
    type Key = (Option<i64>, Option<String>);
    let key = |i: &Incident| -> Key { (i.line.map(|l| l.0), i.caller_number.clone()) };
    let mut stored: Vec<Option<Incident>> = vec![None; incs.len()];
    let mut left: Vec<usize> = (0..incs.len()).collect();
    while !left.is_empty() {
        let mut round: HashMap<Key, usize> = HashMap::new();
        left.retain(|&i| match round.entry(key(incs[i])) {
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(i);
                false
            }
            std::collections::hash_map::Entry::Occupied(_) => true,
        });
        let text = format!(
            "INSERT INTO incidents (title, status, severity, team_id, line_id, caller_number,
                 assignee, created_at, acknowledged_at, resolved_at, last_call_at, version)
             VALUES {} RETURNING *",
            super::driver::values::<D>(round.len(), NEW_COLUMNS)
        );
        let mut q = sql::<D>(&text);
        let order: Vec<usize> = round.values().copied().collect();
        for &i in &order {
            let inc = incs[i];
            q = q
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
                .bind(0_i64);
        }
        for row in q.all(&mut *c).await? {
            let inc = rows::incident(&row)?;
            let i = round.get(&key(&inc)).ok_or_else(|| {
                StoreError::Backend("an inserted incident came back unasked".into())
            })?;
            stored[*i] = Some(inc);
        }
    }
    stored
        .into_iter()
        .map(|s| s.ok_or_else(|| StoreError::Backend("an incident was not inserted".into())))
        .collect()
}

/// Columns bound per changed incident by [`update_many`].
const CHANGED_COLUMNS: usize = 9;

/// Saves changed incidents (each named once) in one statement if each is still at the version
/// it was read at, else [`StoreError::Conflict`]; the stored ones come back in `incs`' order.
pub(super) async fn update_many<D: Driver>(
    c: &mut D::Connection,
    incs: &[&Incident],
) -> StoreResult<Vec<Incident>> {
    if incs.is_empty() {
        return Ok(Vec::new());
    }
    // VALUES columns are column1, column2, … on both databases. `RETURNING *` is the
    // incident's columns on SQLite (which refuses `incidents.*` there) and those plus v's on
    // PostgreSQL; they are read by name.
    let text = format!(
        "UPDATE incidents SET title = v.column3, status = v.column4, severity = v.column5,
             assignee = v.column6, acknowledged_at = v.column7, resolved_at = v.column8,
             last_call_at = v.column9, version = incidents.version + 1
         FROM (VALUES {}) AS v
         WHERE incidents.id = v.column1 AND incidents.version = v.column2
         RETURNING *",
        super::driver::values::<D>(incs.len(), CHANGED_COLUMNS)
    );
    let mut q = sql::<D>(&text);
    for inc in incs {
        q = q
            .bind(inc.id.0)
            .bind(inc.version)
            .bind(inc.title.as_str())
            .bind(inc.status.as_str())
            .bind(inc.severity.as_str())
            .bind(inc.assignee.map(|u| u.0))
            .bind(inc.acknowledged_at.map(ms))
            .bind(inc.resolved_at.map(ms))
            .bind(inc.last_call_at.map(ms));
    }
    let mut stored = HashMap::new();
    for row in q.all(&mut *c).await? {
        let inc = rows::incident(&row)?;
        stored.insert(inc.id, inc);
    }
    incs.iter()
        .map(|inc| {
            stored.remove(&inc.id).ok_or_else(|| {
                StoreError::Conflict(format!("incident {} changed meanwhile", inc.id))
            })
        })
        .collect()
}

/// What is recorded with one stored incident: its changes, in order, and the calls being
/// saved with them (each redraws its own chat messages). `new`: these changes inserted it.
pub(super) struct Recorded<'a> {
    pub inc: &'a Incident,
    pub changes: Vec<&'a Change>,
    pub saving: Vec<CallId>,
    pub new: bool,
}

/// Records incidents' changes, inside the caller's transaction, in a few statements for all
/// of them: their timeline lines, call links, one job per integration of each incident's team
/// for each status change to tell (queued in order, per integration), and the redraw of every
/// chat message of their calls but those being saved.
pub(super) async fn record_many<D: Driver>(
    c: &mut D::Connection,
    items: &[Recorded<'_>],
) -> StoreResult<()> {
    // Every change's timeline, rows in order (so their ids are).
    let timeline: Vec<_> = items
        .iter()
        .flat_map(|r| {
            r.changes
                .iter()
                .flat_map(move |ch| ch.timeline.iter().map(move |e| (r.inc.id, e)))
        })
        .collect();
    for chunk in timeline.chunks(100) {
        let text = format!(
            "INSERT INTO incident_events (incident_id, at, actor_user_id, actor, kind, message) VALUES {}",
            super::driver::values::<D>(chunk.len(), 6)
        );
        let mut q = sql::<D>(&text);
        for (id, e) in chunk {
            q = q
                .bind(id.0)
                .bind(ms(e.at))
                .bind(e.actor.user.map(|u| u.0))
                .bind(e.actor.name.as_str())
                .bind(e.kind.as_str())
                .bind(e.message.as_str());
        }
        q.run(&mut *c).await?;
    }
    links::<D>(c, items).await?;
    let mut jobs: Vec<(NewJob, Timestamp)> = Vec::new();
    if items
        .iter()
        .any(|r| r.changes.iter().any(|ch| !ch.notify.is_empty()))
    {
        let q = sql::<D>("SELECT id, team_id FROM integrations ORDER BY id");
        let mut integrations = Vec::new();
        for row in q.all(&mut *c).await? {
            let team: Option<i64> = rows::col(&row, "team_id")?;
            integrations.push((IntegrationId(rows::col(&row, "id")?), team));
        }
        for r in items {
            let team = r.inc.team.map(|t| t.0);
            for ch in &r.changes {
                for (integration, _) in integrations.iter().filter(|(_, t)| *t == team) {
                    for action in &ch.notify {
                        let job = NewJob::incident_event(r.inc.id, *integration, *action);
                        jobs.push((job, now_of(ch)));
                    }
                }
            }
        }
    }
    // A new incident's only calls are the ones its changes link; when those are all being
    // saved, there is no other message to redraw (one statement fewer per call that opens
    // an incident).
    let redraw: Vec<&Recorded> = items
        .iter()
        .filter(|r| {
            !(r.new
                && r.changes
                    .iter()
                    .flat_map(|ch| &ch.links)
                    .all(|(call, linked)| *linked && r.saving.contains(call)))
        })
        .collect();
    if !redraw.is_empty() {
        let text = format!(
            "SELECT ic.incident_id, m.channel_id, m.call_id FROM slack_messages m
             JOIN incident_calls ic ON ic.call_id = m.call_id WHERE ic.incident_id IN (VALUES {})
             ORDER BY m.call_id, m.channel_id",
            // Anonymous placeholders on SQLite, as every list of the store's (`values`).
            super::driver::values::<D>(redraw.len(), 1)
        );
        let mut q = sql::<D>(&text);
        for r in &redraw {
            q = q.bind(r.inc.id.0);
        }
        let mut seen = HashSet::new();
        for row in q.all(&mut *c).await? {
            let incident = IncidentId(rows::col(&row, "incident_id")?);
            let call = CallId(rows::col(&row, "call_id")?);
            let channel = switchboard_core::channel::ChannelId(rows::col(&row, "channel_id")?);
            let Some(r) = redraw.iter().find(|r| r.inc.id == incident) else {
                continue;
            };
            if r.saving.contains(&call) || !seen.insert((call, channel)) {
                continue;
            }
            let at = r
                .changes
                .first()
                .map_or_else(Timestamp::now, |ch| now_of(ch));
            jobs.push((NewJob::refresh(call, channel), at));
        }
    }
    let jobs: Vec<_> = jobs.iter().map(|(j, at)| (j, *at)).collect();
    super::jobs::enqueue_many::<D>(c, &jobs).await
}

/// The call links of `items`' changes: all the new ones in one statement when nothing is
/// unlinked, else each in order.
async fn links<D: Driver>(c: &mut D::Connection, items: &[Recorded<'_>]) -> StoreResult<()> {
    let all: Vec<(IncidentId, CallId, bool)> = items
        .iter()
        .flat_map(|r| {
            r.changes
                .iter()
                .flat_map(move |ch| ch.links.iter().map(move |(call, l)| (r.inc.id, *call, *l)))
        })
        .collect();
    if all.iter().all(|(_, _, linked)| *linked) {
        for chunk in all.chunks(100) {
            let text = format!(
                "INSERT INTO incident_calls (incident_id, call_id) VALUES {} ON CONFLICT DO NOTHING",
                super::driver::values::<D>(chunk.len(), 2)
            );
            let mut q = sql::<D>(&text);
            for (id, call, _) in chunk {
                q = q.bind(id.0).bind(call.0);
            }
            q.run(&mut *c).await?;
        }
        return Ok(());
    }
    for (id, call, linked) in all {
        let text = if linked {
            "INSERT INTO incident_calls (incident_id, call_id) VALUES ($1, $2)
             ON CONFLICT DO NOTHING"
        } else {
            "DELETE FROM incident_calls WHERE incident_id = $1 AND call_id = $2"
        };
        sql::<D>(text).bind(id.0).bind(call.0).run(&mut *c).await?;
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

/// Stores `inc` (new, or changed since it was read) with `change`, inside the caller's
/// transaction.
async fn store_one<D: Driver>(
    c: &mut D::Connection,
    inc: &Incident,
    change: &Change,
    new: bool,
) -> StoreResult<Incident> {
    let stored = if new {
        insert_many::<D>(c, &[inc]).await?
    } else {
        update_many::<D>(c, &[inc]).await?
    };
    let stored = stored
        .into_iter()
        .next()
        .ok_or_else(|| StoreError::Backend("an incident write gave nothing back".into()))?;
    let item = Recorded {
        inc: &stored,
        changes: vec![change],
        saving: Vec::new(),
        new,
    };
    record_many::<D>(c, &[item]).await?;
    Ok(stored)
}

impl<B: Backend> SqlStore<B> {
    pub(super) async fn add_incident(
        &self,
        inc: &Incident,
        change: &Change,
    ) -> StoreResult<Incident> {
        let mut tx = self.db.begin().await?;
        let stored = store_one::<B::Db>(&mut *tx, inc, change, true).await?;
        B::commit(tx).await?;
        Ok(stored)
    }

    pub(super) async fn change_incident(
        &self,
        inc: &Incident,
        change: &Change,
    ) -> StoreResult<Incident> {
        let mut tx = self.db.begin().await?;
        let stored = store_one::<B::Db>(&mut *tx, inc, change, false).await?;
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
