//! Every kind of refusal (SPEC §6 errors): 401, 403, 404, 409, 422 naming the field, each with
//! `{"error": {"code", "message" (中文), "field"?}}`, and nothing changed by a refused request.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spec_6_requests_without_a_token_or_with_a_bad_one_are_401_and_sign_in_issues_a_token() {
    for backend in backends() {
        let t = spawn_app_on(&backend, default_start()).await;
        let (status, body) = t.get("", "/api/v1/cases").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
        assert_error_shape(&body, "unauthorized");

        let (status, body) = t.get("bc_not-a-real-token", "/api/v1/me").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
        assert_error_shape(&body, "unauthorized");

        let (status, body) = t.register("", reg_body(json!({}))).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
        let (status, body) = t.act("bc_nope", "2026030201", "close", json!({})).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
        assert_error_shape(&body, "unauthorized");

        let (status, body) =
            t.post("", "/api/v1/auth/token", json!({"username": "lisu", "password": "wrong-password"})).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
        assert_error_shape(&body, "unauthorized");
        let (status, body) =
            t.post("", "/api/v1/auth/token", json!({"username": "nobody", "password": PASSWORD})).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
        let (status, body) = t.post("", "/api/v1/auth/token", json!({"username": "lisu"})).await;
        assert_invalid(status, &body, "password");

        // A good sign-in, then /me; the admin's bootstrap password works.
        let token = t.token("lisu").await;
        assert!(token.len() >= 32);
        let (status, me) = t.get(&token, "/api/v1/me").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(me["username"], "lisu");
        assert_eq!(me["role"], "window");
        assert_eq!(me["unit"], "bbcs");
        assert_eq!(me["center"], CENTER);
        let admin = t.token("admin").await;
        let (status, me) = t.get(&admin, "/api/v1/me").await;
        assert_eq!((status, me["role"].clone()), (StatusCode::OK, json!("admin")));

        // Nothing was registered by the refused requests.
        let list = t.get_ok("cuixy", "/api/v1/cases").await;
        assert_eq!(list["total"], 0);

        // Signing out revokes the token at once.
        let wangsy = t.token("wangsy").await;
        let resp =
            t.client.delete(t.url("/api/v1/auth/token")).bearer_auth(&wangsy).send().await.expect("DELETE");
        assert_eq!(resp.status(), StatusCode::NO_CONTENT);
        let (status, body) = t.get(&wangsy, "/api/v1/me").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "a revoked token: {body}");
        assert_error_shape(&body, "unauthorized");

        // Tokens expire (12 hours).
        let (status, _) = t.get(&token, "/api/v1/me").await;
        assert_eq!(status, StatusCode::OK);
        t.clock.advance(chrono::TimeDelta::hours(13));
        let (status, body) = t.get(&token, "/api/v1/me").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "an expired token: {body}");
        assert_error_shape(&body, "unauthorized");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spec_2_a_handler_of_another_unit_can_neither_read_nor_act_on_a_case_nor_see_it_listed() {
    for backend in backends() {
        let t = spawn_app_on(&backend, default_start()).await;
        let number = number_of(&t.register_ok("lisu", json!({})).await);
        t.act_ok("lisu", &number, "dispatch", json!({"unit": "sw", "level": "department"})).await;
        let other = number_of(&t.register_ok("lisu", json!({"phone": "13900004444"})).await);
        t.act_ok("lisu", &other, "dispatch", json!({"unit": "ga", "level": "department"})).await;

        let ga = t.token("h_ga").await;
        let (status, body) = t.get(&ga, &format!("/api/v1/cases/{number}")).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        assert_error_shape(&body, "forbidden");
        let (status, body) = t.get(&ga, &format!("/api/v1/cases/{number}/events")).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        assert_error_shape(&body, "forbidden");
        for (action, body) in [
            ("feedback", json!({"text": "越权反馈"})),
            ("resolve", json!({"outcome": "done", "reply": "越权办结"})),
            ("contact", json!({"note": "越权联系"})),
            ("return", json!({"reason": "不是我们的"})),
        ] {
            t.act_refused("h_ga", &number, action, body, StatusCode::FORBIDDEN, "forbidden").await;
        }

        let list = t.get_ok("h_ga", "/api/v1/cases").await;
        let numbers: Vec<_> =
            list["items"].as_array().expect("items").iter().map(|i| i["number"].clone()).collect();
        assert_eq!(numbers, vec![json!(other)], "h_ga lists only its unit's case");
        assert_eq!(list["total"], 1);
        let filtered = t.get_ok("h_ga", "/api/v1/cases?unit=sw").await;
        assert_eq!(filtered["total"], 0, "asking for another unit's cases does not widen the scope");
        let list = t.get_ok("h_sw", "/api/v1/cases").await;
        assert_eq!(list["total"], 1);

        // Roles, not only units: a handler does not register, the window does not verify, a
        // leader does not decide department cases, the admin reads no case.
        let sw = t.token("h_sw").await;
        let before = t.get_ok("cuixy", "/api/v1/cases").await["total"].clone();
        let (status, body) = t.register(&sw, reg_body(json!({}))).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        assert_error_shape(&body, "forbidden");
        assert_eq!(t.get_ok("cuixy", "/api/v1/cases").await["total"], before, "no case was registered");
        t.act_refused(
            "zhengjp",
            &number,
            "resolve",
            json!({"outcome": "done", "reply": "领导办结"}),
            StatusCode::FORBIDDEN,
            "forbidden",
        )
        .await;
        t.act_refused("wangsy", &number, "close", json!({}), StatusCode::FORBIDDEN, "forbidden").await;
        let admin = t.token("admin").await;
        let (status, body) = t.get(&admin, &format!("/api/v1/cases/{number}")).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        let (status, body) = t.get(&admin, "/api/v1/cases").await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        assert_error_shape(&body, "forbidden");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spec_6_an_action_not_allowed_in_the_current_status_is_409_and_changes_nothing() {
    for backend in backends() {
        let t = spawn_app_on(&backend, default_start()).await;
        let number = number_of(&t.register_ok("lisu", json!({})).await);
        // accepted: nothing to close, verify, visit, feedback on or accept again.
        for (user, action, body) in [
            ("cuixy", "close", json!({})),
            ("cuixy", "verify", json!({"ok": true, "note": ""})),
            ("cuixy", "visit", json!({"reached": true, "satisfaction": 5})),
            ("cuixy", "feedback", json!({"text": "反馈"})),
            ("lisu", "accept", json!({})),
            ("cuixy", "approve-negative", json!({})),
            ("cuixy", "reject-extension", json!({"note": "不批准"})),
        ] {
            let err = t.act_refused(user, &number, action, body, StatusCode::CONFLICT, "conflict").await;
            assert!(err["error"].get("field").is_none(), "a 409 names no field: {err}");
        }
        t.act_ok("lisu", &number, "resolve", json!({"outcome": "done", "reply": "已办结"})).await;
        t.act_refused(
            "lisu",
            &number,
            "dispatch",
            json!({"unit": "sw", "level": "department"}),
            StatusCode::CONFLICT,
            "conflict",
        )
        .await;
        t.act_refused(
            "lisu",
            &number,
            "resolve",
            json!({"outcome": "done", "reply": "再次办结"}),
            StatusCode::CONFLICT,
            "conflict",
        )
        .await;
        assert_eq!(t.case(&number).await["status"], "resolved");

        // Unknown case, unknown action: 404 in the same shape.
        let office = t.token("cuixy").await;
        let (status, body) = t.get(&office, "/api/v1/cases/2026030299").await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
        assert_error_shape(&body, "not_found");
        let (status, body) = t.act(&office, &number, "teleport", json!({})).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
        assert_error_shape(&body, "not_found");
        let (status, body) = t.get(&office, "/api/v1/cases/not-a-number").await;
        assert_invalid(status, &body, "number");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spec_6_bad_input_is_422_naming_the_field_and_registers_or_changes_nothing() {
    for backend in backends() {
        let t = spawn_app_on(&backend, default_start()).await;
        let lisu = t.token("lisu").await;
        for (overrides, field) in [
            (json!({"phone": "12345"}), "phone"),
            (json!({"phone": "1381234567x"}), "phone"),
            (json!({"id_number": "110105194912310021"}), "id_number"),
            (json!({"credit_code": "91350100M000100Y44", "applicant_type": "enterprise"}), "credit_code"),
            (json!({"applicant_name": ""}), "applicant_name"),
            (json!({"description": null}), "description"),
            (json!({"channel": "fax"}), "channel"),
            (json!({"category": "bad"}), "category"),
            (json!({"nickname": "小张"}), "nickname"),
        ] {
            let (status, body) = t.register(&lisu, reg_body(overrides.clone())).await;
            assert_invalid(status, &body, field);
        }
        let (status, body) = t.post_raw(&lisu, "/api/v1/cases", "{not json").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_error_shape(&body, "invalid");
        assert_eq!(t.get_ok("cuixy", "/api/v1/cases").await["total"], 0, "nothing was registered");

        // Valid checksums pass.
        let case = t
            .register_ok(
                "lisu",
                json!({"applicant_type": "enterprise", "enterprise_name": "内乡县某某有限公司",
                       "credit_code": "91350100M000100Y43", "id_number": "11010519491231002X"}),
            )
            .await;
        let number = number_of(&case);
        assert_eq!(case["credit_code"], "91350100M000100Y43");

        for (action, body, field) in [
            ("resolve", json!({"outcome": "done"}), "reply"),
            ("resolve", json!({"outcome": "maybe", "reply": "x"}), "outcome"),
            ("dispatch", json!({"unit": "sw", "level": "department", "priority": "high"}), "priority"),
            ("dispatch", json!({"unit": "nowhere", "level": "department"}), "unit"),
            ("dispatch", json!({"unit": "sw", "level": "urgent"}), "level"),
            ("close", json!({"x": 1}), "x"),
            ("contact", json!({"note": ""}), "note"),
            ("supervise", json!({"note": "督办", "due": "03/20/2026"}), "due"),
        ] {
            let before = t.events(&number).await.len();
            let (status, err) = t.act(&lisu, &number, action, body).await;
            assert_invalid(status, &err, field);
            assert_eq!(t.events(&number).await.len(), before, "a refused {action} appends nothing");
        }
        let office = t.token("cuixy").await;
        t.act_ok("cuixy", &number, "dispatch", json!({"unit": "sw", "level": "department"})).await;
        let (status, err) = t
            .act(&office, &number, "escalate", json!({"level": "county", "reason": "x", "due_workdays": 0}))
            .await;
        assert_invalid(status, &err, "due_workdays");
        let (status, err) =
            t.act(&office, &number, "supervise", json!({"note": "督办", "due": "2026-03-01"})).await;
        assert_invalid(status, &err, "due");

        for (query, field) in [
            ("per_page=0", "per_page"),
            ("per_page=201", "per_page"),
            ("per_page=abc", "per_page"),
            ("page=0", "page"),
            ("from=2026-13-01", "from"),
            ("to=yesterday", "to"),
            ("from=2026-03-10&to=2026-03-01", "from"),
            ("status=lost", "status"),
            ("level=top", "level"),
            ("overdue=maybe", "overdue"),
        ] {
            let (status, body) = t.get(&office, &format!("/api/v1/cases?{query}")).await;
            assert_invalid(status, &body, field);
        }
        let ok = t
            .get_ok("cuixy", "/api/v1/cases?per_page=200&from=2026-03-02&to=2026-03-02&status=dispatched")
            .await;
        assert_eq!(ok["total"], 1);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spec_2_only_the_lead_units_chief_representative_assigns_a_handler_of_that_unit() {
    for backend in backends() {
        let t = spawn_app_on(&backend, default_start()).await;
        let case = t.register_ok("lisu", json!({})).await;
        let number = case["number"].as_str().unwrap().to_owned();
        t.act_ok("lisu", &number, "dispatch", json!({"unit": "sw", "level": "department"})).await;
        let err = t
            .act_refused(
                "lead_sw",
                &number,
                "assign",
                json!({"assignee": "h_ga"}),
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid",
            )
            .await;
        assert_eq!(err["error"]["field"], "assignee");
        t.act_refused(
            "lead_sw",
            &number,
            "assign",
            json!({"assignee": "nobody"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
        )
        .await;
        t.act_refused(
            "h_sw",
            &number,
            "assign",
            json!({"assignee": "h_sw"}),
            StatusCode::FORBIDDEN,
            "forbidden",
        )
        .await;
        let case = t.act_ok("lead_sw", &number, "assign", json!({"assignee": "h_sw"})).await;
        assert_eq!(case["assignee"], "h_sw", "[{}]", backend.name());
        let events = t.events(&number).await;
        assert!(events.iter().any(|e| e["kind"] == "assigned" && e["actor"] == "lead_sw"));
    }
}
