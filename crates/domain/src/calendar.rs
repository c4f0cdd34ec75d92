//! SPEC §4.3: the working-day calendar.
//!
//! A working day is a day that is not a weekend day or an official public holiday, or that is an
//! official adjusted working day (调休上班). The official schedule is the State Council General
//! Office's yearly notice (国务院办公厅关于部分节假日安排的通知), held as data in
//! `data/cn-calendar.json` (an exact copy of `shared/data/cn-calendar.json`; its README describes
//! the shape and the rule). A year whose notice is not imported is *not covered*: arithmetic over
//! it uses weekends only and is flagged provisional (SPEC §4.3 "never silently"); the strict
//! functions refuse it.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::sync::LazyLock;

use chrono::{Datelike, Days, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

use crate::{DomainError, Result};

/// The embedded official schedule, 2004–2026 (data/README: one entry per notice year).
const OFFICIAL_JSON: &str = include_str!("../data/cn-calendar.json");

static OFFICIAL_FILE: LazyLock<CalendarFile> =
    LazyLock::new(|| CalendarFile::parse(OFFICIAL_JSON).expect("embedded data/cn-calendar.json is valid"));

static OFFICIAL_CALENDAR: LazyLock<Calendar> =
    LazyLock::new(|| Calendar::from_file(CalendarFile::official()));

/// One listed day of a notice: a day off (放假) or an adjusted working day (调休上班), with the
/// festival it belongs to (元旦, 春节, …).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct DayEntry {
    pub date: NaiveDate,
    pub name: String,
}

/// One notice year. Both arrays are required (data/README: "Each year has exactly two arrays");
/// unknown keys are refused so that a typo such as `"workday"` cannot silently drop the 调休 days.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct YearEntry {
    pub holidays: Vec<DayEntry>,
    pub workdays: Vec<DayEntry>,
}

/// A file of the shape of `cn-calendar.json`: notice years keyed by the year as a string.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CalendarFile {
    pub source: String,
    pub years: BTreeMap<String, YearEntry>,
}

fn bad_file(message: impl Into<String>) -> DomainError {
    DomainError::invalid("calendar", message)
}

impl CalendarFile {
    /// Parses and validates a file of the shape of cn-calendar.json. Errors are
    /// `DomainError::Invalid` with field `"calendar"` and a Chinese message naming the bad
    /// year/date. Rules (data/README "Shape" and "Adding next year's schedule"):
    /// - a year key is 4 digits;
    /// - each array is sorted by date;
    /// - each date appears once in the whole file;
    /// - every `workdays` entry is a Saturday or Sunday;
    /// - a date lies in its key year or in the December before it (元旦 arrangements);
    /// - a festival name is not empty.
    pub fn parse(json: &str) -> Result<CalendarFile> {
        let file: CalendarFile =
            serde_json::from_str(json).map_err(|e| bad_file(format!("节假日安排文件格式不正确：{e}")))?;
        file.validate()?;
        Ok(file)
    }

    /// The embedded official file, parsed once.
    pub fn official() -> &'static CalendarFile {
        &OFFICIAL_FILE
    }

    /// Checks the rules listed on [`CalendarFile::parse`].
    pub fn validate(&self) -> Result<()> {
        let mut seen: HashSet<NaiveDate> = HashSet::new();
        for (key, entry) in &self.years {
            let year = parse_year_key(key)?;
            for (list, label) in [(&entry.holidays, "holidays"), (&entry.workdays, "workdays")] {
                let mut prev: Option<NaiveDate> = None;
                for day in list {
                    let d = day.date;
                    if let Some(p) = prev
                        && d <= p
                    {
                        return Err(bad_file(format!("{key}年的{label}未按日期升序排列：{d}排在{p}之后")));
                    }
                    prev = Some(d);
                    let in_year = d.year() == year;
                    let in_december_before = d.year() == year - 1 && d.month() == 12;
                    if !in_year && !in_december_before {
                        return Err(bad_file(format!(
                            "{key}年的{label}中的日期{d}既不在{key}年，也不在上一年12月"
                        )));
                    }
                    if !seen.insert(d) {
                        return Err(bad_file(format!("日期{d}在文件中出现了不止一次（{key}年）")));
                    }
                    if label == "workdays" && !is_weekend(d) {
                        return Err(bad_file(format!("{key}年的调休上班日{d}不是星期六或星期日")));
                    }
                    if day.name.trim().is_empty() {
                        return Err(bad_file(format!("{key}年的日期{d}缺少节日名称")));
                    }
                }
            }
        }
        Ok(())
    }
}

fn parse_year_key(key: &str) -> Result<i32> {
    if key.len() != 4 || !key.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad_file(format!("年份“{key}”不正确：应为4位数字")));
    }
    key.parse::<i32>().map_err(|_| bad_file(format!("年份“{key}”不正确：应为4位数字")))
}

/// What a date is, by the official schedule (or by weekday alone when nothing is listed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DayKind {
    /// Monday to Friday, not a holiday.
    Workday,
    /// Saturday or Sunday, not listed.
    Weekend,
    /// A listed day off (放假), weekday or weekend.
    Holiday,
    /// 调休上班: a listed Saturday or Sunday that is worked.
    AdjustedWorkday,
}

impl DayKind {
    pub fn is_working(self) -> bool {
        matches!(self, DayKind::Workday | DayKind::AdjustedWorkday)
    }
}

/// A computed date and whether it rests on weekend-only arithmetic for a year with no schedule
/// (SPEC §4.3: flagged as provisional, never silently).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkDate {
    pub date: NaiveDate,
    pub provisional: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Override {
    kind: DayKind,
    name: String,
    /// The notice year the entry came from (a December date may come from next year's notice).
    notice_year: i32,
}

/// The working-day calendar: the covered (imported) notice years and the listed days.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Calendar {
    years: BTreeSet<i32>,
    overrides: BTreeMap<NaiveDate, Override>,
}

fn is_weekend(d: NaiveDate) -> bool {
    matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

/// Outcome of the shared stepping loop.
struct Walk {
    date: NaiveDate,
    /// First examined date whose year is not covered, if any.
    uncovered: Option<NaiveDate>,
}

impl Calendar {
    /// The calendar of the embedded official file (2004–2026).
    pub fn official() -> Calendar {
        OFFICIAL_CALENDAR.clone()
    }

    pub fn from_file(file: &CalendarFile) -> Calendar {
        let mut cal = Calendar::default();
        cal.merge(file);
        cal
    }

    /// SPEC §4.3 (import of next year's schedule or a correction): every year in `file`
    /// replaces the same year entirely, including the December days its notice arranged.
    /// A December date listed by two different notice years keeps the later-merged entry.
    /// Year keys that are not 4 digits are skipped (`CalendarFile::parse` refuses them).
    pub fn merge(&mut self, file: &CalendarFile) {
        let incoming: BTreeMap<i32, &YearEntry> =
            file.years.iter().filter_map(|(k, v)| parse_year_key(k).ok().map(|y| (y, v))).collect();
        self.overrides.retain(|_, o| !incoming.contains_key(&o.notice_year));
        for (&year, entry) in &incoming {
            self.years.insert(year);
            for (list, kind) in
                [(&entry.holidays, DayKind::Holiday), (&entry.workdays, DayKind::AdjustedWorkday)]
            {
                for day in list {
                    self.overrides
                        .insert(day.date, Override { kind, name: day.name.clone(), notice_year: year });
                }
            }
        }
    }

    /// Covered years, sorted.
    pub fn years(&self) -> Vec<i32> {
        self.years.iter().copied().collect()
    }

    /// True iff `d`'s calendar year is a covered (imported) notice year.
    pub fn covers(&self, d: NaiveDate) -> bool {
        self.years.contains(&d.year())
    }

    /// The kind of `d`. A listed day keeps its listed kind; an unlisted day is `Weekend` or
    /// `Workday` by weekday. For an uncovered year this is the weekday rule (plus any December
    /// days already arranged by the next year's notice, which are official facts).
    pub fn kind(&self, d: NaiveDate) -> DayKind {
        match self.overrides.get(&d) {
            Some(o) => o.kind,
            None if is_weekend(d) => DayKind::Weekend,
            None => DayKind::Workday,
        }
    }

    /// The festival name of a listed day off (放假), e.g. `Some("国庆节")`.
    pub fn holiday_name(&self, d: NaiveDate) -> Option<&str> {
        self.overrides.get(&d).filter(|o| o.kind == DayKind::Holiday).map(|o| o.name.as_str())
    }

    /// The festival a listed day belongs to, for days off and 调休上班 days alike.
    pub fn day_name(&self, d: NaiveDate) -> Option<&str> {
        self.overrides.get(&d).map(|o| o.name.as_str())
    }

    fn uncovered_error(d: NaiveDate) -> DomainError {
        DomainError::invalid(
            "date",
            format!(
                "{}年的节假日安排尚未导入，无法确定{d}是否为工作日；请先导入国务院办公厅发布的{}年节假日安排",
                d.year(),
                d.year()
            ),
        )
    }

    /// Strict: whether `d` is a working day; refuses a date in an uncovered year.
    pub fn is_workday(&self, d: NaiveDate) -> Result<bool> {
        if !self.covers(d) {
            return Err(Self::uncovered_error(d));
        }
        Ok(self.kind(d).is_working())
    }

    /// `(is_working_day, provisional)`: never fails; `provisional` is true when `d`'s year is
    /// not covered and the answer rests on the weekday rule.
    pub fn workday_or_weekday(&self, d: NaiveDate) -> (bool, bool) {
        (self.kind(d).is_working(), !self.covers(d))
    }

    /// The stepping loop behind `add_workdays*`. SPEC §4.3: "N working days after D" is the N-th
    /// working day after D, D itself not counted; n == 0 is "the same working day": D if D is a
    /// working day, else the next one. For n ≥ 1 D itself is not examined.
    /// Saturates at `NaiveDate::MAX` (flagged as uncovered).
    fn walk(&self, d: NaiveDate, n: u32) -> Walk {
        let mut uncovered = None;
        let mut examine = |day: NaiveDate| {
            if uncovered.is_none() && !self.covers(day) {
                uncovered = Some(day);
            }
            self.kind(day).is_working()
        };
        let mut cur = d;
        let mut counted = 0u32;
        if n == 0 && examine(cur) {
            return Walk { date: cur, uncovered };
        }
        loop {
            let Some(next) = cur.succ_opt() else {
                return Walk { date: cur, uncovered: uncovered.or(Some(cur)) };
            };
            cur = next;
            if examine(cur) {
                counted += 1;
                if counted >= n.max(1) {
                    return Walk { date: cur, uncovered };
                }
            }
        }
    }

    /// Strict "N working days after D" (SPEC §4.3). Errors (field `"date"`) if any day it has to
    /// examine lies in an uncovered year, including D itself when n == 0.
    pub fn add_workdays(&self, d: NaiveDate, n: u32) -> Result<NaiveDate> {
        let w = self.walk(d, n);
        match w.uncovered {
            Some(u) => Err(Self::uncovered_error(u)),
            None => Ok(w.date),
        }
    }

    /// "N working days after D", never failing: days of uncovered years count by weekday alone
    /// and the result is flagged provisional iff any examined day was in an uncovered year.
    pub fn add_workdays_provisional(&self, d: NaiveDate, n: u32) -> WorkDate {
        let w = self.walk(d, n);
        WorkDate { date: w.date, provisional: w.uncovered.is_some() }
    }

    /// `d` if it is a working day, else the next working day (same as n == 0).
    pub fn next_workday_on_or_after(&self, d: NaiveDate) -> WorkDate {
        self.add_workdays_provisional(d, 0)
    }

    /// The count of working days in `(from, to]` if `to >= from`; the negative count of working
    /// days in `(to, from]` otherwise. Uncovered years count by weekday (SPEC §4.3: lists show
    /// how many working days are left or over).
    pub fn workdays_between(&self, from: NaiveDate, to: NaiveDate) -> i64 {
        if to < from {
            return -self.workdays_between(to, from);
        }
        // Weekdays in (from, to], then the listed days inside the range adjust the count:
        // a weekday holiday removes one, a 调休 weekend day adds one.
        let days = (to - from).num_days();
        let mut count = days / 7 * 5;
        let mut cur = from + Days::new((days / 7 * 7) as u64);
        while cur < to {
            cur = cur.succ_opt().unwrap_or(cur);
            if !is_weekend(cur) {
                count += 1;
            }
        }
        use std::ops::Bound::{Excluded, Included};
        for (&day, o) in self.overrides.range((Excluded(from), Included(to))) {
            match (o.kind, is_weekend(day)) {
                (DayKind::Holiday, false) => count -= 1,
                (DayKind::AdjustedWorkday, true) => count += 1,
                _ => {}
            }
        }
        count
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;
    use std::collections::HashMap;

    fn d(y: i32, m: u32, dd: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, dd).unwrap()
    }

    fn cal() -> Calendar {
        Calendar::official()
    }

    fn field_of(e: &DomainError) -> &'static str {
        match e {
            DomainError::Invalid { field, .. } => field,
            other => panic!("expected Invalid, got {other:?}"),
        }
    }

    #[test]
    fn official_calendar_covers_2004_to_2026_and_not_2027() {
        let years = cal().years();
        assert_eq!(years, (2004..=2026).collect::<Vec<_>>());
        assert!(cal().covers(d(2026, 12, 31)));
        assert!(!cal().covers(d(2027, 1, 1)));
        assert!(!cal().covers(d(2003, 12, 31)));
    }

    #[test]
    fn spec_4_3_department_case_dispatched_2026_09_30_first_feedback_due_2026_10_10_adjusted_saturday() {
        let c = cal();
        assert_eq!(c.add_workdays(d(2026, 9, 30), 3).unwrap(), d(2026, 10, 10));
        assert_eq!(c.kind(d(2026, 10, 10)), DayKind::AdjustedWorkday);
        assert_eq!(c.day_name(d(2026, 10, 10)), Some("国庆节"));
        assert_eq!(c.holiday_name(d(2026, 10, 10)), None);
    }

    #[test]
    fn spec_4_3_department_case_dispatched_2026_09_30_solved_due_2026_10_13() {
        // 10-08 Thu (1), 10-09 Fri (2), 10-10 Sat 调休 (3), 10-12 Mon (4), 10-13 Tue (5).
        assert_eq!(cal().add_workdays(d(2026, 9, 30), 5).unwrap(), d(2026, 10, 13));
    }

    #[test]
    fn spec_4_3_chunjie_2026_break_is_skipped_and_adjusted_saturdays_count() {
        let c = cal();
        // 2026 春节: 02-15..02-23 off; 02-14 (Sat) and 02-28 (Sat) worked.
        assert_eq!(c.kind(d(2026, 2, 14)), DayKind::AdjustedWorkday);
        assert_eq!(c.holiday_name(d(2026, 2, 16)), Some("春节"));
        // From Fri 02-13: day 1 is Sat 02-14, day 2 is Tue 02-24 after the break.
        assert_eq!(c.add_workdays(d(2026, 2, 13), 1).unwrap(), d(2026, 2, 14));
        assert_eq!(c.add_workdays(d(2026, 2, 13), 2).unwrap(), d(2026, 2, 24));
        // Tue 02-24 .. Fri 02-27 are 4 days, then Sat 02-28 is the 5th.
        assert_eq!(c.add_workdays(d(2026, 2, 23), 5).unwrap(), d(2026, 2, 28));
    }

    #[test]
    fn spec_4_3_chunjie_2025_break_is_skipped_and_adjusted_days_count() {
        let c = cal();
        // 2025 春节: 01-28..02-04 off; 01-26 (Sun) and 02-08 (Sat) worked.
        assert_eq!(c.kind(d(2025, 1, 26)), DayKind::AdjustedWorkday);
        assert_eq!(c.add_workdays(d(2025, 1, 24), 1).unwrap(), d(2025, 1, 26));
        assert_eq!(c.add_workdays(d(2025, 1, 24), 2).unwrap(), d(2025, 1, 27));
        assert_eq!(c.add_workdays(d(2025, 1, 24), 3).unwrap(), d(2025, 2, 5));
        assert_eq!(c.add_workdays(d(2025, 2, 5), 3).unwrap(), d(2025, 2, 8));
    }

    #[test]
    fn spec_4_3_case_accepted_on_a_holiday_counts_from_the_next_working_day_as_day_1() {
        let c = cal();
        // Accepted on 2026-10-01 (国庆节): 10-08 is day 1, 10-10 (Sat 调休) day 3.
        assert_eq!(c.add_workdays(d(2026, 10, 1), 1).unwrap(), d(2026, 10, 8));
        assert_eq!(c.add_workdays(d(2026, 10, 1), 3).unwrap(), d(2026, 10, 10));
        // Accepted on the first day of 2026 春节 (Sun 02-15): day 1 is Tue 02-24.
        assert_eq!(c.add_workdays(d(2026, 2, 15), 1).unwrap(), d(2026, 2, 24));
    }

    #[test]
    fn spec_4_2_window_level_same_working_day_n0_is_d_or_the_next_working_day() {
        let c = cal();
        assert_eq!(c.add_workdays(d(2026, 9, 30), 0).unwrap(), d(2026, 9, 30));
        assert_eq!(c.add_workdays(d(2026, 10, 1), 0).unwrap(), d(2026, 10, 8));
        assert_eq!(c.add_workdays(d(2026, 10, 10), 0).unwrap(), d(2026, 10, 10));
        assert_eq!(
            c.next_workday_on_or_after(d(2026, 10, 3)),
            WorkDate { date: d(2026, 10, 8), provisional: false }
        );
    }

    #[test]
    fn data_readme_2005_12_31_saturday_is_a_working_day_by_the_2006_notice() {
        let c = cal();
        assert_eq!(d(2005, 12, 31).weekday(), Weekday::Sat);
        assert_eq!(c.is_workday(d(2005, 12, 31)), Ok(true));
        assert_eq!(c.kind(d(2005, 12, 31)), DayKind::AdjustedWorkday);
        assert_eq!(c.day_name(d(2005, 12, 31)), Some("元旦"));
    }

    #[test]
    fn spec_4_3_uncovered_2027_strict_functions_refuse_with_field_date() {
        let c = cal();
        let e = c.is_workday(d(2027, 3, 1)).unwrap_err();
        assert_eq!(field_of(&e), "date");
        assert!(e.message().contains("2027年的节假日安排尚未导入"), "{e}");
        // The walk from late December 2026 reaches into 2027.
        let e = c.add_workdays(d(2026, 12, 30), 3).unwrap_err();
        assert_eq!(field_of(&e), "date");
        assert!(e.message().contains("2027年"), "{e}");
        // n == 0 examines D itself.
        assert!(c.add_workdays(d(2027, 1, 4), 0).is_err());
        // Staying inside 2026 is fine.
        assert_eq!(c.add_workdays(d(2026, 12, 28), 3).unwrap(), d(2026, 12, 31));
    }

    #[test]
    fn spec_4_3_uncovered_2027_is_weekend_only_and_flagged_provisional() {
        let c = cal();
        assert_eq!(c.workday_or_weekday(d(2027, 1, 1)), (true, true));
        assert_eq!(c.workday_or_weekday(d(2027, 1, 2)), (false, true));
        assert_eq!(c.workday_or_weekday(d(2026, 10, 1)), (false, false));
        assert_eq!(c.kind(d(2027, 1, 1)), DayKind::Workday);
        // Thu 2026-12-31 + 1 = Fri 2027-01-01 by weekday only (元旦 not yet published).
        assert_eq!(
            c.add_workdays_provisional(d(2026, 12, 31), 1),
            WorkDate { date: d(2027, 1, 1), provisional: true }
        );
        // Entirely inside 2026: not provisional.
        assert_eq!(
            c.add_workdays_provisional(d(2026, 9, 30), 5),
            WorkDate { date: d(2026, 10, 13), provisional: false }
        );
        assert_eq!(
            c.next_workday_on_or_after(d(2027, 1, 2)),
            WorkDate { date: d(2027, 1, 4), provisional: true }
        );
    }

    #[test]
    fn spec_4_3_workdays_between_counts_half_open_and_is_signed() {
        let c = cal();
        assert_eq!(c.workdays_between(d(2026, 9, 30), d(2026, 10, 13)), 5);
        assert_eq!(c.workdays_between(d(2026, 10, 13), d(2026, 9, 30)), -5);
        assert_eq!(c.workdays_between(d(2026, 9, 30), d(2026, 9, 30)), 0);
        // Uncovered 2027 counts by weekday: Mon 01-04 .. Fri 01-08.
        assert_eq!(c.workdays_between(d(2027, 1, 3), d(2027, 1, 8)), 5);
    }

    #[test]
    fn spec_4_3_import_merge_replaces_a_year_entirely_and_covers_it() {
        let mut c = cal();
        let json = r#"{"source":"test","years":{
            "2027":{"holidays":[{"date":"2027-01-01","name":"元旦"}],
                    "workdays":[{"date":"2027-01-09","name":"元旦"}]},
            "2026":{"holidays":[],"workdays":[]}}}"#;
        let file = CalendarFile::parse(json).unwrap();
        c.merge(&file);
        assert!(c.covers(d(2027, 1, 1)));
        assert_eq!(c.is_workday(d(2027, 1, 1)), Ok(false));
        assert_eq!(c.is_workday(d(2027, 1, 9)), Ok(true));
        // 2026 replaced by an empty schedule: 国庆节 is now an ordinary Thursday.
        assert_eq!(c.is_workday(d(2026, 10, 1)), Ok(true));
        // 2025's listed days are untouched.
        assert_eq!(c.is_workday(d(2025, 10, 1)), Ok(false));
        assert_eq!(c.years().last(), Some(&2027));
    }

    #[test]
    fn spec_4_3_merge_replaces_the_december_days_a_notice_arranged() {
        // The 2019 notice lists 2018-12-29 (worked) and 12-30/31 (off).
        let mut c = cal();
        assert_eq!(c.is_workday(d(2018, 12, 31)), Ok(false));
        let json = r#"{"source":"correction","years":{"2019":{"holidays":[],"workdays":[]}}}"#;
        c.merge(&CalendarFile::parse(json).unwrap());
        assert_eq!(c.is_workday(d(2018, 12, 31)), Ok(true));
        assert_eq!(c.is_workday(d(2018, 12, 29)), Ok(false));
        // 2018's own listed days stay.
        assert_eq!(c.is_workday(d(2018, 10, 1)), Ok(false));
    }

    // ---- CalendarFile::parse refusals -------------------------------------------------------

    fn parse_err(json: &str) -> DomainError {
        CalendarFile::parse(json).unwrap_err()
    }

    fn one_year(key: &str, holidays: &str, workdays: &str) -> String {
        format!(r#"{{"source":"t","years":{{"{key}":{{"holidays":[{holidays}],"workdays":[{workdays}]}}}}}}"#)
    }

    #[test]
    fn calendar_file_parse_accepts_the_embedded_file() {
        let f = CalendarFile::parse(OFFICIAL_JSON).unwrap();
        assert_eq!(f.years.len(), 23);
        assert_eq!(&f, CalendarFile::official());
    }

    #[test]
    fn calendar_file_rejects_a_year_key_that_is_not_4_digits() {
        for key in ["26", "20266", "２０２６", "20a6", ""] {
            let e = parse_err(&one_year(key, "", ""));
            assert_eq!(field_of(&e), "calendar");
            assert!(e.message().contains("年份"), "{key}: {e}");
        }
    }

    #[test]
    fn calendar_file_rejects_a_date_listed_twice_in_one_array() {
        let h = r#"{"date":"2026-01-01","name":"元旦"},{"date":"2026-01-01","name":"元旦"}"#;
        let e = parse_err(&one_year("2026", h, ""));
        assert_eq!(field_of(&e), "calendar");
        assert!(e.message().contains("2026-01-01"), "{e}");
    }

    #[test]
    fn calendar_file_rejects_a_date_listed_as_both_holiday_and_workday() {
        let h = r#"{"date":"2026-01-03","name":"元旦"}"#;
        let e = parse_err(&one_year("2026", h, h));
        assert_eq!(field_of(&e), "calendar");
        assert!(e.message().contains("2026-01-03"), "{e}");
    }

    #[test]
    fn calendar_file_rejects_a_date_listed_under_two_years() {
        // 2025-12-31 may sit under 2025 or under 2026 (December before), but not both.
        let json = r#"{"source":"t","years":{
            "2025":{"holidays":[{"date":"2025-12-31","name":"元旦"}],"workdays":[]},
            "2026":{"holidays":[{"date":"2025-12-31","name":"元旦"}],"workdays":[]}}}"#;
        let e = parse_err(json);
        assert_eq!(field_of(&e), "calendar");
        assert!(e.message().contains("2025-12-31"), "{e}");
    }

    #[test]
    fn calendar_file_rejects_a_workday_that_is_not_saturday_or_sunday() {
        // 2026-01-05 is a Monday.
        let w = r#"{"date":"2026-01-05","name":"元旦"}"#;
        let e = parse_err(&one_year("2026", "", w));
        assert_eq!(field_of(&e), "calendar");
        assert!(e.message().contains("2026-01-05"), "{e}");
        assert!(e.message().contains("星期六或星期日"), "{e}");
    }

    #[test]
    fn calendar_file_rejects_a_date_outside_the_key_year_and_the_december_before() {
        for date in ["2025-11-30", "2027-01-01", "2024-12-31"] {
            let h = format!(r#"{{"date":"{date}","name":"元旦"}}"#);
            let e = parse_err(&one_year("2026", &h, ""));
            assert_eq!(field_of(&e), "calendar");
            assert!(e.message().contains(date), "{e}");
        }
        // The December before is allowed (元旦 arrangements, e.g. 2018-12-29 in the 2019 notice).
        let w = r#"{"date":"2025-12-27","name":"元旦"}"#;
        assert!(CalendarFile::parse(&one_year("2026", "", w)).is_ok());
    }

    #[test]
    fn calendar_file_rejects_unsorted_arrays() {
        let h = r#"{"date":"2026-02-16","name":"春节"},{"date":"2026-02-15","name":"春节"}"#;
        let e = parse_err(&one_year("2026", h, ""));
        assert_eq!(field_of(&e), "calendar");
        assert!(e.message().contains("升序"), "{e}");
        let w = r#"{"date":"2026-02-28","name":"春节"},{"date":"2026-02-14","name":"春节"}"#;
        let e = parse_err(&one_year("2026", "", w));
        assert_eq!(field_of(&e), "calendar");
    }

    #[test]
    fn calendar_file_rejects_malformed_json_missing_arrays_and_unknown_keys() {
        for json in [
            "not json",
            r#"{"source":"t"}"#,
            r#"{"source":"t","years":{"2026":{"holidays":[]}}}"#,
            r#"{"source":"t","years":{"2026":{"holidays":[],"workday":[]}}}"#,
            r#"{"source":"t","years":{"2026":{"holidays":[{"date":"2026-02-30","name":"x"}],"workdays":[]}}}"#,
        ] {
            let e = parse_err(json);
            assert_eq!(field_of(&e), "calendar", "{json}");
        }
        let h = r#"{"date":"2026-01-01","name":" "}"#;
        assert_eq!(field_of(&parse_err(&one_year("2026", h, ""))), "calendar");
    }

    // ---- Independent oracle over the raw JSON ------------------------------------------------

    /// Working-day status straight from the raw JSON with the data/README rule: a working day
    /// iff listed in `workdays`, or Monday–Friday and not listed in `holidays`.
    struct Oracle {
        holidays: HashSet<NaiveDate>,
        workdays: HashSet<NaiveDate>,
    }

    impl Oracle {
        fn load() -> Oracle {
            let v: Value = serde_json::from_str(OFFICIAL_JSON).unwrap();
            let mut o = Oracle { holidays: HashSet::new(), workdays: HashSet::new() };
            for (_, year) in v["years"].as_object().unwrap() {
                for (key, set) in [("holidays", &mut o.holidays), ("workdays", &mut o.workdays)] {
                    for e in year[key].as_array().unwrap() {
                        let s = e["date"].as_str().unwrap();
                        set.insert(NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap());
                    }
                }
            }
            o
        }

        fn working(&self, d: NaiveDate) -> bool {
            let weekday = d.weekday().num_days_from_monday() < 5;
            self.workdays.contains(&d) || (weekday && !self.holidays.contains(&d))
        }

        fn add(&self, mut d: NaiveDate, n: u32) -> NaiveDate {
            if n == 0 {
                while !self.working(d) {
                    d = d.succ_opt().unwrap();
                }
                return d;
            }
            let mut k = 0;
            while k < n {
                d = d.succ_opt().unwrap();
                if self.working(d) {
                    k += 1;
                }
            }
            d
        }
    }

    #[test]
    fn oracle_every_date_2004_to_2026_has_the_readme_working_day_status() {
        let o = Oracle::load();
        let c = cal();
        let mut day = d(2004, 1, 1);
        let mut checked = 0;
        while day <= d(2026, 12, 31) {
            assert_eq!(c.is_workday(day), Ok(o.working(day)), "{day}");
            assert_eq!(c.workday_or_weekday(day), (o.working(day), false), "{day}");
            day = day.succ_opt().unwrap();
            checked += 1;
        }
        assert_eq!(checked, 8401);
    }

    #[test]
    fn oracle_add_workdays_0_1_3_5_7_10_agrees_with_a_naive_loop_on_every_date() {
        let o = Oracle::load();
        let c = cal();
        let mut day = d(2004, 1, 1);
        while day <= d(2026, 12, 31) {
            for n in [0u32, 1, 3, 5, 7, 10] {
                let want = o.add(day, n);
                if want.year() <= 2026 {
                    assert_eq!(c.add_workdays(day, n), Ok(want), "{day} + {n}");
                } else {
                    // The naive loop stepped into uncovered 2027: strict refuses, provisional
                    // agrees on the weekday-only date and flags it.
                    assert!(c.add_workdays(day, n).is_err(), "{day} + {n}");
                    assert_eq!(
                        c.add_workdays_provisional(day, n),
                        WorkDate { date: want, provisional: true },
                        "{day} + {n}"
                    );
                }
            }
            day = day.succ_opt().unwrap();
        }
    }

    #[test]
    fn oracle_workdays_between_agrees_with_a_naive_count() {
        let o = Oracle::load();
        let c = cal();
        let mut day = d(2004, 1, 1);
        while day <= d(2026, 12, 31) {
            let mut naive: HashMap<u64, i64> = HashMap::new();
            let mut k = 0;
            let mut cur = day;
            for span in 1..=40u64 {
                cur = cur.succ_opt().unwrap();
                if o.working(cur) {
                    k += 1;
                }
                naive.insert(span, k);
            }
            for span in [1u64, 6, 7, 13, 40] {
                let to = day + Days::new(span);
                assert_eq!(c.workdays_between(day, to), naive[&span], "{day}..{to}");
                assert_eq!(c.workdays_between(to, day), -naive[&span], "{to}..{day}");
            }
            day = day.succ_opt().unwrap();
        }
    }

    #[test]
    fn day_kind_serializes_snake_case() {
        assert_eq!(serde_json::to_string(&DayKind::AdjustedWorkday).unwrap(), "\"adjusted_workday\"");
        let w = WorkDate { date: d(2027, 1, 4), provisional: true };
        assert_eq!(serde_json::to_string(&w).unwrap(), r#"{"date":"2027-01-04","provisional":true}"#);
    }
}
