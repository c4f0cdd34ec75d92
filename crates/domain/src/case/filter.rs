//! The filters of the case list and the 台账 (附件4; SPEC §5: by date, unit, level, status,
//! overdue, category, text), one table that the query parser, the OpenAPI document, the ledger
//! form and its links iterate.

/// A query parameter of `GET /api/v1/cases`, `/ledger` and `GET /api/v1/ledger.xlsx`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FilterDef {
    /// The query parameter.
    pub name: &'static str,
    /// 中文名称, as on the ledger form.
    pub label: &'static str,
    /// What it selects and its values (the OpenAPI description).
    pub doc: &'static str,
    /// Part of the selection (kept in print and export links); `false` for paging.
    pub selects: bool,
}

/// The value of `status` that selects every open status (`Status::OPEN`, 在办).
pub const OPEN_STATUSES: &str = "ongoing";

pub const CASE_FILTERS: &[FilterDef] = &[
    FilterDef {
        name: "from",
        label: "登记日期自",
        doc: "Registration day from (YYYY-MM-DD, inclusive).",
        selects: true,
    },
    FilterDef {
        name: "to",
        label: "登记日期至",
        doc: "Registration day to (YYYY-MM-DD, inclusive).",
        selects: true,
    },
    FilterDef { name: "unit", label: "责任单位", doc: "Lead or co-unit code.", selects: true },
    FilterDef {
        name: "received_unit",
        label: "登记单位",
        doc: "Code of the unit that registered the case (the window's own cases).",
        selects: true,
    },
    FilterDef {
        name: "level",
        label: "响应级别",
        doc: "window | department | joint | county",
        selects: true,
    },
    FilterDef {
        name: "status",
        label: "状态",
        doc: "One status or several separated by commas; `ongoing` = every open status (在办).",
        selects: true,
    },
    FilterDef {
        name: "overdue",
        label: "超期",
        doc: "true: only cases past a deadline; false: only cases not past one.",
        selects: true,
    },
    FilterDef {
        name: "category",
        label: "问题类别",
        doc: "not_accepted | not_approved | many_trips | online_failed | other",
        selects: true,
    },
    FilterDef {
        name: "channel", label: "反映渠道", doc: "window | online | phone | hotline", selects: true
    },
    FilterDef {
        name: "q",
        label: "检索",
        doc: "Text in the applicant name or description (Chinese, any length), or a case number.",
        selects: true,
    },
    FilterDef {
        name: "sort",
        label: "排序",
        doc: "received_desc (default: newest first) | received_asc | due (earliest open deadline first) | number",
        selects: true,
    },
    FilterDef { name: "page", label: "页码", doc: "1-based page, default 1.", selects: false },
    FilterDef { name: "per_page", label: "每页条数", doc: "1–200, default 20.", selects: false },
];

/// The filter named `name`.
pub fn filter_def(name: &str) -> Option<&'static FilterDef> {
    CASE_FILTERS.iter().find(|f| f.name == name)
}
