//! Subcommands. Every command that takes `--database` creates and migrates an empty database
//! first (SPEC §6).

mod calendar;
mod demo;
mod serve;

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, bail};
use bancheng_app::{App, SystemClock};
use bancheng_domain::Role;
use bancheng_store::Store;
use clap::{Args, Parser, Subcommand};

use crate::config::{Config, Flags, mask_url};

#[derive(Parser)]
#[command(name = "bancheng", version, about = "办成：“办不成事”反映窗口事项管理系统")]
pub struct Cli {
    /// Settings file (TOML); env BANCHENG_CONFIG; default ./bancheng.toml if it exists.
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Cmd>,
}

#[derive(Args, Clone)]
pub struct DbArg {
    /// `sqlite://path.db` or `postgres://…` [env: BANCHENG_DATABASE_URL] [default: sqlite://data/bancheng.db]
    #[arg(long = "database")]
    pub url: Option<String>,
}

impl DbArg {
    /// The configuration of a command whose only setting flag is `--database`.
    pub fn load(&self, config: &Option<PathBuf>) -> anyhow::Result<Config> {
        let mut flags = Flags { config: config.clone(), ..Flags::default() };
        flags.set("database", self.url.as_ref());
        Ok(Config::load(&flags)?.config)
    }
}

#[derive(Subcommand)]
enum Cmd {
    /// Start the server (the default command).
    Serve(serve::ServeArgs),
    /// Create or upgrade the database schema.
    Migrate {
        #[command(flatten)]
        db: DbArg,
    },
    /// Staff accounts.
    #[command(subcommand)]
    User(UserCmd),
    /// The unit tree.
    #[command(subcommand)]
    Unit(UnitCmd),
    /// Working-day calendar.
    #[command(subcommand)]
    Calendar(calendar::CalendarCmd),
    /// Consistent copy of a SQLite database while the server runs.
    Backup {
        file: std::path::PathBuf,
        #[command(flatten)]
        db: DbArg,
    },
    /// Rebuild every derived row (case rows, unit sets, text index, fact tables) from the event log.
    Reindex {
        #[command(flatten)]
        db: DbArg,
    },
    /// Check every case's hash-chained event log (SPEC §4.6).
    VerifyLog {
        #[command(flatten)]
        db: DbArg,
    },
    /// Print the effective configuration and where each value comes from (secrets masked).
    Config(serve::ServeArgs),
    /// Fill a database with realistic cases and their full histories (demos, benchmarks).
    DemoData(demo::DemoArgs),
}

#[derive(Subcommand)]
enum UserCmd {
    /// Add a user; the password is read from standard input.
    Add {
        username: String,
        /// window | handler | unit_lead | office | inspector | leader | admin
        #[arg(long)]
        role: String,
        #[arg(long)]
        unit: String,
        #[arg(long)]
        password_stdin: bool,
        /// Display name (defaults to the username).
        #[arg(long, default_value = "")]
        name: String,
        #[command(flatten)]
        db: DbArg,
    },
    /// List users: USERNAME<TAB>ROLE<TAB>UNIT<TAB>NAME.
    List {
        #[command(flatten)]
        db: DbArg,
    },
}

#[derive(Subcommand)]
enum UnitCmd {
    /// One line per unit: CODE<TAB>NAME<TAB>PARENT_CODE.
    List {
        #[command(flatten)]
        db: DbArg,
    },
    /// Add a unit under a parent (without --parent: a new center).
    Add {
        code: String,
        name: String,
        #[arg(long)]
        parent: Option<String>,
        /// center | area | window | section | office | outside
        #[arg(long, default_value = "area")]
        kind: String,
        #[command(flatten)]
        db: DbArg,
    },
}

/// Opens the configured database and creates the source's units on an empty one. With
/// `create`, a SQLite file that does not exist is created (and migrated); without, a mistyped
/// path is an error naming it (SPEC §7: only serve, migrate, user add, unit add, unit list and
/// calendar import set a database up).
pub async fn open(config: &Config, create: bool) -> anyhow::Result<(App, Option<String>)> {
    let url = &config.database;
    let options = bancheng_store::StoreOptions { create, ..config.store.clone() };
    let store = match Store::connect_with(url, &options).await {
        Err(bancheng_store::StoreError::NoDatabase(path)) => {
            bail!("数据库文件不存在：{path}（请检查 --database；新建数据库请用 bancheng migrate）")
        }
        other => other.with_context(|| format!("无法打开数据库 {}", mask_url(url)))?,
    };
    let app = App::with_options(store, Arc::new(SystemClock), config.app_options())
        .await
        .with_context(|| format!("无法打开数据库 {}", mask_url(url)))?;
    let password = app.bootstrap().await?;
    Ok((app, password))
}

/// The admin password created on an empty database, shown once. `serve` prints it with its
/// start-up lines; every other command prints it on stderr so that stdout stays the command's
/// machine-readable answer (`unit list` is `CODE<TAB>NAME<TAB>PARENT` lines only).
fn print_first_password(password: &Option<String>, to_stdout: bool) {
    if let Some(p) = password {
        let text = format!("已创建管理员账号 admin，初始密码：{p}\n（密码只显示这一次，请登录后立即修改）");
        if to_stdout {
            println!("{text}");
        } else {
            eprintln!("{text}");
        }
    }
}

pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let command = cli.command.unwrap_or_else(|| Cmd::Serve(serve::ServeArgs::default()));
    let config = cli.config;
    match command {
        Cmd::Serve(args) => serve::run(args.load(&config)?.config).await?,
        Cmd::Config(args) => print!("{}", args.load(&config)?.render()),
        Cmd::DemoData(args) => demo::run(args, &config).await?,
        Cmd::Migrate { db } => {
            let (app, password) = open(&db.load(&config)?, true).await?;
            print_first_password(&password, false);
            println!("数据库已是最新结构");
            app.store().close().await;
        }
        Cmd::User(UserCmd::Add { username, role, unit, password_stdin, name, db }) => {
            if !password_stdin {
                bail!("请用 --password-stdin 从标准输入提供密码");
            }
            let mut password = String::new();
            std::io::stdin().read_to_string(&mut password).context("读取密码失败")?;
            let password = password.trim_end_matches(['\n', '\r']);
            let role = Role::parse(&role)?;
            let (app, first) = open(&db.load(&config)?, true).await?;
            print_first_password(&first, false);
            let user = app.add_user(&username, &name, role, &unit, password).await?;
            println!("已添加用户 {}（{}，{}）", user.username, role.label(), user.unit_code);
            app.store().close().await;
        }
        Cmd::User(UserCmd::List { db }) => {
            let (app, first) = open(&db.load(&config)?, false).await?;
            print_first_password(&first, false);
            for center in app.store().centers().await? {
                for u in app.store().users(&center).await? {
                    println!("{}\t{}\t{}\t{}", u.username, u.role, u.unit_code, u.display_name);
                }
            }
            app.store().close().await;
        }
        Cmd::Unit(UnitCmd::List { db }) => {
            let (app, first) = open(&db.load(&config)?, true).await?;
            print_first_password(&first, false);
            for u in app.units() {
                println!("{}\t{}\t{}", u.code, u.name, u.parent_code.unwrap_or_default());
            }
            app.store().close().await;
        }
        Cmd::Unit(UnitCmd::Add { code, name, parent, kind, db }) => {
            let (app, first) = open(&db.load(&config)?, true).await?;
            print_first_password(&first, false);
            let u = app.add_unit(&code, &name, parent.as_deref(), &kind).await?;
            println!("已添加单位 {}\t{}\t{}", u.code, u.name, u.parent_code.unwrap_or_default());
            app.store().close().await;
        }
        Cmd::Calendar(cmd) => return calendar::run(cmd, &config).await,
        Cmd::Backup { file, db } => {
            let (app, _) = open(&db.load(&config)?, false).await?;
            app.store().backup(&file).await.with_context(|| format!("备份到 {} 失败", file.display()))?;
            println!("已备份到 {}", file.display());
            app.store().close().await;
        }
        Cmd::Reindex { db } => {
            let (app, _) = open(&db.load(&config)?, false).await?;
            let started = std::time::Instant::now();
            let report = app.reindex().await?;
            app.store().close().await;
            println!(
                "已从事件日志重建 {} 件事项的派生数据（其中 {} 件的存储状态与日志不一致，已更正），用时 {:.1} 秒",
                report.cases,
                report.state_differed,
                started.elapsed().as_secs_f64()
            );
        }
        Cmd::VerifyLog { db } => {
            let (app, _) = open(&db.load(&config)?, false).await?;
            let (checked, breaks) = app.store().verify_log().await?;
            app.store().close().await;
            if breaks.is_empty() {
                println!("事件日志完整：已校验 {checked} 条事件");
            } else {
                for b in &breaks {
                    println!("事项 {} 第 {} 条事件：{}", b.number, b.seq, b.reason);
                }
                eprintln!("事件日志被篡改：发现 {} 处异常（已校验 {checked} 条）", breaks.len());
                return Ok(ExitCode::from(1));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
