//! Properties of the working-day calendar (SPEC §4.3) over the official data, for covered dates
//! (2004–2026) and, for the provisional flag, dates reaching into uncovered 2027–2030.

use bancheng_domain::calendar::{Calendar, CalendarFile, DayKind};
use chrono::{Datelike, Days, NaiveDate, Weekday};
use proptest::prelude::*;
use std::sync::LazyLock;

static CAL: LazyLock<Calendar> = LazyLock::new(Calendar::official);

fn d(y: i32, m: u32, dd: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, dd).unwrap()
}

/// A date between `from` and `to` inclusive.
fn date_in(from: NaiveDate, to: NaiveDate) -> impl Strategy<Value = NaiveDate> {
    let span = (to - from).num_days() as u64;
    (0..=span).prop_map(move |k| from + Days::new(k))
}

fn covered_date() -> impl Strategy<Value = NaiveDate> {
    date_in(d(2004, 1, 1), d(2026, 12, 31))
}

fn any_date() -> impl Strategy<Value = NaiveDate> {
    date_in(d(2004, 1, 1), d(2030, 12, 31))
}

fn working(day: NaiveDate) -> bool {
    CAL.workday_or_weekday(day).0
}

/// The days `add_workdays(d, n)` has to examine to reach `result`: `(d, result]` for n ≥ 1,
/// `[d, result]` for n == 0.
fn examined(d: NaiveDate, n: u32, result: NaiveDate) -> impl Iterator<Item = NaiveDate> {
    let start = if n == 0 { d } else { d.succ_opt().unwrap() };
    start.iter_days().take_while(move |x| *x <= result)
}

proptest! {
    // No regression files: the crate's tree is reviewed, failures are reported in the test output.
    #![proptest_config(ProptestConfig {
        cases: 2000,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn add_workdays_never_lands_on_a_rest_day(day in any_date(), n in 0u32..40) {
        let w = CAL.add_workdays_provisional(day, n);
        prop_assert!(working(w.date), "{day} + {n} = {}", w.date);
        prop_assert!(w.date >= day);
        if n >= 1 {
            prop_assert!(w.date > day);
        }
    }

    #[test]
    fn from_a_rest_day_n0_and_n1_are_the_same_day(day in any_date()) {
        let day = day.iter_days().find(|x| !working(*x)).unwrap();
        prop_assert_eq!(
            CAL.add_workdays_provisional(day, 0),
            CAL.add_workdays_provisional(day, 1)
        );
    }

    #[test]
    fn add_workdays_is_monotonic_and_strictly_increasing_for_n_at_least_1(
        day in any_date(), n in 0u32..40,
    ) {
        let a = CAL.add_workdays_provisional(day, n).date;
        let b = CAL.add_workdays_provisional(day, n + 1).date;
        prop_assert!(a <= b);
        if n >= 1 {
            prop_assert!(a < b);
        }
    }

    #[test]
    fn add_workdays_n_plus_1_is_the_first_working_day_after_add_workdays_n(
        day in any_date(), n in 0u32..40,
    ) {
        // For n == 0 this holds only from a working day: from a rest day D, n == 0 ("the same
        // working day") and n == 1 (D not counted, first working day after it) are the same day.
        prop_assume!(n >= 1 || working(day));
        let a = CAL.add_workdays_provisional(day, n).date;
        let b = CAL.add_workdays_provisional(day, n + 1).date;
        let first_after = a.succ_opt().unwrap().iter_days().find(|x| working(*x)).unwrap();
        prop_assert_eq!(b, first_after);
        prop_assert_eq!(CAL.add_workdays_provisional(a, 1).date, b);
    }

    #[test]
    fn workdays_between_a_working_day_and_n_working_days_later_is_n(
        day in covered_date(), n in 1u32..40,
    ) {
        let start = CAL.next_workday_on_or_after(day).date;
        let end = CAL.add_workdays_provisional(start, n).date;
        prop_assert_eq!(CAL.workdays_between(start, end), i64::from(n));
        prop_assert_eq!(CAL.workdays_between(end, start), -i64::from(n));
    }

    #[test]
    fn workdays_between_counts_from_any_day_too(day in any_date(), n in 1u32..40) {
        // From a rest day D, the N-th working day after D is still N working days later.
        let end = CAL.add_workdays_provisional(day, n).date;
        prop_assert_eq!(CAL.workdays_between(day, end), i64::from(n));
    }

    #[test]
    fn provisional_flag_is_set_iff_an_uncovered_year_was_examined(
        day in any_date(), n in 0u32..40,
    ) {
        let w = CAL.add_workdays_provisional(day, n);
        let touched_uncovered = examined(day, n, w.date).any(|x| !CAL.covers(x));
        prop_assert_eq!(w.provisional, touched_uncovered, "{} + {} = {:?}", day, n, w);
        // The strict form agrees when nothing uncovered was examined and refuses otherwise.
        match CAL.add_workdays(day, n) {
            Ok(date) => {
                prop_assert!(!w.provisional);
                prop_assert_eq!(date, w.date);
            }
            Err(e) => {
                prop_assert!(w.provisional);
                prop_assert_eq!(e.code(), "invalid");
            }
        }
    }

    #[test]
    fn strict_is_workday_refuses_exactly_the_uncovered_years(day in any_date()) {
        let (is_working, provisional) = CAL.workday_or_weekday(day);
        prop_assert_eq!(provisional, day.year() > 2026);
        match CAL.is_workday(day) {
            Ok(b) => {
                prop_assert!(!provisional);
                prop_assert_eq!(b, is_working);
            }
            Err(_) => prop_assert!(provisional),
        }
        if provisional {
            // Uncovered years: weekend-only arithmetic.
            let weekend = matches!(day.weekday(), Weekday::Sat | Weekday::Sun);
            prop_assert_eq!(is_working, !weekend);
        }
    }

    #[test]
    fn a_listed_weekday_holiday_is_skipped(
        pick in 0usize..10_000, k in 1u32..6,
    ) {
        let file = CalendarFile::official();
        let holidays: Vec<NaiveDate> = file
            .years
            .values()
            .flat_map(|y| y.holidays.iter().map(|e| e.date))
            .filter(|x| !matches!(x.weekday(), Weekday::Sat | Weekday::Sun))
            .collect();
        let h = holidays[pick % holidays.len()];
        // Counting from any of the k days before the holiday never lands on it.
        let from = h - Days::new(u64::from(k));
        for n in 0..=10 {
            prop_assert_ne!(CAL.add_workdays_provisional(from, n).date, h);
        }
    }

    #[test]
    fn a_listed_adjusted_weekend_workday_is_counted(pick in 0usize..10_000, k in 0u32..5) {
        let file = CalendarFile::official();
        let workdays: Vec<NaiveDate> = file
            .years
            .values()
            .flat_map(|y| y.workdays.iter().map(|e| e.date))
            .collect();
        let w = workdays[pick % workdays.len()];
        // Walking back k working days from the 调休 day, then forward k+1 from the day before
        // that, lands on it.
        let mut start = w.pred_opt().unwrap();
        for _ in 0..k {
            start = start.pred_opt().unwrap();
            while !working(start) {
                start = start.pred_opt().unwrap();
            }
        }
        let before = start.pred_opt().unwrap();
        let n = CAL.workdays_between(before, w) as u32;
        prop_assert_eq!(CAL.add_workdays(before, n), Ok(w));
    }
}

#[test]
fn every_listed_weekday_holiday_is_a_rest_day_and_skipped() {
    let mut checked = 0;
    for entry in CalendarFile::official().years.values() {
        for h in &entry.holidays {
            let day = h.date;
            assert_eq!(CAL.kind(day), DayKind::Holiday, "{day}");
            assert_eq!(CAL.is_workday(day), Ok(false), "{day}");
            if !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
                let before = day.pred_opt().unwrap();
                assert_eq!(CAL.workdays_between(before, day), 0, "{day}");
                assert_ne!(CAL.add_workdays(before, 1), Ok(day), "{day}");
                checked += 1;
            }
        }
    }
    assert!(checked > 300, "{checked}");
}

#[test]
fn every_listed_adjusted_weekend_workday_is_counted() {
    let mut checked = 0;
    for entry in CalendarFile::official().years.values() {
        for w in &entry.workdays {
            let day = w.date;
            assert_eq!(CAL.kind(day), DayKind::AdjustedWorkday, "{day}");
            let before = day.pred_opt().unwrap();
            assert_eq!(CAL.add_workdays(before, 1), Ok(day), "{day}");
            assert_eq!(CAL.add_workdays(day, 0), Ok(day), "{day}");
            assert_eq!(CAL.workdays_between(before, day), 1, "{day}");
            checked += 1;
        }
    }
    assert_eq!(checked, 151);
}
