//! Domain errors: what a client did wrong, in words it can act on.

/// A validation failure, naming the field and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct DomainError {
    /// The field (dotted path for nested values, e.g. `routing.steps[1].user`).
    pub field: String,
    /// What is wrong and, where possible, what is expected instead.
    pub message: String,
}

impl DomainError {
    /// A validation error on `field`.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}
