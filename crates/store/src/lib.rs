//! bancheng-store: the case system's storage on SQLite (default, one file, WAL) or PostgreSQL
//! (several stateless servers), chosen at runtime by the database URL.
//!
//! One SQL text serves both backends wherever the dialects agree (`$n` placeholders work on
//! SQLite too): `read_db!` and `write_db!` expand a query body once per backend. SQLite writes
//! go through a single writer thread with group commit (`writer`); PostgreSQL writes run in
//! ordinary pooled transactions. Case registration and commits are written once, generic over
//! `case_tx::CaseTx`. Text search: `search`. Hash-chain verification: `verify`.

use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, SubsecRound, Utc};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{ConnectOptions, migrate::Migrator};

/// Runs a read-only body once per backend: `$ex` is the read pool (`&SqlitePool` or
/// `&PgPool`). The body's `?` returns from the enclosing function.
macro_rules! read_db {
    ($store:expr, |$ex:ident| $body:expr) => {
        match &*$store.inner {
            $crate::Inner::Sqlite(db) => {
                let $ex = &db.read;
                $body
            }
            $crate::Inner::Postgres(pool) => {
                let $ex = pool;
                $body
            }
        }
    };
}

/// Runs a write body, which must evaluate to `Result<T>`, in a transaction: on SQLite as a job of
/// the writer's next batch (its own savepoint), on PostgreSQL in a pooled transaction. `$c` is
/// `&mut SqliteConnection` or `&mut PgConnection` (use it as `&mut *$c`); with `case |$c|` it is
/// `&mut WriteConn` or `&mut PgConnection`, both `case_tx::CaseTx`, and the body's first
/// statement must open the job's savepoint (`WriteConn::first_statement`). On SQLite the body
/// runs on the writer thread, so it may only capture owned values.
macro_rules! write_db {
    ($store:expr, |$c:ident| $body:expr) => {
        write_db!(@run $store, run, $c, w => &mut w.conn, $body)
    };
    ($store:expr, case |$c:ident| $body:expr) => {
        write_db!(@run $store, run_opening, $c, w => w, $body)
    };
    (@run $store:expr, $run:ident, $c:ident, $w:ident => $sqlite:expr, $body:expr) => {
        match &*$store.inner {
            $crate::Inner::Sqlite(db) => {
                db.writer
                    .$run(move |$w| {
                        Box::pin($crate::writer::typed(async move {
                            let $c = $sqlite;
                            $body
                        }))
                    })
                    .await
            }
            $crate::Inner::Postgres(pool) => {
                let mut tx = pool.begin().await?;
                let out: $crate::Result<_> = {
                    let $c: &mut sqlx::PgConnection = &mut tx;
                    $body
                };
                let out = out?;
                tx.commit().await?;
                Ok(out)
            }
        }
    };
}

/// In a write body: bumps the cached fact's version (`cache_versions`, migration 0003) in the
/// same transaction as the change, so every server's cache learns of it.
macro_rules! bump_cache_version {
    ($c:ident, $name:literal) => {
        sqlx::query("UPDATE cache_versions SET version = version + 1 WHERE name = $1")
            .bind($name)
            .execute(&mut *$c)
            .await?;
    };
}

mod admin;
mod case_tx;
mod cases;
mod error;
mod facts;
mod limits;
pub mod model;
mod prefs;
mod search;
mod stats;
#[cfg(feature = "test-support")]
mod test_support;
mod verify;
mod writer;

pub use error::{Result, StoreError};
pub use limits::RateRule;
pub use model::{
    AttachmentRow, CalendarYearRow, CaseCommit, CaseFilter, CasePage, CaseRow, ChainBreak, DeadlineRow,
    FactRows, IdempotencyClaim, NewAttachment, NewEvent, NewNotification, NewUser, NoticeRow, PolicyRow,
    RateState, Registered, ResolutionRow, StoredEvent, StoredFacts, TokenRow, UnitRow, UserRow, VisitRow,
};

static SQLITE_MIGRATOR: Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATOR: Migrator = sqlx::migrate!("migrations/postgres");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The storage handle: cheap to clone, shared by all request handlers.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

enum Inner {
    Sqlite(SqliteDb),
    Postgres(PgPool),
}

struct SqliteDb {
    /// Readers (WAL: they never block the writer nor each other).
    read: SqlitePool,
    /// The only write connection, owned by the group-commit thread.
    writer: writer::Writer,
}

/// Connection settings (`bancheng.toml` `[store]`). The defaults keep a server under 100 MB.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreOptions {
    /// PostgreSQL pool size.
    pub postgres_max_connections: u32,
    /// SQLite read connections; 0: two per CPU, between 4 and 16.
    pub sqlite_readers: u32,
    /// SQLite page cache per read connection, KiB: small, the OS file cache backs it.
    pub sqlite_reader_cache_kib: u32,
    /// SQLite page cache of the write connection, KiB: more, for index updates.
    pub sqlite_writer_cache_kib: u32,
    /// Create (and migrate) a SQLite database that does not exist yet. Only the commands that
    /// set a database up may (SPEC §7); every other one fails on a mistyped path.
    pub create: bool,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            postgres_max_connections: 16,
            sqlite_readers: 0,
            sqlite_reader_cache_kib: 4_000,
            sqlite_writer_cache_kib: 16_000,
            create: true,
        }
    }
}

impl Store {
    /// [`Store::connect_with`] the default [`StoreOptions`].
    pub async fn connect(url: &str) -> Result<Store> {
        Self::connect_with(url, &StoreOptions::default()).await
    }

    /// Opens `sqlite://path/to/file.db` (creating parent directories and the file) or
    /// `postgres://…`, and runs the pending migrations (sqlx's PostgreSQL migrator holds an
    /// advisory lock, so concurrent starts are safe).
    pub async fn connect_with(url: &str, options: &StoreOptions) -> Result<Store> {
        let inner = if url.starts_with("sqlite:") {
            connect_sqlite(url, options).await?
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            connect_postgres(url, options).await?
        } else {
            return Err(StoreError::InvalidUrl(format!("{url}: expected sqlite://… or postgres://…")));
        };
        Ok(Store { inner: Arc::new(inner) })
    }

    /// Refreshes the query planner's statistics where they are stale (SQLite `PRAGMA optimize`
    /// over every table, bounded work; PostgreSQL's autovacuum does it by itself). `serve` runs
    /// it hourly and on close, SQLite's advice for long-lived connections.
    pub async fn optimize(&self) -> Result<()> {
        if let Inner::Sqlite(db) = &*self.inner {
            db.writer
                .run(|w| {
                    Box::pin(writer::typed(async move {
                        sqlx::query(SQLITE_OPTIMIZE).execute(&mut w.conn).await?;
                        Ok(())
                    }))
                })
                .await?;
        }
        Ok(())
    }

    pub fn backend(&self) -> Backend {
        match &*self.inner {
            Inner::Sqlite(_) => Backend::Sqlite,
            Inner::Postgres(_) => Backend::Postgres,
        }
    }

    /// Finishes queued writes and closes every connection. Later calls fail (`Closed` for
    /// SQLite writes).
    pub async fn close(&self) {
        match &*self.inner {
            Inner::Sqlite(db) => {
                // Statistics for the next start (best effort: a closing store has nobody to tell).
                let _ = self.optimize().await;
                db.writer.close().await;
                db.read.close().await;
            }
            Inner::Postgres(pool) => pool.close().await,
        }
    }

    /// SQLite: writes a consistent copy of the live database to `path` (`VACUUM INTO`, which
    /// does not block writers) and syncs it. Fails if `path` exists. PostgreSQL: use `pg_dump`.
    pub async fn backup(&self, path: &Path) -> Result<()> {
        let Inner::Sqlite(db) = &*self.inner else {
            return Err(StoreError::Io(std::io::Error::new(
                std::io::ErrorKind::Unsupported,
                "backup of a PostgreSQL database: use pg_dump",
            )));
        };
        if path.exists() {
            return Err(StoreError::Io(std::io::Error::new(
                std::io::ErrorKind::AlreadyExists,
                format!("{} already exists", path.display()),
            )));
        }
        let target = path.to_str().ok_or_else(|| {
            StoreError::Io(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "backup path is not valid UTF-8",
            ))
        })?;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            create_private_dir(dir)?;
        }
        // The copy holds everything the database does: readable by its owner only. VACUUM INTO
        // writes into an empty file that exists.
        create_private_file(path)?;
        sqlx::query("VACUUM INTO $1").bind(target).execute(&db.read).await?;
        std::fs::File::open(path)?.sync_all()?;
        Ok(())
    }
}

/// Re-analyses every table whose size changed much since its statistics were taken; SQLite
/// bounds the work itself (3.46+: a temporary `analysis_limit`).
const SQLITE_OPTIMIZE: &str = "PRAGMA optimize=0x10002";

async fn connect_sqlite(url: &str, options: &StoreOptions) -> Result<Inner> {
    if url.contains(":memory:") || url.contains("mode=memory") {
        return Err(StoreError::InvalidUrl(format!(
            "{url}: in-memory SQLite is not supported (readers and the writer need one file)"
        )));
    }
    let base = SqliteConnectOptions::from_str(url)
        .map_err(|e| StoreError::InvalidUrl(format!("{url}: {e}")))?
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(10))
        // Page cache per connection (KiB, see `StoreOptions`).
        .pragma("cache_size", format!("-{}", options.sqlite_reader_cache_kib))
        // Savepoint (statement) journals in memory: each job's savepoint journals the pages it
        // touches; on disk that is a temp-file write per page.
        .pragma("temp_store", "memory");
    let file = base.get_filename().to_owned();
    let created = !file.exists();
    if created {
        if !options.create {
            return Err(StoreError::NoDatabase(file.display().to_string()));
        }
        if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) {
            create_private_dir(dir)?;
        }
        // Created by us, readable by its owner only; SQLite gives its WAL and shared-memory
        // files the same permissions.
        create_private_file(&file)?;
    }
    // The writer: WAL, and synchronous=FULL so that a committed (acknowledged) batch survives
    // a power loss, not only a crash.
    let write = base
        .clone()
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .pragma("cache_size", format!("-{}", options.sqlite_writer_cache_kib));
    // Migrate through a one-connection pool (`Migrator::run` on a bare connection makes the
    // future non-`Send`), then open the writer's own connection.
    let setup = SqlitePoolOptions::new().max_connections(1).connect_with(write.clone()).await?;
    SQLITE_MIGRATOR.run(&setup).await?;
    // Planner statistics, bounded work (SQLite's advice for long-lived connections) — but not
    // of a database just created: statistics of tables holding a handful of rows tell the
    // planner they are tiny, and it trusts them until the next `optimize`. A new database plans
    // by SQLite's defaults until the hourly `optimize` (App::housekeeping) has rows to measure.
    if !created {
        sqlx::query(SQLITE_OPTIMIZE).execute(&setup).await?;
    }
    setup.close().await;
    let conn = write.connect().await?;
    let readers = match options.sqlite_readers {
        0 => std::thread::available_parallelism().map_or(4, |n| n.get() * 2).clamp(4, 16) as u32,
        n => n,
    };
    let read = SqlitePoolOptions::new()
        .min_connections(1)
        .max_connections(readers)
        .connect_with(base.read_only(true))
        .await?;
    Ok(Inner::Sqlite(SqliteDb { read, writer: writer::Writer::spawn(conn)? }))
}

async fn connect_postgres(url: &str, settings: &StoreOptions) -> Result<Inner> {
    let options =
        PgConnectOptions::from_str(url).map_err(|e| StoreError::InvalidUrl(format!("{url}: {e}")))?;
    let pool =
        PgPoolOptions::new().max_connections(settings.postgres_max_connections).connect_with(options).await?;
    POSTGRES_MIGRATOR.run(&pool).await?;
    Ok(Inner::Postgres(pool))
}

/// Creates `dir` and its missing parents; the directories created are its owner's only (0700).
fn create_private_dir(dir: &Path) -> Result<()> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
    Ok(b.create(dir)?)
}

/// Creates an empty file readable and writable by its owner only (0600); fails if it exists.
fn create_private_file(path: &Path) -> Result<()> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    o.open(path)?;
    Ok(())
}

/// Instants are stored with whole seconds on both backends (SQLite compares them as text).
pub(crate) fn secs(t: DateTime<Utc>) -> DateTime<Utc> {
    t.trunc_subsecs(0)
}

/// `Ok` if a statement touched a row, `NotFound` otherwise.
pub(crate) fn found(rows_affected: u64) -> Result<()> {
    if rows_affected == 0 { Err(StoreError::NotFound) } else { Ok(()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn send<T: Send>(_: T) {}

    /// The app spawns and awaits these futures in axum handlers: they must be `Send`.
    fn futures(s: &Store, row: CaseRow, f: &CaseFilter, day: chrono::NaiveDate) {
        send(Store::connect("sqlite://x.db"));
        send(s.register(day, row.clone(), vec![], vec![]));
        send(s.commit(1, row, vec![], vec![]));
        send(s.cases(f));
        send(s.case("c", "n"));
        send(s.events("c", "n"));
        send(s.cases_due_by("c", day, &[], 1));
        send(s.verify_log());
        send(s.backup(Path::new("x")));
        send(s.units(None));
        send(s.insert_user(
            "c",
            &NewUser {
                username: String::new(),
                display_name: String::new(),
                role: String::new(),
                unit_code: String::new(),
                password_hash: String::new(),
                must_change_password: false,
            },
            Utc::now(),
        ));
        send(s.rate_hit(
            "login",
            "u",
            "a",
            Utc::now(),
            RateRule {
                window: chrono::TimeDelta::minutes(1),
                max: 5,
                lock_for: chrono::TimeDelta::minutes(1),
            },
        ));
        send(s.pending_notifications(1));
        #[cfg(feature = "test-support")]
        send(s.tamper_event_payload_for_test("n", 1, "{}"));
        send(s.close());
    }

    #[test]
    fn store_futures_are_send() {
        let _: fn(&Store, CaseRow, &CaseFilter, chrono::NaiveDate) = futures;
    }
}
