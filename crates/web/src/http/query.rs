//! The case list's query (`GET /api/v1/cases`, the 台账 page, the Excel export): the filters of
//! `bancheng_domain::case::CASE_FILTERS`, parsed by `CaseQuery::from_pairs` (a bad value is a 422
//! naming it). The export ignores `page` and `per_page`.

use bancheng_app::CaseQuery;
use bancheng_domain::case::CASE_FILTERS;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::http::error::ApiError;

/// Query of the case list; every value is checked and a bad one is a 422 naming it.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// One status or several separated by commas; `ongoing` = every open status (在办).
    pub status: Option<String>,
    pub level: Option<String>,
    /// Lead or co-unit code.
    pub unit: Option<String>,
    /// Code of the unit that registered the case (the window's own cases).
    pub received_unit: Option<String>,
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
    /// The value of the filter `name` of `case::CASE_FILTERS`.
    pub fn field(&self, name: &str) -> &Option<String> {
        match name {
            "status" => &self.status,
            "level" => &self.level,
            "unit" => &self.unit,
            "received_unit" => &self.received_unit,
            "overdue" => &self.overdue,
            "category" => &self.category,
            "channel" => &self.channel,
            "from" => &self.from,
            "to" => &self.to,
            "q" => &self.q,
            "page" => &self.page,
            "per_page" => &self.per_page,
            "sort" => &self.sort,
            _ => &None,
        }
    }

    /// The non-empty parameters in `CASE_FILTERS` order; with `selection_only`, without paging.
    pub fn pairs(&self, selection_only: bool) -> Vec<(&'static str, &str)> {
        CASE_FILTERS
            .iter()
            .filter(|f| f.selects || !selection_only)
            .filter_map(|f| {
                self.field(f.name).as_deref().map(str::trim).filter(|v| !v.is_empty()).map(|v| (f.name, v))
            })
            .collect()
    }

    /// The checked query (422 naming the field for a malformed value).
    pub fn to_query(&self) -> Result<CaseQuery, ApiError> {
        Ok(CaseQuery::from_pairs(&self.pairs(false))?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use utoipa::IntoParams;

    #[test]
    fn the_documented_list_parameters_are_the_filter_table() {
        let documented: Vec<String> = ListParams::into_params(|| None).into_iter().map(|p| p.name).collect();
        let table: Vec<&str> = CASE_FILTERS.iter().map(|f| f.name).collect();
        let mut a = documented.clone();
        a.sort();
        let mut b: Vec<String> = table.iter().map(|s| s.to_string()).collect();
        b.sort();
        assert_eq!(a, b);
        let p = ListParams { status: Some("x".into()), ..Default::default() };
        for f in CASE_FILTERS {
            let set = |v: &str| {
                let mut p = ListParams::default();
                // Every filter of the table reaches the query through its own field.
                match f.name {
                    "status" => p.status = Some(v.into()),
                    "level" => p.level = Some(v.into()),
                    "unit" => p.unit = Some(v.into()),
                    "received_unit" => p.received_unit = Some(v.into()),
                    "overdue" => p.overdue = Some(v.into()),
                    "category" => p.category = Some(v.into()),
                    "channel" => p.channel = Some(v.into()),
                    "from" => p.from = Some(v.into()),
                    "to" => p.to = Some(v.into()),
                    "q" => p.q = Some(v.into()),
                    "page" => p.page = Some(v.into()),
                    "per_page" => p.per_page = Some(v.into()),
                    "sort" => p.sort = Some(v.into()),
                    other => panic!("no field for {other}"),
                }
                p
            };
            assert_eq!(set("v").pairs(false), vec![(f.name, "v")], "{}", f.name);
        }
        assert_eq!(p.pairs(true), vec![("status", "x")]);
    }
}
