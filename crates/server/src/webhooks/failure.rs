//! What can go wrong in a webhook, and the one place that decides what the provider hears.
//!
//! A handler returns `Result<Response, Failure>`. A [`Failure`] becomes a plain response
//! where the provider's request was at fault (404, 403, and 400 for a callback); where
//! Switchboard failed, it becomes a response marked [`Failed`], which the route's guard
//! ([`super::guard`]) turns into what the provider is owed: for a voice webhook the failure
//! document (the caller hears an apology and can leave a message), for a callback an
//! acknowledgement once the request is kept in the spool. Either way the request is spooled
//! so that the call log says what happened.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use switchboard_core::store::StoreError;

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Failure inside a webhook.
#[derive(Debug)]
pub enum Failure {
    /// Unknown provider, line or call, or a request that is not about the call in its URL.
    NotFound,
    /// Missing or wrong signature.
    Forbidden,
    /// The body is not a form: refused before any work.
    BadRequest(String),
    /// The body is not a form, or misses what it must have.
    Malformed(String),
    /// Earlier webhooks of this call wait in the spool: this one is kept behind them.
    Queued,
    /// The store failed before the line could be read.
    Unavailable(StoreError),
    /// The store failed later, or Switchboard itself failed.
    Internal(BoxError),
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => Failure::NotFound,
            other => Failure::Internal(Box::new(other)),
        }
    }
}

/// The mark of a response for a failure the guard must answer for: the failure in words for
/// the call log, and, for a malformed request, what was wrong with it.
#[derive(Debug, Clone)]
pub struct Failed {
    pub cause: String,
    pub malformed: Option<String>,
}

/// The cause of a failure, in words for the call log.
pub fn cause_of(e: &BoxError) -> &'static str {
    if e.downcast_ref::<StoreError>().is_some() {
        super::STORE_FAILED
    } else {
        "an internal error"
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let failed = match self {
            Failure::NotFound => return (StatusCode::NOT_FOUND, "unknown webhook").into_response(),
            Failure::Forbidden => {
                return (StatusCode::FORBIDDEN, "invalid webhook signature").into_response()
            }
            Failure::BadRequest(m) => return (StatusCode::BAD_REQUEST, m).into_response(),
            Failure::Malformed(m) => {
                tracing::warn!(message = %m, "malformed webhook");
                Failed {
                    cause: format!("the provider's request was malformed: {m}"),
                    malformed: Some(m),
                }
            }
            Failure::Queued => Failed {
                cause: super::STORE_UNAVAILABLE.to_owned(),
                malformed: None,
            },
            Failure::Unavailable(e) => {
                tracing::error!(error = %crate::errors::chain(&e), "store unavailable in a webhook");
                Failed {
                    cause: super::STORE_UNAVAILABLE.to_owned(),
                    malformed: None,
                }
            }
            Failure::Internal(e) => {
                tracing::error!(error = %crate::errors::chain(&*e), "webhook failed");
                Failed {
                    cause: cause_of(&e).to_owned(),
                    malformed: None,
                }
            }
        };
        let mut resp = StatusCode::INTERNAL_SERVER_ERROR.into_response();
        resp.extensions_mut().insert(failed);
        resp
    }
}
