//! The query of the case list and the 台账 (`bancheng_domain::case::CASE_FILTERS`): parsed from
//! and printed to its parameters.

use bancheng_domain::DomainError;
use bancheng_domain::case;
use chrono::NaiveDate;

use crate::Result;

#[derive(Debug, Clone, Default)]
pub struct CaseQuery {
    pub status: Option<String>,
    pub level: Option<String>,
    pub unit: Option<String>,
    /// Registered by this unit (the window's own cases).
    pub received_unit: Option<String>,
    pub overdue: Option<bool>,
    pub category: Option<String>,
    pub channel: Option<String>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub q: Option<String>,
    pub page: Option<u32>,
    pub per_page: Option<u32>,
    /// `received_desc` (default), `received_asc`, `due` or `number` ([`LedgerSort`]).
    pub sort: Option<String>,
}

impl CaseQuery {
    /// The query from its parameters (`case::CASE_FILTERS`): a malformed value is a 422 naming
    /// it; an empty value is no filter; other parameters are ignored (as they always were).
    pub fn from_pairs<K: AsRef<str>, V: AsRef<str>>(pairs: &[(K, V)]) -> Result<CaseQuery> {
        let mut q = CaseQuery::default();
        for (k, v) in pairs {
            let (name, value) = (k.as_ref(), v.as_ref().trim());
            let Some(def) = case::filter_def(name) else { continue };
            if value.is_empty() {
                continue;
            }
            let text = || Some(value.to_owned());
            match def.name {
                "status" => q.status = text(),
                "level" => q.level = text(),
                "unit" => q.unit = text(),
                "received_unit" => q.received_unit = text(),
                "overdue" => q.overdue = Some(parse_bool(def.name, value)?),
                "category" => q.category = text(),
                "channel" => q.channel = text(),
                "from" => q.from = Some(parse_date(def.name, value)?),
                "to" => q.to = Some(parse_date(def.name, value)?),
                "q" => q.q = text(),
                "page" => q.page = Some(parse_u32(def.name, value)?),
                "per_page" => q.per_page = Some(parse_u32(def.name, value)?),
                "sort" => q.sort = text(),
                other => unreachable!("filter {other} of CASE_FILTERS has no parser"),
            }
        }
        Ok(q)
    }

    /// The set parameters in `CASE_FILTERS` order; with `selection_only`, without paging (for
    /// print, export and pager links).
    pub fn to_pairs(&self, selection_only: bool) -> Vec<(&'static str, String)> {
        case::CASE_FILTERS
            .iter()
            .filter(|f| f.selects || !selection_only)
            .filter_map(|f| {
                let v = match f.name {
                    "status" => self.status.clone(),
                    "level" => self.level.clone(),
                    "unit" => self.unit.clone(),
                    "received_unit" => self.received_unit.clone(),
                    "overdue" => self.overdue.map(|b| b.to_string()),
                    "category" => self.category.clone(),
                    "channel" => self.channel.clone(),
                    "from" => self.from.map(|d| d.to_string()),
                    "to" => self.to.map(|d| d.to_string()),
                    "q" => self.q.clone(),
                    "page" => self.page.map(|n| n.to_string()),
                    "per_page" => self.per_page.map(|n| n.to_string()),
                    "sort" => self.sort.clone(),
                    _ => None,
                };
                v.filter(|v| !v.trim().is_empty()).map(|v| (f.name, v))
            })
            .collect()
    }
}

/// A day of the years the records can hold (2000–2099): a year such as 262142 is refused, not
/// walked through.
fn parse_date(field: &'static str, s: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .filter(|d| (2000..=2099).contains(&chrono::Datelike::year(d)))
        .ok_or_else(|| DomainError::invalid(field, format!("日期应为2000至2099年的YYYY-MM-DD：{s}")).into())
}

fn parse_u32(field: &'static str, s: &str) -> Result<u32> {
    s.parse().map_err(|_| DomainError::invalid(field, format!("应为正整数：{s}")).into())
}

fn parse_bool(field: &'static str, s: &str) -> Result<bool> {
    match s {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        _ => Err(DomainError::invalid(field, format!("应为true或false：{s}")).into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::AppError;

    #[test]
    fn every_filter_of_the_table_parses_and_prints_back() {
        let value = |name: &str| match name {
            "from" | "to" => "2026-03-02",
            "overdue" => "true",
            "page" | "per_page" => "3",
            _ => "x",
        };
        let pairs: Vec<(&str, &str)> = case::CASE_FILTERS.iter().map(|f| (f.name, value(f.name))).collect();
        let q = CaseQuery::from_pairs(&pairs).unwrap();
        let back: Vec<(&str, String)> = pairs.iter().map(|(k, v)| (*k, v.to_string())).collect();
        assert_eq!(q.to_pairs(false), back);
        assert!(q.to_pairs(true).iter().all(|(k, _)| *k != "page" && *k != "per_page"));
    }

    #[test]
    fn a_bad_filter_is_refused_naming_it() {
        for (k, v, field) in [
            ("from", "3月2日", "from"),
            ("to", "262142-01-01", "to"),
            ("per_page", "-1", "per_page"),
            ("overdue", "yes", "overdue"),
        ] {
            match CaseQuery::from_pairs(&[(k, v)]) {
                Err(AppError::Domain(DomainError::Invalid { field: f, .. })) => assert_eq!(f, field),
                other => panic!("{k}={v}: {other:?}"),
            }
        }
        assert_eq!(CaseQuery::from_pairs(&[("status", " ")]).unwrap().status, None, "empty is no filter");
        assert!(CaseQuery::from_pairs(&[("_", "1")]).is_ok(), "other parameters are ignored");
    }
}
