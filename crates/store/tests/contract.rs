//! The store's contract, checked on both backends: every test body in [`bodies`] runs on a
//! fresh SQLite file and, when `BANCHENG_TEST_DATABASE_URL` is set (e.g.
//! `postgres://postgres@127.0.0.1:5432/test`), on a fresh PostgreSQL database created through
//! that URL and dropped afterwards.

use bancheng_store::Store;
use bancheng_testkit::db::{FreshDb, backends_for};

/// One `#[tokio::test]` per body of the same name in [`bodies`], run on each backend.
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {$(
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() {
            for backend in backends_for(stringify!($name)) {
                // A nested path: connect creates the parent directories.
                let db = FreshDb::create_at(&backend, "data/bancheng.db").await;
                let store = db.store().await;
                eprintln!("{} on {}", stringify!($name), backend.name());
                let s = store.clone();
                let outcome = tokio::spawn(async move { bodies::$name(&s).await }).await;
                store.close().await;
                drop(db);
                if let Err(e) = outcome {
                    if e.is_panic() {
                        std::panic::resume_unwind(e.into_panic());
                    }
                    panic!("{e}");
                }
            }
        }
    )*};
}

on_both_backends!(
    fact_rows_are_written_with_the_case_and_each_table_replaced_or_kept,
    cache_versions_move_with_units_policies_and_calendar_years,
    rewrite_case_replaces_derived_rows_at_the_same_version_and_refuses_a_stale_one,
    register_numbers_cases_01_02_per_center_and_day_and_widens_to_three_digits_after_99,
    fifty_concurrent_registrations_get_01_to_50_without_gap_or_duplicate,
    commit_replaces_the_row_and_bumps_the_version,
    commit_with_a_stale_version_is_a_conflict_and_writes_nothing,
    failing_jobs_do_not_affect_concurrent_registrations,
    events_are_hash_chained_from_genesis_and_verify_log_passes,
    a_tampered_payload_is_reported_by_verify_log_at_that_case_and_seq,
    events_cannot_be_updated_or_deleted_through_plain_sql,
    filters_each_select_the_right_cases,
    applicant_cases_finds_earlier_cases_by_phone_or_id_number_newest_first,
    text_search_finds_one_two_and_four_chinese_characters_and_applicant_names,
    text_search_follows_committed_changes,
    text_search_counts_one_center_and_combines_with_filters,
    visible_units_scope_a_handler_to_the_cases_of_their_units,
    cases_due_by_lists_open_cases_due_on_or_before_the_day,
    ledger_sorts_by_registration_deadline_and_number_on_pages_too,
    cases_each_streams_the_rows_of_the_pages_in_order_and_stops_when_dropped,
    units_keep_tree_order_and_centers_are_distinct,
    users_round_trip_and_passwords_disabling_and_must_change,
    rate_limits_count_every_parallel_hit_once_and_lock_at_the_limit,
    a_registration_key_answers_with_its_first_case_once_even_in_parallel_and_expires,
    commit_all_writes_every_case_or_none_with_attachments_and_cancelled_messages,
    numbers_of_units_keeps_only_the_cases_of_those_units,
    user_prefs_are_saved_replaced_and_deleted,
    tokens_round_trip_and_revocation_keeps_the_first_time,
    calendar_years_upsert_and_policies_keep_their_versions,
    duplicates_name_the_violated_constraint,
    notifications_are_queued_with_the_events_and_marked_sent,
    backup_writes_a_copy_that_opens_with_the_same_cases,
    writes_after_close_fail,
);

#[test]
fn the_two_migration_folders_list_the_same_versions() {
    let list = |backend: &str| {
        let dir = format!("{}/migrations/{backend}", env!("CARGO_MANIFEST_DIR"));
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{dir}: {e}"))
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    let sqlite = list("sqlite");
    assert!(!sqlite.is_empty());
    assert_eq!(sqlite, list("postgres"));
}

#[tokio::test]
async fn connect_refuses_unknown_and_in_memory_urls() {
    for url in ["mysql://localhost/x", "sqlite::memory:", "file.db"] {
        match Store::connect(url).await {
            Err(bancheng_store::StoreError::InvalidUrl(_)) => {}
            Err(e) => panic!("{url}: {e}"),
            Ok(_) => panic!("{url}: accepted"),
        }
    }
}

/// SQLite only (the planner's statistics): issue 8 found every registration of a restarted
/// server scanning `cases` once ANALYZE had seen that no case had an ID number.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repeat_trip_lookup_walks_indexes_when_most_cases_have_no_id_number() {
    let db = FreshDb::create(&bancheng_testkit::db::Backend::Sqlite).await;
    let store = db.store().await;
    bodies::repeat_trip_lookup_walks_indexes(&store).await;
    store.close().await;
}

mod bodies {
    /// `Vec<String>` of the given numbers.
    macro_rules! v {
        ($($x:expr),* $(,)?) => { vec![$($x.to_string()),*] as Vec<String> };
    }

    use bancheng_domain::chain::{ChainLink, GENESIS, event_hash};
    use bancheng_store::*;
    use bancheng_testkit::time::day;
    use chrono::{DateTime, NaiveDate, Utc};
    use serde_json::json;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    const D10: (i32, u32, u32) = (2021, 8, 10);

    fn d10() -> NaiveDate {
        day(D10.0, D10.1, D10.2)
    }

    fn case(center: &str, applicant_name: &str, description: &str) -> CaseRow {
        CaseRow {
            number: String::new(),
            center: center.into(),
            status: "accepted".into(),
            level: "window".into(),
            channel: "window".into(),
            category: None,
            applicant_name: applicant_name.into(),
            phone: "13800138000".into(),
            id_number: None,
            description: description.into(),
            matter: None,
            received_unit: "bbcs".into(),
            phone_tail: "8000".into(),
            enterprise_name: None,
            credit_code: None,
            unit: None,
            units: vec![],
            received_by: "lisu".into(),
            received_at: at("2021-08-10T01:00:00Z"),
            next_due: None,
            overdue: false,
            reopen_count: 0,
            outcome: None,
            updated_at: at("2021-08-10T01:00:00Z"),
            version: 0,
            state: json!({"status": "accepted", "z": 1, "a": [1, 2]}),
            facts: FactRows::default(),
        }
    }

    fn event(kind: &str, payload: serde_json::Value) -> NewEvent {
        NewEvent {
            kind: kind.into(),
            actor: "lisu".into(),
            actor_role: "window".into(),
            actor_unit: "bbcs".into(),
            at: at("2021-08-10T01:00:00Z"),
            payload,
        }
    }

    async fn register(s: &Store, row: CaseRow) -> CaseRow {
        s.register(d10(), row, vec![event("registered", json!({}))], vec![]).await.unwrap()
    }

    /// Registers a simple case of center `bbc` on 2021-08-10.
    async fn register_simple(s: &Store, name: &str, description: &str) -> CaseRow {
        register(s, case("bbc", name, description)).await
    }

    fn filter() -> CaseFilter {
        CaseFilter { center: "bbc".into(), page: 1, per_page: 50, ..CaseFilter::default() }
    }

    async fn numbers(s: &Store, f: CaseFilter) -> Vec<String> {
        let mut n: Vec<String> = s.cases(&f).await.unwrap().rows.into_iter().map(|r| r.number).collect();
        n.sort();
        n
    }

    async fn search(s: &Store, q: &str) -> Vec<String> {
        numbers(s, CaseFilter { q: Some(q.into()), ..filter() }).await
    }

    async fn add_unit(s: &Store, code: &str, center: &str, parent: Option<&str>) {
        s.insert_unit(&UnitRow {
            code: code.into(),
            center: center.into(),
            name: format!("{code} 单位"),
            parent_code: parent.map(Into::into),
            kind: "window".into(),
            handles_cases: true,
            phone: None,
            public_url: None,
        })
        .await
        .unwrap();
    }

    fn new_user(username: &str) -> NewUser {
        NewUser {
            username: username.into(),
            display_name: "李素".into(),
            role: "window".into(),
            unit_code: "bbcs".into(),
            password_hash: "$argon2id$x".into(),
            must_change_password: false,
        }
    }

    fn duplicate(e: StoreError) -> String {
        match e {
            StoreError::Duplicate { constraint } => constraint,
            e => panic!("expected Duplicate, got {e:?}"),
        }
    }

    pub async fn register_numbers_cases_01_02_per_center_and_day_and_widens_to_three_digits_after_99(
        s: &Store,
    ) {
        let first = register_simple(s, "张三", "一").await;
        assert_eq!(first.number, "2021081001");
        assert_eq!(first.version, 1);
        assert_eq!(first.state["number"], "2021081001");
        assert_eq!(s.case("bbc", "2021081001").await.unwrap(), first);
        assert_eq!(register_simple(s, "李四", "二").await.number, "2021081002");
        // Another day starts again at 01; so does another center.
        let next_day = s.register(day(2021, 8, 11), case("bbc", "王五", "三"), vec![], vec![]).await.unwrap();
        assert_eq!(next_day.number, "2021081101");
        assert_eq!(register(s, case("other", "赵六", "四")).await.number, "2021081001");
        assert_eq!(register_simple(s, "钱七", "五").await.number, "2021081003");
        // The 100th case of a day has three digits.
        for i in 1..=100 {
            let row = s.register(day(2021, 8, 12), case("bbc", "孙八", "六"), vec![], vec![]).await.unwrap();
            assert_eq!(row.number.len(), if i < 100 { 10 } else { 11 });
            if i == 100 {
                assert_eq!(row.number, "20210812100");
            }
        }
        assert!(matches!(s.case("bbc", "2021081004").await, Err(StoreError::NotFound)));
    }

    pub async fn fifty_concurrent_registrations_get_01_to_50_without_gap_or_duplicate(s: &Store) {
        let tasks: Vec<_> = (0..50)
            .map(|i| {
                let s = s.clone();
                tokio::spawn(async move {
                    s.register(
                        d10(),
                        case("bbc", &format!("申请人{i}"), "并发登记"),
                        vec![event("registered", json!({ "i": i }))],
                        vec![],
                    )
                    .await
                    .unwrap()
                    .number
                })
            })
            .collect();
        let mut got = Vec::new();
        for t in tasks {
            got.push(t.await.unwrap());
        }
        got.sort();
        let want: Vec<String> = (1..=50).map(|i| format!("20210810{i:02}")).collect();
        assert_eq!(got, want);
        assert_eq!(s.cases(&filter()).await.unwrap().total, 50);
        assert_eq!(s.verify_log().await.unwrap(), (50, vec![]));
    }

    pub async fn commit_replaces_the_row_and_bumps_the_version(s: &Store) {
        let row = register_simple(s, "张三", "社保卡").await;
        let mut next = row.clone();
        next.status = "dispatched".into();
        next.level = "department".into();
        next.unit = Some("tax".into());
        next.units = vec!["tax".into(), "social".into()];
        next.next_due = Some(day(2021, 8, 17));
        next.updated_at = at("2021-08-10T02:00:00.750Z");
        next.state = json!({"status": "dispatched"});
        let stored = s
            .commit(1, next.clone(), vec![event("dispatched", json!({"unit": "tax"}))], vec![])
            .await
            .unwrap();
        assert_eq!(stored.version, 2);
        // Instants are kept to whole seconds.
        assert_eq!(stored.updated_at, at("2021-08-10T02:00:00Z"));
        assert_eq!(s.case("bbc", &row.number).await.unwrap(), stored);
        assert_eq!(stored.units, next.units);
        let again = s.commit(2, stored.clone(), vec![], vec![]).await.unwrap();
        assert_eq!(again.version, 3);
        let mut missing = row.clone();
        missing.number = "2021081099".into();
        assert!(matches!(s.commit(1, missing, vec![], vec![]).await, Err(StoreError::NotFound)));
    }

    pub async fn commit_with_a_stale_version_is_a_conflict_and_writes_nothing(s: &Store) {
        let row = register_simple(s, "张三", "社保卡").await;
        let mut first = row.clone();
        first.status = "dispatched".into();
        let first = s.commit(1, first, vec![event("dispatched", json!({}))], vec![]).await.unwrap();
        let mut stale = row.clone();
        stale.status = "resolved".into();
        stale.description = "改了".into();
        let note =
            NewNotification { kind: "sms".into(), recipient: "tax".into(), payload: json!({}), at: None };
        let err = s.commit(1, stale, vec![event("resolved", json!({}))], vec![note]).await.unwrap_err();
        assert!(matches!(err, StoreError::Conflict), "{err:?}");
        assert_eq!(s.case("bbc", &row.number).await.unwrap(), first);
        assert_eq!(s.events("bbc", &row.number).await.unwrap().len(), 2);
        assert!(s.pending_notifications(10).await.unwrap().is_empty());
        assert!(search(s, "改了").await.is_empty());
        assert_eq!(s.verify_log().await.unwrap().1, vec![]);
    }

    pub async fn failing_jobs_do_not_affect_concurrent_registrations(s: &Store) {
        let base = register_simple(s, "张三", "基础").await;
        add_unit(s, "dup", "bbc", None).await;
        let mut tasks = Vec::new();
        for i in 0..60 {
            let s = s.clone();
            let base = base.clone();
            tasks.push(tokio::spawn(async move {
                match i % 4 {
                    0 => {
                        // Stale: version 7 never exists.
                        let r = s.commit(7, base, vec![event("x", json!({}))], vec![]).await;
                        assert!(matches!(r, Err(StoreError::Conflict)), "{r:?}");
                        None
                    }
                    1 => {
                        // Fails after writing: its first insert must be undone too.
                        let r = s
                            .execute_for_test(&format!(
                                "INSERT INTO units (code, center, name, kind) VALUES ('u{i}', 'bbc', 'x', 'window'); \
                                 INSERT INTO units (code, center, name, kind) VALUES ('dup', 'bbc', 'x', 'window')"
                            ))
                            .await;
                        assert_eq!(duplicate(r.unwrap_err()), "units_code");
                        None
                    }
                    _ => Some(register(&s, case("bbc", "李四", "批量")).await.number),
                }
            }));
        }
        let mut got = Vec::new();
        for t in tasks {
            got.extend(t.await.unwrap());
        }
        got.sort();
        let want: Vec<String> = (2..=31).map(|i| format!("20210810{i:02}")).collect();
        assert_eq!(got, want);
        assert_eq!(s.case("bbc", &base.number).await.unwrap().version, 1);
        assert_eq!(s.verify_log().await.unwrap(), (31, vec![]));
        assert_eq!(s.units(None).await.unwrap().len(), 1);
        assert_eq!(search(s, "批量").await.len(), 30);
    }

    pub async fn events_are_hash_chained_from_genesis_and_verify_log_passes(s: &Store) {
        let payload = json!({"zeta": "后", "alpha": {"y": 2, "b": [3, 1]}, "n": 1.5});
        let mut ev = event("registered", payload.clone());
        ev.at = at("2021-08-10T01:02:03.999Z");
        let row = s
            .register(d10(), case("bbc", "张三", "社保"), vec![ev, event("accepted", json!(null))], vec![])
            .await
            .unwrap();
        let mut next = row.clone();
        next.status = "dispatched".into();
        s.commit(1, next, vec![event("dispatched", json!({"unit": "tax"}))], vec![]).await.unwrap();
        let events = s.events("bbc", &row.number).await.unwrap();
        assert_eq!(events.iter().map(|e| e.seq).collect::<Vec<_>>(), [1, 2, 3]);
        assert_eq!(events[0].prev_hash, GENESIS);
        assert_eq!(events[0].payload, payload);
        assert_eq!(events[0].at, at("2021-08-10T01:02:03Z"));
        assert_eq!(events[2].kind, "dispatched");
        for (i, e) in events.iter().enumerate() {
            if i > 0 {
                assert_eq!(e.prev_hash, events[i - 1].hash);
            }
            let link = ChainLink {
                number: &e.number,
                seq: e.seq,
                kind: &e.kind,
                actor: &e.actor,
                actor_role: &e.actor_role,
                actor_unit: &e.actor_unit,
                at: &e.at.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
                payload: &serde_json::to_string(&e.payload).unwrap(),
                prev_hash: &e.prev_hash,
            };
            assert_eq!(event_hash(&link), e.hash, "event {}", e.seq);
        }
        assert_eq!(s.verify_log().await.unwrap(), (3, vec![]));
        assert!(matches!(s.events("bbc", "2021081077").await, Err(StoreError::NotFound)));
        // A case without events has an empty log.
        let bare = s.register(d10(), case("bbc", "李四", "无"), vec![], vec![]).await.unwrap();
        assert!(s.events("bbc", &bare.number).await.unwrap().is_empty());
    }

    pub async fn a_tampered_payload_is_reported_by_verify_log_at_that_case_and_seq(s: &Store) {
        let a = register_simple(s, "张三", "一").await;
        let b = register_simple(s, "李四", "二").await;
        let mut next = b.clone();
        next.status = "dispatched".into();
        s.commit(1, next, vec![event("dispatched", json!({"unit": "tax"}))], vec![]).await.unwrap();
        assert_eq!(s.verify_log().await.unwrap(), (3, vec![]));
        s.tamper_event_payload_for_test(&b.number, 2, r#"{"unit":"police"}"#).await.unwrap();
        let (checked, breaks) = s.verify_log().await.unwrap();
        assert_eq!(checked, 3);
        assert_eq!(breaks.len(), 1, "{breaks:?}");
        assert_eq!((breaks[0].number.as_str(), breaks[0].seq), (b.number.as_str(), 2));
        assert!(breaks[0].reason.contains("hash"), "{}", breaks[0].reason);
        assert_ne!(a.number, b.number);
        // The guard is back in place after the simulated attack.
        assert!(s.execute_for_test("UPDATE case_events SET kind = 'x'").await.is_err());
    }

    pub async fn events_cannot_be_updated_or_deleted_through_plain_sql(s: &Store) {
        let row = register_simple(s, "张三", "一").await;
        let before = s.events("bbc", &row.number).await.unwrap();
        for sql in ["UPDATE case_events SET payload = '{}'", "DELETE FROM case_events", "DELETE FROM cases"] {
            let err = s.execute_for_test(sql).await.unwrap_err();
            assert!(matches!(err, StoreError::Db(_)), "{sql}: {err:?}");
        }
        let err = s.execute_for_test("UPDATE case_events SET kind = 'x'").await.unwrap_err();
        assert!(err.to_string().contains("append-only"), "{err}");
        assert_eq!(s.events("bbc", &row.number).await.unwrap(), before);
        assert_eq!(s.verify_log().await.unwrap(), (1, vec![]));
    }

    pub async fn applicant_cases_finds_earlier_cases_by_phone_or_id_number_newest_first(s: &Store) {
        let mut a = case("bbc", "张三", "甲");
        a.phone = "13900000001".into();
        a.matter = Some("营业执照".into());
        a.received_at = at("2021-08-10T01:00:00Z");
        let a = register(s, a).await.number;
        let mut b = case("bbc", "张三", "乙");
        b.phone = "13900000002".into();
        b.id_number = Some("11010519491231002X".into());
        b.received_at = at("2021-08-10T02:00:00Z");
        let b = register(s, b).await.number;
        let mut other = case("other", "张三", "丙");
        other.phone = "13900000001".into();
        register(s, other).await;
        let found = s.applicant_cases("bbc", "13900000001", Some("11010519491231002X"), 10).await.unwrap();
        assert_eq!(found, vec![(b.clone(), None), (a.clone(), Some("营业执照".into()))]);
        let by_phone = s.applicant_cases("bbc", "13900000001", None, 10).await.unwrap();
        assert_eq!(by_phone, vec![(a, Some("营业执照".into()))]);
        assert!(s.applicant_cases("bbc", "13900000009", None, 10).await.unwrap().is_empty());
    }

    pub async fn repeat_trip_lookup_walks_indexes(s: &Store) {
        for i in 0..2000 {
            let mut c = case("bbc", "张三", "甲");
            c.phone = format!("139{i:08}");
            c.received_at += chrono::TimeDelta::seconds(i);
            register(s, c).await;
        }
        for id_number in [None, Some("11010519491231002X")] {
            let plan = s.applicant_cases_plan_for_test(id_number).await.unwrap();
            assert!(plan.iter().any(|p| p.contains("USING INDEX cases_phone")), "{plan:?}");
            let by_id = plan.iter().any(|p| p.contains("USING INDEX cases_id_number"));
            assert_eq!(by_id, id_number.is_some(), "{plan:?}");
            assert!(!plan.iter().any(|p| p.starts_with("SCAN cases")), "a scan of cases: {plan:?}");
        }
    }

    pub async fn filters_each_select_the_right_cases(s: &Store) {
        let mut a = case("bbc", "张三", "甲");
        a.status = "dispatched".into();
        a.level = "department".into();
        a.category = Some("not_accepted".into());
        a.channel = "online".into();
        a.unit = Some("tax".into());
        a.units = vec!["tax".into(), "social".into()];
        a.overdue = true;
        a.phone = "13900000001".into();
        a.id_number = Some("110101199003077777".into());
        // 2021-08-09 16:30 UTC is 2021-08-10 00:30 in Shanghai.
        a.received_at = at("2021-08-09T16:30:00Z");
        let a = register(s, a).await.number;
        let mut b = case("bbc", "李四", "乙");
        b.unit = Some("social".into());
        b.received_at = at("2021-08-10T15:59:59Z");
        let b = register(s, b).await.number;
        let mut c = case("bbc", "王五", "丙");
        c.received_at = at("2021-08-10T16:00:00Z"); // 2021-08-11 in Shanghai
        c.status = "resolved".into();
        let c = s.register(day(2021, 8, 11), c, vec![], vec![]).await.unwrap().number;
        register(s, case("other", "赵六", "丁")).await;

        let f = filter;
        assert_eq!(numbers(s, f()).await, v![a, b, c]);
        let by = |g: fn(&mut CaseFilter)| {
            let mut x = f();
            g(&mut x);
            x
        };
        assert_eq!(
            numbers(s, by(|x| x.statuses = vec!["dispatched".into(), "resolved".into()])).await,
            v![a, c]
        );
        assert_eq!(numbers(s, by(|x| x.level = Some("department".into()))).await, v![a]);
        assert_eq!(numbers(s, by(|x| x.unit = Some("social".into()))).await, v![a, b]);
        assert_eq!(numbers(s, by(|x| x.unit = Some("tax".into()))).await, v![a]);
        assert_eq!(numbers(s, by(|x| x.overdue = Some(true))).await, v![a]);
        assert_eq!(numbers(s, by(|x| x.overdue = Some(false))).await, v![b, c]);
        assert_eq!(numbers(s, by(|x| x.category = Some("not_accepted".into()))).await, v![a]);
        assert_eq!(numbers(s, by(|x| x.channel = Some("online".into()))).await, v![a]);
        assert_eq!(numbers(s, by(|x| x.phone = Some("13900000001".into()))).await, v![a]);
        assert_eq!(numbers(s, by(|x| x.id_number = Some("110101199003077777".into()))).await, v![a]);
        // Registration days are Shanghai days, inclusive on both ends.
        assert_eq!(numbers(s, by(|x| x.from = Some(day(2021, 8, 10)))).await, v![a, b, c]);
        assert_eq!(numbers(s, by(|x| x.to = Some(day(2021, 8, 10)))).await, v![a, b]);
        assert_eq!(numbers(s, by(|x| x.from = Some(day(2021, 8, 11)))).await, v![c]);
        assert!(numbers(s, by(|x| x.to = Some(day(2021, 8, 9)))).await.is_empty());
        // Filters combine.
        assert_eq!(
            numbers(
                s,
                by(|x| {
                    x.unit = Some("social".into());
                    x.overdue = Some(false);
                })
            )
            .await,
            v![b]
        );
        // Newest first; pages; total counts every match.
        let page = s.cases(&CaseFilter { per_page: 2, ..f() }).await.unwrap();
        assert_eq!(page.total, 3);
        assert_eq!(page.rows.iter().map(|r| &r.number).collect::<Vec<_>>(), [&c, &b]);
        let page2 = s.cases(&CaseFilter { per_page: 2, page: 2, ..f() }).await.unwrap();
        assert_eq!(page2.rows.iter().map(|r| &r.number).collect::<Vec<_>>(), [&a]);
        assert_eq!(page2.total, 3);
        let past = s.cases(&CaseFilter { per_page: 2, page: 9, ..f() }).await.unwrap();
        assert!(past.rows.is_empty());
        // Totals by registration days alone come from the numbering counters: still exact.
        let total =
            |x: CaseFilter| async move { s.cases(&CaseFilter { per_page: 1, ..x }).await.unwrap().total };
        assert_eq!(total(by(|x| x.from = Some(day(2021, 8, 11)))).await, 1);
        assert_eq!(total(by(|x| x.to = Some(day(2021, 8, 10)))).await, 2);
        assert_eq!(total(by(|x| x.to = Some(day(2021, 8, 9)))).await, 0);
        let other = s.cases(&CaseFilter { center: "other".into(), per_page: 1, ..f() }).await.unwrap();
        assert_eq!(other.total, 1, "per center");
        assert_eq!(past.total, 3);
        // per_page is clamped to 1..=200 and page to >= 1.
        let one = s.cases(&CaseFilter { per_page: 0, page: 0, ..f() }).await.unwrap();
        assert_eq!(one.rows.len(), 1);
        assert_eq!(one.rows[0].number, c);
        let many = s.cases(&CaseFilter { per_page: 10_000, ..f() }).await.unwrap();
        assert_eq!(many.rows.len(), 3);
    }

    pub async fn text_search_finds_one_two_and_four_chinese_characters_and_applicant_names(s: &Store) {
        let a = register_simple(s, "张三丰", "社保卡补办多次跑路未办结").await.number;
        let b = register_simple(s, "李四", "不动产登记无法受理，要求补充材料").await.number;
        let c = register_simple(s, "ABC贸易有限公司", "营业执照变更 50% 未办_理").await.number;
        for (q, want) in [
            ("社", vec![&a]),
            ("补", vec![&a, &b]),
            ("社保", vec![&a]),
            ("多次跑路", vec![&a]),
            ("补办多次跑路未办结", vec![&a]),
            ("保社", vec![]),
            ("张三", vec![&a]),
            ("三丰", vec![&a]),
            ("李", vec![&b]),
            ("受理，要求", vec![&b]),
            ("abc", vec![&c]),
            ("贸易", vec![&c]),
            ("营业执照", vec![&c]),
            ("  社保  ", vec![&a]),
            ("上海", vec![]),
        ] {
            let got = search(s, q).await;
            assert_eq!(got.iter().collect::<Vec<_>>(), want, "q = {q:?}");
        }
        // LIKE wildcards and FTS syntax are plain text.
        assert_eq!(search(s, "%").await, v![c]);
        assert_eq!(search(s, "_").await, v![c]);
        assert!(search(s, "\"社").await.len() <= 1);
        assert!(search(s, "NEAR(社 保)").await.is_empty());
        assert!(search(s, "*").await.is_empty());
        // A case number matches exactly or by prefix.
        assert_eq!(search(s, &b).await, v![b]);
        assert_eq!(search(s, "2021081").await, Vec::<String>::new());
        let prefix = search(s, "2021081000").await;
        assert!(prefix.is_empty(), "{prefix:?}");
    }

    pub async fn text_search_follows_committed_changes(s: &Store) {
        let row = register_simple(s, "张三", "社保卡补办").await;
        let mut next = row.clone();
        next.description = "房管证明".into();
        next.applicant_name = "张三丰".into();
        s.commit(1, next, vec![], vec![]).await.unwrap();
        assert!(search(s, "社保").await.is_empty());
        assert_eq!(search(s, "房管").await, v![row.number]);
        assert_eq!(search(s, "三丰").await, v![row.number]);
        // Many cases: the 100th has a three-digit number, found by its prefix too.
        for _ in 0..99 {
            register_simple(s, "王五", "其他").await;
        }
        let found = CaseFilter { q: Some("王五".into()), ..filter() };
        assert_eq!(s.cases(&found).await.unwrap().total, 99);
        assert_eq!(search(s, "20210810100").await, ["20210810100"]);
        assert_eq!(search(s, "2021081010").await, ["2021081010", "20210810100"]);
    }

    pub async fn text_search_counts_one_center_and_combines_with_filters(s: &Store) {
        // Few and many matches among 40 cases, so that both query plans of SQLite run.
        let mut rare = Vec::new();
        let mut common = Vec::new();
        for i in 0..40 {
            let mut row = case("bbc", "王五", if i % 2 == 0 { "公积金提取" } else { "其他" });
            if i == 7 {
                row.description = "残疾证办理".into();
            }
            row.status = if i % 4 == 0 { "dispatched" } else { "accepted" }.into();
            row.received_at = at("2021-08-10T01:00:00Z") + chrono::Duration::seconds(i);
            let number = register(s, row).await.number;
            if i == 7 {
                rare.push(number.clone());
            }
            if i % 2 == 0 {
                common.push(number);
            }
        }
        let mut other = case("other", "王五", "公积金提取");
        other.status = "dispatched".into();
        register(s, other).await;
        let page = |q: &str, statuses: &[&str], per_page| CaseFilter {
            q: Some(q.into()),
            statuses: statuses.iter().map(|s| (*s).to_owned()).collect(),
            per_page,
            ..filter()
        };
        let found = s.cases(&page("残疾", &[], 20)).await.unwrap();
        assert_eq!((found.total, found.rows.len()), (1, 1));
        assert_eq!(found.rows[0].number, rare[0]);
        assert_eq!(s.cases(&page("残疾", &["dispatched"], 20)).await.unwrap().total, 0);
        let many = s.cases(&page("公积", &[], 5)).await.unwrap();
        assert_eq!(many.total, 20);
        // Newest first.
        let newest: Vec<&String> = common.iter().rev().take(5).collect();
        assert_eq!(many.rows.iter().map(|r| &r.number).collect::<Vec<_>>(), newest);
        let dispatched = s.cases(&page("公积", &["dispatched"], 20)).await.unwrap();
        assert_eq!(dispatched.total, 10);
        assert!(dispatched.rows.iter().all(|r| r.status == "dispatched" && r.center == "bbc"));
        let last = s.cases(&CaseFilter { page: 4, ..page("公积", &[], 5) }).await.unwrap();
        assert_eq!(
            last.rows.iter().map(|r| &r.number).collect::<Vec<_>>(),
            common.iter().take(5).rev().collect::<Vec<_>>()
        );
        assert_eq!(s.cases(&page("王五", &[], 20)).await.unwrap().total, 40);
    }

    pub async fn visible_units_scope_a_handler_to_the_cases_of_their_units(s: &Store) {
        let mut a = case("bbc", "张三", "甲");
        a.unit = Some("tax".into());
        a.units = vec!["tax".into()];
        let a = register(s, a).await;
        let mut b = case("bbc", "李四", "乙");
        b.unit = Some("social".into());
        b.units = vec!["social".into(), "tax".into()];
        let b = register(s, b).await.number;
        let c = register_simple(s, "王五", "丙").await.number;
        let scoped = |units: &[&str]| CaseFilter {
            visible_units: Some(units.iter().map(|u| (*u).to_owned()).collect()),
            ..filter()
        };
        assert_eq!(numbers(s, scoped(&["tax"])).await, v![a.number, b]);
        assert_eq!(numbers(s, scoped(&["social"])).await, v![b]);
        assert_eq!(numbers(s, scoped(&["police", "social"])).await, v![b]);
        assert!(numbers(s, scoped(&["police"])).await.is_empty());
        assert!(numbers(s, scoped(&[])).await.is_empty());
        assert_eq!(numbers(s, filter()).await, v![a.number, b, c]);
        // Reassignment moves the case out of the old unit's scope.
        let mut moved = a.clone();
        moved.unit = Some("police".into());
        moved.units = vec!["police".into()];
        s.commit(1, moved, vec![], vec![]).await.unwrap();
        assert_eq!(numbers(s, scoped(&["tax"])).await, v![b]);
        assert_eq!(numbers(s, scoped(&["police"])).await, v![a.number]);
        // The lead unit counts even when `units` omits it.
        let mut d = case("bbc", "赵六", "丁");
        d.unit = Some("housing".into());
        let d = register(s, d).await.number;
        assert_eq!(numbers(s, scoped(&["housing"])).await, v![d]);
    }

    pub async fn cases_due_by_lists_open_cases_due_on_or_before_the_day(s: &Store) {
        let mut mk = Vec::new();
        for (due, status, center) in [
            (Some(day(2021, 8, 12)), "dispatched", "bbc"),
            (Some(day(2021, 8, 11)), "accepted", "bbc"),
            (Some(day(2021, 8, 13)), "dispatched", "bbc"),
            (Some(day(2021, 8, 10)), "resolved", "bbc"),
            (None, "dispatched", "bbc"),
            (Some(day(2021, 8, 10)), "dispatched", "other"),
        ] {
            let mut row = case(center, "张三", "期限");
            row.next_due = due;
            row.status = status.into();
            mk.push(register(s, row).await.number);
        }
        let due = |rows: Vec<CaseRow>| rows.into_iter().map(|r| r.number).collect::<Vec<_>>();
        let terminal = ["resolved", "verified", "closed"];
        assert_eq!(
            due(s.cases_due_by("bbc", day(2021, 8, 12), &terminal, 100).await.unwrap()),
            v![mk[1], mk[0]]
        );
        assert_eq!(
            due(s.cases_due_by("bbc", day(2021, 8, 12), &[], 100).await.unwrap()),
            v![mk[3], mk[1], mk[0]]
        );
        assert_eq!(
            due(s.cases_due_by("bbc", day(2021, 8, 31), &terminal, 2).await.unwrap()),
            v![mk[1], mk[0]]
        );
        assert!(s.cases_due_by("bbc", day(2021, 8, 9), &terminal, 10).await.unwrap().is_empty());
        assert_eq!(due(s.cases_due_by("other", day(2021, 8, 12), &terminal, 10).await.unwrap()), v![mk[5]]);
    }

    pub async fn units_keep_tree_order_and_centers_are_distinct(s: &Store) {
        assert!(s.is_empty().await.unwrap());
        assert!(s.centers().await.unwrap().is_empty());
        add_unit(s, "zz_center", "bbc", None).await;
        add_unit(s, "bbcs", "bbc", Some("zz_center")).await;
        add_unit(s, "aa_tax", "bbc", Some("zz_center")).await;
        add_unit(s, "other", "abc", None).await;
        assert!(!s.is_empty().await.unwrap());
        let codes = |u: Vec<UnitRow>| u.into_iter().map(|u| u.code).collect::<Vec<_>>();
        assert_eq!(codes(s.units(Some("bbc")).await.unwrap()), ["zz_center", "bbcs", "aa_tax"]);
        assert_eq!(codes(s.units(None).await.unwrap()).len(), 4);
        let tax = s.unit("aa_tax").await.unwrap();
        assert_eq!(
            tax,
            UnitRow {
                code: "aa_tax".into(),
                center: "bbc".into(),
                name: "aa_tax 单位".into(),
                parent_code: Some("zz_center".into()),
                kind: "window".into(),
                handles_cases: true,
                phone: None,
                public_url: None,
            }
        );
        // Name, whether it handles cases, phone and public address change; the rest stays.
        let edited = UnitRow {
            name: "税务服务区".into(),
            handles_cases: false,
            phone: Some("0377-65331234".into()),
            public_url: Some("https://bbcs.example.gov.cn".into()),
            kind: "area".into(),
            ..tax.clone()
        };
        s.update_unit(&edited).await.unwrap();
        assert_eq!(s.unit("aa_tax").await.unwrap(), UnitRow { kind: "window".into(), ..edited });
        assert!(matches!(
            s.update_unit(&UnitRow { code: "nope".into(), ..tax.clone() }).await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(s.unit("nope").await, Err(StoreError::NotFound)));
        assert_eq!(s.centers().await.unwrap(), ["abc", "bbc"]);
        // The parent must exist.
        let orphan = UnitRow { parent_code: Some("missing".into()), ..tax.clone() };
        assert!(s.insert_unit(&UnitRow { code: "x".into(), ..orphan }).await.is_err());
    }

    pub async fn users_round_trip_and_passwords_disabling_and_must_change(s: &Store) {
        add_unit(s, "bbcs", "bbc", None).await;
        let now = at("2021-08-10T01:00:00.5Z");
        let u = s.insert_user("bbc", &new_user("lisu"), now).await.unwrap();
        assert_eq!(u.username, "lisu");
        assert_eq!(u.display_name, "李素");
        assert_eq!(u.center, "bbc");
        assert_eq!(u.unit_code, "bbcs");
        assert!(!u.disabled);
        assert!(!u.must_change_password);
        assert_eq!(u.created_at, at("2021-08-10T01:00:00Z"));
        assert_eq!(s.user_by_name("lisu").await.unwrap(), u);
        assert_eq!(s.user_by_id(u.id).await.unwrap(), u);
        let v = s.insert_user("bbc", &new_user("wangwu"), now).await.unwrap();
        assert_eq!(s.users("bbc").await.unwrap().into_iter().map(|u| u.id).collect::<Vec<_>>(), [u.id, v.id]);
        assert!(s.users("other").await.unwrap().is_empty());
        assert!(matches!(s.user_by_name("nobody").await, Err(StoreError::NotFound)));
        assert!(matches!(s.user_by_id(9999).await, Err(StoreError::NotFound)));

        s.set_password(u.id, "$argon2id$new", true).await.unwrap();
        s.set_user_disabled(u.id, true).await.unwrap();
        let changed = s.user_by_id(u.id).await.unwrap();
        assert_eq!(changed.password_hash, "$argon2id$new");
        assert!(changed.disabled && changed.must_change_password);
        s.set_user_disabled(u.id, false).await.unwrap();
        assert!(!s.user_by_id(u.id).await.unwrap().disabled);
        assert!(matches!(s.set_password(9999, "x", false).await, Err(StoreError::NotFound)));
        assert!(matches!(s.set_user_disabled(9999, true).await, Err(StoreError::NotFound)));
    }

    pub async fn tokens_round_trip_and_revocation_keeps_the_first_time(s: &Store) {
        add_unit(s, "bbcs", "bbc", None).await;
        let u = s.insert_user("bbc", &new_user("lisu"), at("2021-08-10T01:00:00Z")).await.unwrap();
        let t = TokenRow {
            token_hash: "ab".repeat(32),
            user_id: u.id,
            created_at: at("2021-08-10T01:00:00Z"),
            expires_at: at("2021-08-11T01:00:00Z"),
            revoked_at: None,
        };
        s.insert_token(&t).await.unwrap();
        assert_eq!(s.token(&t.token_hash).await.unwrap(), t);
        assert!(matches!(s.token("cd").await, Err(StoreError::NotFound)));
        let first = at("2021-08-10T02:00:00Z");
        s.revoke_token(&t.token_hash, first).await.unwrap();
        s.revoke_token(&t.token_hash, at("2021-08-10T03:00:00Z")).await.unwrap();
        assert_eq!(s.token(&t.token_hash).await.unwrap().revoked_at, Some(first));
        assert!(matches!(s.revoke_token("cd", first).await, Err(StoreError::NotFound)));
    }

    pub async fn calendar_years_upsert_and_policies_keep_their_versions(s: &Store) {
        let y2021 = CalendarYearRow {
            year: 2021,
            data: r#"{"holidays":["2021-10-01"],"workdays":["2021-10-09"]}"#.into(),
            source: "国办发明电〔2020〕27号".into(),
            imported_at: at("2021-01-01T00:00:00Z"),
            imported_by: "admin".into(),
        };
        let y2022 = CalendarYearRow { year: 2022, ..y2021.clone() };
        s.upsert_calendar_year(&y2022).await.unwrap();
        s.upsert_calendar_year(&y2021).await.unwrap();
        assert_eq!(s.calendar_years().await.unwrap(), [y2021.clone(), y2022.clone()]);
        let corrected = CalendarYearRow {
            data: r#"{"holidays":[],"workdays":[]}"#.into(),
            source: "更正".into(),
            imported_at: at("2021-02-01T00:00:00Z"),
            ..y2021
        };
        s.upsert_calendar_year(&corrected).await.unwrap();
        assert_eq!(s.calendar_years().await.unwrap(), [corrected, y2022]);

        let p = |version, center: &str| PolicyRow {
            center: center.into(),
            version,
            data: json!({"department": {"feedback": 3, "solve": 5}, "version": version}),
            created_at: at("2021-01-01T00:00:00Z"),
            created_by: "admin".into(),
        };
        s.insert_policy(&p(2, "bbc")).await.unwrap();
        s.insert_policy(&p(1, "bbc")).await.unwrap();
        s.insert_policy(&p(1, "other")).await.unwrap();
        assert_eq!(s.policies("bbc").await.unwrap(), [p(1, "bbc"), p(2, "bbc")]);
        assert!(s.policies("none").await.unwrap().is_empty());
    }

    pub async fn duplicates_name_the_violated_constraint(s: &Store) {
        add_unit(s, "bbcs", "bbc", None).await;
        let unit = s.unit("bbcs").await.unwrap();
        assert_eq!(duplicate(s.insert_unit(&unit).await.unwrap_err()), "units_code");
        let now = at("2021-08-10T01:00:00Z");
        let u = s.insert_user("bbc", &new_user("lisu"), now).await.unwrap();
        assert_eq!(
            duplicate(s.insert_user("bbc", &new_user("lisu"), now).await.unwrap_err()),
            "users_username"
        );
        let t = TokenRow {
            token_hash: "ab".into(),
            user_id: u.id,
            created_at: now,
            expires_at: now,
            revoked_at: None,
        };
        s.insert_token(&t).await.unwrap();
        assert_eq!(duplicate(s.insert_token(&t).await.unwrap_err()), "tokens_token_hash");
        let p = PolicyRow {
            center: "bbc".into(),
            version: 1,
            data: json!({}),
            created_at: now,
            created_by: "admin".into(),
        };
        s.insert_policy(&p).await.unwrap();
        assert_eq!(duplicate(s.insert_policy(&p).await.unwrap_err()), "policies_center_version");
        // Nothing else was disturbed.
        assert_eq!(s.users("bbc").await.unwrap().len(), 1);
    }

    pub async fn notifications_are_queued_with_the_events_and_marked_sent(s: &Store) {
        let note = |recipient: &str| NewNotification {
            kind: "dispatch".into(),
            recipient: recipient.into(),
            payload: json!({"text": "请在3个工作日内反馈", "b": 1, "a": 2}),
            at: None,
        };
        let row = s
            .register(
                d10(),
                case("bbc", "张三", "一"),
                vec![event("registered", json!({}))],
                vec![note("tax"), note("lisu")],
            )
            .await
            .unwrap();
        let mut next = row.clone();
        next.status = "dispatched".into();
        s.commit(1, next, vec![], vec![note("social")]).await.unwrap();
        let pending = s.pending_notifications(10).await.unwrap();
        assert_eq!(
            pending.iter().map(|p| p.2.recipient.as_str()).collect::<Vec<_>>(),
            ["tax", "lisu", "social"]
        );
        assert!(pending.iter().all(|p| p.1 == row.number && p.2 == note(&p.2.recipient)));
        assert_eq!(s.pending_notifications(2).await.unwrap().len(), 2);
        s.mark_notification_sent(pending[0].0, at("2021-08-10T02:00:00Z")).await.unwrap();
        let left = s.pending_notifications(10).await.unwrap();
        assert_eq!(left.iter().map(|p| p.0).collect::<Vec<_>>(), [pending[1].0, pending[2].0]);
        assert!(matches!(s.mark_notification_sent(9999, Utc::now()).await, Err(StoreError::NotFound)));
    }

    pub async fn backup_writes_a_copy_that_opens_with_the_same_cases(s: &Store) {
        for i in 0..5 {
            register_simple(s, "张三", &format!("社保{i}")).await;
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("backup").join("copy.db");
        match s.backup(&path).await {
            Ok(()) => {
                assert_eq!(s.backend(), Backend::Sqlite);
                // The target must not exist.
                assert!(s.backup(&path).await.is_err());
                let copy = Store::connect(&format!("sqlite://{}", path.display())).await.unwrap();
                let f = filter();
                assert_eq!(copy.cases(&f).await.unwrap(), s.cases(&f).await.unwrap());
                assert_eq!(copy.verify_log().await.unwrap(), (5, vec![]));
                assert_eq!(
                    copy.cases(&CaseFilter { q: Some("社保".into()), ..filter() }).await.unwrap().total,
                    5
                );
                copy.close().await;
            }
            Err(e) => {
                assert_eq!(s.backend(), Backend::Postgres);
                assert!(e.to_string().contains("pg_dump"), "{e}");
            }
        }
    }

    /// Numbers of a page in its order.
    async fn ordered(s: &Store, f: &CaseFilter) -> Vec<String> {
        s.cases(f).await.unwrap().rows.into_iter().map(|r| r.number).collect()
    }

    pub async fn ledger_sorts_by_registration_deadline_and_number_on_pages_too(s: &Store) {
        use bancheng_store::model::LedgerSort;
        let mk = |received: &str, due: Option<NaiveDate>| {
            let mut row = case("bbc", "张三", "排序");
            row.received_at = at(received);
            row.next_due = due;
            row
        };
        let reg = |day: NaiveDate, row: CaseRow| async move {
            s.register(day, row, vec![], vec![]).await.unwrap().number
        };
        let a = reg(day(2021, 8, 11), mk("2021-08-10T03:00:00Z", Some(day(2021, 8, 20)))).await;
        let b = reg(d10(), mk("2021-08-10T01:00:00Z", None)).await;
        let c = reg(day(2021, 8, 12), mk("2021-08-10T02:00:00Z", Some(day(2021, 8, 15)))).await;
        // Same instant and due day as c, registered after it: the id breaks the ties.
        let d = reg(d10(), mk("2021-08-10T02:00:00Z", Some(day(2021, 8, 15)))).await;
        assert_eq!([&a, &b, &c, &d], ["2021081101", "2021081001", "2021081201", "2021081002"]);
        let mut other = mk("2021-08-10T04:00:00Z", Some(day(2021, 8, 11)));
        other.center = "other".into();
        reg(d10(), other).await;

        let sorted = |sort| CaseFilter { sort, ..filter() };
        assert_eq!(LedgerSort::default(), LedgerSort::ReceivedDesc);
        assert_eq!(ordered(s, &filter()).await, v![a, d, c, b]);
        assert_eq!(ordered(s, &sorted(LedgerSort::ReceivedDesc)).await, v![a, d, c, b]);
        assert_eq!(ordered(s, &sorted(LedgerSort::ReceivedAsc)).await, v![b, c, d, a]);
        assert_eq!(ordered(s, &sorted(LedgerSort::DueAsc)).await, v![c, d, a, b]);
        assert_eq!(ordered(s, &sorted(LedgerSort::NumberAsc)).await, v![b, d, a, c]);
        // Pages follow the order; filters combine with it.
        let second = CaseFilter { page: 2, per_page: 3, ..sorted(LedgerSort::DueAsc) };
        assert_eq!(ordered(s, &second).await, v![b]);
        let open = CaseFilter { per_page: 2, ..sorted(LedgerSort::DueAsc) };
        assert_eq!(ordered(s, &open).await, v![c, d]);
        let day10 = CaseFilter { to: Some(d10()), ..sorted(LedgerSort::NumberAsc) };
        assert_eq!(ordered(s, &day10).await, v![b, d, a, c]);
        // Codes.
        for sort in LedgerSort::ALL {
            assert_eq!(LedgerSort::parse(sort.code()), Some(sort));
        }
        assert_eq!(LedgerSort::parse("due"), Some(LedgerSort::DueAsc));
        assert_eq!(LedgerSort::parse("number"), Some(LedgerSort::NumberAsc));
        assert_eq!(LedgerSort::parse("received_asc"), Some(LedgerSort::ReceivedAsc));
        assert_eq!(LedgerSort::parse("newest"), None);
        // The 100th case of a day has three digits and comes after the 99th, not after the 10th.
        for _ in 0..98 {
            reg(d10(), case("bbc", "李四", "多")).await;
        }
        let all = ordered(s, &CaseFilter { per_page: 200, ..sorted(LedgerSort::NumberAsc) }).await;
        assert_eq!(all.len(), 102);
        assert_eq!(all[9..12], ["2021081010", "2021081011", "2021081012"]);
        assert_eq!(all[98..], ["2021081099", "20210810100", "2021081101", "2021081201"]);
    }

    /// Everything `cases_each` sends for `f`.
    async fn each(s: &Store, f: &CaseFilter, limit: usize) -> (u64, Vec<CaseRow>) {
        let (tx, mut rx) = tokio::sync::mpsc::channel(4);
        let store = s.clone();
        let f = f.clone();
        let reader = tokio::spawn(async move { store.cases_each(&f, limit, tx).await });
        let mut rows = Vec::new();
        while let Some(row) = rx.recv().await {
            rows.push(row);
        }
        (reader.await.unwrap().unwrap(), rows)
    }

    /// Every page of `f`, 7 rows at a time.
    async fn paged(s: &Store, f: &CaseFilter) -> Vec<CaseRow> {
        let mut rows = Vec::new();
        for page in 1.. {
            let p = s.cases(&CaseFilter { page, per_page: 7, ..f.clone() }).await.unwrap();
            if p.rows.is_empty() {
                return rows;
            }
            rows.extend(p.rows);
        }
        unreachable!()
    }

    pub async fn cases_each_streams_the_rows_of_the_pages_in_order_and_stops_when_dropped(s: &Store) {
        use bancheng_store::model::LedgerSort;
        for i in 0..30_i64 {
            let mut row = case("bbc", if i % 3 == 0 { "王五" } else { "赵六" }, "公积金提取");
            if i == 11 {
                row.description = "残疾证办理".into();
            }
            row.received_at = at("2021-08-10T01:00:00Z") + chrono::Duration::minutes((i * 7) % 30);
            row.next_due = (i % 4 != 0).then(|| day(2021, 8, 12 + (i % 5) as u32));
            row.unit = Some(if i % 2 == 0 { "tax" } else { "social" }.into());
            row.status = if i % 5 == 0 { "resolved" } else { "dispatched" }.into();
            s.register(day(2021, 8, 10 + (i % 3) as u32), row, vec![], vec![]).await.unwrap();
        }
        register(s, case("other", "王五", "公积金提取")).await;
        let filters = [
            filter(),
            CaseFilter { unit: Some("tax".into()), ..filter() },
            CaseFilter { statuses: vec!["dispatched".into()], ..filter() },
            CaseFilter { q: Some("王五".into()), ..filter() },
            CaseFilter { q: Some("残疾".into()), ..filter() },
            CaseFilter { q: Some("上海".into()), ..filter() },
            CaseFilter { from: Some(day(2021, 8, 11)), overdue: Some(false), ..filter() },
        ];
        for f in &filters {
            for sort in LedgerSort::ALL {
                let f = CaseFilter { sort, ..f.clone() };
                let want = paged(s, &f).await;
                let (sent, got) = each(s, &f, 100_000).await;
                assert_eq!(sent as usize, got.len());
                assert_eq!(got, want, "{f:?}");
                // `limit` keeps the first rows; page and per_page play no part.
                let (sent, first) = each(s, &CaseFilter { page: 3, per_page: 1, ..f.clone() }, 5).await;
                assert_eq!(sent as usize, want.len().min(5));
                assert_eq!(first[..], want[..want.len().min(5)]);
            }
        }
        assert_eq!(each(s, &filter(), 100_000).await.1.len(), 30);
        // A dropped receiver ends the stream early, without an error.
        let (tx, mut rx) = tokio::sync::mpsc::channel(1);
        let store = s.clone();
        let reader = tokio::spawn(async move { store.cases_each(&filter(), 100_000, tx).await });
        rx.recv().await.unwrap();
        rx.recv().await.unwrap();
        drop(rx);
        let sent = reader.await.unwrap().unwrap();
        assert!((2..30).contains(&sent), "sent {sent}");
    }

    pub async fn writes_after_close_fail(s: &Store) {
        register_simple(s, "张三", "一").await;
        s.close().await;
        assert!(s.register(d10(), case("bbc", "李四", "二"), vec![], vec![]).await.is_err());
        if s.backend() == Backend::Sqlite {
            assert!(matches!(
                s.insert_unit(&UnitRow {
                    code: "x".into(),
                    center: "bbc".into(),
                    name: "x".into(),
                    parent_code: None,
                    kind: "window".into(),
                    handles_cases: false,
                    phone: None,
                    public_url: None,
                })
                .await,
                Err(StoreError::Closed)
            ));
        }
    }

    fn deadline(id: i32, outcome: &str) -> DeadlineRow {
        DeadlineRow {
            deadline_id: id,
            kind: "result".into(),
            due: day(2021, 8, 17),
            outcome: outcome.into(),
            round: 0,
            unit_code: Some("tax".into()),
            extended_from: None,
            provisional: false,
            workdays: 5,
            policy_version: 1,
            set_at: at("2021-08-10T01:00:00Z"),
            set_by: Some("lisu".into()),
            closed_at: (outcome != "open").then(|| at("2021-08-12T03:00:00Z")),
            note: None,
        }
    }

    fn visit(seq: i32, satisfaction: Option<i32>) -> VisitRow {
        VisitRow {
            seq,
            round: 0,
            reached: satisfaction.is_some(),
            satisfaction,
            sampled: false,
            by_user: "cuixy".into(),
            role: "office".into(),
            at: at("2021-08-13T02:00:00Z"),
        }
    }

    pub async fn fact_rows_are_written_with_the_case_and_each_table_replaced_or_kept(s: &Store) {
        let notice = NoticeRow {
            seq: 1,
            unit_code: "tax".into(),
            person: Some("王某".into()),
            fault: "超期".into(),
            opinion: "批评".into(),
            by_user: "cuixy".into(),
            at: at("2021-08-13T02:00:00Z"),
        };
        let resolution = ResolutionRow {
            seq: 1,
            round: 0,
            outcome: "done".into(),
            level: "department".into(),
            unit_code: Some("tax".into()),
            by_user: "h_tax".into(),
            at: at("2021-08-12T03:00:00Z"),
        };
        let mut row = case("bbc", "张三", "一");
        row.facts = FactRows::all(vec![deadline(1, "open")], vec![], vec![], vec![]);
        let stored = register(s, row).await;
        let facts = s.facts("bbc", &stored.number).await.unwrap();
        assert_eq!(facts.deadlines, vec![deadline(1, "open")]);
        assert!(facts.visits.is_empty() && facts.notices.is_empty() && facts.resolutions.is_empty());

        // Replaced tables get exactly the new rows; `None` keeps a table as it is.
        let mut next = stored.clone();
        next.facts = FactRows {
            deadlines: Some(vec![deadline(1, "met"), deadline(2, "open")]),
            visits: Some(vec![visit(1, Some(5)), visit(2, None)]),
            notices: Some(vec![notice.clone()]),
            resolutions: Some(vec![resolution.clone()]),
        };
        let next = s.commit(1, next, vec![event("resolved", json!({}))], vec![]).await.unwrap();
        let mut again = next.clone();
        again.facts = FactRows { deadlines: Some(vec![deadline(1, "met")]), ..FactRows::default() };
        s.commit(2, again, vec![event("visited", json!({}))], vec![]).await.unwrap();
        let facts = s.facts("bbc", &stored.number).await.unwrap();
        assert_eq!(facts.deadlines, vec![deadline(1, "met")]);
        assert_eq!(facts.visits, vec![visit(1, Some(5)), visit(2, None)]);
        assert_eq!(facts.notices, vec![notice]);
        assert_eq!(facts.resolutions, vec![resolution]);

        // A refused commit writes no fact row either.
        let mut stale = next.clone();
        stale.facts = FactRows { deadlines: Some(vec![]), ..FactRows::default() };
        assert!(matches!(s.commit(1, stale, vec![], vec![]).await, Err(StoreError::Conflict)));
        assert_eq!(s.facts("bbc", &stored.number).await.unwrap().deadlines, vec![deadline(1, "met")]);
    }

    pub async fn cache_versions_move_with_units_policies_and_calendar_years(s: &Store) {
        let version = |v: &[(String, i64)], name: &str| v.iter().find(|(n, _)| n == name).unwrap().1;
        let before = s.cache_versions().await.unwrap();
        assert_eq!(
            before.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(),
            ["calendar", "policies", "units"]
        );
        s.insert_unit(&UnitRow {
            code: "bbc".into(),
            center: "bbc".into(),
            name: "中心".into(),
            parent_code: None,
            kind: "center".into(),
            handles_cases: false,
            phone: None,
            public_url: None,
        })
        .await
        .unwrap();
        let after_unit = s.cache_versions().await.unwrap();
        assert_eq!(version(&after_unit, "units"), version(&before, "units") + 1);
        assert_eq!(version(&after_unit, "policies"), version(&before, "policies"));
        s.insert_policy(&PolicyRow {
            center: "bbc".into(),
            version: 2,
            data: json!({}),
            created_at: at("2021-08-10T01:00:00Z"),
            created_by: "admin".into(),
        })
        .await
        .unwrap();
        s.upsert_calendar_year(&CalendarYearRow {
            year: 2027,
            data: "{}".into(),
            source: "test".into(),
            imported_at: at("2021-08-10T01:00:00Z"),
            imported_by: "admin".into(),
        })
        .await
        .unwrap();
        let after = s.cache_versions().await.unwrap();
        assert_eq!(version(&after, "policies"), version(&before, "policies") + 1);
        assert_eq!(version(&after, "calendar"), version(&before, "calendar") + 1);
        // A refused change (duplicate unit) moves nothing.
        assert!(
            s.insert_unit(&UnitRow {
                code: "bbc".into(),
                center: "bbc".into(),
                name: "重复".into(),
                parent_code: None,
                kind: "center".into(),
                handles_cases: false,
                phone: None,
                public_url: None,
            })
            .await
            .is_err()
        );
        assert_eq!(s.cache_versions().await.unwrap(), after);
    }

    pub async fn rewrite_case_replaces_derived_rows_at_the_same_version_and_refuses_a_stale_one(s: &Store) {
        let stored = register_simple(s, "张三", "一").await;
        let mut row = stored.clone();
        row.state = json!({"rebuilt": true});
        row.facts = FactRows::all(vec![deadline(1, "missed")], vec![visit(1, Some(3))], vec![], vec![]);
        s.rewrite_case(row).await.unwrap();
        let now = s.case("bbc", &stored.number).await.unwrap();
        assert_eq!(now.version, stored.version, "no version bump");
        assert_eq!(now.state, json!({"rebuilt": true}));
        let facts = s.facts("bbc", &stored.number).await.unwrap();
        assert_eq!(facts.deadlines, vec![deadline(1, "missed")]);
        assert_eq!(facts.visits, vec![visit(1, Some(3))]);
        assert_eq!(s.events("bbc", &stored.number).await.unwrap().len(), 1, "no event");
        let mut stale = now.clone();
        stale.version = 7;
        assert!(matches!(s.rewrite_case(stale).await, Err(StoreError::Conflict)));
    }

    pub async fn rate_limits_count_every_parallel_hit_once_and_lock_at_the_limit(s: &Store) {
        let t0 = at("2021-08-10T01:00:00Z");
        let rule = RateRule {
            window: chrono::TimeDelta::minutes(15),
            max: 5,
            lock_for: chrono::TimeDelta::minutes(15),
        };
        // 40 at once: each hit counted once, in some order: 1..=40 exactly.
        let mut set = tokio::task::JoinSet::new();
        for _ in 0..40 {
            let s = s.clone();
            set.spawn(async move { s.rate_hit("login", "lisu", "10.0.0.9", t0, rule).await.unwrap() });
        }
        let mut hits = Vec::new();
        while let Some(r) = set.join_next().await {
            let state = r.unwrap();
            hits.push(state.hits);
            // The hit that reaches the limit locks, and the lock stays.
            assert_eq!(state.locked_until.is_some(), state.hits >= 5, "{state:?}");
        }
        hits.sort_unstable();
        assert_eq!(hits, (1..=40).collect::<Vec<i32>>());
        let lock = s.rate_state("login", "lisu", "10.0.0.9").await.unwrap().unwrap().locked_until;
        assert_eq!(lock, Some(at("2021-08-10T01:15:00Z")));
        // Another address, another subject, another scope: counted apart.
        assert_eq!(s.rate_hit("login", "lisu", "10.0.0.10", t0, rule).await.unwrap().hits, 1);
        assert_eq!(s.rate_hit("login", "wangwu", "10.0.0.9", t0, rule).await.unwrap().hits, 1);
        assert_eq!(s.rate_hit("login_ip", "", "10.0.0.9", t0, rule).await.unwrap().hits, 1);
        // Under the lock the hits keep counting; once window and lock are over, it starts again.
        let later = at("2021-08-10T01:14:00Z");
        assert_eq!(s.rate_hit("login", "lisu", "10.0.0.9", later, rule).await.unwrap().hits, 41);
        let after = s.rate_hit("login", "lisu", "10.0.0.9", at("2021-08-10T01:16:00Z"), rule).await.unwrap();
        assert_eq!((after.hits, after.locked_until), (1, None));
        assert_eq!(s.rate_locks("login", later).await.unwrap(), []);
        for _ in 0..4 {
            s.rate_hit("login", "lisu", "10.0.0.10", later, rule).await.unwrap();
        }
        assert_eq!(
            s.rate_locks("login", later).await.unwrap(),
            [("lisu".to_owned(), at("2021-08-10T01:29:00Z"))]
        );
        // A success (or an admin) clears one address or every address of the subject.
        assert_eq!(s.rate_clear("lisu", &[("login", Some("10.0.0.10"))]).await.unwrap(), 1);
        assert_eq!(s.rate_state("login", "lisu", "10.0.0.10").await.unwrap(), None);
        assert_eq!(s.rate_clear("lisu", &[("login", None), ("login_ip", None)]).await.unwrap(), 1);
        assert_eq!(s.rate_state("login", "wangwu", "10.0.0.9").await.unwrap().map(|r| r.hits), Some(1));
        // Old counts go; locks in force stay.
        assert_eq!(
            s.purge_rate_limits(at("2021-08-10T02:00:00Z"), at("2021-08-10T02:00:00Z")).await.unwrap(),
            2
        );
    }

    pub async fn a_registration_key_answers_with_its_first_case_once_even_in_parallel_and_expires(s: &Store) {
        let claim = |key: &str, hash: &str, at_: &str| IdempotencyClaim {
            username: "lisu".into(),
            key: key.into(),
            request_hash: hash.into(),
            at: at(at_),
            expired_before: at(at_) - chrono::TimeDelta::hours(24),
        };
        let reg = |claim: IdempotencyClaim| {
            let s = s.clone();
            async move {
                s.register_keyed(
                    d10(),
                    case("bbc", "张三", "双击保存"),
                    vec![event("registered", json!({}))],
                    vec![],
                    Some(claim),
                )
                .await
                .unwrap()
            }
        };
        // Ten requests with one key at once: one case, nine answers naming it.
        let mut set = tokio::task::JoinSet::new();
        for _ in 0..10 {
            set.spawn(reg(claim("k1", "h1", "2021-08-10T01:00:00Z")));
        }
        let (mut new, mut repeats) = (Vec::new(), Vec::new());
        while let Some(r) = set.join_next().await {
            match r.unwrap() {
                Registered::New(row) => new.push(row.number),
                Registered::Repeat { number, request_hash } => repeats.push((number, request_hash)),
            }
        }
        assert_eq!(new, ["2021081001"]);
        assert_eq!(repeats.len(), 9);
        assert!(repeats.iter().all(|(n, h)| n == "2021081001" && h == "h1"));
        // The counter was not taken by the repeats: the next case is 02.
        assert_eq!(register_simple(s, "李四", "二").await.number, "2021081002");
        // Same key, other body: the stored hash tells the caller (who refuses it).
        match reg(claim("k1", "other", "2021-08-10T05:00:00Z")).await {
            Registered::Repeat { number, request_hash } => {
                assert_eq!((number.as_str(), request_hash.as_str()), ("2021081001", "h1"))
            }
            other => panic!("{other:?}"),
        }
        // Keys are per user.
        let mut other_user = claim("k1", "h1", "2021-08-10T01:00:00Z");
        other_user.username = "wangwu".into();
        assert!(matches!(reg(other_user).await, Registered::New(_)));
        // After 24 hours the key is free again.
        assert!(matches!(reg(claim("k1", "h1", "2021-08-11T01:00:01Z")).await, Registered::New(_)));
        assert_eq!(s.purge_idempotency_keys(at("2021-08-11T00:00:00Z")).await.unwrap(), 1);
    }

    pub async fn commit_all_writes_every_case_or_none_with_attachments_and_cancelled_messages(s: &Store) {
        let note =
            |r: &str| NewNotification { kind: "k".into(), recipient: r.into(), payload: json!({}), at: None };
        let a = s
            .register(
                d10(),
                case("bbc", "张三", "一"),
                vec![event("registered", json!({}))],
                vec![note("a1"), note("a2")],
            )
            .await
            .unwrap();
        let b = register_simple(s, "李四", "二").await;
        let png = NewAttachment {
            seq: 1,
            name: "材料.png".into(),
            mime: "image/png".into(),
            sha256: "ab".into(),
            data: vec![0x89, b'P', b'N', b'G', 0, 1, 2],
            created_at: at("2021-08-10T02:00:00Z"),
            created_by: "lisu".into(),
        };
        let commit =
            |row: &CaseRow, version: i64, cancel: bool, attachments: Vec<NewAttachment>| CaseCommit {
                expected_version: version,
                row: CaseRow { status: "voided".into(), ..row.clone() },
                events: vec![event("voided", json!({}))],
                notes: vec![],
                attachments,
                cancel_pending: cancel,
            };
        // One stale commit: nothing of either is written.
        let r =
            s.commit_all(vec![commit(&a, 1, true, vec![png.clone()]), commit(&b, 7, false, vec![])]).await;
        assert!(matches!(r, Err(StoreError::Conflict)), "{r:?}");
        assert_eq!(s.case("bbc", &a.number).await.unwrap().status, "accepted");
        assert_eq!(s.pending_notifications(10).await.unwrap().len(), 2);
        assert!(matches!(s.attachment("bbc", &a.number, 1).await, Err(StoreError::NotFound)));
        let rows = s
            .commit_all(vec![commit(&a, 1, true, vec![png.clone()]), commit(&b, 1, false, vec![])])
            .await
            .unwrap();
        assert_eq!(rows.iter().map(|r| r.version).collect::<Vec<_>>(), [2, 2]);
        assert_eq!(s.events("bbc", &b.number).await.unwrap().len(), 2);
        // The voided case's owed messages are cancelled, never delivered.
        assert!(s.pending_notifications(10).await.unwrap().is_empty());
        let stored = s.attachment("bbc", &a.number, 1).await.unwrap();
        assert_eq!((stored.name.as_str(), stored.mime.as_str(), stored.size), ("材料.png", "image/png", 7));
        assert_eq!(stored.data, png.data);
        // A second attachment of the same number is refused.
        let again = s.commit_all(vec![commit(&rows[0], 2, false, vec![png])]).await;
        assert!(matches!(again, Err(StoreError::Duplicate { .. })), "{again:?}");
    }

    pub async fn numbers_of_units_keeps_only_the_cases_of_those_units(s: &Store) {
        let mut numbers = Vec::new();
        for units in [vec!["sw"], vec!["ga"], vec!["sw", "ga"], vec![]] {
            let mut row = case("bbc", "张三", "一");
            row.units = units.iter().map(|u| u.to_string()).collect();
            numbers.push(register(s, row).await.number);
        }
        let all: Vec<String> = numbers.iter().cloned().chain(["2099010101".to_owned()]).collect();
        assert_eq!(
            s.numbers_of_units("bbc", &all, &["sw".into()]).await.unwrap(),
            [numbers[0].clone(), numbers[2].clone()]
        );
        assert_eq!(s.numbers_of_units("bbc", &all, &["bdc".into()]).await.unwrap(), Vec::<String>::new());
        assert_eq!(s.numbers_of_units("other", &all, &["sw".into()]).await.unwrap(), Vec::<String>::new());
        assert!(s.numbers_of_units("bbc", &[], &["sw".into()]).await.unwrap().is_empty());
    }

    pub async fn user_prefs_are_saved_replaced_and_deleted(s: &Store) {
        let t = at("2021-08-10T01:00:00Z");
        assert_eq!(s.pref("lisu", "ledger_columns").await.unwrap(), None);
        s.set_pref("lisu", "ledger_columns", Some("[1,2]"), t).await.unwrap();
        s.set_pref("lisu", "ledger_columns", Some("[1,2,3]"), t).await.unwrap();
        s.set_pref("wangwu", "ledger_columns", Some("[9]"), t).await.unwrap();
        assert_eq!(s.pref("lisu", "ledger_columns").await.unwrap().as_deref(), Some("[1,2,3]"));
        s.set_pref("lisu", "ledger_columns", None, t).await.unwrap();
        assert_eq!(s.pref("lisu", "ledger_columns").await.unwrap(), None);
        assert_eq!(s.pref("wangwu", "ledger_columns").await.unwrap().as_deref(), Some("[9]"));
    }
}
