//! The app on a fresh SQLite file, shared by the app's test files.
#![allow(dead_code)]

use std::sync::Arc;

use bancheng_app::{App, ManualClock};
use bancheng_domain::Role;
use chrono::{DateTime, Utc};

/// The password of every account the tests create.
pub const PASSWORD: &str = "correct-horse-1";

/// A fresh database with the clock at `now`: the source's units, the first admin, and the
/// window clerk `lisu` (李肃). Keep the directory alive for the test's length.
pub async fn app_at(now: DateTime<Utc>) -> (App, Arc<ManualClock>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/t.db", dir.path().display());
    let clock = Arc::new(ManualClock::new(now));
    let app = App::open(&url, clock.clone()).await.unwrap();
    app.bootstrap().await.unwrap().expect("first start creates admin");
    app.add_user("lisu", "李肃", Role::Window, "bbcs", PASSWORD).await.unwrap();
    (app, clock, dir)
}
