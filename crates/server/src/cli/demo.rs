//! `bancheng demo-data --cases N`: realistic cases with their full histories, written through the
//! real use cases (`App::register`, `App::act`: decide, then commit with the hash chain), so that
//! the rows are exactly what the staff would have produced and `verify-log` passes.
//!
//! Each case follows a script drawn from its own random generator (seeded by `--seed` and the
//! case's index): level, units, 退单/重派, extension, 督办, 提级, 否定答复, the result, 核查, return
//! visits with every satisfaction level, reopening after a dissatisfied visit, 通报, 归档. Its
//! instants come from a clock local to the case's task ([`TaskClock`]), spread over two years of
//! working days ending `--until` (default: now); a script stops where its next step would lie
//! after that end, so recent cases are still open.
//!
//! Determinism: case numbers are per (center, day), so the cases of one day are registered one
//! after the other in time order; days run concurrently, and every case's later steps run in
//! their own task, so the SQLite writer commits many of them per batch. Phones are distinct per
//! case, so no repeat-trip lookup depends on another task's progress.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use anyhow::{Context, bail};
use bancheng_app::{App, AppError, Clock, History};
use bancheng_domain::case::{Command, Level, Outcome, Registration};
use bancheng_domain::deadline::local_day;
use bancheng_domain::{Actor, Role};
use bancheng_store::model::{CaseFilter, NewUser};
use chrono::{DateTime, Days, NaiveDate, NaiveTime, TimeDelta, TimeZone, Utc};
use clap::Args;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tokio::sync::Semaphore;

use super::DbArg;

#[derive(Args)]
pub struct DemoArgs {
    /// How many cases to create.
    #[arg(long)]
    pub cases: usize,
    /// Seed of the generator: the same seed on a fresh database gives the same rows.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Last day of the two years (YYYY-MM-DD, Asia/Shanghai; default: today, ending now).
    #[arg(long)]
    pub until: Option<NaiveDate>,
    /// Add to a database that already has cases (refused otherwise).
    #[arg(long)]
    pub append: bool,
    /// Cases in flight at once.
    #[arg(long, default_value_t = 512)]
    pub concurrency: usize,
    /// Commit every step of a case's life on its own (`App::act`, as staff would) instead of
    /// deciding the life in memory and committing it at once (`App::history`: the same rows,
    /// much faster).
    #[arg(long)]
    pub step_by_step: bool,
    #[command(flatten)]
    pub db: DbArg,
}

const CENTER: &str = bancheng_app::DEFAULT_CENTER;
/// The service areas of 附件1 that cases are dispatched to.
const AREAS: &[&str] = &["sw", "ga", "cl", "msb", "sb", "ssdj", "tzxm", "fg", "zhck", "bdc"];

tokio::task_local! {
    static NOW: std::cell::Cell<DateTime<Utc>>;
}

/// "Now" of the case whose task is running: each case keeps its own time while many run at once
/// through one [`App`]. Outside a case's task it is the real time.
struct TaskClock;

impl Clock for TaskClock {
    fn now(&self) -> DateTime<Utc> {
        NOW.try_with(|t| t.get()).unwrap_or_else(|_| bancheng_app::SystemClock.now())
    }
}

fn set_now(t: DateTime<Utc>) {
    NOW.with(|c| c.set(t));
}

fn now() -> DateTime<Utc> {
    NOW.with(|c| c.get())
}

fn shanghai(day: NaiveDate, minutes: u32) -> DateTime<Utc> {
    let offset = chrono::FixedOffset::east_opt(8 * 3600).expect("offset");
    let time = NaiveTime::from_num_seconds_from_midnight_opt(minutes * 60, 0).expect("time of day");
    offset.from_local_datetime(&day.and_time(time)).single().expect("fixed offset").with_timezone(&Utc)
}

fn actor(username: &str, role: Role, unit: &str) -> Actor {
    Actor { username: username.into(), role, unit: unit.into(), center: CENTER.into() }
}

/// The demo staff: (username, display name, role, unit).
fn staff() -> Vec<(String, String, Role, String)> {
    let mut v = vec![
        ("demo_window1".to_owned(), "窗口值班员甲".to_owned(), Role::Window, "bbcs".to_owned()),
        ("demo_window2".into(), "窗口值班员乙".into(), Role::Window, "bbcs".into()),
        ("demo_office1".into(), "领导小组办公室甲".into(), Role::Office, "ywg".into()),
        ("demo_office2".into(), "领导小组办公室乙".into(), Role::Office, "ywg".into()),
        ("demo_inspector".into(), "督查股".into(), Role::Inspector, "dcg".into()),
        ("demo_leader".into(), "中心领导".into(), Role::Leader, "nxzx".into()),
    ];
    for unit in AREAS {
        v.push((format!("demo_h_{unit}"), format!("{unit}经办人"), Role::Handler, (*unit).into()));
        v.push((format!("demo_lead_{unit}"), format!("{unit}首席代表"), Role::UnitLead, (*unit).into()));
    }
    v
}

#[derive(Default)]
struct Counts {
    cases: AtomicU64,
    commits: AtomicU64,
    refused: AtomicU64,
}

pub async fn run(args: DemoArgs, config: &Option<PathBuf>) -> anyhow::Result<()> {
    if args.cases == 0 {
        bail!("--cases 应大于 0");
    }
    let cfg = args.db.load(config)?;
    // Fills a database set up before (`bancheng migrate`): a mistyped path is an error.
    let (app, first) = super::open(&cfg, false).await?;
    super::print_first_password(&first, false);
    app.store().close().await;
    // Reopen with the task-local clock (bootstrap and the checks above used the system clock).
    let store = bancheng_store::Store::connect_with(
        &cfg.database,
        &bancheng_store::StoreOptions { create: false, ..cfg.store.clone() },
    )
    .await?;
    let app = App::with_store(store, Arc::new(TaskClock)).await?;
    let existing = app
        .store()
        .cases(&CaseFilter { center: CENTER.into(), page: 1, per_page: 1, ..CaseFilter::default() })
        .await?
        .total;
    if existing > 0 && !args.append {
        bail!("数据库中已有 {existing} 件事项；如要追加演示数据，请加 --append");
    }
    for (username, name, role, unit) in staff() {
        if app.store().user_by_name(&username).await.is_ok() {
            continue;
        }
        // No password can match "!": demo staff appear in histories but cannot sign in.
        let user = NewUser {
            username,
            display_name: name,
            role: role.code().into(),
            unit_code: unit,
            password_hash: "!".into(),
            must_change_password: false,
        };
        app.store().insert_user(CENTER, &user, Utc::now()).await?;
    }

    let end = match args.until {
        Some(day) => shanghai(day, 18 * 60),
        None => Utc::now(),
    };
    let plans = plan(&app, args.seed, args.cases, end);
    let days = plans.len();
    println!("生成 {} 件演示事项（{days} 个工作日，种子 {}）……", args.cases, args.seed);

    let counts = Arc::new(Counts::default());
    let gate = Arc::new(Semaphore::new(args.concurrency.max(1)));
    let started = Instant::now();
    let progress = {
        let counts = counts.clone();
        let total = args.cases as u64;
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(std::time::Duration::from_secs(2));
            tick.tick().await;
            loop {
                tick.tick().await;
                let done = counts.cases.load(Ordering::Relaxed);
                let secs = started.elapsed().as_secs_f64();
                eprintln!("  {done}/{total} 件，{:.0} 件/秒", done as f64 / secs);
            }
        })
    };
    let (seed, step_by_step) = (args.seed, args.step_by_step);
    let mut days_set = tokio::task::JoinSet::new();
    for (_, cases) in plans {
        let (app, counts, gate) = (app.clone(), counts.clone(), gate.clone());
        days_set.spawn(async move {
            let mut lives = tokio::task::JoinSet::new();
            for (index, at) in cases {
                let permit = gate.clone().acquire_owned().await.expect("semaphore open");
                let mut rng = StdRng::seed_from_u64(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ index as u64);
                let cell = std::cell::Cell::new(at);
                let app2 = app.clone();
                let counts2 = counts.clone();
                // Registration in this day's order; the rest of the life in its own task.
                let number = NOW
                    .scope(cell, async {
                        let reg = registration(&mut rng, index);
                        // The planned 待受理 stops (see `Life::live`) are online submissions.
                        let online = (index < 21 && index.is_multiple_of(7)) || rng.random_bool(0.06);
                        let who = if online {
                            actor("online", Role::Public, "bbcs")
                        } else {
                            actor(
                                if index.is_multiple_of(2) { "demo_window1" } else { "demo_window2" },
                                Role::Window,
                                "bbcs",
                            )
                        };
                        let reg = Registration {
                            channel: Some(
                                if online {
                                    "online"
                                } else {
                                    pick(&mut rng, &["window", "window", "phone", "hotline"])
                                }
                                .into(),
                            ),
                            ..reg
                        };
                        let view = app2.register(&who, &reg).await?;
                        counts2.commits.fetch_add(1, Ordering::Relaxed);
                        Ok::<_, AppError>((view.case.number, online, now()))
                    })
                    .await;
                let (number, online, at) = match number {
                    Ok(n) => n,
                    Err(e) => {
                        tracing::warn!(index, error = %e, "registration refused");
                        counts.refused.fetch_add(1, Ordering::Relaxed);
                        continue;
                    }
                };
                let (app, counts) = (app.clone(), counts.clone());
                lives.spawn(NOW.scope(std::cell::Cell::new(at), async move {
                    let history = if step_by_step {
                        None
                    } else {
                        match app.history(&actor("demo_office1", Role::Office, "ywg"), &number).await {
                            Ok(h) => Some(h),
                            Err(e) => {
                                eprintln!("事项 {number}（第 {index} 件）无法读取：{e}");
                                counts.refused.fetch_add(1, Ordering::Relaxed);
                                return;
                            }
                        }
                    };
                    let mut life = Life { app: &app, number: &number, end, rng, commits: 0, history };
                    let mut outcome = life.live(index, online).await;
                    if let (Ok(()), Some(h)) = (&outcome, life.history.take()) {
                        outcome = app.commit_history(h).await.map(|_| ());
                    }
                    counts.commits.fetch_add(life.commits, Ordering::Relaxed);
                    if let Err(e) = outcome {
                        eprintln!("事项 {number}（第 {index} 件）演示步骤被拒绝：{e}");
                        counts.refused.fetch_add(1, Ordering::Relaxed);
                    }
                    counts.cases.fetch_add(1, Ordering::Relaxed);
                    drop(permit);
                }));
            }
            while lives.join_next().await.is_some() {}
        });
    }
    while let Some(r) = days_set.join_next().await {
        r.context("demo task")?;
    }
    progress.abort();
    let secs = started.elapsed().as_secs_f64();
    let (n, commits, refused) = (
        counts.cases.load(Ordering::Relaxed),
        counts.commits.load(Ordering::Relaxed),
        counts.refused.load(Ordering::Relaxed),
    );
    app.store().close().await;
    println!(
        "已生成 {n} 件事项，{commits} 次提交，用时 {secs:.1} 秒：{:.0} 件/秒，{:.0} 次提交/秒",
        n as f64 / secs,
        commits as f64 / secs
    );
    if refused > 0 {
        bail!("{refused} 件事项的演示步骤被拒绝（见上）");
    }
    Ok(())
}

/// The registration instant of every case, grouped by day (working days of the last two years,
/// in order; within a day by time, then index).
/// A day's registrations: (case index, instant), in registration order.
type DayPlan = (NaiveDate, Vec<(usize, DateTime<Utc>)>);

fn plan(app: &App, seed: u64, n: usize, end: DateTime<Utc>) -> Vec<DayPlan> {
    let cal = app.calendar();
    let last = local_day(end);
    let first = last.checked_sub_days(Days::new(730)).expect("date");
    let workdays: Vec<NaiveDate> =
        first.iter_days().take_while(|d| *d <= last).filter(|d| cal.workday_or_weekday(*d).0).collect();
    let mut by_day: Vec<Vec<(usize, DateTime<Utc>)>> = vec![Vec::new(); workdays.len()];
    let mut rng = StdRng::seed_from_u64(seed);
    for index in 0..n {
        // A fifth of the cases in the last month: the open ones are the recent ones.
        let d = if rng.random_bool(0.2) {
            rng.random_range(workdays.len().saturating_sub(22)..workdays.len())
        } else {
            rng.random_range(0..workdays.len())
        };
        let at = shanghai(workdays[d], rng.random_range(8 * 60 + 30..17 * 60 + 30));
        let at = if at > end { end - TimeDelta::minutes(rng.random_range(1..600)) } else { at };
        by_day[d].push((index, at));
    }
    workdays
        .into_iter()
        .zip(by_day)
        .filter(|(_, v)| !v.is_empty())
        .map(|(d, mut v)| {
            v.sort_by_key(|&(i, at)| (at, i));
            (d, v)
        })
        .collect()
}

fn pick<'a, T: ?Sized>(rng: &mut StdRng, from: &[&'a T]) -> &'a T {
    from[rng.random_range(0..from.len())]
}

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "马", "朱", "胡", "郭", "何",
    "林", "罗", "高",
];
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超",
    "秀兰", "霞", "平", "建国", "桂英", "志强", "海燕",
];
const MATTERS: &[(&str, &str)] = &[
    ("营业执照变更登记", "营业执照变更登记材料反复补正，多次跑路仍未办成"),
    ("不动产登记", "不动产转移登记因历史遗留问题无法受理"),
    ("社保关系转移", "社保关系转移接续跨省办理，系统无法提交"),
    ("户口迁移", "户口迁移需要原籍证明，往返多次未办结"),
    ("税务登记", "税务清税证明开具受阻，企业注销无法办理"),
    ("残疾人证办理", "残疾人证换证评残预约不上"),
    ("房屋产权证明", "房屋产权证明查档窗口说需要另一部门盖章"),
    ("投资项目备案", "投资项目备案在线平台提交失败，无法进入下一步审批"),
    ("食品经营许可", "食品经营许可现场核查一直未安排"),
    ("公积金提取", "公积金提取材料要求不一致，窗口之间互相推诿"),
];

fn registration(rng: &mut StdRng, index: usize) -> Registration {
    let (matter, description) = MATTERS[rng.random_range(0..MATTERS.len())];
    let name = format!("{}{}", pick(rng, SURNAMES), pick(rng, GIVEN));
    let enterprise = rng.random_bool(0.3);
    // Distinct per case (index), valid mobile prefixes.
    let prefix = ["135", "138", "139", "150", "158", "186", "187", "199"][index % 8];
    Registration {
        applicant_name: name.clone(),
        phone: format!("{prefix}{:08}", (index / 8) % 100_000_000),
        description: format!("{description}（演示数据）"),
        channel: None,
        applicant_type: Some(if enterprise { "enterprise" } else { "person" }.into()),
        id_number: None,
        enterprise_name: enterprise.then(|| format!("内乡县{}商贸有限公司", name)),
        credit_code: None,
        matter: Some(matter.into()),
        failed_unit: None,
        category: Some(
            pick(rng, &["not_accepted", "not_approved", "many_trips", "online_failed", "other"]).into(),
        ),
    }
}

/// Where a script stops early (besides running into the end of the period): recent cases
/// left at every open status.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Stop {
    Never,
    Submitted,
    Accepted,
    Dispatched,
    Returned,
    NegativePending,
    Resolved,
    Verified,
}

struct Life<'a> {
    app: &'a App,
    number: &'a str,
    end: DateTime<Utc>,
    rng: StdRng,
    commits: u64,
    /// The life decided in memory and committed at once; `None`: each step committed.
    history: Option<History>,
}

/// The script ran into the end of the period (or a planned stop): the case stays as it is.
struct Halt;

enum Step {
    Err(AppError),
    Halt,
}

impl From<AppError> for Step {
    fn from(e: AppError) -> Self {
        Step::Err(e)
    }
}

impl From<Halt> for Step {
    fn from(_: Halt) -> Self {
        Step::Halt
    }
}

impl Life<'_> {
    /// Moves the case's clock on: `workdays` working days later (0: the same day) at a working
    /// hour, and at least a few minutes after the last step. `Halt` past the end.
    fn later(&mut self, workdays: u32) -> Result<(), Halt> {
        let t = now();
        let cal = self.app.calendar();
        let day = if workdays == 0 {
            local_day(t)
        } else {
            cal.add_workdays_provisional(local_day(t), workdays).date
        };
        let mut next = shanghai(day, self.rng.random_range(8 * 60 + 30..17 * 60 + 30));
        if next <= t {
            next = t + TimeDelta::minutes(self.rng.random_range(5..90));
        }
        if next > self.end {
            return Err(Halt);
        }
        set_now(next);
        Ok(())
    }

    /// [`Life::later`] by a random number of working days in `range`.
    fn later_in(&mut self, range: std::ops::RangeInclusive<u32>) -> Result<(), Halt> {
        let workdays = self.rng.random_range(range);
        self.later(workdays)
    }

    async fn act(&mut self, who: &Actor, cmd: Command) -> Result<(), Step> {
        match &mut self.history {
            Some(h) => self.app.history_act(h, who, &cmd).await?,
            None => {
                self.app.act(who, self.number, &cmd).await?;
            }
        }
        self.commits += 1;
        Ok(())
    }

    async fn live(&mut self, index: usize, online: bool) -> Result<(), AppError> {
        // The first cases take every planned stop in turn, so that even a small run shows every
        // open status; after that a tenth of the cases stop early.
        const STOPS: [Stop; 7] = [
            Stop::Submitted,
            Stop::Accepted,
            Stop::Dispatched,
            Stop::Returned,
            Stop::NegativePending,
            Stop::Resolved,
            Stop::Verified,
        ];
        let stop = if index < 3 * STOPS.len() {
            STOPS[index % STOPS.len()]
        } else if self.rng.random_bool(0.1) {
            STOPS[self.rng.random_range(0..STOPS.len())]
        } else {
            Stop::Never
        };
        // The first cases also cover every level.
        let level = match index % 40 {
            i @ 0..4 => [Level::Window, Level::Department, Level::Joint, Level::County][i],
            _ => match self.rng.random_range(0..100) {
                0..30 => Level::Window,
                30..75 => Level::Department,
                75..90 => Level::Joint,
                _ => Level::County,
            },
        };
        match self.script(index, online, stop, level).await {
            Ok(()) | Err(Step::Halt) => Ok(()),
            Err(Step::Err(e)) => Err(e),
        }
    }

    async fn script(&mut self, index: usize, online: bool, stop: Stop, level: Level) -> Result<(), Step> {
        let window = actor(
            if index.is_multiple_of(2) { "demo_window1" } else { "demo_window2" },
            Role::Window,
            "bbcs",
        );
        let office =
            actor(if index.is_multiple_of(3) { "demo_office2" } else { "demo_office1" }, Role::Office, "ywg");
        let inspector = actor("demo_inspector", Role::Inspector, "dcg");
        let leader = actor("demo_leader", Role::Leader, "nxzx");
        let halt = |s: Stop| if s == stop { Err(Step::Halt) } else { Ok(()) };

        if online {
            halt(Stop::Submitted)?;
            self.later(0)?;
            self.act(&window, Command::Accept).await?;
        }
        let mut unit = (*pick(&mut self.rng, AREAS)).to_owned();
        if level == Level::Window {
            halt(Stop::Accepted)?;
            self.later(0)?;
            if stop == Stop::NegativePending || self.rng.random_bool(0.15) {
                self.negative(&window, &office, stop).await?;
                self.later(0)?;
                self.act(
                    &window,
                    Command::Resolve {
                        outcome: Outcome::Explained,
                        reply: "已向办理对象说明不能办理的原因及依据".into(),
                    },
                )
                .await?;
            } else {
                self.act(
                    &window,
                    Command::Resolve { outcome: Outcome::Done, reply: "窗口当场协调办结".into() },
                )
                .await?;
            }
        } else {
            halt(Stop::Accepted)?;
            self.later(0)?;
            let co_units: Vec<String> = if level == Level::Department {
                vec![]
            } else {
                let other = (*pick(&mut self.rng, AREAS)).to_owned();
                if other == unit { vec![] } else { vec![other] }
            };
            self.act(&office, Command::Dispatch { unit: unit.clone(), co_units: co_units.clone(), level })
                .await?;
            if stop == Stop::Returned || self.rng.random_bool(0.1) {
                self.later(1)?;
                let handler = actor(&format!("demo_h_{unit}"), Role::Handler, &unit);
                self.act(&handler, Command::Return { reason: "该事项不属于本单位职责范围".into() }).await?;
                halt(Stop::Returned)?;
                self.later(0)?;
                // 重派 to another unit.
                let others: Vec<&str> = AREAS.iter().copied().filter(|u| *u != unit).collect();
                unit = (*pick(&mut self.rng, &others)).to_owned();
                let co_units: Vec<String> = co_units.into_iter().filter(|u| *u != unit).collect();
                self.act(&office, Command::Dispatch { unit: unit.clone(), co_units, level }).await?;
            }
            let handler = actor(&format!("demo_h_{unit}"), Role::Handler, &unit);
            let lead = actor(&format!("demo_lead_{unit}"), Role::UnitLead, &unit);
            self.later(0)?;
            self.act(
                &lead,
                Command::Assign { assignee: handler.username.clone(), assignee_unit: String::new() },
            )
            .await?;
            if level == Level::Department {
                self.later(1)?;
                self.act(&handler, Command::Feedback { text: "已联系办理对象，正在协调相关材料".into() })
                    .await?;
            }
            if self.rng.random_bool(0.2) {
                self.later(0)?;
                let workdays = self.rng.random_range(1..=5);
                self.act(
                    &handler,
                    Command::RequestExtension { workdays, reason: "需要上级部门出具意见".into() },
                )
                .await?;
                self.later(0)?;
                if self.rng.random_bool(0.75) {
                    self.act(&office, Command::ApproveExtension).await?;
                } else {
                    self.act(&office, Command::RejectExtension { note: "请在原期限内办结".into() }).await?;
                }
            }
            if self.rng.random_bool(0.15) {
                self.later(1)?;
                let by = if self.rng.random_bool(0.6) { &inspector } else { &leader };
                let due = local_day(now()).checked_add_days(Days::new(7)).expect("date");
                self.act(by, Command::Supervise { note: "请加快办理，按期答复办理对象".into(), due }).await?;
            }
            let mut level = level;
            if level != Level::County && self.rng.random_bool(0.08) {
                self.later(1)?;
                level = if level == Level::Department { Level::Joint } else { Level::County };
                self.act(
                    &office,
                    Command::Escalate {
                        level,
                        reason: "涉及多个部门，需一事一议".into(),
                        due_workdays: None,
                        unit: None,
                        co_units: None,
                    },
                )
                .await?;
            }
            halt(Stop::Dispatched)?;
            self.later_in(1..=4)?;
            if stop == Stop::NegativePending || self.rng.random_bool(0.15) {
                self.negative(&handler, &office, stop).await?;
                self.later(0)?;
                self.act(
                    &handler,
                    Command::Resolve {
                        outcome: Outcome::Explained,
                        reply: "经研究，该事项依法不能办理，已向办理对象释明".into(),
                    },
                )
                .await?;
            } else {
                let by = if level.rank() >= Level::Joint.rank() && self.rng.random_bool(0.3) {
                    &leader
                } else {
                    &handler
                };
                self.act(
                    by,
                    Command::Resolve {
                        outcome: Outcome::Done,
                        reply: "已协调办结，办理对象已领取结果".into(),
                    },
                )
                .await?;
            }
        }
        halt(Stop::Resolved)?;
        if self.rng.random_bool(0.8) {
            self.later(0)?;
            let name = self.app.case(&office, self.number).await?.case.applicant.name;
            self.act(&window, Command::Confirm { by: name, signature: None }).await?;
        }
        self.later(1)?;
        if self.rng.random_bool(0.06) {
            self.act(&office, Command::Verify { ok: false, note: "办理结果与答复不符，请重新办理".into() })
                .await?;
            self.resolve_again(&window, level, &unit).await?;
            self.later(1)?;
        }
        self.act(&office, Command::Verify { ok: true, note: "已核查".into() }).await?;
        halt(Stop::Verified)?;
        // Return visits: every satisfaction level, sometimes unreached first; a dissatisfied
        // one (≤ 2) reopens the case, which is done again and visited again.
        let visitor = if self.rng.random_bool(0.7) { &office } else { &inspector };
        for round in 0..3 {
            self.later_in(1..=3)?;
            if self.rng.random_bool(0.1) || index % 50 == 7 {
                self.act(
                    visitor,
                    Command::Visit {
                        reached: false,
                        satisfaction: None,
                        comment: Some("电话无人接听".into()),
                    },
                )
                .await?;
                self.later(1)?;
            }
            let satisfaction = if round > 0 {
                self.rng.random_range(3..=5)
            } else if index < 40 {
                (index % 5) as u8 + 1
            } else {
                match self.rng.random_range(0..100) {
                    0..45 => 5,
                    45..73 => 4,
                    73..85 => 3,
                    85..94 => 2,
                    _ => 1,
                }
            };
            self.act(
                visitor,
                Command::Visit {
                    reached: true,
                    satisfaction: Some(satisfaction),
                    comment: Some("办理对象意见已记录".into()),
                },
            )
            .await?;
            if satisfaction > 2 {
                break;
            }
            // Reopened: 通报 the unit sometimes, then the unit does it again.
            if self.rng.random_bool(0.5) || index % 40 < 5 {
                self.later(0)?;
                let noticed = if level == Level::Window { "bbcs".to_owned() } else { unit.clone() };
                self.act(
                    &office,
                    Command::Notice {
                        unit: noticed,
                        person: None,
                        fault: "答复办理对象不到位，群众不满意".into(),
                        opinion: "予以通报，限期整改".into(),
                    },
                )
                .await?;
            }
            self.resolve_again(&window, level, &unit).await?;
            self.later(1)?;
            self.act(&office, Command::Verify { ok: true, note: "重新办理后已核查".into() }).await?;
        }
        self.later_in(0..=2)?;
        self.act(&office, Command::Close).await?;
        Ok(())
    }

    /// 否定答复: proposed, sometimes sent back once, approved by the office.
    async fn negative(&mut self, by: &Actor, office: &Actor, stop: Stop) -> Result<(), Step> {
        let propose = Command::ProposeNegative {
            reasons: "申请事项不符合现行政策规定".into(),
            basis: "《河南省优化营商环境条例》相关规定".into(),
            excluded: false,
        };
        self.act(by, propose.clone()).await?;
        if stop == Stop::NegativePending {
            return Err(Step::Halt);
        }
        self.later(0)?;
        if self.rng.random_bool(0.2) {
            self.act(office, Command::RejectNegative { note: "依据不充分，请补充".into() }).await?;
            self.later(0)?;
            self.act(by, propose).await?;
            self.later(0)?;
        }
        self.act(office, Command::ApproveNegative).await
    }

    /// After 核查不通过 or a reopening: the responsible unit (or the window) resolves again.
    async fn resolve_again(&mut self, window: &Actor, level: Level, unit: &str) -> Result<(), Step> {
        self.later_in(1..=3)?;
        let by = if level == Level::Window {
            window.clone()
        } else {
            actor(&format!("demo_h_{unit}"), Role::Handler, unit)
        };
        self.act(&by, Command::Resolve { outcome: Outcome::Done, reply: "重新核实后已办结".into() }).await
    }
}
