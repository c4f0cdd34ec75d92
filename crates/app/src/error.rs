use bancheng_domain::DomainError;
use bancheng_store::StoreError;

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
    #[error("{0}")]
    Internal(String),
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict => AppError::StaleCase,
            StoreError::NotFound => AppError::Domain(DomainError::not_found("记录不存在")),
            StoreError::Duplicate { constraint } => {
                AppError::Domain(DomainError::conflict(format!("记录已存在（{constraint}）")))
            }
            other => AppError::Internal(other.to_string()),
        }
    }
}

pub type Result<T, E = AppError> = std::result::Result<T, E>;
