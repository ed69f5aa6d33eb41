//! The audit trail: appended, listed with filters, never updated or deleted.

use super::driver::sql;
use super::{Backend, SqlStore};
use crate::codec::{ms, ts};
use crate::rows::col;
use switchboard_core::audit::{AuditEntry, AuditFilter};
use switchboard_core::store::{StoreError, StoreResult};
use switchboard_core::UserId;

/// A value bound to one condition of [`SqlStore::audit_events`].
enum Arg {
    Int(i64),
    Text(String),
}

fn json_text(v: &Option<serde_json::Value>) -> Option<String> {
    v.as_ref().map(|v| v.to_string())
}

fn json_value(t: Option<String>) -> StoreResult<Option<serde_json::Value>> {
    t.map(|t| serde_json::from_str(&t).map_err(|e| StoreError::Backend(Box::new(e))))
        .transpose()
}

impl<B: Backend> SqlStore<B> {
    pub(super) async fn insert_audit(&self, e: &AuditEntry) -> StoreResult<()> {
        let q = sql(
            "INSERT INTO audit_events (at, actor_user_id, actor, address, action, target, status,
                 before_state, after_state)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        );
        self.write(
            q.bind(ms(e.at))
                .bind(e.actor_user.map(|u| u.0))
                .bind(e.actor.as_str())
                .bind(e.address.as_deref())
                .bind(e.action.as_str())
                .bind(e.target.as_deref())
                .bind(i64::from(e.status))
                .bind(json_text(&e.before))
                .bind(json_text(&e.after)),
        )
        .await
    }

    pub(super) async fn audit_events(
        &self,
        f: &AuditFilter,
    ) -> StoreResult<Vec<(i64, AuditEntry)>> {
        let mut text = String::from("SELECT * FROM audit_events WHERE 1 = 1");
        let mut args = Vec::new();
        let mut when = |condition: &str, arg| {
            args.push(arg);
            text.push_str(&condition.replace('?', &format!("${}", args.len())));
        };
        if let Some(u) = f.actor_user {
            when(" AND actor_user_id = ?", Arg::Int(u.0));
        }
        if let Some(a) = &f.action {
            when(
                &format!(" AND {}(action, ?) > 0", B::POSITION),
                Arg::Text(a.clone()),
            );
        }
        if let Some(t) = &f.target {
            when(" AND (target = ?", Arg::Text(t.clone()));
            when(
                " OR target LIKE ?)",
                Arg::Text(format!("{}/%", t.replace(['%', '_'], ""))),
            );
        }
        if let Some(s) = f.since {
            when(" AND at >= ?", Arg::Int(ms(s)));
        }
        if let Some(u) = f.until {
            when(" AND at < ?", Arg::Int(ms(u)));
        }
        if let Some(b) = f.before {
            when(" AND id < ?", Arg::Int(b));
        }
        text.push_str(&format!(
            " ORDER BY id DESC LIMIT {}",
            f.limit.clamp(1, 1000)
        ));
        let mut q = sql::<B::Db>(&text);
        for a in args {
            q = match a {
                Arg::Int(i) => q.bind(i),
                Arg::Text(t) => q.bind(t),
            };
        }
        let rows = self.read_all(q).await?;
        rows.iter()
            .map(|r| {
                let status: i64 = col(r, "status")?;
                Ok((
                    col(r, "id")?,
                    AuditEntry {
                        at: ts(col(r, "at")?)?,
                        actor_user: col::<_, Option<i64>>(r, "actor_user_id")?.map(UserId),
                        actor: col(r, "actor")?,
                        address: col(r, "address")?,
                        action: col(r, "action")?,
                        target: col(r, "target")?,
                        status: status.clamp(0, 999) as u16,
                        before: json_value(col(r, "before_state")?)?,
                        after: json_value(col(r, "after_state")?)?,
                    },
                ))
            })
            .collect()
    }
}
