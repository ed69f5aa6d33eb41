//! Conversions between domain values and their stored form, shared by the backends.

use jiff::Timestamp;
use switchboard_core::store::StoreError;

/// A timestamp as stored: Unix milliseconds.
pub fn ms(t: Timestamp) -> i64 {
    t.as_millisecond()
}

/// A stored timestamp.
pub fn ts(ms: i64) -> Result<Timestamp, StoreError> {
    Timestamp::from_millisecond(ms).map_err(|e| StoreError::Backend(Box::new(e)))
}

/// A value as a JSON column.
pub fn to_json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).expect("domain values always serialize")
}

/// A JSON column as a value.
pub fn from_json<T: serde::de::DeserializeOwned>(s: &str) -> Result<T, StoreError> {
    serde_json::from_str(s).map_err(|e| StoreError::Backend(Box::new(e)))
}

/// Maps sqlx errors: unique violations become conflicts, missing rows not-found.
pub fn db_err(e: sqlx::Error) -> StoreError {
    crate::postgres::lost::note(&e);
    match &e {
        sqlx::Error::RowNotFound => StoreError::NotFound,
        sqlx::Error::Database(d) if d.is_unique_violation() => StoreError::Duplicate {
            field: unique_field(d.constraint().unwrap_or(""), d.message()),
        },
        _ => StoreError::Backend(Box::new(e)),
    }
}

/// The column a unique violation is about: from PostgreSQL's constraint name
/// (`users_email_key`) or SQLite's message (`UNIQUE constraint failed: users.email`), for
/// the columns that have a unique rule; `value` for any other.
fn unique_field(constraint: &str, message: &str) -> &'static str {
    const FIELDS: [&str; 5] = ["email", "number", "webhook_token", "feed_token", "name"];
    FIELDS
        .into_iter()
        .find(|f| constraint.contains(f) || message.contains(&format!(".{f}")))
        .unwrap_or("value")
}
