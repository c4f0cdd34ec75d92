use bancheng_domain::DomainError;
use bancheng_store::StoreError;

/// Any error kept as the cause of an internal failure.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Errors of the use cases. The web layer maps each to one status code.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// A rule refused (422 / 403 / 409 / 404 by kind).
    #[error(transparent)]
    Domain(#[from] DomainError),
    /// Not signed in, bad credentials or an expired/revoked token (401).
    #[error("{0}")]
    Unauthorized(String),
    /// Too many failed sign-ins (429).
    #[error("{0}")]
    Locked(String),
    /// Someone else changed the case in between (409).
    #[error("事项已被他人修改，请刷新后重试")]
    StaleCase,
    /// SPEC §7: an idempotency key already registered another registration (422).
    #[error("该请求编号（Idempotency-Key）已用于登记事项{number}，但登记内容不同")]
    IdempotencyMismatch { number: String },
    /// A broken invariant, described only by its message (500). Prefer [`AppError::failed`]
    /// when there is an underlying error: it keeps the cause for the log.
    #[error("{0}")]
    Internal(String),
    /// Something below the rules failed (500): what was being done, and the error with its
    /// whole cause chain, for the log (never shown to the client).
    #[error("{context}")]
    Failed {
        context: String,
        #[source]
        source: BoxError,
    },
}

impl AppError {
    /// An internal failure caused by `source`, while doing `context`.
    pub fn failed(context: impl Into<String>, source: impl Into<BoxError>) -> Self {
        AppError::Failed { context: context.into(), source: source.into() }
    }

    /// True for the errors that are the server's fault (a 500).
    pub fn is_internal(&self) -> bool {
        matches!(self, AppError::Internal(_) | AppError::Failed { .. })
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict => AppError::StaleCase,
            StoreError::NotFound => AppError::Domain(DomainError::not_found("记录不存在")),
            StoreError::Duplicate { constraint } => {
                AppError::Domain(DomainError::conflict(format!("记录已存在（{constraint}）")))
            }
            other => AppError::failed("store", other),
        }
    }
}

/// `error: cause: its cause …`, each cause once (a message that already ends with its cause's
/// text, as `thiserror`'s `"database error: {0}"` does, does not repeat it).
pub fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut last = out.clone();
    let mut cause = e.source();
    while let Some(c) = cause {
        let text = c.to_string();
        if !last.ends_with(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        last = text;
        cause = c.source();
    }
    out
}

pub type Result<T, E = AppError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("outer: {0}")]
    struct Repeats(#[source] std::io::Error);

    #[test]
    fn the_chain_names_every_cause_once() {
        let io = std::io::Error::other("disk full");
        let e = AppError::failed("saving the case", Repeats(io));
        assert_eq!(error_chain(&e), "saving the case: outer: disk full");
        let e = AppError::from(StoreError::Io(std::io::Error::other("gone")));
        assert_eq!(error_chain(&e), "store: I/O error: gone");
        assert!(e.is_internal());
    }
}
