//! 附件3 注: 事项编号 = the registration day as YYYYMMDD + the day's sequence number.
//! `2021081003` is the 3rd case of 2021-08-10 (the source prints `2021081203`, a typo).
//! Two digits from 01, widening to three after 99 (SPEC §3).

use chrono::NaiveDate;

use crate::{DomainError, Result};

/// Formats the case number of the `seq`-th case (1-based) registered on `day`.
pub fn format_number(day: NaiveDate, seq: u32) -> String {
    format!("{}{:02}", day.format("%Y%m%d"), seq)
}

/// Splits a case number into its day and sequence.
pub fn parse_number(s: &str) -> Result<(NaiveDate, u32)> {
    let bad = || DomainError::invalid("number", format!("事项编号格式不正确：{s}"));
    if s.len() < 10 || s.len() > 14 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let day = NaiveDate::parse_from_str(&s[..8], "%Y%m%d").map_err(|_| bad())?;
    let seq_text = &s[8..];
    let seq: u32 = seq_text.parse().map_err(|_| bad())?;
    // Canonical form only: no leading zero beyond the two-digit minimum.
    if seq == 0 || format_number(day, seq) != s {
        return Err(bad());
    }
    Ok((day, seq))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, dd: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, dd).unwrap()
    }

    #[test]
    fn attachment3_third_case_of_2021_08_10_is_2021081003() {
        assert_eq!(format_number(d(2021, 8, 10), 3), "2021081003");
        assert_eq!(parse_number("2021081003").unwrap(), (d(2021, 8, 10), 3));
    }

    #[test]
    fn spec_3_sequence_widens_to_three_digits_after_99() {
        assert_eq!(format_number(d(2021, 8, 10), 99), "2021081099");
        assert_eq!(format_number(d(2021, 8, 10), 100), "20210810100");
        assert_eq!(parse_number("20210810100").unwrap().1, 100);
    }

    #[test]
    fn malformed_numbers_are_refused_naming_the_field() {
        for s in ["", "2021081", "20210810a3", "2021133101", "2021081000", "202108100003"] {
            match parse_number(s) {
                Err(DomainError::Invalid { field, .. }) => assert_eq!(field, "number"),
                other => panic!("{s}: {other:?}"),
            }
        }
    }
}
