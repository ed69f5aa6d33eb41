//! Lines: a number, its routing and its settings. Deleting a line keeps its row (its calls
//! still name it) and hides it.

use super::driver::{sql, Driver, Sql};
use super::{found, Backend, SqlStore};
use crate::codec::{ms, to_json};
use crate::rows;
use jiff::Timestamp;
use switchboard_core::line::{Line, NewLine, TestMode};
use switchboard_core::store::StoreResult;
use switchboard_core::LineId;

/// Binds the settings of `l`, in the order both statements below name their columns.
fn settings<'q, D: super::driver::Driver>(q: Sql<'q, D>, l: &'q NewLine) -> Sql<'q, D> {
    let flood = l.caller_rules.flood_limit;
    q.bind(l.name.as_str())
        .bind(l.number.as_str())
        .bind(l.provider.as_str())
        .bind(l.auth_token.as_deref())
        .bind(to_json(&l.routing))
        .bind(to_json(&l.messages))
        .bind(l.recording)
        .bind(i64::from(l.voicemail_max_secs))
        .bind(to_json(&l.channels))
        .bind(l.screening)
        .bind(to_json(&l.caller_rules.blocked))
        .bind(to_json(&l.caller_rules.allowed))
        .bind(flood.map(|f| i64::from(f.calls)))
        .bind(flood.map(|f| i64::from(f.window_secs)))
        .bind(l.business_hours.as_ref().map(to_json))
        .bind(l.retention_days.map(i64::from))
        .bind(l.team.map(|t| t.0))
        .bind(to_json(&l.incidents))
        .bind(l.menu.as_ref().map(to_json))
        .bind(to_json(&l.other_numbers))
        .bind(l.caller_id.as_str())
        .bind(to_json(&l.pins))
}

/// Makes `line_numbers` hold exactly the numbers of line `id` (none once it is deleted), in
/// the open transaction: a number another live line owns is a `Duplicate` on `number`.
async fn claim_numbers<D: super::driver::Driver>(
    c: &mut D::Connection,
    id: LineId,
    numbers: &[&str],
) -> StoreResult<()> {
    sql::<D>("DELETE FROM line_numbers WHERE line_id = $1")
        .bind(id.0)
        .run(&mut *c)
        .await?;
    for n in numbers {
        sql::<D>("INSERT INTO line_numbers (number, line_id) VALUES ($1, $2)")
            .bind(*n)
            .bind(id.0)
            .run(&mut *c)
            .await?;
    }
    Ok(())
}

fn all_numbers(l: &NewLine) -> Vec<&str> {
    std::iter::once(&l.number)
        .chain(&l.other_numbers)
        .map(|n| n.as_str())
        .collect()
}

pub(super) async fn insert_line<D: Driver>(
    c: &mut D::Connection,
    l: &NewLine,
    token: &str,
    now: Timestamp,
) -> StoreResult<Line> {
    let q = sql::<D>(
        "INSERT INTO lines (name, number, provider, auth_token, routing, messages, recording,
             voicemail_max_secs, channels, screening, blocked_callers, allowed_callers,
             flood_calls, flood_window_secs, business_hours, retention_days, team_id,
             incident_policy, menu, other_numbers, caller_id, pins, webhook_token,
             created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17,
             $18, $19, $20, $21, $22, $23, $24)
         RETURNING *",
    );
    let row = settings(q, l)
        .bind(token)
        .bind(ms(now))
        .one(&mut *c)
        .await?;
    let line = rows::line(&row)?;
    claim_numbers::<D>(c, line.id, &all_numbers(l)).await?;
    Ok(line)
}

pub(super) async fn replace_line<D: Driver>(
    c: &mut D::Connection,
    id: LineId,
    l: &NewLine,
) -> StoreResult<Line> {
    let q = sql::<D>(
        "UPDATE lines SET name = $1, number = $2, provider = $3, auth_token = $4, routing = $5,
             messages = $6, recording = $7, voicemail_max_secs = $8, channels = $9,
             screening = $10, blocked_callers = $11, allowed_callers = $12, flood_calls = $13,
             flood_window_secs = $14, business_hours = $15, retention_days = $16,
             team_id = $17, incident_policy = $18, menu = $19, other_numbers = $20,
             caller_id = $21, pins = $22
         WHERE id = $23 AND deleted_at IS NULL RETURNING *",
    );
    let row = settings(q, l).bind(id.0).one(&mut *c).await?;
    let line = rows::line(&row)?;
    claim_numbers::<D>(c, id, &all_numbers(l)).await?;
    Ok(line)
}

/// Hides the line (its calls still name it) and frees its numbers for another line.
pub(super) async fn hide_line<D: Driver>(c: &mut D::Connection, id: LineId) -> StoreResult<()> {
    let q = sql::<D>(
        "UPDATE lines SET deleted_at = $1 WHERE id = $2 AND deleted_at IS NULL RETURNING id",
    );
    found(q.bind(ms(Timestamp::now())).bind(id.0).one(&mut *c).await)?;
    claim_numbers::<D>(c, id, &[]).await
}

impl<B: Backend> SqlStore<B> {
    pub(super) async fn insert_line(
        &self,
        l: &NewLine,
        token: &str,
        now: Timestamp,
    ) -> StoreResult<Line> {
        let mut tx = self.db.begin().await?;
        let line = insert_line::<B::Db>(&mut *tx, l, token, now).await?;
        B::commit(tx).await?;
        Ok(line)
    }

    pub(super) async fn line(&self, id: LineId) -> StoreResult<Line> {
        let q = sql("SELECT * FROM lines WHERE id = $1 AND deleted_at IS NULL").bind(id.0);
        rows::line(&self.read_one(q).await?)
    }

    pub(super) async fn line_by_token(&self, token: &str) -> StoreResult<Line> {
        let q = sql("SELECT * FROM lines WHERE webhook_token = $1 AND deleted_at IS NULL");
        rows::line(&self.read_one(q.bind(token)).await?)
    }

    /// Bumped by triggers on lines, users and schedules (migration 0037).
    pub(super) async fn config_version(&self) -> StoreResult<i64> {
        let q = sql("SELECT version FROM config_version WHERE id = 1");
        rows::col(&self.read_one(q).await?, "version")
    }

    pub(super) async fn lines(&self) -> StoreResult<Vec<Line>> {
        let q = sql("SELECT * FROM lines WHERE deleted_at IS NULL ORDER BY id");
        self.read_all(q).await?.iter().map(rows::line).collect()
    }

    /// The lines (not deleted) that have had at least one call: one indexed probe per line.
    pub(super) async fn called_lines(&self) -> StoreResult<Vec<LineId>> {
        let q = sql("SELECT id FROM lines WHERE deleted_at IS NULL
               AND EXISTS (SELECT 1 FROM calls WHERE calls.line_id = lines.id)");
        self.read_all(q)
            .await?
            .iter()
            .map(|r| rows::col(r, "id").map(LineId))
            .collect()
    }

    pub(super) async fn replace_line(&self, id: LineId, l: &NewLine) -> StoreResult<Line> {
        let mut tx = self.db.begin().await?;
        let line = replace_line::<B::Db>(&mut *tx, id, l).await?;
        B::commit(tx).await?;
        Ok(line)
    }

    pub(super) async fn set_line_test_mode(
        &self,
        id: LineId,
        t: Option<TestMode>,
    ) -> StoreResult<Line> {
        let q = sql("UPDATE lines SET test_mode_user = $1, test_mode_until = $2
             WHERE id = $3 AND deleted_at IS NULL RETURNING *");
        let q = q
            .bind(t.map(|t| t.user.0))
            .bind(t.map(|t| ms(t.until)))
            .bind(id.0);
        rows::line(&self.write_one(q).await?)
    }

    pub(super) async fn hide_line(&self, id: LineId) -> StoreResult<()> {
        let mut tx = self.db.begin().await?;
        hide_line::<B::Db>(&mut *tx, id).await?;
        B::commit(tx).await
    }
}
