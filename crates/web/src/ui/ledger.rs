//! 台账 (附件4 跟踪台账): the filtered, sorted, paginated ledger with masked personal data, a
//! printable view and the Excel export button. Columns and cell texts come from
//! `bancheng_app::ledger_cells`, the same definition the Excel export uses. The page shows the
//! columns the user chose (saved per user; by default status, due day and working days left fit
//! a 1366 px screen) and keeps their saved filters (我的常用筛选).

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use bancheng_app::{CaseQuery, LEDGER_COLUMNS, PREF_LEDGER_COLUMNS, PREF_SAVED_FILTERS, ledger_cells};
use bancheng_domain::case::{Category, Level, Status};
use serde::{Deserialize, Serialize};

use super::extract::{Staff, StaffForm};
use super::render::{Nav, UiError, UiResult, render, render_with};
use super::view::{local_time, responsible_units, url_encode};
use crate::AppState;
use crate::http::query::ListParams;
use crate::http::view::{People, UnitNames};

/// One saved filter: its name and query string.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SavedFilter {
    pub name: String,
    pub qs: String,
}

/// The columns shown on the page: the user's choice, else the default set.
async fn shown_columns(s: &AppState, staff: &Staff) -> Result<Vec<usize>, UiError> {
    let saved = s.app.pref(&staff.actor, PREF_LEDGER_COLUMNS).await?;
    let chosen: Option<Vec<String>> = saved.and_then(|v| serde_json::from_str(&v).ok());
    let mut idx: Vec<usize> = match chosen {
        Some(keys) => keys.iter().filter_map(|k| bancheng_app::ledger_column(k)).collect(),
        None => vec![],
    };
    if idx.is_empty() {
        idx = LEDGER_COLUMNS.iter().enumerate().filter(|(_, c)| c.shown).map(|(i, _)| i).collect();
    }
    // The number always: it links to the case.
    if let Some(n) = bancheng_app::ledger_column("number")
        && !idx.contains(&n)
    {
        idx.insert(0, n);
    }
    idx.sort_unstable();
    Ok(idx)
}

async fn saved_filters(s: &AppState, staff: &Staff) -> Result<Vec<SavedFilter>, UiError> {
    let saved = s.app.pref(&staff.actor, PREF_SAVED_FILTERS).await?;
    Ok(saved.and_then(|v| serde_json::from_str(&v).ok()).unwrap_or_default())
}

pub struct LedgerRow {
    pub number: String,
    /// (column key, text) of the shown columns.
    pub cells: Vec<(&'static str, String)>,
    pub overdue: bool,
    pub due_soon: bool,
}

/// A column of the picker: key, header, shown now.
pub struct ColumnChoice {
    pub key: &'static str,
    pub header: &'static str,
    pub shown: bool,
}

#[derive(Template)]
#[template(path = "ledger.html")]
pub struct LedgerPage {
    pub nav: Nav,
    pub p: ListParams,
    pub headers: Vec<(&'static str, &'static str)>,
    pub columns: Vec<ColumnChoice>,
    pub saved: Vec<SavedFilter>,
    pub rows: Vec<LedgerRow>,
    pub total: i64,
    pub page: u32,
    pub pages: u32,
    pub per_page: u32,
    pub error: Option<String>,
    pub units: Vec<(String, String)>,
    pub statuses: Vec<(&'static str, &'static str)>,
    /// The `status` value of every open status (在办).
    pub ongoing: &'static str,
    pub levels: Vec<(&'static str, &'static str)>,
    pub categories: Vec<(&'static str, &'static str)>,
    /// The filters as a query string, without page (for pager, print and export links).
    pub filter_qs: String,
    pub unit_scoped: bool,
}

#[derive(Template)]
#[template(path = "ledger_print.html")]
pub struct LedgerPrint {
    pub headers: Vec<(&'static str, &'static str)>,
    pub rows: Vec<LedgerRow>,
    pub total: i64,
    pub printed_at: String,
    pub printed_by: String,
    pub conditions: String,
    pub back_qs: String,
    pub center: String,
    pub truncated: bool,
}

impl LedgerPage {
    pub fn sel(&self, field: &str, value: &str) -> bool {
        self.p.field(field).as_deref().unwrap_or("") == value
    }
    pub fn val<'a>(&self, v: &'a Option<String>) -> &'a str {
        v.as_deref().unwrap_or("")
    }
}

/// The filters (not the page) as a query string.
fn filter_qs(p: &ListParams) -> String {
    p.pairs(true).into_iter().map(|(k, v)| format!("{k}={}", url_encode(v))).collect::<Vec<_>>().join("&")
}

fn rows_of(
    s: &AppState,
    people: &People,
    offset: usize,
    items: &[bancheng_app::CaseSummary],
    shown: &[usize],
) -> Vec<LedgerRow> {
    let names = UnitNames::of(s);
    let name = |code: &str| names.name(code);
    let person = |username: &str| people.name(username);
    items
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let cells = ledger_cells(offset + i, r, &name, &person);
            LedgerRow {
                number: r.number.clone(),
                cells: shown.iter().map(|&c| (LEDGER_COLUMNS[c].key, cells[c].clone())).collect(),
                overdue: r.overdue,
                due_soon: r.due_soon,
            }
        })
        .collect()
}

fn headers(shown: &[usize]) -> Vec<(&'static str, &'static str)> {
    shown.iter().map(|&c| (LEDGER_COLUMNS[c].key, LEDGER_COLUMNS[c].header)).collect()
}

/// Empty strings from the filter form mean "any".
fn cleaned(p: Result<Query<ListParams>, QueryRejection>) -> Result<ListParams, UiError> {
    let Query(p) =
        p.map_err(|e| UiError::new(StatusCode::UNPROCESSABLE_ENTITY, format!("查询条件不正确：{e}")))?;
    let f = |v: Option<String>| v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
    Ok(ListParams {
        status: f(p.status),
        level: f(p.level),
        unit: f(p.unit),
        received_unit: f(p.received_unit),
        overdue: f(p.overdue),
        category: f(p.category),
        channel: f(p.channel),
        from: f(p.from),
        to: f(p.to),
        q: f(p.q),
        page: f(p.page),
        per_page: f(p.per_page),
        sort: f(p.sort),
    })
}

pub async fn page(
    State(s): State<AppState>,
    staff: Staff,
    params: Result<Query<ListParams>, QueryRejection>,
) -> UiResult {
    let p = cleaned(params)?;
    let per_page =
        p.per_page.as_deref().and_then(|v| v.parse().ok()).filter(|n| (10..=200).contains(n)).unwrap_or(50);
    let shown = shown_columns(&s, &staff).await?;
    let people = People::of(&s, &staff.actor).await?;
    let mut page = LedgerPage {
        nav: staff.nav("ledger"),
        headers: headers(&shown),
        columns: LEDGER_COLUMNS
            .iter()
            .enumerate()
            .map(|(i, c)| ColumnChoice { key: c.key, header: c.header, shown: shown.contains(&i) })
            .collect(),
        saved: saved_filters(&s, &staff).await?,
        rows: vec![],
        total: 0,
        page: 1,
        pages: 1,
        per_page,
        error: None,
        units: responsible_units(&s, &staff.actor.center),
        statuses: Status::ALL.iter().map(|x| (x.code(), x.label())).collect(),
        ongoing: bancheng_domain::case::OPEN_STATUSES,
        levels: Level::ALL.iter().map(|x| (x.code(), x.label())).collect(),
        categories: Category::ALL.iter().map(|x| (x.code(), x.label())).collect(),
        filter_qs: filter_qs(&p),
        unit_scoped: staff.actor.role.is_unit_scoped(),
        p,
    };
    let q = match page.p.to_query() {
        Ok(q) => CaseQuery { per_page: Some(per_page), ..q },
        Err(e) => {
            page.error = Some(e.message);
            return Ok(render_with(StatusCode::UNPROCESSABLE_ENTITY, &page));
        }
    };
    match s.app.cases(&staff.actor, &q).await {
        Ok((items, total)) => {
            let current = q.page.unwrap_or(1);
            page.total = total;
            page.page = current;
            page.pages = (total.max(1) as u32).div_ceil(per_page);
            page.rows = rows_of(&s, &people, ((current - 1) * per_page) as usize, &items, &shown);
            Ok(render(&page))
        }
        Err(bancheng_app::AppError::Domain(e @ bancheng_domain::DomainError::Invalid { .. })) => {
            page.error = Some(e.message().to_owned());
            Ok(render_with(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(e) => Err(e.into()),
    }
}

/// The most rows a printed ledger holds (more: narrow the filters or export to Excel).
const PRINT_MAX: u32 = 1_000;

pub async fn print(
    State(s): State<AppState>,
    staff: Staff,
    params: Result<Query<ListParams>, QueryRejection>,
) -> UiResult {
    let p = cleaned(params)?;
    let base = p.to_query().map_err(UiError::from)?;
    let people = People::of(&s, &staff.actor).await?;
    let all: Vec<usize> = (0..LEDGER_COLUMNS.len()).collect();
    let mut rows = Vec::new();
    let mut total = 0;
    let mut page = 1;
    while (rows.len() as u32) < PRINT_MAX {
        let q = CaseQuery { page: Some(page), per_page: Some(200), ..base.clone() };
        let (items, t) = s.app.cases(&staff.actor, &q).await?;
        total = t;
        let n = items.len();
        let offset = rows.len();
        rows.extend(rows_of(&s, &people, offset, &items, &all));
        if n < 200 {
            break;
        }
        page += 1;
    }
    let conditions = filter_qs(&p);
    Ok(render(&LedgerPrint {
        headers: headers(&all),
        truncated: (rows.len() as i64) < total,
        rows,
        total,
        printed_at: local_time(&s.app.now()),
        printed_by: staff.nav("ledger").name,
        conditions: if conditions.is_empty() { "全部".into() } else { conditions.clone() },
        back_qs: conditions,
        center: UnitNames::of(&s).name(&staff.actor.center),
    }))
}

/// `POST /ledger/columns`: the columns the user wants on the page (`col` fields), saved for
/// them; none chosen (or 恢复默认) goes back to the default set.
pub async fn save_columns(State(s): State<AppState>, form: StaffForm) -> UiResult {
    let keys: Vec<&str> = form
        .fields
        .iter()
        .filter(|(k, _)| k == "col")
        .map(|(_, v)| v.as_str())
        .filter(|k| bancheng_app::ledger_column(k).is_some())
        .collect();
    let value = (!keys.is_empty() && form.get("reset").is_empty())
        .then(|| serde_json::to_string(&keys).unwrap_or_default());
    s.app.set_pref(&form.staff.actor, PREF_LEDGER_COLUMNS, value.as_deref()).await?;
    Ok(Redirect::to(&format!("/ledger?{}", form.get("back"))).into_response())
}

/// `POST /ledger/filters`: saves the current filters under a name (or, with `delete`, forgets
/// the named one). At most 20 are kept.
pub async fn save_filter(State(s): State<AppState>, form: StaffForm) -> UiResult {
    let mut saved = saved_filters(&s, &form.staff).await?;
    let name = form.get("name").trim().chars().take(30).collect::<String>();
    let qs = form.get("qs").trim().to_owned();
    if form.get("delete").is_empty() {
        if name.is_empty() {
            return Err(UiError::from(bancheng_domain::DomainError::invalid(
                "name",
                "请为这组筛选条件起个名字",
            )));
        }
        saved.retain(|f| f.name != name);
        saved.push(SavedFilter { name, qs: qs.clone() });
        if saved.len() > 20 {
            saved.remove(0);
        }
    } else {
        saved.retain(|f| f.name != form.get("delete"));
    }
    let value = serde_json::to_string(&saved).unwrap_or_default();
    s.app.set_pref(&form.staff.actor, PREF_SAVED_FILTERS, Some(&value)).await?;
    Ok(Redirect::to(&format!("/ledger?{qs}")).into_response())
}
