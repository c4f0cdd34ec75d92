//! Browser tests of the staff web UI: Debian's chromium driven through chromedriver (WebDriver)
//! against the real router served in-process on 127.0.0.1 (tests/api/helpers.rs, SQLite).
//!
//! Without chromedriver the browser tests print `browser tests SKIPPED: …` and pass, unless
//! `BANCHENG_BROWSER_TESTS=required` (or `CI=true`), where a missing browser fails them.
//! Screenshots of the main pages go to `<workspace>/target/screenshots/`.
//! The external-host check (`offline.rs`) needs no browser and always runs.

#[allow(dead_code)]
#[path = "../api/helpers.rs"]
mod helpers;

mod admin;
mod harness;
mod intake;
mod ledger;
mod offline;
mod print;
mod records;
mod screens;
mod workflow;
