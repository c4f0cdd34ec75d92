//! End-to-end tests of `bancheng`: the JSON API over real HTTP on SQLite (and PostgreSQL when
//! `BANCHENG_TEST_DATABASE_URL` is set), the CLI binary, and durability (tamper detection,
//! kill -9, online backup).

mod admin_pages;
mod auth;
mod cases;
mod cli;
mod demo;
mod durability;
mod helpers;
mod ledger;
mod request_id;
mod window_day;
