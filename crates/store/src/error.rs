//! Errors of the store. Callers map `NotFound` to 404, `Conflict` to 409 and `Duplicate` to 409
//! or 422; everything else is an internal error.

use sqlx::error::{DatabaseError, ErrorKind};

#[derive(thiserror::Error, Debug)]
pub enum StoreError {
    /// No such row.
    #[error("not found")]
    NotFound,
    /// Optimistic concurrency: the stored version is not the expected one.
    #[error("version conflict: the record was changed concurrently")]
    Conflict,
    /// A unique constraint was violated; `constraint` is `<table>_<columns>`, e.g. `users_username`.
    #[error("duplicate value violates unique constraint {constraint}")]
    Duplicate { constraint: String },
    #[error("invalid database URL: {0}")]
    InvalidUrl(String),
    /// The SQLite file does not exist and this command may not create one (SPEC §7).
    #[error("no database at {0}")]
    NoDatabase(String),
    #[error("database error: {0}")]
    Db(#[source] sqlx::Error),
    #[error("I/O error: {0}")]
    Io(#[source] std::io::Error),
    /// The SQLite writer task is gone (the store was closed).
    #[error("the store is closed")]
    Closed,
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match e {
            sqlx::Error::RowNotFound => StoreError::NotFound,
            sqlx::Error::Database(db) if db.kind() == ErrorKind::UniqueViolation => {
                StoreError::Duplicate { constraint: constraint_name(db.as_ref()) }
            }
            sqlx::Error::WorkerCrashed => StoreError::Closed,
            e => StoreError::Db(e),
        }
    }
}

impl From<sqlx::migrate::MigrateError> for StoreError {
    fn from(e: sqlx::migrate::MigrateError) -> Self {
        StoreError::Db(sqlx::Error::Migrate(Box::new(e)))
    }
}

impl From<std::io::Error> for StoreError {
    fn from(e: std::io::Error) -> Self {
        StoreError::Io(e)
    }
}

/// The violated constraint's name: PostgreSQL reports it (the migrations name every unique
/// constraint `<table>_<columns>`); SQLite only says `UNIQUE constraint failed: users.username`
/// (or `t.a, t.b`), which maps to the same name.
fn constraint_name(db: &dyn DatabaseError) -> String {
    if let Some(name) = db.constraint() {
        return name.to_owned();
    }
    let msg = db.message();
    let Some((_, cols)) = msg.split_once("failed: ") else {
        return msg.to_owned();
    };
    let mut name = String::new();
    for (i, col) in cols.split(", ").enumerate() {
        let (table, column) = col.split_once('.').unwrap_or(("", col));
        if i == 0 && !table.is_empty() {
            name.push_str(table);
        }
        if !name.is_empty() {
            name.push('_');
        }
        name.push_str(column);
    }
    name
}
