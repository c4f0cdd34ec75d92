//! The real `bancheng` binary (SPEC §6 CLI), each run in a temporary directory as its working
//! directory with `--database sqlite://<tmp>/x.db`.

use std::collections::{BTreeSet, HashSet};
use std::time::Duration;

use chrono::{Datelike, Days, NaiveDate, Weekday};
use serde_json::Value;

use crate::helpers::*;

// ---------------------------------------------------------------------------------------------
// An independent oracle for working days, read straight from the shipped schedule.

const CALENDAR_JSON: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../domain/data/cn-calendar.json");

struct Oracle {
    holidays: HashSet<NaiveDate>,
    workdays: HashSet<NaiveDate>,
    years: BTreeSet<i32>,
}

impl Oracle {
    fn load() -> Oracle {
        let text = std::fs::read_to_string(CALENDAR_JSON).expect("read cn-calendar.json");
        let v: Value = serde_json::from_str(&text).expect("cn-calendar.json is JSON");
        let mut o = Oracle { holidays: HashSet::new(), workdays: HashSet::new(), years: BTreeSet::new() };
        for (year, entry) in v["years"].as_object().expect("years") {
            o.years.insert(year.parse().expect("year"));
            for (key, set) in [("holidays", &mut o.holidays), ("workdays", &mut o.workdays)] {
                for d in entry[key].as_array().expect(key) {
                    set.insert(date(d["date"].as_str().expect("date")));
                }
            }
        }
        o
    }

    /// Working day iff listed as an adjusted working day, or Mon–Fri and not a holiday. Years
    /// without a schedule: weekends only (the provisional answer).
    fn is_workday(&self, d: NaiveDate) -> bool {
        let weekday = !matches!(d.weekday(), Weekday::Sat | Weekday::Sun);
        if !self.years.contains(&d.year()) {
            return weekday;
        }
        self.workdays.contains(&d) || (weekday && !self.holidays.contains(&d))
    }

    /// The n-th working day after d, d not counted.
    fn add_workdays(&self, d: NaiveDate, n: u32) -> NaiveDate {
        let mut day = d;
        let mut left = n;
        while left > 0 {
            day = day.checked_add_days(Days::new(1)).expect("date");
            if self.is_workday(day) {
                left -= 1;
            }
        }
        day
    }
}

fn every_day(from: &str, to: &str) -> Vec<NaiveDate> {
    let (mut d, end) = (date(from), date(to));
    let mut v = Vec::new();
    while d <= end {
        v.push(d);
        d = d.succ_opt().expect("date");
    }
    v
}

/// Compares answers line by line; panics listing the first few differences.
fn compare(what: &str, inputs: &[String], expected: &[String], stdout: &str) {
    let got: Vec<&str> = stdout.lines().collect();
    assert_eq!(got.len(), expected.len(), "{what}: one answer per input line");
    let diffs: Vec<String> = inputs
        .iter()
        .zip(expected)
        .zip(&got)
        .filter(|((_, e), g)| e.as_str() != **g)
        .map(|((i, e), g)| format!("{i}: bancheng {g}, expected {e}"))
        .collect();
    assert!(
        diffs.is_empty(),
        "{what}: {} disagreements, first: {:?}",
        diffs.len(),
        &diffs[..diffs.len().min(10)]
    );
}

fn line(s: &str) -> String {
    format!("{s}\n")
}

#[test]
fn spec_4_3_cli_batch_is_workday_agrees_with_the_official_schedule_on_every_day_2004_to_2026() {
    let oracle = Oracle::load();
    let days = every_day("2004-01-01", "2026-12-31");
    assert_eq!(days.len(), 8401);
    let dir = tempfile::tempdir().expect("tempdir");
    let db = sqlite_url(dir.path(), "x.db");
    run_cli(dir.path(), &["migrate", "--database", &db], "").ok();
    let inputs: Vec<String> = days.iter().map(|d| d.to_string()).collect();
    let expected: Vec<String> = days.iter().map(|d| oracle.is_workday(*d).to_string()).collect();
    let run =
        run_cli(dir.path(), &["calendar", "is-workday", "-", "--database", &db], &(inputs.join("\n") + "\n"))
            .ok();
    compare("is-workday -", &inputs, &expected, &run.stdout);
    assert_eq!(expected.iter().filter(|e| *e == "true").count(), run.stdout.matches("true").count());
}

#[test]
fn spec_4_3_cli_batch_add_workdays_agrees_with_an_independent_count_for_1_3_5_10_days_on_every_day() {
    let oracle = Oracle::load();
    let days = every_day("2004-01-01", "2026-12-31");
    let dir = tempfile::tempdir().expect("tempdir");
    let db = sqlite_url(dir.path(), "x.db");
    run_cli(dir.path(), &["migrate", "--database", &db], "").ok();
    let mut inputs = Vec::new();
    let mut expected = Vec::new();
    for n in [1, 3, 5, 10] {
        for d in &days {
            inputs.push(format!("{d} {n}"));
            expected.push(oracle.add_workdays(*d, n).to_string());
        }
    }
    assert_eq!(inputs.len(), 4 * 8401);

    // With --provisional every line is answered: the tail reaching into 2027 by weekends only.
    let stdin = inputs.join("\n") + "\n";
    let run =
        run_cli(dir.path(), &["calendar", "add-workdays", "-", "--provisional", "--database", &db], &stdin)
            .ok();
    compare("add-workdays - --provisional", &inputs, &expected, &run.stdout);

    // Without it, the lines whose answer lies in a known year agree too …
    let known: Vec<usize> = (0..inputs.len()).filter(|&i| date(&expected[i]).year() <= 2026).collect();
    assert!(known.len() > 33_500);
    let k_inputs: Vec<String> = known.iter().map(|&i| inputs[i].clone()).collect();
    let k_expected: Vec<String> = known.iter().map(|&i| expected[i].clone()).collect();
    let run = run_cli(
        dir.path(),
        &["calendar", "add-workdays", "-", "--database", &db],
        &(k_inputs.join("\n") + "\n"),
    )
    .ok();
    compare("add-workdays -", &k_inputs, &k_expected, &run.stdout);

    // … and a line reaching past the schedule stops the batch with exit code 2.
    let run = run_cli(
        dir.path(),
        &["calendar", "add-workdays", "-", "--database", &db],
        "2026-12-01 3\n2026-12-31 1\n2026-12-02 1\n",
    );
    assert_eq!(run.code(), Some(2), "{run:?}");
    assert_eq!(run.stdout, "2026-12-04\n", "answers before the error are printed");
    assert!(!run.stderr.trim().is_empty(), "the reason is on stderr");
}

#[test]
fn spec_6_cli_calendar_answers_single_dates_and_refuses_years_without_a_schedule_with_exit_code_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = sqlite_url(dir.path(), "x.db");
    run_cli(dir.path(), &["migrate", "--database", &db], "").ok();
    let cli = |args: &[&str]| {
        let mut all = args.to_vec();
        all.extend(["--database", &db]);
        run_cli(dir.path(), &all, "")
    };
    for (d, expected) in [
        ("2026-10-10", "true"),  // 国庆 调休 Saturday
        ("2026-10-01", "false"), // 国庆
        ("2026-10-11", "false"), // Sunday
        ("2026-09-30", "true"),
        ("2004-01-01", "false"), // 元旦
        ("2004-01-17", "true"),  // 春节 调休 Saturday
    ] {
        assert_eq!(cli(&["calendar", "is-workday", d]).ok().stdout, line(expected), "{d}");
    }
    assert_eq!(cli(&["calendar", "add-workdays", "2026-09-30", "3"]).ok().stdout, line("2026-10-10"));
    assert_eq!(cli(&["calendar", "add-workdays", "2026-09-30", "5"]).ok().stdout, line("2026-10-13"));
    assert_eq!(cli(&["calendar", "add-workdays", "2026-10-03", "1"]).ok().stdout, line("2026-10-08"));

    // 2027 has no schedule yet.
    for args in [
        &["calendar", "is-workday", "2027-01-04"][..],
        &["calendar", "add-workdays", "2026-12-31", "1"][..],
        &["calendar", "is-workday", "2026-02-30"][..],
    ] {
        let run = cli(args);
        assert_eq!(run.code(), Some(2), "{args:?}: {run:?}");
        assert!(run.stdout.is_empty(), "{args:?}: {run:?}");
        assert!(!run.stderr.trim().is_empty(), "{args:?}: a message on stderr");
    }
    // With --provisional: weekends only.
    assert_eq!(cli(&["calendar", "is-workday", "2027-01-01", "--provisional"]).ok().stdout, line("true"));
    assert_eq!(cli(&["calendar", "is-workday", "2027-01-02", "--provisional"]).ok().stdout, line("false"));
    assert_eq!(
        cli(&["calendar", "add-workdays", "2026-12-31", "1", "--provisional"]).ok().stdout,
        line("2027-01-01")
    );

    // Batch is-workday: one answer per line until the first error.
    let run = run_cli(
        dir.path(),
        &["calendar", "is-workday", "-", "--database", &db],
        "2026-12-31\n2026-10-10\n2027-01-01\n2026-12-30\n",
    );
    assert_eq!(run.code(), Some(2), "{run:?}");
    assert_eq!(run.stdout, "true\ntrue\n");
    assert!(!run.stderr.trim().is_empty());
}

#[test]
fn spec_4_3_cli_calendar_import_adds_a_year_whose_days_are_then_answered_from_the_database() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = sqlite_url(dir.path(), "x.db");
    let file = dir.path().join("2027.json");
    std::fs::write(
        &file,
        r#"{"source": "测试用的2027年安排（虚构）", "years": {"2027": {
            "holidays": [{"date": "2027-01-01", "name": "元旦"}],
            "workdays": [{"date": "2027-01-02", "name": "元旦"}]}}}"#,
    )
    .expect("write");
    let bad = dir.path().join("bad.json");
    std::fs::write(
        &bad,
        r#"{"source": "x", "years": {"2027": {"holidays": [], "workdays": [{"date": "2027-01-06", "name": "元旦"}]}}}"#,
    )
    .expect("write");
    let path = file.to_str().expect("utf-8");

    let refused =
        run_cli(dir.path(), &["calendar", "import", bad.to_str().expect("utf-8"), "--database", &db], "");
    assert!(!refused.status.success(), "an adjusted working day on a Wednesday is refused: {refused:?}");
    assert!(!refused.stderr.trim().is_empty());
    let still = run_cli(dir.path(), &["calendar", "is-workday", "2027-01-01", "--database", &db], "");
    assert_eq!(still.code(), Some(2), "nothing was imported: {still:?}");

    run_cli(dir.path(), &["calendar", "import", path, "--database", &db], "").ok();
    let cli = |args: &[&str]| {
        let mut all = args.to_vec();
        all.extend(["--database", &db]);
        run_cli(dir.path(), &all, "").ok().stdout
    };
    assert_eq!(cli(&["calendar", "is-workday", "2027-01-01"]), line("false"));
    assert_eq!(cli(&["calendar", "is-workday", "2027-01-02"]), line("true"));
    assert_eq!(cli(&["calendar", "is-workday", "2027-01-03"]), line("false"));
    assert_eq!(cli(&["calendar", "is-workday", "2027-01-04"]), line("true"));
    assert_eq!(cli(&["calendar", "add-workdays", "2026-12-31", "1"]), line("2027-01-02"));
    let years = cli(&["calendar", "years"]);
    assert!(years.lines().any(|l| l.starts_with("2027\t导入")), "{years}");
    assert!(years.lines().any(|l| l.starts_with("2026\t内置")), "{years}");

    // Without the database only the shipped schedule is known.
    let run = run_cli(dir.path(), &["calendar", "is-workday", "2027-01-01"], "");
    assert_eq!(run.code(), Some(2), "{run:?}");
}

#[test]
fn spec_6_cli_unit_list_prints_the_seeded_tree_as_code_name_parent_lines_and_unit_add_extends_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = sqlite_url(dir.path(), "x.db");
    let list = || run_cli(dir.path(), &["unit", "list", "--database", &db], "").ok().stdout;
    let first = list();
    for l in first.lines() {
        assert_eq!(l.split('\t').count(), 3, "every stdout line is CODE<TAB>NAME<TAB>PARENT: {l:?}\n{first}");
    }
    let rows: Vec<Vec<&str>> = first.lines().map(|l| l.split('\t').collect()).collect();
    assert_eq!(rows.len(), bancheng_app::SEED_UNITS.len());
    assert!(rows.contains(&vec!["nxzx", "内乡县行政审批服务中心", ""]), "{first}");
    for code in ["bbcs", "ywg", "dcg", "bmfwg", "xyhb", "sw", "ga", "sb", "bdc"] {
        let row = rows.iter().find(|r| r[0] == code).unwrap_or_else(|| panic!("{code} in {first}"));
        assert_eq!(row[2], "nxzx", "{code}'s parent");
        assert!(!row[1].is_empty());
    }
    let ywg = rows.iter().find(|r| r[0] == "ywg").expect("ywg");
    assert!(ywg[1].contains("业务股"));
    let xyhb = rows.iter().find(|r| r[0] == "xyhb").expect("xyhb");
    assert!(xyhb[1].contains("优化营商环境"));
    // Parents first.
    let mut seen = HashSet::new();
    for r in &rows {
        assert!(r[2].is_empty() || seen.contains(r[2]), "{} listed before its parent", r[0]);
        seen.insert(r[0]);
    }
    assert_eq!(list(), first, "the second run lists the same tree");

    run_cli(
        dir.path(),
        &["unit", "add", "zjj", "住房和城乡建设服务窗口", "--parent", "nxzx", "--database", &db],
        "",
    )
    .ok();
    let after = list();
    assert!(after.lines().any(|l| l == "zjj\t住房和城乡建设服务窗口\tnxzx"), "{after}");
    assert_eq!(after.lines().count(), rows.len() + 1);

    for args in [
        &["unit", "add", "zjj", "重复的代码", "--parent", "nxzx"][..],
        &["unit", "add", "abc", "上级不存在", "--parent", "nosuch"][..],
    ] {
        let mut all = args.to_vec();
        all.extend(["--database", &db]);
        let run = run_cli(dir.path(), &all, "");
        assert!(!run.status.success(), "{args:?}: {run:?}");
        assert!(!run.stderr.trim().is_empty(), "{args:?}: a message on stderr");
    }
    assert_eq!(list(), after);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spec_6_cli_user_add_reads_the_password_from_stdin_and_the_user_signs_in_to_serve_over_http() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = sqlite_url(dir.path(), "x.db");
    let add = |args: &[&str], stdin: &str| {
        let mut all = vec!["user", "add"];
        all.extend_from_slice(args);
        all.extend(["--database", &db]);
        run_cli(dir.path(), &all, stdin)
    };
    add(
        &["zhouxm", "--role", "window", "--unit", "bbcs", "--password-stdin", "--name", "周晓敏"],
        "correct-horse-1\n",
    )
    .ok();
    add(&["h_fg", "--role", "handler", "--unit", "fg", "--password-stdin"], "another-secret-2").ok();
    for (args, stdin) in [
        (&["zhouxm", "--role", "window", "--unit", "bbcs", "--password-stdin"][..], "correct-horse-1\n"),
        (&["x1", "--role", "wizard", "--unit", "bbcs", "--password-stdin"][..], "correct-horse-1\n"),
        (&["x2", "--role", "window", "--unit", "nosuch", "--password-stdin"][..], "correct-horse-1\n"),
        (&["x3", "--role", "window", "--unit", "bbcs", "--password-stdin"][..], "short\n"),
        (&["x4", "--role", "window", "--unit", "bbcs"][..], "correct-horse-1\n"),
    ] {
        let run = add(args, stdin);
        assert!(!run.status.success(), "{args:?} must fail: {run:?}");
        assert!(!run.stderr.trim().is_empty(), "{args:?}: a message on stderr");
    }
    let users = run_cli(dir.path(), &["user", "list", "--database", &db], "").ok().stdout;
    assert!(users.lines().any(|l| l.starts_with("zhouxm\twindow\tbbcs\t周晓敏")), "{users}");
    assert!(!users.contains("x1") && !users.contains("x3"), "{users}");

    let server = Server::start(dir.path(), &db, &["--tick-seconds", "0"]);
    let client = client();
    let token = login(&client, &server.base, "zhouxm", PASSWORD).await;
    let me: Value = client
        .get(format!("{}/api/v1/me", server.base))
        .bearer_auth(&token)
        .send()
        .await
        .expect("GET /me")
        .json()
        .await
        .expect("json");
    assert_eq!(me["username"], "zhouxm");
    assert_eq!(me["role"], "window");
    assert_eq!(me["unit"], "bbcs");
    assert_eq!(me["display_name"], "周晓敏");
    login(&client, &server.base, "h_fg", "another-secret-2").await;
    let resp = client
        .post(format!("{}/api/v1/cases", server.base))
        .bearer_auth(&token)
        .json(&reg_body(serde_json::json!({})))
        .send()
        .await
        .expect("register");
    assert_eq!(resp.status(), reqwest::StatusCode::CREATED);
    // The admin password was printed by the first command on the empty database, not by serve.
    assert!(server.wait_line("初始密码", Duration::from_millis(100)).is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spec_6_cli_serve_on_an_empty_database_creates_the_units_and_prints_the_admin_password_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = sqlite_url(dir.path(), "data/x.db");
    let mut server = Server::start(dir.path(), &db, &["--tick-seconds", "0"]);
    let line =
        server.wait_line("初始密码", Duration::from_secs(10)).expect("serve prints the admin password");
    let password = line.rsplit('：').next().expect("password").trim().to_owned();
    assert!(password.len() >= 12, "{password}");
    let client = client();
    let token = login(&client, &server.base, "admin", &password).await;
    let units: Value = client
        .get(format!("{}/api/v1/units", server.base))
        .bearer_auth(&token)
        .send()
        .await
        .expect("units")
        .json()
        .await
        .expect("json");
    let codes: Vec<&str> =
        units.as_array().expect("units").iter().filter_map(|u| u["code"].as_str()).collect();
    for code in ["nxzx", "bbcs", "ywg", "dcg", "bmfwg", "xyhb"] {
        assert!(codes.contains(&code), "{code} in {codes:?}");
    }
    server.kill9();
    let again = Server::start(dir.path(), &db, &["--tick-seconds", "0"]);
    again.wait_line("API 文档", Duration::from_secs(10)).expect("serve prints the API address");
    assert!(again.wait_line("初始密码", Duration::from_millis(300)).is_none(), "printed only once");
    login(&client, &again.base, "admin", &password).await;
}

#[cfg(unix)]
fn mode(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())).permissions().mode() & 0o777
}

/// Databases and backups hold personal data: their owner's only.
#[cfg(unix)]
#[test]
fn the_database_and_its_backups_are_created_readable_by_their_owner_only() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = sqlite_url(dir.path(), "data/new.db");
    run_cli(dir.path(), &["migrate", "--database", &db], "").ok();
    assert_eq!(mode(&dir.path().join("data/new.db")), 0o600);
    assert_eq!(mode(&dir.path().join("data")) & 0o077, 0, "the directory it made is private too");
    let backup = dir.path().join("backups/copy.db");
    run_cli(dir.path(), &["backup", backup.to_str().unwrap(), "--database", &db], "").ok();
    assert_eq!(mode(&backup), 0o600);
    // The write-ahead log SQLite keeps beside a database in use follows the file's mode.
    for entry in std::fs::read_dir(dir.path().join("data")).unwrap() {
        let p = entry.unwrap().path();
        assert_eq!(mode(&p), 0o600, "{}", p.display());
    }
}

/// SPEC §7: only serve, migrate, user add, unit add, unit list and calendar import set a database
/// up; every other command on a mistyped path fails naming it, and creates nothing.
#[test]
fn commands_on_a_mistyped_database_path_fail_naming_it_and_create_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let typo = dir.path().join("bancheng-typo.db");
    let url = format!("sqlite://{}", typo.display());
    let backup = dir.path().join("b.db");
    for args in [
        vec!["verify-log", "--database", &url],
        vec!["backup", backup.to_str().unwrap(), "--database", &url],
        vec!["reindex", "--database", &url],
        vec!["user", "list", "--database", &url],
        vec!["calendar", "years", "--database", &url],
        vec!["demo-data", "--cases", "1", "--database", &url],
    ] {
        let run = run_cli(dir.path(), &args, "");
        assert!(!run.status.success(), "{args:?} succeeded on a missing database: {}", run.stdout);
        assert!(
            run.stderr.contains("数据库文件不存在") && run.stderr.contains("bancheng-typo.db"),
            "{args:?}: {}",
            run.stderr
        );
        assert!(!typo.exists(), "{args:?} created {}", typo.display());
        assert!(!backup.exists());
    }
    // The commands that set a database up do.
    run_cli(dir.path(), &["unit", "list", "--database", &url], "").ok();
    assert!(typo.exists());
    run_cli(dir.path(), &["verify-log", "--database", &url], "").ok();
}
