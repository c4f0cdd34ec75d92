//! The deadline policy (SPEC §4.2) as data. The numbers are the source's defaults; the admin may
//! change them per center, which creates a new version. A deadline records the version it was
//! set under, so a later change never moves it.

use serde::{Deserialize, Serialize};

use crate::{DomainError, Result};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DeadlinePolicy {
    pub version: u32,
    /// 第四条 简单问题，窗口即办: the same working day (0 working days after registration).
    pub window_result: u32,
    /// 第四条 复杂问题: 初步反馈意见 within 3 working days of dispatch.
    pub first_feedback: u32,
    /// 四(三) 应办未办: solved within 5 working days.
    pub department_result: u32,
    /// 第四条 特殊情况，一事一议、联动会审: solved within 7 working days.
    pub joint_result: u32,
    /// 第四条 难点问题: 限期内回复释因 — the default term when reporting to the county body.
    pub county_reply: u32,
    /// 四(三) 完全不能办理: reply with reasons within 3 working days (counted from dispatch).
    pub negative_reply: u32,
    /// Practice (SPEC §4.2): flag for 通报 when still overdue this many working days after 催办.
    pub notice_after_overdue: u32,
    /// Practice (SPEC §4.2): 问题工单 after this many reopens …
    pub problem_reopens: u32,
    /// … or after passing through this many units without a result.
    pub problem_units: u32,
    /// 临期: due within this many working days.
    pub due_soon: u32,
    /// Longest extension a unit may ask for at once.
    pub max_extension: u32,
}

impl Default for DeadlinePolicy {
    fn default() -> Self {
        DeadlinePolicy {
            version: 1,
            window_result: 0,
            first_feedback: 3,
            department_result: 5,
            joint_result: 7,
            county_reply: 10,
            negative_reply: 3,
            notice_after_overdue: 5,
            problem_reopens: 3,
            problem_units: 3,
            due_soon: 1,
            max_extension: 20,
        }
    }
}

impl DeadlinePolicy {
    /// Checks an edited policy before it is saved as a new version.
    pub fn validate(&self) -> Result<()> {
        let terms = [
            ("first_feedback", self.first_feedback),
            ("department_result", self.department_result),
            ("joint_result", self.joint_result),
            ("county_reply", self.county_reply),
            ("negative_reply", self.negative_reply),
            ("notice_after_overdue", self.notice_after_overdue),
            ("problem_reopens", self.problem_reopens),
            ("problem_units", self.problem_units),
            ("max_extension", self.max_extension),
        ];
        for (field, v) in terms {
            if v == 0 || v > 60 {
                return Err(DomainError::invalid(field, "期限应为1至60个工作日"));
            }
        }
        if self.window_result > 5 {
            return Err(DomainError::invalid("window_result", "窗口即办期限应为0至5个工作日"));
        }
        if self.due_soon > 5 {
            return Err(DomainError::invalid("due_soon", "临期提示应为0至5个工作日"));
        }
        if self.first_feedback > self.department_result {
            return Err(DomainError::invalid("first_feedback", "初步反馈期限不能晚于办结期限"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_defaults_are_the_policy_defaults() {
        let p = DeadlinePolicy::default();
        assert_eq!(p.window_result, 0, "第四条 窗口即办");
        assert_eq!(p.first_feedback, 3, "第四条 3个工作日内初步反馈");
        assert_eq!(p.department_result, 5, "四(三) 5个工作日内解决");
        assert_eq!(p.joint_result, 7, "第四条 7个工作日内解决");
        assert_eq!(p.negative_reply, 3, "四(三) 3个工作日内回复");
        p.validate().unwrap();
    }

    #[test]
    fn a_policy_with_a_zero_term_is_refused_naming_the_field() {
        let p = DeadlinePolicy { joint_result: 0, ..Default::default() };
        assert!(matches!(p.validate(), Err(DomainError::Invalid { field: "joint_result", .. })));
    }
}
