//! The words of the messages the rules owe (`bancheng_domain::case::Message`): one default
//! template per message kind, rendered with the message's parameters. The rules decide who is
//! told what; this module says it. (Per-center templates edited by the admin come with the
//! notifications issue and replace these defaults where set.)

use bancheng_domain::case::{Message, Notification};
use bancheng_store::model::NewNotification;

/// (message kind, default template). `{name}` is replaced by the parameter `name`.
pub const DEFAULT_TEMPLATES: &[(&str, &str)] = &[
    ("dispatched", "新转派事项{number}，请及时办理"),
    ("returned", "事项{number}被退单，请重新派发"),
    ("extension", "事项{number}申请延期至{new_due}，请审批"),
    ("extension_approved", "您反映的事项（编号{number}）办理期限延长至{new_due}，我们会及时告知办理结果。"),
    ("negative", "事项{number}提交否定答复报告，请审核"),
    ("resolved", "您反映的事项（编号{number}）已办结答复，如有意见请联系“办不成事”反映窗口。"),
    ("reopened", "事项{number}需重新核实"),
    ("reopened_dissatisfied", "事项{number}回访不满意，请重新核实"),
    ("supervised", "事项{number}已被督办：{note}"),
    ("assigned", "事项{number}已指定您为经办人"),
    ("reminder", "催办：事项{number}的{deadline}期限（{due}）已过，请尽快办理"),
    ("notice_flag", "事项{number}超期{workdays}个工作日仍未办结，列入通报"),
    ("problem", "事项{number}列为问题工单（{reason}），已提级督办"),
];

/// The template key of a message: its kind, refined where one kind reads two ways.
fn template_key(m: &Message) -> &'static str {
    match m {
        Message::Reopened { dissatisfied: true, .. } => "reopened_dissatisfied",
        other => other.kind(),
    }
}

/// Replaces each `{name}` of `template` by the parameter `name` (strings as they are, other
/// values as JSON); an unknown name is left as written.
pub fn render(template: &str, params: &serde_json::Map<String, serde_json::Value>) -> String {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        match after.find('}') {
            Some(end) => {
                let name = &after[..end];
                match params.get(name) {
                    Some(serde_json::Value::String(s)) => out.push_str(s),
                    Some(v) => out.push_str(&v.to_string()),
                    None => out.push_str(&rest[start..start + end + 2]),
                }
                rest = &after[end + 1..];
            }
            None => {
                out.push_str(&rest[start..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// The text of a message from the default templates.
pub fn text_of(m: &Message) -> String {
    let key = template_key(m);
    let template = DEFAULT_TEMPLATES.iter().find(|(k, _)| *k == key).map_or("", |(_, t)| t);
    render(template, &m.params())
}

/// The outbox row of a notification: kind, the recipient's stored form, the channel, the
/// rendered text and the template parameters.
pub(crate) fn outbox_row(n: &Notification) -> NewNotification {
    let params = n.message.params();
    NewNotification {
        kind: n.kind().into(),
        recipient: n.recipient.to_code(),
        payload: serde_json::json!({
            "channel": n.recipient.channel().code(),
            "text": text_of(&n.message),
            "params": params,
        }),
        at: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bancheng_domain::deadline::DeadlineKind;
    use chrono::NaiveDate;

    #[test]
    fn every_message_kind_has_a_template_that_uses_only_its_parameters() {
        let d = NaiveDate::from_ymd_opt(2026, 3, 9).unwrap();
        let n = || "2026030201".to_owned();
        let all = [
            Message::Dispatched { number: n() },
            Message::Returned { number: n() },
            Message::ExtensionRequested { number: n(), new_due: d },
            Message::ExtensionApproved { number: n(), new_due: d },
            Message::NegativeProposed { number: n() },
            Message::Resolved { number: n() },
            Message::Reopened { number: n(), dissatisfied: false },
            Message::Reopened { number: n(), dissatisfied: true },
            Message::Supervised { number: n(), note: "尽快".into() },
            Message::Assigned { number: n() },
            Message::Reminder { number: n(), deadline: DeadlineKind::Result, due: d },
            Message::NoticeFlag { number: n(), workdays: 5 },
            Message::Problem { number: n(), reason: "重办3次".into() },
        ];
        for m in &all {
            let text = text_of(m);
            assert!(text.contains("2026030201"), "{text}");
            assert!(!text.contains('{'), "every placeholder filled: {text}");
        }
        assert_eq!(text_of(&all[10]), "催办：事项2026030201的办结期限（2026-03-09）已过，请尽快办理");
        assert_eq!(text_of(&all[11]), "事项2026030201超期5个工作日仍未办结，列入通报");
    }

    #[test]
    fn render_leaves_unknown_and_unclosed_placeholders_as_written() {
        let mut p = serde_json::Map::new();
        p.insert("a".into(), "x".into());
        assert_eq!(render("{a}-{b}-{a", &p), "x-{b}-{a");
    }
}
