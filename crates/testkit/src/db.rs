//! A fresh, empty database per test: a SQLite file in a temporary directory always, and a
//! PostgreSQL database created through `BANCHENG_TEST_DATABASE_URL` (an admin URL, e.g.
//! `postgres://postgres@127.0.0.1:5432/test`) when that is set. Without it the PostgreSQL half
//! prints a `skipped` line and the test passes on SQLite alone.

use std::sync::atomic::{AtomicU64, Ordering};

use sqlx::{AssertSqlSafe, Connection, PgConnection};

pub const PG_ENV: &str = "BANCHENG_TEST_DATABASE_URL";

/// Where a test's database lives.
#[derive(Debug, Clone)]
pub enum Backend {
    Sqlite,
    /// The admin URL through which fresh databases are created.
    Postgres(String),
}

impl Backend {
    pub fn name(&self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres(_) => "PostgreSQL",
        }
    }
}

fn pg_admin_url() -> Option<String> {
    std::env::var(PG_ENV).ok().filter(|url| !url.trim().is_empty())
}

/// SQLite always; PostgreSQL too when `BANCHENG_TEST_DATABASE_URL` is set (else a clear
/// "skipped" line is printed for that half).
pub fn backends() -> Vec<Backend> {
    let mut v = vec![Backend::Sqlite];
    match pg_admin_url() {
        Some(url) => v.push(Backend::Postgres(url)),
        None => println!("PostgreSQL half skipped: {PG_ENV} not set"),
    }
    v
}

/// [`backends`] for the test named `test`, whose name the "skipped" line carries.
pub fn backends_for(test: &str) -> Vec<Backend> {
    let mut v = vec![Backend::Sqlite];
    match pg_admin_url() {
        Some(url) => v.push(Backend::Postgres(url)),
        None => println!("{test} on PostgreSQL skipped: {PG_ENV} not set"),
    }
    v
}

/// `admin`'s URL with its database replaced by `name`.
pub fn database_url(admin: &str, name: &str) -> String {
    let (main, query) = admin.split_once('?').unwrap_or((admin, ""));
    let (server, _) = main
        .rsplit_once('/')
        .filter(|(server, _)| server.contains("//") && !server.ends_with('/'))
        .unwrap_or((main, ""));
    if query.is_empty() { format!("{server}/{name}") } else { format!("{server}/{name}?{query}") }
}

/// A database name no other test (of this or another process) uses.
pub fn unique_name() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("t_{:x}_{:x}_{n}", std::process::id(), nanos as u64)
}

/// A fresh, empty database (nothing connects to it yet: `url` is for `Store::connect`,
/// `App::open` or the binary's `--database`). SQLite: a file in a temporary directory, removed
/// on drop. PostgreSQL: `CREATE DATABASE t_…` through the admin URL, dropped (`WITH (FORCE)`) on
/// drop.
pub struct FreshDb {
    pub url: String,
    dir: tempfile::TempDir,
    pg: Option<(String, String)>,
}

impl FreshDb {
    /// SQLite at `<tempdir>/bancheng.db`.
    pub async fn create(backend: &Backend) -> FreshDb {
        Self::create_at(backend, "bancheng.db").await
    }

    /// SQLite at `<tempdir>/<file>` (`file` may name subdirectories, which do not exist yet).
    pub async fn create_at(backend: &Backend, file: &str) -> FreshDb {
        let dir = tempfile::tempdir().expect("tempdir");
        match backend {
            Backend::Sqlite => {
                let url = format!("sqlite://{}/{file}", dir.path().display());
                FreshDb { url, dir, pg: None }
            }
            Backend::Postgres(admin) => {
                let name = unique_name();
                let mut conn =
                    PgConnection::connect(admin).await.expect("connect to the PostgreSQL admin URL");
                sqlx::query(AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .execute(&mut conn)
                    .await
                    .expect("CREATE DATABASE");
                conn.close().await.ok();
                FreshDb { url: database_url(admin, &name), dir, pg: Some((admin.clone(), name)) }
            }
        }
    }

    /// Connects the store (creating and migrating the database).
    pub async fn store(&self) -> bancheng_store::Store {
        bancheng_store::Store::connect(&self.url).await.expect("connect the test database")
    }

    /// The temporary directory (the SQLite file's; on PostgreSQL empty): room for backups,
    /// exports and other files of the test.
    pub fn dir(&self) -> &std::path::Path {
        self.dir.path()
    }
}

impl Drop for FreshDb {
    fn drop(&mut self) {
        let Some((admin, name)) = self.pg.take() else { return };
        // Drop may run inside a runtime: do the async work on a thread with its own.
        let _ = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else { return };
            rt.block_on(async {
                if let Ok(mut conn) = PgConnection::connect(&admin).await {
                    let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                    let _ = sqlx::query(AssertSqlSafe(sql)).execute(&mut conn).await;
                    let _ = conn.close().await;
                }
            });
        })
        .join();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_urls_get_the_test_database() {
        assert_eq!(
            database_url("postgres://postgres@127.0.0.1:5432/test", "t_1"),
            "postgres://postgres@127.0.0.1:5432/t_1"
        );
        assert_eq!(
            database_url("postgres://u@h/test?sslmode=disable", "t_1"),
            "postgres://u@h/t_1?sslmode=disable"
        );
    }
}
