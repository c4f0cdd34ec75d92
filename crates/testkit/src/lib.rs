//! bancheng-testkit: what the workspace's tests share.
//!
//! - [`time`]: fixed instants in Asia/Shanghai wall-clock time and dates (pure, no IO; the
//!   domain's rule tests use only this, with `default-features = false`).
//! - [`db`] (feature `db`, on by default): a fresh SQLite file per test, or a fresh PostgreSQL
//!   database when `BANCHENG_TEST_DATABASE_URL` is set, with a clear `skipped` line when it isn't.
//!
//! A dev-dependency only: it turns on the store's `test-support` hooks.

pub mod time;

#[cfg(feature = "db")]
pub mod db;
