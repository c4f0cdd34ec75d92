//! `bancheng demo-data` and `bancheng config` through the real binary.

use std::collections::BTreeSet;

use bancheng_store::Store;
use bancheng_store::model::{CaseFilter, CaseRow};
use serde_json::Value;

use crate::helpers::*;

async fn rows(url: &str) -> Vec<CaseRow> {
    let store = Store::connect(url).await.expect("open demo database");
    let mut rows = Vec::new();
    for page in 1.. {
        let filter = CaseFilter { center: CENTER.into(), page, per_page: 100, ..CaseFilter::default() };
        let got = store.cases(&filter).await.expect("cases").rows;
        let last = got.len() < 100;
        rows.extend(got);
        if last {
            break;
        }
    }
    store.close().await;
    rows.sort_by(|a, b| a.number.cmp(&b.number));
    rows
}

fn demo(dir: &std::path::Path, url: &str, extra: &[&str]) -> Run {
    // SPEC §7: demo-data fills a database set up before; it creates none.
    run_cli(dir, &["migrate", "--database", url], "").ok();
    let mut args =
        vec!["demo-data", "--cases", "300", "--seed", "7", "--until", "2026-11-30", "--database", url];
    args.extend_from_slice(extra);
    run_cli(dir, &args, "")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_data_writes_verifiable_cases_of_every_kind_and_the_same_rows_for_the_same_seed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url_a = format!("sqlite://{}/a.db", dir.path().display());
    let url_b = format!("sqlite://{}/b.db", dir.path().display());
    let run = demo(dir.path(), &url_a, &[]);
    assert!(run.status.success(), "demo-data: {}\n{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("已生成 300 件事项"), "{}", run.stdout);
    assert!(run.stdout.contains("件/秒"), "{}", run.stdout);

    let verify = run_cli(dir.path(), &["verify-log", "--database", &url_a], "");
    assert!(verify.status.success(), "verify-log: {}\n{}", verify.stdout, verify.stderr);

    let a = rows(&url_a).await;
    assert_eq!(a.len(), 300);
    let statuses: BTreeSet<&str> = a.iter().map(|r| r.status.as_str()).collect();
    let all_statuses = [
        "submitted",
        "accepted",
        "dispatched",
        "returned",
        "negative_pending",
        "resolved",
        "verified",
        "closed",
    ];
    assert_eq!(statuses, all_statuses.into_iter().collect(), "statuses");
    let levels: BTreeSet<&str> = a.iter().map(|r| r.level.as_str()).collect();
    assert_eq!(levels, ["window", "department", "joint", "county"].into_iter().collect(), "levels");
    let outcomes: BTreeSet<&str> = a.iter().filter_map(|r| r.outcome.as_deref()).collect();
    assert_eq!(outcomes, ["done", "explained"].into_iter().collect(), "outcomes");
    let visits: Vec<&Value> =
        a.iter().flat_map(|r| r.state["visits"].as_array().into_iter().flatten()).collect();
    let satisfaction: BTreeSet<u64> = visits.iter().filter_map(|v| v["satisfaction"].as_u64()).collect();
    assert_eq!(satisfaction, (1..=5).collect(), "every satisfaction level");
    assert!(visits.iter().any(|v| v["reached"] == Value::Bool(false)), "an unreached visit");
    assert!(a.iter().any(|r| r.reopen_count > 0), "a case reopened after a dissatisfied visit");
    assert!(a.iter().any(|r| r.state["notices"].as_array().is_some_and(|n| !n.is_empty())), "a 通报");
    assert!(a.iter().any(|r| !r.state["extension"].is_null()), "an extension");
    assert!(a.iter().any(|r| !r.state["returned"].is_null()), "a 退单");
    let supervised = |r: &CaseRow| {
        r.state["deadlines"].as_array().is_some_and(|d| d.iter().any(|d| d["kind"] == "supervision"))
    };
    assert!(a.iter().any(supervised), "a 督办");
    let days: BTreeSet<&str> = a.iter().map(|r| &r.number[..8]).collect();
    assert!(days.len() > 100 && days.iter().any(|d| d.starts_with("2024")), "two years of dates: {days:?}");

    // Every derived row of the demo cases is what the log says: a reindex finds nothing to
    // correct and leaves every row as it was.
    let reindex = run_cli(dir.path(), &["reindex", "--database", &url_a], "");
    assert!(reindex.status.success(), "reindex: {}\n{}", reindex.stdout, reindex.stderr);
    assert!(
        reindex.stdout.contains("已从事件日志重建 300 件事项的派生数据（其中 0 件"),
        "{}",
        reindex.stdout
    );
    // (`overdue` is as of the day the row is written: the demo ends on 2026-11-30, the reindex
    // runs today.)
    let as_of_today = |rows: &[CaseRow]| {
        rows.iter().map(|r| format!("{:?}", CaseRow { overdue: false, ..r.clone() })).collect::<Vec<_>>()
    };
    assert_eq!(as_of_today(&rows(&url_a).await), as_of_today(&a), "reindex changed no row");

    // The same seed on a fresh database: the same rows.
    let run = demo(dir.path(), &url_b, &[]);
    assert!(run.status.success(), "second demo-data: {}\n{}", run.stdout, run.stderr);
    let b = rows(&url_b).await;
    assert_eq!(format!("{a:?}"), format!("{b:?}"), "same seed, same rows");

    // Deciding each life in memory and committing it at once (the default) writes what
    // committing every step on its own does: the same rows, the same hash-chained events, the
    // same derived facts.
    let url_c = format!("sqlite://{}/c.db", dir.path().display());
    let run = demo(dir.path(), &url_c, &["--step-by-step"]);
    assert!(run.status.success(), "step-by-step demo-data: {}\n{}", run.stdout, run.stderr);
    let c = rows(&url_c).await;
    assert_eq!(format!("{a:?}"), format!("{c:?}"), "in memory and step by step: the same rows");
    let (store_a, store_c) = (Store::connect(&url_a).await.unwrap(), Store::connect(&url_c).await.unwrap());
    for r in &a {
        let (ea, ec) = (
            store_a.events(CENTER, &r.number).await.unwrap(),
            store_c.events(CENTER, &r.number).await.unwrap(),
        );
        assert_eq!(ea, ec, "events of {}", r.number);
        let (fa, fc) = (
            store_a.facts(CENTER, &r.number).await.unwrap(),
            store_c.facts(CENTER, &r.number).await.unwrap(),
        );
        assert_eq!(fa, fc, "facts of {}", r.number);
    }
    store_a.close().await;
    store_c.close().await;

    // A database with cases is refused without --append.
    let again = demo(dir.path(), &url_a, &[]);
    assert!(!again.status.success());
    assert!(again.stderr.contains("--append"), "{}", again.stderr);
    let more = run_cli(
        dir.path(),
        &[
            "demo-data",
            "--cases",
            "20",
            "--seed",
            "8",
            "--until",
            "2026-11-30",
            "--append",
            "--database",
            &url_a,
        ],
        "",
    );
    assert!(more.status.success(), "append: {}\n{}", more.stdout, more.stderr);
    assert_eq!(rows(&url_a).await.len(), 320);
    let verify = run_cli(dir.path(), &["verify-log", "--database", &url_a], "");
    assert!(verify.status.success(), "verify-log after append: {}", verify.stdout);
}

#[test]
fn config_prints_each_value_with_its_source_and_refuses_unknown_keys() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("bancheng.toml"),
        "tick_seconds = 5\ndatabase = \"postgres://app:hunter2@db.local/bc\"\n[limits]\nexport_max_rows = 500\n",
    )
    .expect("write bancheng.toml");
    let run = run_cli(dir.path(), &["config", "--addr", "0.0.0.0:9000"], "");
    assert!(run.status.success(), "{}\n{}", run.stdout, run.stderr);
    let line = |key: &str| {
        run.stdout
            .lines()
            .find(|l| l.starts_with(&format!("{key} ")))
            .unwrap_or_else(|| panic!("{key}: {}", run.stdout))
    };
    assert!(line("addr").contains("0.0.0.0:9000") && line("addr").contains("flag --addr"), "{}", run.stdout);
    assert!(line("tick_seconds").contains("= 5") && line("tick_seconds").contains("file bancheng.toml"));
    assert!(line("database").contains("postgres://app:***@db.local/bc"), "{}", run.stdout);
    assert!(!run.stdout.contains("hunter2"), "{}", run.stdout);
    assert!(line("limits.export_max_rows").contains("500"));
    assert!(line("limits.body_bytes").contains("default"));

    std::fs::write(dir.path().join("other.toml"), "[limits]\nbody_limit = 1\n").expect("write");
    let run = run_cli(dir.path(), &["config", "--config", "other.toml"], "");
    assert!(!run.status.success());
    assert!(run.stderr.contains("`limits.body_limit`"), "{}", run.stderr);
    // Every command reads the file: an unknown key stops `migrate` too.
    let run = run_cli(dir.path(), &["migrate", "--config", "other.toml", "--database", "sqlite://x.db"], "");
    assert!(!run.status.success() && run.stderr.contains("`limits.body_limit`"), "{}", run.stderr);
}
