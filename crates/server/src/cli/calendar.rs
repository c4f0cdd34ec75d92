//! `bancheng calendar …` (SPEC §4.3, §6): answers from the embedded official schedule plus any
//! years imported into the database.

use std::io::BufRead;
use std::process::ExitCode;

use anyhow::Context;
use bancheng_domain::calendar::Calendar;
use chrono::NaiveDate;
use clap::Subcommand;

use std::path::PathBuf;

use super::{DbArg, open};
use crate::config::{Config, DEFAULT_DATABASE};

#[derive(Subcommand)]
pub enum CalendarCmd {
    /// Prints `true` or `false`; `-` reads one date per line from stdin.
    IsWorkday {
        /// YYYY-MM-DD or `-`
        date: String,
        /// Allow dates in years with no imported schedule (weekends only).
        #[arg(long)]
        provisional: bool,
        /// Database whose imported years are used too (default: the local one if it exists).
        #[arg(long, env = "BANCHENG_DATABASE_URL")]
        database: Option<String>,
    },
    /// Prints the N-th working day after the date; `-` reads lines `YYYY-MM-DD N` from stdin.
    AddWorkdays {
        /// YYYY-MM-DD or `-`
        date: String,
        n: Option<u32>,
        #[arg(long)]
        provisional: bool,
        #[arg(long, env = "BANCHENG_DATABASE_URL")]
        database: Option<String>,
    },
    /// Import a year's schedule (same JSON shape as data/cn-calendar.json); open deadlines are recomputed.
    Import {
        file: std::path::PathBuf,
        #[command(flatten)]
        db: DbArg,
    },
    /// The years covered and where each came from.
    Years {
        #[command(flatten)]
        db: DbArg,
    },
}

/// The embedded schedule, plus imported years when a database is named or the default exists.
async fn calendar(database: Option<String>) -> anyhow::Result<Calendar> {
    let url = match database {
        Some(u) => u,
        None if std::path::Path::new("data/bancheng.db").exists() => DEFAULT_DATABASE.to_owned(),
        None => return Ok(Calendar::official()),
    };
    let (app, _) = open(&Config { database: url, ..Config::default() }, false).await?;
    let cal = (*app.calendar()).clone();
    app.store().close().await;
    Ok(cal)
}

fn parse_date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| format!("日期格式应为YYYY-MM-DD：{s}"))
}

fn is_workday(cal: &Calendar, s: &str, provisional: bool) -> Result<String, String> {
    let d = parse_date(s)?;
    let w = if provisional {
        cal.workday_or_weekday(d).0
    } else {
        cal.is_workday(d).map_err(|e| e.to_string())?
    };
    Ok(w.to_string())
}

fn add_workdays(cal: &Calendar, s: &str, n: u32, provisional: bool) -> Result<String, String> {
    let d = parse_date(s)?;
    let r = if provisional {
        cal.add_workdays_provisional(d, n).date
    } else {
        cal.add_workdays(d, n).map_err(|e| e.to_string())?
    };
    Ok(r.format("%Y-%m-%d").to_string())
}

/// Runs `f` on the single argument, or on each stdin line for `-`. Exit code 2 on the first
/// error (message on stderr), as SPEC §6 asks.
fn each(arg: &str, f: impl Fn(&str) -> Result<String, String>) -> ExitCode {
    use std::io::Write;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut answer = |line: &str| -> bool {
        match f(line) {
            Ok(s) => writeln!(out, "{s}").is_ok(),
            Err(e) => {
                let _ = out.flush();
                eprintln!("错误：{e}");
                false
            }
        }
    };
    if arg == "-" {
        for line in std::io::stdin().lock().lines() {
            let Ok(line) = line else { return ExitCode::from(2) };
            if line.trim().is_empty() {
                continue;
            }
            if !answer(&line) {
                return ExitCode::from(2);
            }
        }
    } else if !answer(arg) {
        return ExitCode::from(2);
    }
    if out.flush().is_err() { ExitCode::FAILURE } else { ExitCode::SUCCESS }
}

pub async fn run(cmd: CalendarCmd, config: &Option<PathBuf>) -> anyhow::Result<ExitCode> {
    match cmd {
        CalendarCmd::IsWorkday { date, provisional, database } => {
            let cal = calendar(database).await?;
            Ok(each(&date, |s| is_workday(&cal, s, provisional)))
        }
        CalendarCmd::AddWorkdays { date, n, provisional, database } => {
            let cal = calendar(database).await?;
            if date == "-" {
                Ok(each("-", |line| {
                    let mut parts = line.split_whitespace();
                    let (Some(d), Some(n), None) = (parts.next(), parts.next(), parts.next()) else {
                        return Err(format!("每行应为“YYYY-MM-DD N”：{line}"));
                    };
                    let n: u32 = n.parse().map_err(|_| format!("工作日数应为非负整数：{n}"))?;
                    add_workdays(&cal, d, n, provisional)
                }))
            } else {
                let Some(n) = n else {
                    eprintln!("错误：缺少工作日数 N");
                    return Ok(ExitCode::from(2));
                };
                Ok(each(&date, |s| add_workdays(&cal, s, n, provisional)))
            }
        }
        CalendarCmd::Import { file, db } => {
            let json =
                std::fs::read_to_string(&file).with_context(|| format!("无法读取 {}", file.display()))?;
            let (app, _) = open(&db.load(config)?, true).await?;
            let (years, _) = app.import_calendar(&json, &file.display().to_string(), "cli").await?;
            app.store().close().await;
            println!("已导入 {:?} 年的节假日安排，未办结事项的期限已按新安排重算", years);
            Ok(ExitCode::SUCCESS)
        }
        CalendarCmd::Years { db } => {
            let (app, _) = open(&db.load(config)?, false).await?;
            let imported = app.store().calendar_years().await?;
            for y in app.calendar().years() {
                match imported.iter().find(|r| r.year == y) {
                    Some(r) => {
                        println!("{y}\t导入\t{}\t{}", r.imported_at.format("%Y-%m-%d %H:%M"), r.source)
                    }
                    None => println!("{y}\t内置\t国务院办公厅节假日安排通知"),
                }
            }
            app.store().close().await;
            Ok(ExitCode::SUCCESS)
        }
    }
}
