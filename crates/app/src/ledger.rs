//! The 跟踪台账 (附件4, SPEC §5): its columns and the text of each cell, the one definition used
//! by the Excel export and the HTML ledger page alike. The rows are [`CaseSummary`]s
//! ([`App::ledger_export`](crate::App::ledger_export) streams them).

use bancheng_domain::case::{Category, Level, Outcome, Status, satisfaction_label};
use bancheng_domain::deadline::shanghai;

use crate::CaseSummary;

/// One column of the ledger.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LedgerColumn {
    /// Stable key (the page's column choice is saved by it).
    pub key: &'static str,
    /// Chinese header.
    pub header: &'static str,
    /// Excel column width in characters.
    pub width: f64,
    /// Shown on the page unless the user chooses otherwise (status, due day and working days
    /// left fit a 1366 px screen without scrolling sideways).
    pub shown: bool,
}

const fn col(key: &'static str, header: &'static str, width: f64, shown: bool) -> LedgerColumn {
    LedgerColumn { key, header, width, shown }
}

/// The ledger's columns in 附件4 order, with who received and handled it and when it was
/// answered. The page shows those marked `shown` (or the user's choice); print and Excel all.
pub const LEDGER_COLUMNS: &[LedgerColumn] = &[
    col("seq", "序号", 6.0, false),
    col("number", "事项编号", 13.0, true),
    col("received_at", "登记日期", 17.0, true),
    col("applicant", "办理对象", 12.0, true),
    col("phone", "联系电话", 14.0, false),
    col("id_number", "身份证号", 20.0, false),
    col("description", "反映问题", 40.0, true),
    col("matter", "事项名称", 20.0, false),
    col("category", "问题类别", 14.0, false),
    col("level", "响应级别", 20.0, false),
    col("unit", "责任单位", 18.0, true),
    col("received_by", "受理人员", 10.0, false),
    col("handled_by", "经办人", 10.0, false),
    col("status", "状态", 12.0, true),
    col("due", "办理期限", 12.0, true),
    col("left", "剩余工作日", 13.0, true),
    col("progress", "办理进度", 40.0, false),
    col("replied_at", "办结日期", 12.0, false),
    col("outcome", "办理结果", 16.0, false),
    col("visits", "回访次数", 9.0, false),
    col("satisfaction", "满意度", 10.0, false),
    col("remarks", "备注", 24.0, false),
];

/// The position of a column by its key.
pub fn ledger_column(key: &str) -> Option<usize> {
    LEDGER_COLUMNS.iter().position(|c| c.key == key)
}

/// The display text of each of [`LEDGER_COLUMNS`] for the row `s`, whose 序号 is `i + 1` (`i`
/// is the 0-based position in the whole ledger). `unit_name` gives a unit's name from its code,
/// `person` a staff member's name from their username. Codes become Chinese labels, instants
/// Asia/Shanghai `YYYY-MM-DD HH:MM`; missing values are empty strings. Phone and ID number are
/// as in `s` (masked).
pub fn ledger_cells(
    i: usize,
    s: &CaseSummary,
    unit_name: &dyn Fn(&str) -> String,
    person: &dyn Fn(&str) -> String,
) -> Vec<String> {
    let label = |code: Option<&str>, parse: fn(&str) -> Option<&'static str>| {
        code.map(|c| parse(c).unwrap_or(c).to_owned()).unwrap_or_default()
    };
    let unit = match s.unit.as_deref() {
        None => String::new(),
        Some(lead) => {
            let co: Vec<String> = s.units.iter().filter(|u| *u != lead).map(|u| unit_name(u)).collect();
            if co.is_empty() {
                unit_name(lead)
            } else {
                format!("{}（协办：{}）", unit_name(lead), co.join("、"))
            }
        }
    };
    let left = match s.workdays_left {
        Some(n) if n < 0 => format!("超期{}个工作日", -n),
        Some(0) => "今日到期".to_owned(),
        Some(n) => format!("剩{n}个工作日"),
        None => String::new(),
    };
    let day = |t: &chrono::DateTime<chrono::Utc>| t.with_timezone(&shanghai()).format("%Y-%m-%d").to_string();
    let cells = vec![
        (i + 1).to_string(),
        s.number.clone(),
        s.received_at.with_timezone(&shanghai()).format("%Y-%m-%d %H:%M").to_string(),
        s.applicant_name.clone(),
        s.phone.clone(),
        s.id_number.clone().unwrap_or_default(),
        s.description.clone(),
        s.matter.clone().unwrap_or_default(),
        label(s.category.as_deref(), |c| Category::parse(c).ok().map(Category::label)),
        label(Some(&s.level), |c| Level::parse(c).ok().map(Level::label)),
        unit,
        person(&s.received_by),
        s.handled_by.as_deref().map(person).unwrap_or_default(),
        label(Some(&s.status), |c| Status::parse(c).ok().map(Status::label)),
        s.next_due.map(|d| d.format("%Y-%m-%d").to_string()).unwrap_or_default(),
        left,
        s.progress.clone().unwrap_or_default(),
        s.replied_at.as_ref().map(day).unwrap_or_default(),
        label(s.outcome.as_deref(), |c| Outcome::parse(c).ok().map(Outcome::label)),
        s.visits.to_string(),
        s.satisfaction.map(|n| satisfaction_label(n).to_owned()).unwrap_or_default(),
        s.remarks.join("；"),
    ];
    debug_assert_eq!(cells.len(), LEDGER_COLUMNS.len());
    cells
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveDate, TimeZone, Utc};

    use super::*;

    fn summary() -> CaseSummary {
        CaseSummary {
            number: "2021081003".into(),
            status: "dispatched".into(),
            level: "department".into(),
            channel: "window".into(),
            category: Some("many_trips".into()),
            applicant_name: "张三".into(),
            phone: "138****5678".into(),
            id_number: Some("110101********1234".into()),
            description: "营业执照变更".into(),
            matter: Some("营业执照变更登记".into()),
            unit: Some("sw".into()),
            units: vec!["sw".into(), "ga".into()],
            received_by: "lisu".into(),
            received_unit: "bbcs".into(),
            handled_by: Some("h_sw".into()),
            reopened_because: None,
            // 2021-08-10 09:05 in Shanghai.
            received_at: Utc.with_ymd_and_hms(2021, 8, 10, 1, 5, 0).unwrap(),
            next_due: NaiveDate::from_ymd_opt(2021, 8, 17),
            overdue: true,
            due_soon: false,
            workdays_left: Some(-2),
            reopen_count: 0,
            outcome: Some("done".into()),
            satisfaction: Some(5),
            visits: 2,
            progress: Some("已联系".into()),
            // 2021-08-16 10:00 in Shanghai.
            replied_at: Some(Utc.with_ymd_and_hms(2021, 8, 16, 2, 0, 0).unwrap()),
            remarks: vec!["问题工单".into(), "督办".into()],
        }
    }

    #[test]
    fn cells_follow_the_columns_with_chinese_labels_and_shanghai_times() {
        let names = |code: &str| match code {
            "sw" => "市场监管".to_owned(),
            "ga" => "公安".to_owned(),
            other => other.to_owned(),
        };
        let people = |u: &str| match u {
            "lisu" => "李素".to_owned(),
            other => other.to_owned(),
        };
        let cells = ledger_cells(0, &summary(), &names, &people);
        assert_eq!(cells.len(), LEDGER_COLUMNS.len());
        assert_eq!(
            cells,
            [
                "1",
                "2021081003",
                "2021-08-10 09:05",
                "张三",
                "138****5678",
                "110101********1234",
                "营业执照变更",
                "营业执照变更登记",
                "多次跑路未办结",
                "二级响应（转派部门）",
                "市场监管（协办：公安）",
                "李素",
                "h_sw",
                "办理中",
                "2021-08-17",
                "超期2个工作日",
                "已联系",
                "2021-08-16",
                "已办成",
                "2",
                "非常满意",
                "问题工单；督办",
            ]
        );
        let mut s = summary();
        s.workdays_left = Some(3);
        s.satisfaction = Some(3);
        s.units = vec!["sw".into()];
        s.category = None;
        let cells = ledger_cells(9, &s, &names, &people);
        let at = |key: &str| cells[ledger_column(key).unwrap()].clone();
        assert_eq!(cells[0], "10");
        assert_eq!(at("category"), "");
        assert_eq!(at("unit"), "市场监管");
        assert_eq!(at("left"), "剩3个工作日", "SPEC §4.3: working days, never 天");
        assert_eq!(at("satisfaction"), "基本满意");
    }
}
