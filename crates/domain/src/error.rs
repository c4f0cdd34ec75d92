use std::fmt;

/// The refusals of the domain. Each maps to one HTTP status in the web layer:
/// `Invalid` → 422 (naming the field), `Forbidden` → 403, `Conflict` → 409, `NotFound` → 404.
/// Messages are Chinese: they are shown to people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DomainError {
    /// Bad input. `field` is the machine name of the offending field.
    Invalid { field: &'static str, message: String },
    /// The actor's role or unit may not do this.
    Forbidden { message: String },
    /// The action is not allowed in the case's current state.
    Conflict { message: String },
    /// A named thing does not exist.
    NotFound { message: String },
}

impl DomainError {
    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        Self::Invalid { field, message: message.into() }
    }
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::Forbidden { message: message.into() }
    }
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::Conflict { message: message.into() }
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::NotFound { message: message.into() }
    }
    /// Stable machine code for the JSON error shape.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Invalid { .. } => "invalid",
            Self::Forbidden { .. } => "forbidden",
            Self::Conflict { .. } => "conflict",
            Self::NotFound { .. } => "not_found",
        }
    }
    pub fn message(&self) -> &str {
        match self {
            Self::Invalid { message, .. }
            | Self::Forbidden { message }
            | Self::Conflict { message }
            | Self::NotFound { message } => message,
        }
    }
}

impl fmt::Display for DomainError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Invalid { field, message } => write!(f, "{field}: {message}"),
            other => f.write_str(other.message()),
        }
    }
}

impl std::error::Error for DomainError {}

pub type Result<T, E = DomainError> = std::result::Result<T, E>;
