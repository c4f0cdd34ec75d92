//! Fixed instants for tests. The center works in Asia/Shanghai (UTC+8, no daylight saving), so
//! every instant is given as local wall-clock time.

use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone, Utc};

/// An instant given as Asia/Shanghai wall-clock time.
pub fn shanghai(y: i32, m: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    let offset = FixedOffset::east_opt(8 * 3600).expect("offset");
    offset.with_ymd_and_hms(y, m, d, h, mi, 0).single().expect("valid local time").with_timezone(&Utc)
}

/// The full hour `h` of a day in Asia/Shanghai.
pub fn at(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
    shanghai(y, m, d, h, 0)
}

pub fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

/// `YYYY-MM-DD`.
pub fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
}

/// Monday 2026-03-02 10:00 in Shanghai: an ordinary working week with no holiday near.
pub fn default_start() -> DateTime<Utc> {
    shanghai(2026, 3, 2, 10, 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shanghai_is_eight_hours_ahead_of_utc() {
        assert_eq!(shanghai(2026, 3, 2, 9, 0).to_rfc3339(), "2026-03-02T01:00:00+00:00");
        assert_eq!(at(2026, 3, 2, 7), shanghai(2026, 3, 1, 23, 0) + chrono::TimeDelta::hours(8));
        assert_eq!(date("2026-03-02"), day(2026, 3, 2));
    }
}
