//! Durability (SPEC §4.6, §6): tampering is detected by `verify-log`, an acknowledged
//! registration survives `kill -9`, and `backup` copies a live database.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bancheng_app::{App, CaseQuery, SystemClock};
use bancheng_domain::{Actor, Role};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

fn office() -> Actor {
    Actor { username: "cuixy".into(), role: Role::Office, unit: "ywg".into(), center: CENTER.into() }
}

/// Every case number in the database, through the use case the office's list uses.
async fn all_numbers(app: &App) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for page in 1.. {
        let q = CaseQuery { page: Some(page), per_page: Some(200), ..Default::default() };
        let (rows, total) = app.cases(&office(), &q).await.expect("list cases");
        let n = rows.len();
        out.extend(rows.into_iter().map(|r| r.number));
        if n == 0 || out.len() as i64 >= total {
            break;
        }
    }
    out
}

/// Day prefix → sequence numbers, checking every number is YYYYMMDD + at least two digits.
fn by_day(numbers: &BTreeSet<String>) -> BTreeMap<String, Vec<u32>> {
    let mut m: BTreeMap<String, Vec<u32>> = BTreeMap::new();
    for n in numbers {
        assert!(n.len() >= 10 && n.bytes().all(|b| b.is_ascii_digit()), "number {n}");
        m.entry(n[..8].to_owned()).or_default().push(n[8..].parse().expect("seq"));
    }
    for seqs in m.values_mut() {
        seqs.sort();
    }
    m
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spec_4_6_verify_log_passes_on_an_untouched_log_and_exits_1_naming_the_case_after_tampering() {
    for backend in backends() {
        let t = spawn_app_on(&backend, default_start()).await;
        let mut numbers = Vec::new();
        for i in 0..3 {
            let number = number_of(&t.register_ok("lisu", json!({"phone": format!("1390000{i:04}")})).await);
            t.act_ok("lisu", &number, "dispatch", json!({"unit": "sw", "level": "department"})).await;
            t.act_ok("h_sw", &number, "feedback", json!({"text": "已受理，正在核实"})).await;
            numbers.push(number);
        }
        t.act_ok("h_sw", &numbers[1], "resolve", json!({"outcome": "done", "reply": "已办结"})).await;
        let cwd = tempfile::tempdir().expect("tempdir");
        let url = t.db.url.clone();

        let run = run_cli(cwd.path(), &["verify-log", "--database", &url], "");
        assert_eq!(run.code(), Some(0), "[{}] intact log: {run:?}", backend.name());

        // An attacker with database access rewrites the reply of case 2.
        let victim = &numbers[1];
        let events = t.events(victim).await;
        let resolved = events.iter().find(|e| e["kind"] == "resolved").expect("resolved");
        let seq = resolved["seq"].as_i64().expect("seq");
        let mut payload: Value = resolved["payload"].clone();
        payload["reply"] = json!("已办结（此处被改过）");
        t.app.store().tamper_event_payload_for_test(victim, seq, &payload.to_string()).await.expect("tamper");

        let run = run_cli(cwd.path(), &["verify-log", "--database", &url], "");
        assert_eq!(run.code(), Some(1), "[{}] tampered log: {run:?}", backend.name());
        assert!(run.stdout.contains(victim.as_str()), "names the case {victim}: {run:?}");
        for other in [&numbers[0], &numbers[2]] {
            assert!(!run.stdout.contains(other.as_str()), "does not blame {other}: {run:?}");
        }
        assert!(!run.stderr.trim().is_empty(), "and says so on stderr");
        t.app.store().close().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn spec_4_6_every_registration_acknowledged_before_kill_9_survives_and_numbers_neither_skip_nor_repeat()
{
    let dir = tempfile::tempdir().expect("tempdir");
    let db = sqlite_url(dir.path(), "live.db");
    run_cli(
        dir.path(),
        &["user", "add", "lisu", "--role", "window", "--unit", "bbcs", "--password-stdin", "--database", &db],
        PASSWORD,
    )
    .ok();
    let mut server = Server::start(dir.path(), &db, &["--tick-seconds", "0"]);
    let base = server.base.clone();
    let client = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().expect("client");
    let token = login(&client, &base, "lisu", PASSWORD).await;

    let acked = Arc::new(Mutex::new(Vec::<String>::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let errors_before_kill = Arc::new(Mutex::new(Vec::<String>::new()));
    let killed = Arc::new(AtomicBool::new(false));
    let mut set = tokio::task::JoinSet::new();
    for task in 0..8u32 {
        let (client, base, token) = (client.clone(), base.clone(), token.clone());
        let (acked, stop, killed, errors) =
            (acked.clone(), stop.clone(), killed.clone(), errors_before_kill.clone());
        set.spawn(async move {
            let mut i = 0u32;
            while !stop.load(Ordering::SeqCst) {
                i += 1;
                let body = reg_body(
                    json!({"phone": format!("13{task}{i:08}"), "applicant_name": format!("压测{task}-{i}")}),
                );
                let sent =
                    client.post(format!("{base}/api/v1/cases")).bearer_auth(&token).json(&body).send().await;
                match sent {
                    Ok(resp) if resp.status() == StatusCode::CREATED => {
                        // Acknowledged only once the whole body has arrived.
                        match resp.json::<Value>().await {
                            Ok(case) => acked.lock().expect("acked").push(number_of(&case)),
                            Err(_) if killed.load(Ordering::SeqCst) => break,
                            Err(e) => errors.lock().expect("errors").push(e.to_string()),
                        }
                    }
                    Ok(resp) => {
                        let status = resp.status();
                        let text = resp.text().await.unwrap_or_default();
                        errors.lock().expect("errors").push(format!("{status}: {text}"));
                    }
                    Err(_) if killed.load(Ordering::SeqCst) => break,
                    Err(e) => errors.lock().expect("errors").push(e.to_string()),
                }
            }
        });
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let before_kill = acked.lock().expect("acked").len();
    killed.store(true, Ordering::SeqCst);
    server.kill9(); // SIGKILL while the eight clients have requests in flight
    stop.store(true, Ordering::SeqCst);
    let joined = tokio::time::timeout(Duration::from_secs(30), async {
        while let Some(r) = set.join_next().await {
            r.expect("client task");
        }
    })
    .await;
    assert!(joined.is_ok(), "clients stop once the server is gone");
    let errors = errors_before_kill.lock().expect("errors").clone();
    assert!(errors.is_empty(), "no failure before the kill: {errors:?}");
    let acked: BTreeSet<String> = acked.lock().expect("acked").iter().cloned().collect();
    assert!(acked.len() >= 8, "the clients got going: {} acknowledged", acked.len());

    // The log is intact after the crash.
    let run = run_cli(dir.path(), &["verify-log", "--database", &db], "");
    assert_eq!(run.code(), Some(0), "verify-log after kill -9: {run:?}");

    // Every acknowledged number is there; the stored numbers run 01..N per day without a gap.
    let app = App::open(&db, Arc::new(SystemClock)).await.expect("reopen");
    let stored = all_numbers(&app).await;
    let missing: Vec<_> = acked.difference(&stored).collect();
    assert!(missing.is_empty(), "acknowledged but lost after kill -9: {missing:?}");
    for (day, seqs) in by_day(&stored) {
        let expected: Vec<u32> = (1..=seqs.len() as u32).collect();
        assert_eq!(seqs, expected, "numbers of {day} run from 01 without gap");
    }
    let (checked, breaks) = app.store().verify_log().await.expect("verify");
    assert!(breaks.is_empty());
    app.store().close().await;
    println!(
        "kill -9: {} registrations acknowledged ({} when the kill was sent), {} stored, {} events verified",
        acked.len(),
        before_kill,
        stored.len(),
        checked
    );

    // A restarted server continues the day's sequence: the next number is neither reused nor skipped.
    let server = Server::start(dir.path(), &db, &["--tick-seconds", "0"]);
    let token = login(&client, &server.base, "lisu", PASSWORD).await;
    let resp = client
        .post(format!("{}/api/v1/cases", server.base))
        .bearer_auth(&token)
        .json(&reg_body(json!({})))
        .send()
        .await
        .expect("register after restart");
    assert_eq!(resp.status(), StatusCode::CREATED);
    let next = number_of(&resp.json::<Value>().await.expect("json"));
    let today = by_day(&stored).into_iter().find(|(day, _)| next.starts_with(day.as_str()));
    let expected_seq = today.map_or(1, |(_, seqs)| seqs.len() as u32 + 1);
    assert_eq!(next[8..].parse::<u32>().expect("seq"), expected_seq, "next number after restart: {next}");
    for number in acked.iter().take(5) {
        let resp = client
            .get(format!("{}/api/v1/cases/{number}", server.base))
            .bearer_auth(&token)
            .send()
            .await
            .expect("get");
        assert_eq!(resp.status(), StatusCode::OK, "{number} readable after restart");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn spec_6_backup_of_a_running_server_opens_with_the_same_cases_and_an_intact_log() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = sqlite_url(dir.path(), "live.db");
    for (user, role, unit) in
        [("lisu", "window", "bbcs"), ("cuixy", "office", "ywg"), ("h_sw", "handler", "sw")]
    {
        run_cli(
            dir.path(),
            &["user", "add", user, "--role", role, "--unit", unit, "--password-stdin", "--database", &db],
            PASSWORD,
        )
        .ok();
    }
    let server = Server::start(dir.path(), &db, &["--tick-seconds", "0"]);
    let c = client();
    let lisu = login(&c, &server.base, "lisu", PASSWORD).await;
    let h_sw = login(&c, &server.base, "h_sw", PASSWORD).await;
    let post = |token: String, path: String, body: Value| {
        let (c, base) = (c.clone(), server.base.clone());
        async move {
            let resp =
                c.post(format!("{base}{path}")).bearer_auth(token).json(&body).send().await.expect("POST");
            let status = resp.status();
            (status, resp.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let mut before = BTreeMap::new();
    for i in 0..5 {
        let (status, case) =
            post(lisu.clone(), "/api/v1/cases".into(), reg_body(json!({"phone": format!("1370000{i:04}")})))
                .await;
        assert_eq!(status, StatusCode::CREATED, "{case}");
        let number = number_of(&case);
        if i % 2 == 0 {
            let path = format!("/api/v1/cases/{number}/dispatch");
            let (status, _) = post(lisu.clone(), path, json!({"unit": "sw", "level": "department"})).await;
            assert_eq!(status, StatusCode::OK);
            let path = format!("/api/v1/cases/{number}/feedback");
            let (status, case) = post(h_sw.clone(), path, json!({"text": "正在办理"})).await;
            assert_eq!(status, StatusCode::OK, "{case}");
            before.insert(number, "dispatched".to_owned());
        } else {
            before.insert(number, "accepted".to_owned());
        }
    }

    // Registrations keep arriving while the backup is taken.
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (stop, c, base, lisu) = (stop.clone(), c.clone(), server.base.clone(), lisu.clone());
        tokio::spawn(async move {
            let mut n = 0u32;
            let started = Instant::now();
            while !stop.load(Ordering::SeqCst) && started.elapsed() < Duration::from_secs(60) {
                n += 1;
                let body = reg_body(json!({"phone": format!("136{n:08}")}));
                let resp = c.post(format!("{base}/api/v1/cases")).bearer_auth(&lisu).json(&body).send().await;
                assert_eq!(resp.expect("POST").status(), StatusCode::CREATED);
            }
            n
        })
    };
    tokio::time::sleep(Duration::from_millis(200)).await;
    let copy = dir.path().join("backup").join("copy.db");
    let copy_str = copy.to_str().expect("utf-8").to_owned();
    let (cwd, db2, copy2) = (dir.path().to_owned(), db.clone(), copy_str.clone());
    let run = tokio::task::spawn_blocking(move || run_cli(&cwd, &["backup", &copy2, "--database", &db2], ""))
        .await
        .expect("backup");
    stop.store(true, Ordering::SeqCst);
    let during = writer.await.expect("writer");
    let run = run.ok();
    assert!(run.stdout.contains("copy.db"), "{run:?}");
    assert!(copy.exists());

    // A second backup to the same file is refused rather than overwriting it.
    let again = run_cli(dir.path(), &["backup", &copy_str, "--database", &db], "");
    assert!(!again.status.success(), "{again:?}");

    let backup =
        App::open(&format!("sqlite://{copy_str}"), Arc::new(SystemClock)).await.expect("open the backup");
    let in_backup = all_numbers(&backup).await;
    for (number, status) in &before {
        assert!(in_backup.contains(number), "{number} in the backup");
        let view = backup.case(&office(), number).await.expect("case in backup");
        assert_eq!(view.case.status.code(), status, "{number}");
    }
    for (day, seqs) in by_day(&in_backup) {
        let expected: Vec<u32> = (1..=seqs.len() as u32).collect();
        assert_eq!(seqs, expected, "the backup is a consistent prefix for {day}");
    }
    let (_, breaks) = backup.store().verify_log().await.expect("verify backup");
    assert!(breaks.is_empty(), "{breaks:?}");
    let run = run_cli(dir.path(), &["verify-log", "--database", &format!("sqlite://{copy_str}")], "");
    assert_eq!(run.code(), Some(0), "{run:?}");
    println!("backup: {} cases in the copy, {during} registrations made while it ran", in_backup.len());
    backup.store().close().await;
}
