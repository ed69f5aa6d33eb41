//! `/audit`: the audit trail for admins and owners, newest first, with the API's filters.

use super::view::{self, Time};
use super::{html, Chrome, PageError, Viewer};
use crate::app::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::{Extension, Json};
use serde::Deserialize;

pub struct EntryRow {
    pub at: Time,
    pub actor: String,
    pub address: String,
    pub action: String,
    pub target: String,
    pub status: String,
    pub change: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
pub struct AuditPage {
    pub chrome: Chrome,
    pub action: String,
    pub target: String,
    pub entries: Vec<EntryRow>,
    pub older: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct Filters {
    #[serde(default)]
    action: String,
    #[serde(default)]
    target: String,
    #[serde(default)]
    before: Option<i64>,
}

/// `GET /audit`.
pub async fn show(
    State(s): State<AppState>,
    v: Viewer,
    Query(f): Query<Filters>,
) -> Result<Response, PageError> {
    let q = crate::audit::AuditQuery {
        actor: None,
        action: Some(f.action.clone()).filter(|a| !a.is_empty()),
        target: Some(f.target.clone()).filter(|t| !t.is_empty()),
        since: None,
        until: None,
        before: f.before,
        limit: Some(100),
    };
    let Json(list) = crate::audit::list_audit(
        State(s.clone()),
        Extension(v.access.clone()),
        crate::api::error::ApiQuery(q),
    )
    .await?;
    let entries = list
        .entries
        .into_iter()
        .map(|e| {
            let change = if e.before.is_none() && e.after.is_none() {
                String::new()
            } else {
                serde_json::to_string_pretty(
                    &serde_json::json!({"before": e.before, "after": e.after}),
                )
                .unwrap_or_default()
            };
            EntryRow {
                at: view::time(e.at, &v.local()),
                actor: e.actor,
                address: e.address.unwrap_or_else(|| "—".to_owned()),
                action: e.action,
                target: e.target.unwrap_or_else(|| "—".to_owned()),
                status: match e.status {
                    0 => "done".to_owned(),
                    c => c.to_string(),
                },
                change,
            }
        })
        .collect();
    let older = list.next_before.map(|b| {
        let mut ser = url::form_urlencoded::Serializer::new(String::new());
        for (k, val) in [("action", &f.action), ("target", &f.target)] {
            if !val.is_empty() {
                ser.append_pair(k, val);
            }
        }
        ser.append_pair("before", &b.to_string());
        format!("/audit?{}", ser.finish())
    });
    html(&AuditPage {
        chrome: v.chrome(&s, "audit").await,
        action: f.action,
        target: f.target,
        entries,
        older,
    })
}
