//! The case list's query (`GET /api/v1/cases`, the 台账 page, the Excel export): every value
//! checked, a bad one a 422 naming it.

use bancheng_app::CaseQuery;
use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::http::error::ApiError;

/// Query of the case list; every value is checked and a bad one is a 422 naming it.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// One status or several separated by commas.
    pub status: Option<String>,
    pub level: Option<String>,
    /// Lead or co-unit code.
    pub unit: Option<String>,
    /// true: only cases past a deadline; false: only cases not past one.
    pub overdue: Option<String>,
    pub category: Option<String>,
    pub channel: Option<String>,
    /// Registration day from (YYYY-MM-DD, inclusive).
    pub from: Option<String>,
    /// Registration day to (YYYY-MM-DD, inclusive).
    pub to: Option<String>,
    /// Text in the applicant name or description (Chinese, any length), or a case number.
    pub q: Option<String>,
    pub page: Option<String>,
    /// 1–200, default 20.
    pub per_page: Option<String>,
    /// received_desc (default: newest first) | received_asc | due (earliest open deadline first) | number
    pub sort: Option<String>,
}

impl ListParams {
    /// The checked query (422 naming the field for a malformed value).
    pub fn to_query(&self) -> Result<CaseQuery, ApiError> {
        Ok(CaseQuery {
            status: self.status.clone(),
            level: self.level.clone(),
            unit: self.unit.clone(),
            overdue: opt_bool("overdue", &self.overdue)?,
            category: self.category.clone(),
            channel: self.channel.clone(),
            from: opt_date("from", &self.from)?,
            to: opt_date("to", &self.to)?,
            q: self.q.clone(),
            page: opt_u32("page", &self.page)?,
            per_page: opt_u32("per_page", &self.per_page)?,
            sort: self.sort.clone(),
        })
    }
}

fn opt_date(field: &'static str, v: &Option<String>) -> Result<Option<NaiveDate>, ApiError> {
    match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| ApiError::invalid(field, format!("日期格式应为YYYY-MM-DD：{s}"))),
    }
}

fn opt_u32(field: &'static str, v: &Option<String>) -> Result<Option<u32>, ApiError> {
    match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => s.parse().map(Some).map_err(|_| ApiError::invalid(field, format!("应为正整数：{s}"))),
    }
}

fn opt_bool(field: &'static str, v: &Option<String>) -> Result<Option<bool>, ApiError> {
    match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some("true" | "1") => Ok(Some(true)),
        Some("false" | "0") => Ok(Some(false)),
        Some(s) => Err(ApiError::invalid(field, format!("应为true或false：{s}"))),
    }
}

/// Filters of the ledger: those of `GET /api/v1/cases`, without paging.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LedgerParams {
    /// One status or several separated by commas.
    pub status: Option<String>,
    pub level: Option<String>,
    /// Lead or co-unit code.
    pub unit: Option<String>,
    /// true: only cases past a deadline; false: only cases not past one.
    pub overdue: Option<String>,
    pub category: Option<String>,
    pub channel: Option<String>,
    /// Registration day from (YYYY-MM-DD, inclusive).
    pub from: Option<String>,
    /// Registration day to (YYYY-MM-DD, inclusive).
    pub to: Option<String>,
    /// Text in the applicant name or description, or a case number.
    pub q: Option<String>,
    /// received_desc (default: newest first) | received_asc | due (earliest open deadline first) | number
    pub sort: Option<String>,
}

impl From<LedgerParams> for ListParams {
    fn from(p: LedgerParams) -> Self {
        ListParams {
            status: p.status,
            level: p.level,
            unit: p.unit,
            overdue: p.overdue,
            category: p.category,
            channel: p.channel,
            from: p.from,
            to: p.to,
            q: p.q,
            page: None,
            per_page: None,
            sort: p.sort,
        }
    }
}
