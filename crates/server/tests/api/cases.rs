//! The workflow over HTTP (SPEC §4, §6): lifecycles at every level, deadlines across holidays,
//! reopening, 否定答复, extensions, concurrent numbering, the scheduler, privacy, OpenAPI.

use std::sync::Arc;

use chrono::TimeDelta;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

/// Every event has seq 1..n, the actor's user, role and unit, and a 64-hex chain hash.
fn assert_log_shape(events: &[Value]) {
    assert!(!events.is_empty(), "a case has at least its registration event");
    let mut hashes = std::collections::HashSet::new();
    for (i, e) in events.iter().enumerate() {
        assert_eq!(e["seq"], json!(i as i64 + 1), "seq is 1.. without gap: {e}");
        for field in ["actor", "actor_role", "actor_unit", "at", "kind", "label"] {
            assert!(e[field].is_string(), "event has {field}: {e}");
        }
        let hash = e["hash"].as_str().expect("hash");
        assert!(
            hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
            "hash is 64 lowercase hex: {hash}"
        );
        assert!(hashes.insert(hash.to_owned()), "hashes are distinct");
    }
    assert_eq!(events[0]["kind"], "registered");
}

/// The (actor, role, unit) of the first event of `kind`.
fn actor_of(events: &[Value], kind: &str) -> (String, String, String) {
    let e =
        events.iter().find(|e| e["kind"] == kind).unwrap_or_else(|| panic!("no {kind} event in {events:?}"));
    let s = |f: &str| e[f].as_str().unwrap_or("").to_owned();
    (s("actor"), s("actor_role"), s("actor_unit"))
}

fn who(user: &str, role: &str, unit: &str) -> (String, String, String) {
    (user.to_owned(), role.to_owned(), unit.to_owned())
}

/// `kinds` appear in this order (not necessarily adjacent) in the log.
fn assert_in_order(events: &[Value], expected: &[&str]) {
    let all = kinds(events);
    let mut at = 0;
    for k in expected {
        match all[at..].iter().position(|x| x == k) {
            Some(p) => at += p + 1,
            None => panic!("event {k} missing or out of order in {all:?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spec_4_2_window_level_case_is_resolved_at_once_by_the_window_within_the_same_working_day() {
    for backend in backends() {
        let t = spawn_app_on(&backend, default_start()).await;
        let case = t.register_ok("lisu", json!({})).await;
        let number = number_of(&case);
        assert_eq!(number, "2026030201", "first case of 2026-03-02");
        // SPEC §6: the case JSON has at least these.
        for key in [
            "number",
            "status",
            "level",
            "channel",
            "applicant_name",
            "phone",
            "description",
            "unit",
            "received_by",
            "received_at",
            "deadlines",
            "overdue",
            "reopen_count",
            "outcome",
        ] {
            assert!(case.get(key).is_some(), "case JSON has `{key}`: {case}");
        }
        for d in case["deadlines"].as_array().expect("deadlines") {
            assert!(d.get("kind").is_some() && d.get("due").is_some() && d.get("met").is_some(), "{d}");
        }
        assert_eq!(case["status"], "accepted");
        assert_eq!(case["level"], "window");
        assert_eq!(case["channel"], "window");
        assert_eq!(case["received_by"], "lisu");
        assert_eq!(case["applicant_name"], "张三");
        assert_eq!(case["phone"], "13812345678", "the window sees the full phone");
        assert_eq!(case["received_at"], "2026-03-02T02:00:00Z");
        assert_eq!(case["reopen_count"], 0);
        assert_eq!(case["overdue"], false);
        assert!(case["outcome"].is_null() && case["unit"].is_null());
        // 第四条 简单问题，窗口即办: due the same working day.
        assert_eq!(open_deadlines(&case), vec![("result".to_owned(), "2026-03-02".to_owned())]);

        t.advance(TimeDelta::hours(3));
        let case = t
            .act_ok("lisu", &number, "resolve", json!({"outcome": "done", "reply": "已当场办理营业执照变更"}))
            .await;
        assert_eq!(case["status"], "resolved");
        assert_eq!(case["outcome"], "done");
        assert_eq!(case["level"], "window");
        assert_eq!(deadline(&case, "result", "2026-03-02")["met"], true);
        assert_eq!(case["reply"]["text"], "已当场办理营业执照变更");

        t.act_ok("cuixy", &number, "verify", json!({"ok": true, "note": ""})).await;
        t.act_ok("wangsy", &number, "visit", json!({"reached": true, "satisfaction": 4})).await;
        let case = t.act_ok("cuixy", &number, "close", json!({})).await;
        assert_eq!(case["status"], "closed");

        let events = t.events(&number).await;
        assert_log_shape(&events);
        assert_in_order(&events, &["registered", "resolved", "verified", "visited", "closed"]);
        assert_eq!(actor_of(&events, "registered"), who("lisu", "window", "bbcs"));
        assert_eq!(actor_of(&events, "resolved"), who("lisu", "window", "bbcs"));
        assert_eq!(actor_of(&events, "visited"), who("wangsy", "inspector", "dcg"));
        assert_eq!(actor_of(&events, "closed"), who("cuixy", "office", "ywg"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spec_4_1_department_case_goes_dispatch_feedback_resolve_verify_visit_close_and_logs_every_action() {
    for backend in backends() {
        let t = spawn_app_on(&backend, default_start()).await;
        let number = number_of(&t.register_ok("lisu", json!({})).await);

        let case = t.act_ok("lisu", &number, "dispatch", json!({"unit": "sw", "level": "department"})).await;
        assert_eq!(case["status"], "dispatched");
        assert_eq!(case["level"], "department");
        assert_eq!(case["unit"], "sw");
        // 第四条: first feedback within 3 working days, solved within 5 (Mon 03-02 → Thu, next Mon).
        // SPEC §7: the window's clock is superseded at dispatch (in time), never counted as met.
        let window_clock = deadline(&case, "result", "2026-03-02");
        assert_eq!(window_clock["outcome"], "superseded", "the window's clock ends at dispatch");
        assert_eq!(window_clock["met"], false, "met is false for superseded");
        assert_eq!(window_clock["superseded_in_time"], true);
        assert_eq!(window_clock["superseded_by"], "dispatch");
        let mut open = open_deadlines(&case);
        open.sort();
        assert_eq!(
            open,
            vec![
                ("first_feedback".to_owned(), "2026-03-05".to_owned()),
                ("result".to_owned(), "2026-03-09".to_owned())
            ]
        );

        t.set_time(shanghai(2026, 3, 3, 9, 30));
        let case =
            t.act_ok("h_sw", &number, "feedback", json!({"text": "已联系市场监管部门，正在核实"})).await;
        assert_eq!(deadline(&case, "first_feedback", "2026-03-05")["met"], true);
        assert_eq!(case["feedback"][0]["by"], "h_sw");
        t.act_ok("h_sw", &number, "contact", json!({"note": "已电话告知办理对象进展"})).await;

        t.set_time(shanghai(2026, 3, 6, 15, 0));
        let case = t
            .act_ok(
                "h_sw",
                &number,
                "resolve",
                json!({"outcome": "done", "reply": "已为办理对象办结变更登记"}),
            )
            .await;
        assert_eq!(case["status"], "resolved");
        assert_eq!(case["outcome"], "done");
        assert_eq!(deadline(&case, "result", "2026-03-09")["met"], true);
        assert!(open_deadlines(&case).is_empty(), "no clock runs after the result");

        let case = t.act_ok("lisu", &number, "confirm", json!({"by": "张三"})).await;
        assert_eq!(case["confirmation"]["by"], "张三");
        let case = t.act_ok("cuixy", &number, "verify", json!({"ok": true, "note": "经核查已办结"})).await;
        assert_eq!(case["status"], "verified");
        let case = t
            .act_ok(
                "cuixy",
                &number,
                "visit",
                json!({"reached": true, "satisfaction": 5, "comment": "很满意"}),
            )
            .await;
        assert_eq!(case["status"], "verified");
        assert_eq!(case["visits"][0]["satisfaction"], 5);
        assert_eq!(case["visits"][0]["satisfaction_label"], "非常满意");
        let case = t.act_ok("cuixy", &number, "close", json!({})).await;
        assert_eq!(case["status"], "closed");
        assert_eq!(case["reopen_count"], 0);

        let events = t.events(&number).await;
        assert_log_shape(&events);
        assert_in_order(
            &events,
            &[
                "registered",
                "deadline_set",
                "dispatched",
                "deadline_set",
                "feedback_given",
                "contacted",
                "resolved",
                "confirmed",
                "verified",
                "visited",
                "closed",
            ],
        );
        assert_eq!(actor_of(&events, "dispatched"), who("lisu", "window", "bbcs"));
        assert_eq!(actor_of(&events, "feedback_given"), who("h_sw", "handler", "sw"));
        assert_eq!(actor_of(&events, "resolved"), who("h_sw", "handler", "sw"));
        assert_eq!(actor_of(&events, "confirmed"), who("lisu", "window", "bbcs"));
        assert_eq!(actor_of(&events, "verified"), who("cuixy", "office", "ywg"));
        assert_eq!(actor_of(&events, "closed"), who("cuixy", "office", "ywg"));
        let resolved = events.iter().find(|e| e["kind"] == "resolved").expect("resolved");
        assert_eq!(resolved["at"], "2026-03-06T07:00:00Z", "events carry the time of the action");

        // The handler of the lead unit reads the same log.
        let seen = t.get_ok("h_sw", &format!("/api/v1/cases/{number}/events")).await;
        assert_eq!(seen.as_array().map(Vec::len), Some(events.len()));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spec_4_2_joint_case_goes_to_several_units_and_is_decided_by_the_leader() {
    for backend in backends() {
        let t = spawn_app_on(&backend, default_start()).await;
        let number = number_of(&t.register_ok("lisu", json!({})).await);
        let case = t
            .act_ok(
                "cuixy",
                &number,
                "dispatch",
                json!({"unit": "sw", "co_units": ["ga", "sb"], "level": "joint"}),
            )
            .await;
        assert_eq!(case["level"], "joint");
        assert_eq!(case["unit"], "sw");
        assert_eq!(case["co_units"], json!(["ga", "sb"]));
        // 第四条 一事一议: 7 working days.
        assert_eq!(open_deadlines(&case), vec![("result".to_owned(), "2026-03-11".to_owned())]);

        // A co-unit reads the case and gives its opinion, but does not decide it.
        t.get_ok("h_ga", &format!("/api/v1/cases/{number}")).await;
        t.act_ok("h_ga", &number, "feedback", json!({"text": "公安方面无障碍"})).await;
        t.act_refused(
            "h_ga",
            &number,
            "resolve",
            json!({"outcome": "done", "reply": "x"}),
            StatusCode::FORBIDDEN,
            "forbidden",
        )
        .await;

        t.set_time(shanghai(2026, 3, 10, 16, 0));
        let case = t
            .act_ok(
                "zhengjp",
                &number,
                "resolve",
                json!({"outcome": "done", "reply": "经联动会审，已协调办结"}),
            )
            .await;
        assert_eq!(case["status"], "resolved");
        assert_eq!(deadline(&case, "result", "2026-03-11")["met"], true);
        assert_eq!(case["phone"], "138****5678", "the leader sees the phone masked");

        let events = t.events(&number).await;
        assert_log_shape(&events);
        assert_in_order(&events, &["registered", "dispatched", "feedback_given", "resolved"]);
        assert_eq!(actor_of(&events, "dispatched"), who("cuixy", "office", "ywg"));
        assert_eq!(actor_of(&events, "feedback_given"), who("h_ga", "handler", "ga"));
        assert_eq!(actor_of(&events, "resolved"), who("zhengjp", "leader", "nxzx"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spec_4_2_county_case_is_escalated_to_xyhb_and_its_reply_term_starts_at_the_escalation() {
    for backend in backends() {
        let t = spawn_app_on(&backend, default_start()).await;
        let number = number_of(&t.register_ok("lisu", json!({})).await);
        t.act_ok("lisu", &number, "dispatch", json!({"unit": "bdc", "level": "department"})).await;

        // Wed 03-04: 15 working days later is Wed 03-25.
        t.set_time(shanghai(2026, 3, 4, 11, 0));
        let case = t
            .act_ok(
                "cuixy",
                &number,
                "escalate",
                json!({"level": "county", "reason": "涉及多部门政策冲突，报县优化营商环境领导小组", "due_workdays": 15, "unit": "xyhb"}),
            )
            .await;
        assert_eq!(case["level"], "county");
        assert_eq!(case["unit"], "xyhb");
        assert_eq!(case["status"], "dispatched");
        assert_eq!(open_deadlines(&case), vec![("county_reply".to_owned(), "2026-03-25".to_owned())]);
        // The department's clocks ended at the escalation.
        assert!(!deadline(&case, "first_feedback", "2026-03-05")["met"].is_null());
        assert!(!deadline(&case, "result", "2026-03-09")["met"].is_null());

        t.set_time(shanghai(2026, 3, 20, 10, 0));
        let case = t
            .act_ok(
                "zhengjp",
                &number,
                "resolve",
                json!({"outcome": "done", "reply": "县领导小组协调后已办结"}),
            )
            .await;
        assert_eq!(case["status"], "resolved");
        assert_eq!(deadline(&case, "county_reply", "2026-03-25")["met"], true);

        let events = t.events(&number).await;
        assert_log_shape(&events);
        assert_in_order(&events, &["registered", "dispatched", "escalated", "resolved"]);
        let esc = events.iter().find(|e| e["kind"] == "escalated").expect("escalated");
        assert_eq!(esc["payload"]["from"], "department");
        assert_eq!(esc["payload"]["to"], "county");
        assert_eq!(esc["payload"]["unit"], "xyhb");
        assert_eq!(actor_of(&events, "escalated"), who("cuixy", "office", "ywg"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spec_4_3_department_deadlines_dispatched_before_national_day_count_the_adjusted_saturday() {
    for backend in backends() {
        // Wed 2026-09-30; 10-01..10-07 国庆 holidays; Sat 10-10 is an adjusted working day.
        let t = spawn_app_on(&backend, shanghai(2026, 9, 30, 10, 0)).await;
        let case = t.register_ok("lisu", json!({})).await;
        let number = number_of(&case);
        assert_eq!(number, "2026093001");
        assert_eq!(open_deadlines(&case), vec![("result".to_owned(), "2026-09-30".to_owned())]);
        let case = t.act_ok("lisu", &number, "dispatch", json!({"unit": "sb", "level": "department"})).await;
        let ff = deadline(&case, "first_feedback", "2026-10-10");
        assert!(ff["met"].is_null());
        assert_eq!(ff["provisional"], false);
        assert_eq!(ff["workdays"], 3);
        let result = deadline(&case, "result", "2026-10-13");
        assert!(result["met"].is_null());
        assert_eq!(result["workdays"], 5);

        // Accepted on a holiday: counting starts at the next working day as day 1.
        t.set_time(shanghai(2026, 10, 3, 10, 0));
        let number = number_of(&t.register_ok("lisu", json!({"phone": "13900001111"})).await);
        assert_eq!(number, "2026100301");
        let case = t.act_ok("lisu", &number, "dispatch", json!({"unit": "sb", "level": "department"})).await;
        deadline(&case, "first_feedback", "2026-10-10");
        deadline(&case, "result", "2026-10-13");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spec_4_5_dissatisfied_visit_reopens_the_case_and_reverify_to_another_unit_reopens_it_again() {
    for backend in backends() {
        let t = spawn_app_on(&backend, default_start()).await;
        let number = number_of(&t.register_ok("lisu", json!({})).await);
        t.act_ok("lisu", &number, "dispatch", json!({"unit": "sw", "level": "department"})).await;
        t.act_ok("h_sw", &number, "resolve", json!({"outcome": "done", "reply": "已办结"})).await;

        t.set_time(shanghai(2026, 3, 4, 10, 0));
        let case = t
            .act_ok(
                "cuixy",
                &number,
                "visit",
                json!({"reached": true, "satisfaction": 2, "comment": "问题没解决"}),
            )
            .await;
        assert_eq!(case["status"], "dispatched", "不满意 sends the case back to 重新核实");
        assert_eq!(case["reopen_count"], 1);
        assert_eq!(case["unit"], "sw");
        assert!(case["outcome"].is_null());
        // The level's clocks start again at the reopening (Wed 03-04 + 5 = Wed 03-11).
        assert!(open_deadlines(&case).contains(&("result".to_owned(), "2026-03-11".to_owned())), "{case}");

        t.act_ok("h_sw", &number, "resolve", json!({"outcome": "done", "reply": "已再次办理"})).await;
        let case = t
            .act_ok("cuixy", &number, "reverify", json!({"unit": "ga", "note": "应由公安核实户籍信息"}))
            .await;
        assert_eq!(case["status"], "dispatched");
        assert_eq!(case["reopen_count"], 2);
        assert_eq!(case["unit"], "ga");
        t.act_ok("h_ga", &number, "resolve", json!({"outcome": "done", "reply": "户籍信息已更正"})).await;

        let events = t.events(&number).await;
        assert_log_shape(&events);
        assert_eq!(kinds(&events).iter().filter(|k| *k == "reopened").count(), 2);
        let list = t.get_ok("cuixy", "/api/v1/cases").await;
        assert_eq!(list["items"][0]["reopen_count"], 2);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spec_4_4_negative_answer_needs_approval_by_another_office_user_before_resolving_as_explained() {
    for backend in backends() {
        let t = spawn_app_on(&backend, default_start()).await;
        let a = number_of(&t.register_ok("lisu", json!({})).await);
        t.act_ok("lisu", &a, "dispatch", json!({"unit": "sw", "level": "department"})).await;

        let explained = json!({"outcome": "explained", "reply": "经核实不能办理"});
        t.act_refused("h_sw", &a, "resolve", explained.clone(), StatusCode::CONFLICT, "conflict").await;
        let case = t
            .act_ok(
                "h_sw",
                &a,
                "propose-negative",
                json!({"reasons": "申请人不符合税收减免条件", "basis": "《税收征收管理法》第三十三条"}),
            )
            .await;
        assert_eq!(case["status"], "negative_pending");
        // 四(三) 完全不能办理: reply with reasons within 3 working days of dispatch.
        deadline(&case, "negative_reply", "2026-03-05");
        t.act_refused("h_sw", &a, "resolve", explained.clone(), StatusCode::CONFLICT, "conflict").await;
        t.act_refused("h_sw", &a, "approve-negative", json!({}), StatusCode::FORBIDDEN, "forbidden").await;
        let case = t.act_ok("cuixy", &a, "approve-negative", json!({})).await;
        assert_eq!(case["status"], "dispatched");
        let case = t.act_ok("h_sw", &a, "resolve", explained.clone()).await;
        assert_eq!(case["status"], "resolved");
        assert_eq!(case["outcome"], "explained");
        let reply = case["reply"]["text"].as_str().expect("reply");
        assert!(reply.contains("申请人不符合税收减免条件"), "the reply quotes the reasons: {reply}");

        // Proposed by an office user: that user may not approve it; another may.
        let b = number_of(&t.register_ok("lisu", json!({"phone": "13900002222"})).await);
        t.act_ok("lisu", &b, "dispatch", json!({"unit": "sw", "level": "department"})).await;
        t.act_ok("cuixy", &b, "propose-negative", json!({"reasons": "涉诉事项", "basis": "本方案第二条"}))
            .await;
        t.act_refused("cuixy", &b, "approve-negative", json!({}), StatusCode::FORBIDDEN, "forbidden").await;
        let case = t.act_ok("ywg2", &b, "approve-negative", json!({})).await;
        assert_eq!(case["status"], "dispatched");
        let events = t.events(&b).await;
        assert_eq!(actor_of(&events, "negative_proposed"), who("cuixy", "office", "ywg"));
        assert_eq!(actor_of(&events, "negative_approved"), who("ywg2", "office", "ywg"));

        // Rejected: back to work, and still no 不能办理.
        let c = number_of(&t.register_ok("lisu", json!({"phone": "13900003333"})).await);
        t.act_ok("lisu", &c, "dispatch", json!({"unit": "sw", "level": "department"})).await;
        t.act_ok("h_sw", &c, "propose-negative", json!({"reasons": "材料不全", "basis": "办事指南"})).await;
        let case = t.act_ok("ywg2", &c, "reject-negative", json!({"note": "可以补正材料后办理"})).await;
        assert_eq!(case["status"], "dispatched");
        t.act_refused("h_sw", &c, "resolve", explained, StatusCode::CONFLICT, "conflict").await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spec_4_2_extension_approved_by_the_office_moves_the_result_deadline_once() {
    for backend in backends() {
        let t = spawn_app_on(&backend, default_start()).await;
        let number = number_of(&t.register_ok("lisu", json!({})).await);
        t.act_ok("lisu", &number, "dispatch", json!({"unit": "sw", "level": "department"})).await;

        t.act_refused(
            "cuixy",
            &number,
            "request-extension",
            json!({"workdays": 3, "reason": "x"}),
            StatusCode::FORBIDDEN,
            "forbidden",
        )
        .await;
        t.act_refused("cuixy", &number, "approve-extension", json!({}), StatusCode::CONFLICT, "conflict")
            .await;

        t.set_time(shanghai(2026, 3, 6, 10, 0));
        let case = t
            .act_ok(
                "h_sw",
                &number,
                "request-extension",
                json!({"workdays": 3, "reason": "需等待省级系统数据回传"}),
            )
            .await;
        assert_eq!(case["extension"]["new_due"], "2026-03-12");
        assert!(
            open_deadlines(&case).contains(&("result".to_owned(), "2026-03-09".to_owned())),
            "not yet moved"
        );

        let case = t.act_ok("cuixy", &number, "approve-extension", json!({})).await;
        let result = deadline(&case, "result", "2026-03-12");
        assert_eq!(result["extended_from"], "2026-03-09");
        assert!(result["met"].is_null());
        assert!(!open_deadlines(&case).contains(&("result".to_owned(), "2026-03-09".to_owned())));

        t.act_refused("cuixy", &number, "approve-extension", json!({}), StatusCode::CONFLICT, "conflict")
            .await;

        // Approved extensions count as on time.
        t.set_time(shanghai(2026, 3, 11, 10, 0));
        let case = t.act_ok("h_sw", &number, "resolve", json!({"outcome": "done", "reply": "已办结"})).await;
        assert_eq!(deadline(&case, "result", "2026-03-12")["met"], true);
        let events = t.events(&number).await;
        assert_in_order(
            &events,
            &["extension_requested", "extension_approved", "deadline_extended", "resolved"],
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spec_3_fifty_concurrent_registrations_get_numbers_01_to_50_without_gap_or_duplicate() {
    for backend in backends() {
        let t = Arc::new(spawn_app_on(&backend, shanghai(2026, 8, 10, 9, 0)).await);
        let token = t.token("lisu").await;
        let mut set = tokio::task::JoinSet::new();
        for i in 0..50 {
            let (t, token) = (t.clone(), token.clone());
            set.spawn(async move {
                let body = reg_body(
                    json!({"phone": format!("139{:08}", i), "applicant_name": format!("申请人{i}")}),
                );
                let (status, case) = t.register(&token, body).await;
                assert_eq!(status, StatusCode::CREATED, "registration {i}: {case}");
                number_of(&case)
            });
        }
        let mut numbers = Vec::new();
        while let Some(r) = set.join_next().await {
            numbers.push(r.expect("task"));
        }
        numbers.sort();
        let expected: Vec<String> = (1..=50).map(|i| format!("20260810{i:02}")).collect();
        assert_eq!(numbers, expected, "[{}]", backend.name());
        let list = t.get_ok("cuixy", "/api/v1/cases?per_page=200").await;
        assert_eq!(list["total"], 50);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spec_6_concurrent_actions_on_one_case_are_each_applied_or_refused_as_stale_never_lost() {
    for backend in backends() {
        let t = Arc::new(spawn_app_on(&backend, default_start()).await);
        let number = number_of(&t.register_ok("lisu", json!({})).await);
        let before = t.events(&number).await.len();
        let token = t.token("lisu").await;
        let mut set = tokio::task::JoinSet::new();
        for i in 0..12 {
            let (t, token, number) = (t.clone(), token.clone(), number.clone());
            set.spawn(async move {
                let (status, body) =
                    t.act(&token, &number, "contact", json!({"note": format!("第{i}次联系")})).await;
                match status {
                    StatusCode::OK => true,
                    StatusCode::CONFLICT => {
                        assert_error_shape(&body, "stale");
                        false
                    }
                    other => panic!("concurrent contact: {other} {body}"),
                }
            });
        }
        let mut applied = 0;
        let mut stale = 0;
        while let Some(r) = set.join_next().await {
            if r.expect("task") { applied += 1 } else { stale += 1 }
        }
        println!(
            "[{}] 12 concurrent actions on one case: {applied} applied, {stale} refused as stale",
            backend.name()
        );
        assert!(applied >= 1);
        let case = t.case(&number).await;
        assert_eq!(case["contacts"].as_array().map(Vec::len), Some(applied), "every 200 is in the case");
        assert_eq!(t.events(&number).await.len(), before + applied, "and in the log, once");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spec_4_2_scheduler_reminds_once_the_day_after_a_missed_deadline_and_flags_for_notice_5_workdays_later()
 {
    for backend in backends() {
        let t = spawn_app_on(&backend, default_start()).await;
        let number = number_of(&t.register_ok("lisu", json!({})).await);
        t.act_ok("lisu", &number, "dispatch", json!({"unit": "sw", "level": "department"})).await;
        // Only the result clock (due Mon 03-09) is left to miss.
        let case = t.act_ok("h_sw", &number, "feedback", json!({"text": "正在办理"})).await;
        assert_eq!(open_deadlines(&case), vec![("result".to_owned(), "2026-03-09".to_owned())]);
        let result_id = deadline(&case, "result", "2026-03-09")["id"].clone();
        let count = |events: &[Value], kind: &str| kinds(events).iter().filter(|k| *k == kind).count();

        // On the due day itself nothing happens.
        t.set_time(shanghai(2026, 3, 9, 23, 0));
        t.app.tick().await.expect("tick");
        assert_eq!(count(&t.events(&number).await, "reminded"), 0);

        // The day after: one 催办, however often the scheduler runs.
        t.set_time(shanghai(2026, 3, 10, 8, 0));
        t.app.tick().await.expect("tick");
        t.app.tick().await.expect("tick");
        let events = t.events(&number).await;
        assert_eq!(count(&events, "reminded"), 1, "{:?}", kinds(&events));
        let reminded = events.iter().find(|e| e["kind"] == "reminded").expect("reminded");
        assert_eq!(reminded["payload"]["deadline_id"], result_id);
        assert_eq!(reminded["actor_role"], "system");
        let case = t.case(&number).await;
        assert_eq!(case["overdue"], true);
        assert_eq!(case["notice_flag"], false);
        assert_eq!(deadline(&case, "result", "2026-03-09")["reminded"], true);
        let overdue = t.get_ok("cuixy", "/api/v1/cases?overdue=true").await;
        assert_eq!(overdue["total"], 1);

        // Four working days later: not yet flagged.
        t.set_time(shanghai(2026, 3, 16, 18, 0));
        t.app.tick().await.expect("tick");
        assert_eq!(count(&t.events(&number).await, "notice_flagged"), 0);

        // Five working days after the reminder day: flagged for 通报, once.
        t.set_time(shanghai(2026, 3, 17, 8, 0));
        t.app.tick().await.expect("tick");
        t.app.tick().await.expect("tick");
        t.advance(TimeDelta::days(3));
        t.app.tick().await.expect("tick");
        let events = t.events(&number).await;
        assert_eq!(count(&events, "notice_flagged"), 1, "{:?}", kinds(&events));
        assert_eq!(count(&events, "reminded"), 1);
        let case = t.case(&number).await;
        assert_eq!(case["notice_flag"], true);
        assert_eq!(deadline(&case, "result", "2026-03-09")["notice_flagged"], true);
        assert_log_shape(&events);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spec_3_lists_mask_phone_and_id_while_the_lead_unit_handler_sees_the_full_phone_and_the_leader_does_not()
 {
    for backend in backends() {
        let t = spawn_app_on(&backend, default_start()).await;
        let case = t
            .register_ok(
                "lisu",
                json!({"phone": "13812345678", "id_number": "11010519491231002X", "applicant_type": "person"}),
            )
            .await;
        let number = number_of(&case);
        assert_eq!(case["id_number"], "11010519491231002X", "the window sees the full ID number");
        t.act_ok("lisu", &number, "dispatch", json!({"unit": "sw", "level": "department"})).await;

        for user in ["lisu", "cuixy", "h_sw", "zhengjp", "wangsy"] {
            let list = t.get_ok(user, "/api/v1/cases").await;
            let item = &list["items"][0];
            assert_eq!(item["number"], number.as_str(), "{user}");
            assert_eq!(item["phone"], "138****5678", "list as {user}");
            assert_eq!(item["id_number"], "110105********002X", "list as {user}");
            let text = list.to_string();
            assert!(
                !text.contains("13812345678") && !text.contains("11010519491231002X"),
                "list as {user}: {text}"
            );
        }

        let as_handler = t.get_ok("h_sw", &format!("/api/v1/cases/{number}")).await;
        assert_eq!(as_handler["phone"], "13812345678", "the lead unit's handler calls the applicant");
        assert_eq!(as_handler["id_number"], "110105********002X");

        let as_leader = t.get_ok("zhengjp", &format!("/api/v1/cases/{number}")).await;
        assert_eq!(as_leader["phone"], "138****5678");
        assert_eq!(as_leader["id_number"], "110105********002X");
        let log = t.get_ok("zhengjp", &format!("/api/v1/cases/{number}/events")).await.to_string();
        assert!(
            !log.contains("13812345678") && !log.contains("11010519491231002X"),
            "the leader's log is masked"
        );

        let as_office = t.case(&number).await;
        assert_eq!(as_office["id_number"], "11010519491231002X");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spec_4_3_importing_next_years_schedule_recomputes_provisional_deadlines_and_logs_the_change() {
    for backend in backends() {
        // Tue 2026-12-29: the department clocks reach into 2027, which has no schedule yet.
        let t = spawn_app_on(&backend, shanghai(2026, 12, 29, 10, 0)).await;
        let number = number_of(&t.register_ok("lisu", json!({})).await);
        let case = t.act_ok("lisu", &number, "dispatch", json!({"unit": "sw", "level": "department"})).await;
        let ff = deadline(&case, "first_feedback", "2027-01-01");
        assert_eq!(ff["provisional"], true, "computed on weekends only, and flagged");
        assert_eq!(deadline(&case, "result", "2027-01-05")["provisional"], true);

        let file = r#"{"source": "测试用2027年安排", "years": {"2027": {
            "holidays": [{"date": "2027-01-01", "name": "元旦"}], "workdays": []}}}"#;
        t.app.import_calendar(file, "test", "admin").await.expect("import");

        let case = t.case(&number).await;
        assert_eq!(deadline(&case, "first_feedback", "2027-01-04")["provisional"], false);
        assert_eq!(deadline(&case, "result", "2027-01-06")["provisional"], false);
        let events = t.events(&number).await;
        let recomputed: Vec<_> = events.iter().filter(|e| e["kind"] == "deadline_recomputed").collect();
        assert_eq!(recomputed.len(), 2, "{:?}", kinds(&events));
        assert!(recomputed.iter().all(|e| e["actor_role"] == "system"));
        assert_log_shape(&events);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spec_6_openapi_document_describes_every_case_action_and_sign_in() {
    let t = spawn_app().await;
    let (status, doc) = t.get("", "/api/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with('3')), "an OpenAPI 3 document");
    let paths = doc["paths"].as_object().expect("paths");
    // Deliberately independent of the domain's action table: the stable interface of SPEC §6
    // (plus `assign`, and SPEC §7's `void`, `merge`, `correct`), spelled out here so that a change
    // to the table that drops or renames an action fails this contract test.
    let actions = [
        "accept",
        "dispatch",
        "return",
        "request-extension",
        "approve-extension",
        "reject-extension",
        "contact",
        "feedback",
        "escalate",
        "propose-negative",
        "approve-negative",
        "reject-negative",
        "resolve",
        "confirm",
        "verify",
        "visit",
        "reverify",
        "notice",
        "supervise",
        "close",
        "assign",
        "void",
        "merge",
        "correct",
    ];
    for action in actions {
        let path = format!("/api/v1/cases/{{number}}/{action}");
        let op =
            paths.get(&path).and_then(|p| p.get("post")).unwrap_or_else(|| panic!("POST {path} documented"));
        assert!(op.get("responses").and_then(|r| r.get("409")).is_some(), "{path} documents 409");
        assert!(op.get("requestBody").is_some(), "{path} documents its body");
    }
    for (path, method) in [
        ("/api/v1/auth/token", "post"),
        ("/api/v1/cases", "post"),
        ("/api/v1/cases", "get"),
        ("/api/v1/cases/{number}", "get"),
        ("/api/v1/cases/{number}/events", "get"),
        ("/api/v1/units", "get"),
        ("/api/v1/me", "get"),
        ("/api/v1/me/password", "post"),
        ("/api/v1/search", "get"),
        ("/api/v1/cases/{number}/attachments", "post"),
        ("/api/v1/cases/{number}/attachments/{seq}", "get"),
    ] {
        assert!(paths.get(path).and_then(|p| p.get(method)).is_some(), "{method} {path} documented");
    }
    // Every schema a path refers to exists.
    let text = doc.to_string();
    let schemas = doc["components"]["schemas"].as_object().expect("schemas");
    for part in text.split("#/components/schemas/").skip(1) {
        let name: String = part.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
        assert!(schemas.contains_key(&name), "schema {name} is defined");
    }
}
