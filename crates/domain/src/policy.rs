//! The deadline policy (SPEC §4.2) as data. The numbers are the source's defaults; the admin may
//! change them per center, which creates a new version. A deadline records the version it was
//! set under, so a later change never moves it.

use serde::{Deserialize, Serialize};

use crate::{DomainError, Result};

macro_rules! policy_terms {
    ($($(#[doc = $doc:literal])* $field:ident = $default:literal, $min:literal..=$max:literal $unit:literal,
       $label:literal, $article:literal;)+) => {
        #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
        #[serde(default)]
        pub struct DeadlinePolicy {
            pub version: u32,
            $($(#[doc = $doc])* pub $field: u32,)+
        }

        impl Default for DeadlinePolicy {
            fn default() -> Self {
                DeadlinePolicy { version: 1, $($field: $default,)+ }
            }
        }

        /// Every term of the policy, in the order the admin page lists them.
        pub const POLICY_TERMS: &[PolicyTerm] = &[
            $(PolicyTerm {
                field: stringify!($field),
                label: $label,
                article: $article,
                unit: $unit,
                min: $min,
                max: $max,
                default: $default,
            },)+
        ];

        impl DeadlinePolicy {
            /// The value of a term by its field name.
            pub fn get(&self, field: &str) -> Option<u32> {
                match field {
                    $(stringify!($field) => Some(self.$field),)+
                    _ => None,
                }
            }

            /// The slot of a term by its field name, for forms that edit the policy.
            pub fn get_mut(&mut self, field: &str) -> Option<&mut u32> {
                match field {
                    $(stringify!($field) => Some(&mut self.$field),)+
                    _ => None,
                }
            }
        }
    };
}

/// One term of the policy: its field, label, the rule it implements, its unit and range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PolicyTerm {
    pub field: &'static str,
    pub label: &'static str,
    pub article: &'static str,
    pub unit: &'static str,
    pub min: u32,
    pub max: u32,
    pub default: u32,
}

const WORKDAYS: &str = "个工作日";

policy_terms! {
    /// 第四条 简单问题，窗口即办: the same working day (0 working days after registration).
    window_result = 0, 0..=5 "个工作日", "简单问题 窗口即办",
        "工作制度第四条：简单问题，窗口即办（0 表示当日办结）";
    /// 第四条 复杂问题: 初步反馈意见 within 3 working days of dispatch.
    first_feedback = 3, 1..=60 "个工作日", "复杂问题 初步反馈",
        "工作制度第四条：转派责任部门，限定3个工作日内给出初步反馈意见";
    /// 四(三) 应办未办: solved within 5 working days.
    department_result = 5, 1..=60 "个工作日", "复杂问题 办结",
        "实施方案四(三)：“应办未办”事项5个工作日内解决";
    /// 第四条 特殊情况，一事一议、联动会审: solved within 7 working days.
    joint_result = 7, 1..=60 "个工作日", "特殊情况 一事一议办结",
        "工作制度第四条：一事一议、联动会审，限定7个工作日内解决";
    /// 第四条 难点问题: 限期内回复释因 — the default term when reporting to the county body.
    county_reply = 10, 1..=60 "个工作日", "难点问题 回复释因（默认）",
        "工作制度第四条：报送县优化营商环境领导小组办公室，限期内回复释因；报送时可另定期限";
    /// The longest term that may be set when reporting to the county body.
    max_county_term = 60, 1..=250 "个工作日", "难点问题 报送时可定的最长期限",
        "工作制度第四条：报送县领导小组时另定的回复期限不超过该天数";
    /// 四(三) 完全不能办理: reply with reasons within 3 working days (counted from dispatch).
    negative_reply = 3, 1..=60 "个工作日", "完全不能办理 回复释因",
        "实施方案四(三)：3个工作日内给予群众回复，说明不能办理的原因";
    /// Practice (SPEC §4.2): flag for 通报 when still overdue this many working days after 催办.
    notice_after_overdue = 5, 1..=60 "个工作日", "催办后仍超期 列入通报",
        "通行做法：超期次日自动催办，此后仍超期达到该天数的列入通报";
    /// Practice (SPEC §4.2): 问题工单 after this many reopens …
    problem_reopens = 3, 1..=60 "次", "重办达到 列为问题工单",
        "通行做法：重新核实达到该次数的，自动提级一事一议并督办";
    /// … or after passing through this many units without a result.
    problem_units = 3, 1..=60 "个单位", "经手单位达到 列为问题工单",
        "通行做法：经该数量的单位仍无结果的，自动提级一事一议并督办";
    /// 第五条 / SPEC §4.5: a return visit at or below this satisfaction (2 = 不满意) sends the case
    /// back to 重新核实.
    visit_reopen_at = 2, 1..=4 "级", "回访满意度不高于 重新核实",
        "工作制度第五条：回访不满意（2级）或非常不满意（1级）的，重新核实";
    /// 临期: due within this many working days.
    due_soon = 1, 0..=5 "个工作日", "临期提示", "剩余该天数以内到期的事项在列表中显示为“临期”";
    /// Longest extension a unit may ask for at once.
    max_extension = 20, 1..=60 "个工作日", "单次延期上限", "延期申请一次最多可延长的天数";
}

impl DeadlinePolicy {
    /// Checks an edited policy before it is saved as a new version: every term in its range
    /// (422 naming the field), and the first feedback not later than the result.
    pub fn validate(&self) -> Result<()> {
        for t in POLICY_TERMS {
            let v = self.get(t.field).unwrap_or_default();
            if v < t.min || v > t.max {
                let what = if t.unit == WORKDAYS { "期限" } else { "" };
                return Err(DomainError::invalid(
                    t.field,
                    format!("{}{what}应为{}至{}{}", t.label, t.min, t.max, t.unit),
                ));
            }
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
    fn article5_visit_at_or_below_dissatisfied_reopens_by_default() {
        assert_eq!(DeadlinePolicy::default().visit_reopen_at, 2, "第五条 不满意 = 2");
    }

    #[test]
    fn every_term_reads_and_writes_by_its_field_name() {
        let mut p = DeadlinePolicy::default();
        for t in POLICY_TERMS {
            assert_eq!(p.get(t.field), Some(t.default), "{}", t.field);
            *p.get_mut(t.field).unwrap() = t.max;
            assert_eq!(p.get(t.field), Some(t.max));
        }
        assert_eq!(p.get("nope"), None);
    }

    #[test]
    fn a_policy_with_a_zero_term_is_refused_naming_the_field() {
        let p = DeadlinePolicy { joint_result: 0, ..Default::default() };
        assert!(matches!(p.validate(), Err(DomainError::Invalid { field: "joint_result", .. })));
    }
}
