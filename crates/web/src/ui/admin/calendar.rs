//! 工作日历 (SPEC §4.3): the years covered, a year's holidays and adjusted workdays, and the
//! import of a schedule with the open deadlines it moved.

use std::collections::BTreeSet;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use bancheng_app::CalendarImport;
use bancheng_domain::calendar::{CalendarFile, DayKind};
use bancheng_domain::deadline::local_day;
use chrono::{Datelike, NaiveDate};

use super::{AdminQuery, refused};
use crate::AppState;
use crate::ui::extract::{Staff, StaffForm};
use crate::ui::render::{Nav, UiError, UiResult, render_with};
use crate::ui::view::local_time;

/// A break: consecutive days off of one festival (with the ordinary weekend joined to it).
pub struct HolidayRun {
    pub name: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl HolidayRun {
    pub fn range(&self) -> String {
        if self.from == self.to {
            format!("{}（{}）", md(self.from), weekday(self.from))
        } else {
            format!("{}至{}", md(self.from), md(self.to))
        }
    }
    pub fn days(&self) -> i64 {
        (self.to - self.from).num_days() + 1
    }
}

pub struct CoveredYear {
    pub year: i32,
    pub source: String,
    pub by: String,
    pub at: String,
}

pub struct ChangedLine {
    pub number: String,
    pub kind: &'static str,
    pub from: String,
    pub to: String,
    pub provisional: bool,
}

#[derive(Template)]
#[template(path = "admin_calendar.html")]
pub struct CalendarPage {
    pub nav: Nav,
    pub year: i32,
    pub years: Vec<i32>,
    /// Where the shown year's schedule comes from; `None`: not covered.
    pub shown_source: Option<String>,
    pub holidays: Vec<HolidayRun>,
    /// (date, weekday, festival)
    pub workdays: Vec<(String, &'static str, String)>,
    pub official: String,
    pub imported: Vec<CoveredYear>,
    pub json: String,
    pub source: String,
    pub error: Option<String>,
    /// After an import: the years written and the open deadlines that moved.
    pub result: Option<(String, Vec<ChangedLine>)>,
}

fn weekday(d: NaiveDate) -> &'static str {
    ["星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日"]
        [d.weekday().num_days_from_monday() as usize]
}

fn md(d: NaiveDate) -> String {
    format!("{}月{}日", d.month(), d.day())
}

async fn calendar_page(s: &AppState, staff: &Staff, year: Option<i32>) -> Result<CalendarPage, UiError> {
    let rows = s.app.admin_calendar_years(&staff.actor).await?;
    let cal = s.app.calendar();
    let this_year = local_day(s.app.now()).year();
    let year = year.filter(|y| (1900..=9999).contains(y)).unwrap_or(this_year);

    let official_years: Vec<i32> =
        CalendarFile::official().years.keys().filter_map(|k| k.parse().ok()).collect();
    let official = match (official_years.first(), official_years.last()) {
        (Some(a), Some(b)) => format!("{a}年至{b}年"),
        _ => "无".to_owned(),
    };
    let imported_row = rows.iter().find(|r| r.year == year);
    let shown_source = match imported_row {
        Some(r) => Some(format!("{}（{} 导入于 {}）", r.source, r.imported_by, local_time(&r.imported_at))),
        None if official_years.contains(&year) => Some("内置国务院办公厅节假日安排通知".to_owned()),
        None => None,
    };

    let mut holidays: Vec<HolidayRun> = Vec::new();
    let mut workdays = Vec::new();
    // The year's own days, and the December days before it that its notice arranged (元旦).
    let start = NaiveDate::from_ymd_opt(year - 1, 12, 1).unwrap_or(NaiveDate::MIN);
    let end = NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(NaiveDate::MAX);
    let mut in_break = false;
    for d in start.iter_days().take_while(|d| *d <= end) {
        // December of the year before: only the 元旦 days this year's notice arranges.
        if d.year() != year && cal.day_name(d) != Some("元旦") {
            continue;
        }
        match cal.kind(d) {
            DayKind::Holiday => {
                let name = cal.day_name(d).unwrap_or("").to_owned();
                match holidays.last_mut() {
                    Some(run) if in_break && run.name == name => run.to = d,
                    _ => holidays.push(HolidayRun { name, from: d, to: d }),
                }
                in_break = true;
            }
            DayKind::AdjustedWorkday => {
                workdays.push((md(d), weekday(d), cal.day_name(d).unwrap_or("").to_owned()));
                in_break = false;
            }
            DayKind::Workday => in_break = false,
            // A weekend between two days off of one festival belongs to the break.
            DayKind::Weekend => {}
        }
    }

    let mut years: BTreeSet<i32> = official_years.iter().copied().collect();
    years.extend(rows.iter().map(|r| r.year));
    years.extend([this_year, this_year + 1, year]);
    let imported = rows
        .iter()
        .map(|r| CoveredYear {
            year: r.year,
            source: r.source.clone(),
            by: r.imported_by.clone(),
            at: local_time(&r.imported_at),
        })
        .collect();
    Ok(CalendarPage {
        nav: staff.nav("calendar"),
        year,
        years: years.into_iter().rev().collect(),
        shown_source,
        holidays,
        workdays,
        official,
        imported,
        json: String::new(),
        source: String::new(),
        error: None,
        result: None,
    })
}

pub async fn calendar(State(s): State<AppState>, staff: Staff, Query(q): Query<AdminQuery>) -> UiResult {
    let year = q.year.as_deref().and_then(|y| y.trim().parse().ok());
    Ok(render_with(StatusCode::OK, &calendar_page(&s, &staff, year).await?))
}

/// SPEC §4.3: import a schedule; the page then shows the years written and the open deadlines
/// that moved (each also logged on its case).
pub async fn import_calendar(State(s): State<AppState>, form: StaffForm) -> UiResult {
    let (json, source) = (form.get("json"), form.get("source"));
    match s.app.admin_import_calendar(&form.staff.actor, json, source).await {
        Ok(CalendarImport { years, changed }) => {
            let mut page = calendar_page(&s, &form.staff, years.first().copied()).await?;
            let years: Vec<String> = years.iter().map(|y| format!("{y}年")).collect();
            let lines = changed
                .into_iter()
                .map(|c| ChangedLine {
                    number: c.number,
                    kind: c.kind.label(),
                    from: c.from.to_string(),
                    to: c.to.to_string(),
                    provisional: c.provisional,
                })
                .collect();
            page.result = Some((years.join("、"), lines));
            Ok(render_with(StatusCode::OK, &page))
        }
        Err(e) => {
            let (_, message) = refused(e)?;
            let mut page = calendar_page(&s, &form.staff, None).await?;
            page.json = json.to_owned();
            page.source = source.to_owned();
            page.error = Some(message);
            Ok(render_with(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
    }
}
