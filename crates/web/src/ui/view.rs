//! Display helpers shared by the pages.

use bancheng_domain::case::Level;
use chrono::{DateTime, FixedOffset, Utc};

use crate::AppState;

fn shanghai() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("UTC+8")
}

/// `2026-11-27 09:05` in Asia/Shanghai.
pub fn local_time(t: &DateTime<Utc>) -> String {
    t.with_timezone(&shanghai()).format("%Y-%m-%d %H:%M").to_string()
}

/// Units a case can be dispatched to or filtered by: every unit of the center but the center
/// itself, as (code, name) in tree order.
pub fn responsible_units(state: &AppState, center: &str) -> Vec<(String, String)> {
    state
        .app
        .units()
        .into_iter()
        .filter(|u| u.center == center && u.kind != "center")
        .map(|u| (u.code, u.name))
        .collect()
}

/// The levels a case can be dispatched or escalated to (not the window's own), as (code, label).
pub fn dispatch_levels() -> Vec<(&'static str, &'static str)> {
    Level::ALL.iter().filter(|l| **l != Level::Window).map(|l| (l.code(), l.label())).collect()
}

/// Units a case can be sent to (SPEC §7: those that handle cases), as (code, name) in tree order;
/// with `outside`, also the bodies outside the center (escalation to the county level).
pub fn dispatch_units(state: &AppState, center: &str, outside: bool) -> Vec<(String, String)> {
    state
        .app
        .units()
        .into_iter()
        .filter(|u| u.center == center && (u.handles_cases || outside && u.kind == "outside"))
        .map(|u| (u.code, u.name))
        .collect()
}

/// "剩3个工作日" / "今日到期" / "超期2个工作日".
pub fn days_text(left: i64) -> String {
    match left {
        0 => "今日到期".to_owned(),
        n if n > 0 => format!("剩{n}个工作日"),
        n => format!("超期{}个工作日", -n),
    }
}

pub fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}
