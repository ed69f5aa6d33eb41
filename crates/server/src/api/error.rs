//! The API's one error envelope: `{"error": {"code", "message", "field"?}}`.
//!
//! 4xx say what to fix; 5xx are opaque to the client and logged once with their cause.

use crate::json::JsonFault;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use switchboard_core::store::StoreError;
use switchboard_core::DomainError;

/// The body of every error answer.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
#[schema(examples(json!({"error": {"code": "invalid", "message": "number: '555-0100' is not an E.164 number such as +14155550100", "field": "number"}})))]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

/// What went wrong.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// `invalid` (422), `bad_request` (400), `unauthorized`, `login_failed` (401),
    /// `forbidden` (403), `not_found` (404), `conflict` (409), `too_large` (413),
    /// `unsupported_media_type` (415), `too_many_requests` (429), `bad_gateway` (502),
    /// `internal` (500).
    #[schema(examples("invalid"))]
    pub code: &'static str,
    /// What to fix, in words.
    pub message: String,
    /// The request field at fault (`invalid` only), as a dotted path.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

/// An API failure.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    Invalid(#[from] DomainError),
    #[error("{0}")]
    BadRequest(String),
    #[error("missing or invalid bearer token or session")]
    Unauthorized,
    /// A login that failed: the same words whether the email or the password was wrong.
    #[error("wrong email or password")]
    LoginFailed,
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    TooManyRequests(String),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// Another service this request needed (an identity provider) failed.
    #[error("{0}")]
    BadGateway(String),
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl ApiError {
    /// Maps a store error for a request about `what`.
    pub fn store(what: &'static str) -> impl Fn(StoreError) -> ApiError {
        move |e| match e {
            StoreError::NotFound => ApiError::NotFound(what),
            StoreError::Duplicate { field } => ApiError::Conflict(duplicate_words(what, field)),
            StoreError::Conflict(_) => {
                ApiError::Conflict(format!("the {what} changed meanwhile; try again"))
            }
            StoreError::Backend(b) => ApiError::Internal(b),
        }
    }
}

fn duplicate_words(what: &str, field: &str) -> String {
    match field {
        "email" => "email: another user already has this email address".to_owned(),
        "number" => "number: another line already uses this number".to_owned(),
        "name" => format!("name: another {what} already has this name"),
        _ => format!("{what} conflicts with an existing one ({field})"),
    }
}

impl ApiError {
    /// The status and the envelope's code.
    pub fn status(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::Invalid(_) => (StatusCode::UNPROCESSABLE_ENTITY, "invalid"),
            ApiError::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad_request"),
            ApiError::Unauthorized => (StatusCode::UNAUTHORIZED, "unauthorized"),
            ApiError::LoginFailed => (StatusCode::UNAUTHORIZED, "login_failed"),
            ApiError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            ApiError::TooManyRequests(_) => (StatusCode::TOO_MANY_REQUESTS, "too_many_requests"),
            ApiError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            ApiError::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
            ApiError::PayloadTooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, "too_large"),
            ApiError::BadGateway(_) => (StatusCode::BAD_GATEWAY, "bad_gateway"),
            ApiError::UnsupportedMediaType(_) => {
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type")
            }
            ApiError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.status();
        if let ApiError::Internal(e) = &self {
            tracing::error!(error = %crate::errors::chain(&**e), "internal error in API request");
        }
        let body = ErrorBody {
            error: ErrorDetail {
                code,
                message: self.to_string(),
                field: match &self {
                    ApiError::Invalid(d) => Some(d.field.clone()),
                    _ => None,
                },
            },
        };
        let mut resp = (status, Json(body)).into_response();
        if status == StatusCode::UNAUTHORIZED {
            resp.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer"),
            );
        }
        resp
    }
}

impl From<JsonRejection> for ApiError {
    fn from(r: JsonRejection) -> Self {
        if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
            return ApiError::PayloadTooLarge(format!(
                "the body is larger than {} bytes",
                crate::app::MAX_BODY_BYTES
            ));
        }
        match r {
            JsonRejection::JsonDataError(e) => ApiError::BadRequest(format!(
                "the JSON does not fit: {}",
                std::error::Error::source(&e).map_or_else(|| e.to_string(), |s| s.to_string())
            )),
            JsonRejection::JsonSyntaxError(e) => ApiError::BadRequest(format!(
                "the body is not valid JSON: {}",
                std::error::Error::source(&e).map_or_else(|| e.to_string(), |s| s.to_string())
            )),
            JsonRejection::MissingJsonContentType(_) => ApiError::BadRequest(
                "send the body as JSON with Content-Type: application/json".to_owned(),
            ),
            other => ApiError::BadRequest(other.body_text()),
        }
    }
}

/// `Json` whose rejections use the envelope, and which refuses the NUL character in any
/// string or key (PostgreSQL cannot store it, and no name or message needs it).
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<S, T> axum::extract::FromRequest<S> for ApiJson<T>
where
    S: Send + Sync,
    T: serde::de::DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, ApiError> {
        let Json(value) = Json::<serde_json::Value>::from_request(req, state).await?;
        if let Some(field) = nul_at(&value, String::new()) {
            return Err(
                DomainError::new(field, "must not contain the NUL character (U+0000)").into(),
            );
        }
        crate::json::from_value(&value)
            .map(ApiJson)
            .map_err(|e| match e {
                JsonFault::Refused { field, why } => DomainError::new(field, why).into(),
                JsonFault::Shape(e) => ApiError::BadRequest(format!("the JSON does not fit: {e}")),
            })
    }
}

/// `Query` whose rejection (a value that does not parse, a field it does not know) uses the
/// envelope: a 400 saying what is wrong.
#[derive(Debug)]
pub struct ApiQuery<T>(pub T);

impl<S, T> axum::extract::FromRequestParts<S> for ApiQuery<T>
where
    S: Send + Sync,
    T: serde::de::DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, ApiError> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Query(q)| ApiQuery(q))
            .map_err(|e| ApiError::BadRequest(e.body_text()))
    }
}

/// The dotted path of the first string or key holding a NUL character.
fn nul_at(v: &serde_json::Value, path: String) -> Option<String> {
    use serde_json::Value;
    let here = || {
        if path.is_empty() {
            "body".to_owned()
        } else {
            path.clone()
        }
    };
    match v {
        Value::String(s) if s.contains('\0') => Some(here()),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, x)| nul_at(x, format!("{}[{i}]", here()))),
        Value::Object(map) => map.iter().find_map(|(k, x)| {
            let p = if path.is_empty() {
                k.clone()
            } else {
                format!("{path}.{k}")
            };
            if k.contains('\0') {
                Some(p)
            } else {
                nul_at(x, p)
            }
        }),
        _ => None,
    }
}

/// Result alias for handlers.
pub type ApiResult<T> = Result<T, ApiError>;
