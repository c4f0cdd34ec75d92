//! The header search of the staff pages (issue 8): one box that finds a case by its number, the
//! applicant's full phone or its last four digits, ID number, enterprise name or 统一社会信用代码,
//! name, and any text — within what the user may read (SPEC §2).

use bancheng_domain::validate::{CreditCode, IdNumber, Phone};
use bancheng_domain::{Actor, DomainError};
use bancheng_store::model::CaseFilter;

use crate::cases::{CaseSummary, summary_of};
use crate::{App, CaseQuery, Result};

/// What a search text can be, and the filter each reading asks the store for.
fn readings(q: &str, base: &CaseFilter) -> Vec<CaseFilter> {
    let with = |f: CaseFilter| CaseFilter { q: None, ..f };
    let mut out = Vec::new();
    let digits = q.bytes().all(|b| b.is_ascii_digit());
    if digits && q.len() == 4 {
        out.push(CaseFilter { phone_tail: Some(q.to_owned()), ..with(base.clone()) });
    }
    if let Ok(p) = Phone::parse(q) {
        out.push(CaseFilter { phone: Some(p.as_str().to_owned()), ..with(base.clone()) });
    }
    if let Ok(id) = IdNumber::parse(q) {
        out.push(CaseFilter { id_number: Some(id.as_str().to_owned()), ..with(base.clone()) });
    }
    if let Ok(code) = CreditCode::parse(q) {
        out.push(CaseFilter { credit_code: Some(code.as_str().to_owned()), ..with(base.clone()) });
    }
    // A case number (or its prefix), or text in the name, description or enterprise name.
    if !(digits && q.len() < 10) {
        out.push(CaseFilter { q: Some(q.to_owned()), ..base.clone() });
    }
    out
}

impl App {
    /// The cases `q` finds that `actor` may read, newest first, at most `limit`.
    pub async fn search(&self, actor: &Actor, q: &str, limit: u32) -> Result<Vec<CaseSummary>> {
        let q = q.trim();
        if q.is_empty() {
            return Ok(vec![]);
        }
        if q.chars().count() > 50 {
            return Err(DomainError::invalid("q", "检索词不超过50字").into());
        }
        let limit = limit.clamp(1, 200);
        let base = self.case_filter(actor, &CaseQuery { per_page: Some(limit), ..Default::default() })?;
        let mut rows = Vec::new();
        for f in readings(q, &base) {
            for r in self.store().cases(&f).await?.rows {
                if !rows.iter().any(|x: &bancheng_store::model::CaseRow| x.number == r.number) {
                    rows.push(r);
                }
            }
        }
        rows.sort_by(|a, b| b.received_at.cmp(&a.received_at).then_with(|| b.number.cmp(&a.number)));
        rows.truncate(limit as usize);
        let today = bancheng_domain::deadline::local_day(self.now());
        let cal = self.calendar();
        let due_soon = self.policy(&actor.center).due_soon;
        rows.into_iter().map(|r| summary_of(r, &cal, today, due_soon)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(q: &str) -> Vec<&'static str> {
        readings(q, &CaseFilter::default())
            .into_iter()
            .map(|f| {
                if f.phone_tail.is_some() {
                    "tail"
                } else if f.phone.is_some() {
                    "phone"
                } else if f.id_number.is_some() {
                    "id"
                } else if f.credit_code.is_some() {
                    "credit"
                } else {
                    "text"
                }
            })
            .collect()
    }

    #[test]
    fn a_search_text_is_read_every_way_it_can_be() {
        assert_eq!(kinds("5678"), ["tail"]);
        assert_eq!(kinds("13812345678"), ["phone", "text"], "a phone, or a number prefix / text");
        assert_eq!(kinds("11010519491231002X"), ["id", "text"]);
        assert_eq!(kinds("91350100M000100Y43"), ["credit", "text"]);
        assert_eq!(kinds("2026120301"), ["text"], "a case number");
        assert_eq!(kinds("社保"), ["text"]);
        assert_eq!(kinds("123"), Vec::<&str>::new(), "three digits find nothing useful");
    }
}
