//! Administration pages (SPEC §2 `admin`: users, units, the working-day calendar of §4.3 and the
//! deadline policy of §4.2). Every page and form calls an actor-checked `App::admin_*` function,
//! so a non-admin gets the app's 403 as the error page; no permission rule lives here.
//! A refused input re-renders the page (422) with the message; a change redirects (303) back
//! with `?done=…`.

use std::collections::{BTreeSet, HashMap};

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use bancheng_app::{AppError, CalendarImport, UNIT_KINDS};
use bancheng_domain::calendar::{CalendarFile, DayKind};
use bancheng_domain::deadline::local_day;
use bancheng_domain::policy::DeadlinePolicy;
use bancheng_domain::{DomainError, Role};
use bancheng_store::model::{PolicyRow, UnitRow, UserRow};
use chrono::{Datelike, NaiveDate};
use serde::Deserialize;

use super::{FormState, Nav, Staff, StaffForm, UiError, UiResult, local_time, render_with};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/users", get(users).post(add_user))
        .route("/admin/users/{id}/disable", post(disable_user))
        .route("/admin/users/{id}/enable", post(enable_user))
        .route("/admin/users/{id}/reset", post(reset_password))
        .route("/admin/users/{id}/role", post(set_role))
        .route("/admin/units", get(units).post(add_unit))
        .route("/admin/calendar", get(calendar).post(import_calendar))
        .route("/admin/policy", get(policy).post(save_policy))
}

#[derive(Deserialize, Default)]
pub struct AdminQuery {
    done: Option<String>,
    year: Option<String>,
}

/// The message of a `?done=` flag (unknown flags show nothing).
fn done_text(code: Option<&str>) -> Option<&'static str> {
    Some(match code? {
        "created" => "用户已创建，可以使用设置的密码登录。",
        "disabled" => "账号已停用，该用户的登录已立即失效。",
        "enabled" => "账号已启用。",
        "role" => "角色和所属单位已修改，该用户需重新打开页面后生效。",
        "unit" => "单位已添加。",
        "policy" => "期限规则已保存为新版本，此后设定的期限按新版本计算；已设定的期限不变。",
        _ => return None,
    })
}

/// A refused input becomes `(field, message)` for the page; anything else is the error page.
fn refused(e: AppError) -> Result<(String, String), UiError> {
    match e {
        AppError::Domain(DomainError::Invalid { field, message }) => Ok((field.to_owned(), message)),
        e => Err(e.into()),
    }
}

/// The role choices an admin may give (SPEC §2).
fn role_choices() -> Vec<(&'static str, &'static str)> {
    Role::STAFF.iter().map(|r| (r.code(), r.label())).collect()
}

fn role_label(code: &str) -> String {
    Role::parse(code).map(|r| r.label().to_owned()).unwrap_or_else(|_| code.to_owned())
}

fn kind_label(code: &str) -> &str {
    UNIT_KINDS.iter().find(|(k, _)| *k == code).map(|(_, l)| *l).unwrap_or(code)
}

/// The units as a tree: parents before their children, with the depth of each.
fn unit_tree(units: &[UnitRow]) -> Vec<(usize, &UnitRow)> {
    fn walk<'a>(units: &'a [UnitRow], parent: &str, depth: usize, out: &mut Vec<(usize, &'a UnitRow)>) {
        for u in units.iter().filter(|u| u.parent_code.as_deref() == Some(parent)) {
            if out.iter().any(|(_, seen)| seen.code == u.code) || depth > 32 {
                continue;
            }
            out.push((depth, u));
            walk(units, &u.code, depth + 1, out);
        }
    }
    let mut out = Vec::new();
    let roots = units.iter().filter(|u| match &u.parent_code {
        None => true,
        Some(p) => !units.iter().any(|x| &x.code == p),
    });
    for root in roots {
        out.push((0, root));
        walk(units, &root.code, 1, &mut out);
    }
    out
}

/// `(code, "　　name")` for a unit select, indented by depth.
fn unit_options(units: &[UnitRow]) -> Vec<(String, String)> {
    unit_tree(units)
        .into_iter()
        .map(|(d, u)| (u.code.clone(), format!("{}{}", "　".repeat(d), u.name)))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Users.

pub struct UserLine {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role_code: String,
    pub role: String,
    pub unit_code: String,
    pub unit: String,
    pub state: String,
    /// badge class
    pub state_class: &'static str,
    pub disabled: bool,
    pub created: String,
    pub is_me: bool,
}

impl UserLine {
    pub fn has_role(&self, code: &str) -> bool {
        self.role_code == code
    }
    pub fn in_unit(&self, code: &str) -> bool {
        self.unit_code == code
    }
}

#[derive(Template)]
#[template(path = "admin_users.html")]
pub struct UsersPage {
    pub nav: Nav,
    pub users: Vec<UserLine>,
    pub roles: Vec<(&'static str, &'static str)>,
    pub units: Vec<(String, String)>,
    /// The create form's values after a refusal.
    pub form: FormState,
    pub error: Option<String>,
    pub done: Option<&'static str>,
    /// (username, new password): shown once after a reset.
    pub reset: Option<(String, String)>,
}

fn user_line(s: &AppState, staff: &Staff, names: &HashMap<String, String>, u: &UserRow) -> UserLine {
    let now = s.app.now();
    let (state, state_class) = match u.locked_until {
        _ if u.disabled => ("停用".to_owned(), "overdue"),
        Some(until) if until > now => (format!("锁定至{}", &local_time(&until)[11..]), "soon"),
        _ => ("启用".to_owned(), "ok"),
    };
    UserLine {
        id: u.id,
        username: u.username.clone(),
        display_name: u.display_name.clone(),
        role_code: u.role.clone(),
        role: role_label(&u.role),
        unit_code: u.unit_code.clone(),
        unit: names.get(&u.unit_code).cloned().unwrap_or_else(|| u.unit_code.clone()),
        state,
        state_class,
        disabled: u.disabled,
        created: local_time(&u.created_at),
        is_me: u.id == staff.user.id,
    }
}

async fn users_page(s: &AppState, staff: &Staff, done: Option<&str>) -> Result<UsersPage, UiError> {
    let rows = s.app.admin_users(&staff.actor).await?;
    let units = s.app.admin_units(&staff.actor)?;
    let names: HashMap<String, String> = units.iter().map(|u| (u.code.clone(), u.name.clone())).collect();
    Ok(UsersPage {
        nav: staff.nav("users"),
        users: rows.iter().map(|u| user_line(s, staff, &names, u)).collect(),
        roles: role_choices(),
        units: unit_options(&units),
        form: FormState::with(&[("role", "window")]),
        error: None,
        done: done_text(done),
        reset: None,
    })
}

pub async fn users(State(s): State<AppState>, staff: Staff, Query(q): Query<AdminQuery>) -> UiResult {
    Ok(render_with(StatusCode::OK, &users_page(&s, &staff, q.done.as_deref()).await?))
}

/// The users page again with a refusal shown (422).
async fn users_refused(s: &AppState, form: &StaffForm, e: AppError, keep_values: bool) -> UiResult {
    let (field, message) = refused(e)?;
    let mut page = users_page(s, &form.staff, None).await?;
    if keep_values {
        page.form = FormState::refused(form, &field, &message);
        page.form.values.remove("password");
    }
    page.error = Some(message);
    Ok(render_with(StatusCode::UNPROCESSABLE_ENTITY, &page))
}

pub async fn add_user(State(s): State<AppState>, form: StaffForm) -> UiResult {
    let r = s
        .app
        .admin_add_user(
            &form.staff.actor,
            form.get("username"),
            form.get("display_name"),
            form.get("role"),
            form.get("unit"),
            form.get("password"),
        )
        .await;
    match r {
        Ok(_) => Ok(Redirect::to("/admin/users?done=created").into_response()),
        Err(e) => users_refused(&s, &form, e, true).await,
    }
}

async fn set_disabled(s: AppState, id: i64, form: StaffForm, disabled: bool) -> UiResult {
    match s.app.admin_set_disabled(&form.staff.actor, id, disabled).await {
        Ok(()) => {
            let done = if disabled { "disabled" } else { "enabled" };
            Ok(Redirect::to(&format!("/admin/users?done={done}")).into_response())
        }
        Err(e) => users_refused(&s, &form, e, false).await,
    }
}

pub async fn disable_user(State(s): State<AppState>, Path(id): Path<i64>, form: StaffForm) -> UiResult {
    set_disabled(s, id, form, true).await
}

pub async fn enable_user(State(s): State<AppState>, Path(id): Path<i64>, form: StaffForm) -> UiResult {
    set_disabled(s, id, form, false).await
}

/// Shows the new password once, on this response only (never in a URL or a log).
pub async fn reset_password(State(s): State<AppState>, Path(id): Path<i64>, form: StaffForm) -> UiResult {
    match s.app.admin_reset_password(&form.staff.actor, id).await {
        Ok(password) => {
            let mut page = users_page(&s, &form.staff, None).await?;
            let username =
                page.users.iter().find(|u| u.id == id).map(|u| u.username.clone()).unwrap_or_default();
            page.reset = Some((username, password));
            Ok(render_with(StatusCode::OK, &page))
        }
        Err(e) => users_refused(&s, &form, e, false).await,
    }
}

pub async fn set_role(State(s): State<AppState>, Path(id): Path<i64>, form: StaffForm) -> UiResult {
    match s.app.admin_set_role(&form.staff.actor, id, form.get("role"), form.get("unit")).await {
        Ok(_) => Ok(Redirect::to("/admin/users?done=role").into_response()),
        Err(e) => users_refused(&s, &form, e, false).await,
    }
}

// ---------------------------------------------------------------------------------------------
// Units.

pub struct UnitLine {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub parent: String,
    /// CSS padding for the tree indentation.
    pub indent: String,
    pub depth: usize,
}

#[derive(Template)]
#[template(path = "admin_units.html")]
pub struct UnitsPage {
    pub nav: Nav,
    pub units: Vec<UnitLine>,
    pub parents: Vec<(String, String)>,
    pub kinds: Vec<(&'static str, &'static str)>,
    pub form: FormState,
    pub error: Option<String>,
    pub done: Option<&'static str>,
}

fn units_page(s: &AppState, staff: &Staff, done: Option<&str>) -> Result<UnitsPage, UiError> {
    let units = s.app.admin_units(&staff.actor)?;
    let lines = unit_tree(&units)
        .into_iter()
        .map(|(depth, u)| UnitLine {
            code: u.code.clone(),
            name: u.name.clone(),
            kind: kind_label(&u.kind).to_owned(),
            parent: u.parent_code.clone().unwrap_or_default(),
            indent: format!("padding-left:{:.1}rem", 0.5 + 1.5 * depth as f32),
            depth,
        })
        .collect();
    Ok(UnitsPage {
        nav: staff.nav("units"),
        units: lines,
        parents: unit_options(&units),
        kinds: UNIT_KINDS.to_vec(),
        form: FormState::with(&[("parent", staff.actor.center.as_str()), ("kind", "window")]),
        error: None,
        done: done_text(done),
    })
}

pub async fn units(State(s): State<AppState>, staff: Staff, Query(q): Query<AdminQuery>) -> UiResult {
    Ok(render_with(StatusCode::OK, &units_page(&s, &staff, q.done.as_deref())?))
}

pub async fn add_unit(State(s): State<AppState>, form: StaffForm) -> UiResult {
    let parent = form.opt("parent");
    let r = s
        .app
        .admin_add_unit(
            &form.staff.actor,
            form.get("code"),
            form.get("name"),
            parent.as_deref(),
            form.get("kind"),
        )
        .await;
    match r {
        Ok(_) => Ok(Redirect::to("/admin/units?done=unit").into_response()),
        Err(e) => {
            let (field, message) = refused(e)?;
            let mut page = units_page(&s, &form.staff, None)?;
            page.form = FormState::refused(&form, &field, &message);
            page.error = Some(message);
            Ok(render_with(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Working-day calendar (SPEC §4.3).

/// A break: consecutive days off of one festival (with the ordinary weekend joined to it).
pub struct HolidayRun {
    pub name: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl HolidayRun {
    pub fn range(&self) -> String {
        if self.from == self.to {
            format!("{}（{}）", md(self.from), weekday(self.from))
        } else {
            format!("{}至{}", md(self.from), md(self.to))
        }
    }
    pub fn days(&self) -> i64 {
        (self.to - self.from).num_days() + 1
    }
}

pub struct CoveredYear {
    pub year: i32,
    pub source: String,
    pub by: String,
    pub at: String,
}

pub struct ChangedLine {
    pub number: String,
    pub kind: &'static str,
    pub from: String,
    pub to: String,
    pub provisional: bool,
}

#[derive(Template)]
#[template(path = "admin_calendar.html")]
pub struct CalendarPage {
    pub nav: Nav,
    pub year: i32,
    pub years: Vec<i32>,
    /// Where the shown year's schedule comes from; `None`: not covered.
    pub shown_source: Option<String>,
    pub holidays: Vec<HolidayRun>,
    /// (date, weekday, festival)
    pub workdays: Vec<(String, &'static str, String)>,
    pub official: String,
    pub imported: Vec<CoveredYear>,
    pub json: String,
    pub source: String,
    pub error: Option<String>,
    /// After an import: the years written and the open deadlines that moved.
    pub result: Option<(String, Vec<ChangedLine>)>,
}

fn weekday(d: NaiveDate) -> &'static str {
    ["星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日"]
        [d.weekday().num_days_from_monday() as usize]
}

fn md(d: NaiveDate) -> String {
    format!("{}月{}日", d.month(), d.day())
}

async fn calendar_page(s: &AppState, staff: &Staff, year: Option<i32>) -> Result<CalendarPage, UiError> {
    let rows = s.app.admin_calendar_years(&staff.actor).await?;
    let cal = s.app.calendar();
    let this_year = local_day(s.app.now()).year();
    let year = year.filter(|y| (1900..=9999).contains(y)).unwrap_or(this_year);

    let official_years: Vec<i32> =
        CalendarFile::official().years.keys().filter_map(|k| k.parse().ok()).collect();
    let official = match (official_years.first(), official_years.last()) {
        (Some(a), Some(b)) => format!("{a}年至{b}年"),
        _ => "无".to_owned(),
    };
    let imported_row = rows.iter().find(|r| r.year == year);
    let shown_source = match imported_row {
        Some(r) => Some(format!("{}（{} 导入于 {}）", r.source, r.imported_by, local_time(&r.imported_at))),
        None if official_years.contains(&year) => Some("内置国务院办公厅节假日安排通知".to_owned()),
        None => None,
    };

    let mut holidays: Vec<HolidayRun> = Vec::new();
    let mut workdays = Vec::new();
    // The year's own days, and the December days before it that its notice arranged (元旦).
    let start = NaiveDate::from_ymd_opt(year - 1, 12, 1).unwrap_or(NaiveDate::MIN);
    let end = NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(NaiveDate::MAX);
    let mut in_break = false;
    for d in start.iter_days().take_while(|d| *d <= end) {
        // December of the year before: only the 元旦 days this year's notice arranges.
        if d.year() != year && cal.day_name(d) != Some("元旦") {
            continue;
        }
        match cal.kind(d) {
            DayKind::Holiday => {
                let name = cal.day_name(d).unwrap_or("").to_owned();
                match holidays.last_mut() {
                    Some(run) if in_break && run.name == name => run.to = d,
                    _ => holidays.push(HolidayRun { name, from: d, to: d }),
                }
                in_break = true;
            }
            DayKind::AdjustedWorkday => {
                workdays.push((md(d), weekday(d), cal.day_name(d).unwrap_or("").to_owned()));
                in_break = false;
            }
            DayKind::Workday => in_break = false,
            // A weekend between two days off of one festival belongs to the break.
            DayKind::Weekend => {}
        }
    }

    let mut years: BTreeSet<i32> = official_years.iter().copied().collect();
    years.extend(rows.iter().map(|r| r.year));
    years.extend([this_year, this_year + 1, year]);
    let imported = rows
        .iter()
        .map(|r| CoveredYear {
            year: r.year,
            source: r.source.clone(),
            by: r.imported_by.clone(),
            at: local_time(&r.imported_at),
        })
        .collect();
    Ok(CalendarPage {
        nav: staff.nav("calendar"),
        year,
        years: years.into_iter().rev().collect(),
        shown_source,
        holidays,
        workdays,
        official,
        imported,
        json: String::new(),
        source: String::new(),
        error: None,
        result: None,
    })
}

pub async fn calendar(State(s): State<AppState>, staff: Staff, Query(q): Query<AdminQuery>) -> UiResult {
    let year = q.year.as_deref().and_then(|y| y.trim().parse().ok());
    Ok(render_with(StatusCode::OK, &calendar_page(&s, &staff, year).await?))
}

/// SPEC §4.3: import a schedule; the page then shows the years written and the open deadlines
/// that moved (each also logged on its case).
pub async fn import_calendar(State(s): State<AppState>, form: StaffForm) -> UiResult {
    let (json, source) = (form.get("json"), form.get("source"));
    match s.app.admin_import_calendar(&form.staff.actor, json, source).await {
        Ok(CalendarImport { years, changed }) => {
            let mut page = calendar_page(&s, &form.staff, years.first().copied()).await?;
            let years: Vec<String> = years.iter().map(|y| format!("{y}年")).collect();
            let lines = changed
                .into_iter()
                .map(|c| ChangedLine {
                    number: c.number,
                    kind: c.kind.label(),
                    from: c.from.to_string(),
                    to: c.to.to_string(),
                    provisional: c.provisional,
                })
                .collect();
            page.result = Some((years.join("、"), lines));
            Ok(render_with(StatusCode::OK, &page))
        }
        Err(e) => {
            let (_, message) = refused(e)?;
            let mut page = calendar_page(&s, &form.staff, None).await?;
            page.json = json.to_owned();
            page.source = source.to_owned();
            page.error = Some(message);
            Ok(render_with(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Deadline policy (SPEC §4.2).

/// Every field of `DeadlinePolicy`: (name, label, source rule, unit).
const POLICY_FIELDS: &[(&str, &str, &str, &str)] = &[
    (
        "window_result",
        "简单问题 窗口即办",
        "工作制度第四条：简单问题，窗口即办（0 表示当日办结）",
        "个工作日",
    ),
    (
        "first_feedback",
        "复杂问题 初步反馈",
        "工作制度第四条：转派责任部门，限定3个工作日内给出初步反馈意见",
        "个工作日",
    ),
    ("department_result", "复杂问题 办结", "实施方案四(三)：“应办未办”事项5个工作日内解决", "个工作日"),
    (
        "joint_result",
        "特殊情况 一事一议办结",
        "工作制度第四条：一事一议、联动会审，限定7个工作日内解决",
        "个工作日",
    ),
    (
        "county_reply",
        "难点问题 回复释因（默认）",
        "工作制度第四条：报送县优化营商环境领导小组办公室，限期内回复释因；报送时可另定期限",
        "个工作日",
    ),
    (
        "negative_reply",
        "完全不能办理 回复释因",
        "实施方案四(三)：3个工作日内给予群众回复，说明不能办理的原因",
        "个工作日",
    ),
    (
        "notice_after_overdue",
        "催办后仍超期 列入通报",
        "通行做法：超期次日自动催办，此后仍超期达到该天数的列入通报",
        "个工作日",
    ),
    (
        "problem_reopens",
        "重办达到 列为问题工单",
        "通行做法：重新核实达到该次数的，自动提级一事一议并督办",
        "次",
    ),
    (
        "problem_units",
        "经手单位达到 列为问题工单",
        "通行做法：经该数量的单位仍无结果的，自动提级一事一议并督办",
        "个单位",
    ),
    ("due_soon", "临期提示", "剩余该天数以内到期的事项在列表中显示为“临期”", "个工作日"),
    ("max_extension", "单次延期上限", "延期申请一次最多可延长的天数", "个工作日"),
];

fn policy_value(p: &DeadlinePolicy, name: &str) -> u32 {
    match name {
        "window_result" => p.window_result,
        "first_feedback" => p.first_feedback,
        "department_result" => p.department_result,
        "joint_result" => p.joint_result,
        "county_reply" => p.county_reply,
        "negative_reply" => p.negative_reply,
        "notice_after_overdue" => p.notice_after_overdue,
        "problem_reopens" => p.problem_reopens,
        "problem_units" => p.problem_units,
        "due_soon" => p.due_soon,
        "max_extension" => p.max_extension,
        _ => 0,
    }
}

fn policy_slot<'a>(p: &'a mut DeadlinePolicy, name: &str) -> Option<&'a mut u32> {
    Some(match name {
        "window_result" => &mut p.window_result,
        "first_feedback" => &mut p.first_feedback,
        "department_result" => &mut p.department_result,
        "joint_result" => &mut p.joint_result,
        "county_reply" => &mut p.county_reply,
        "negative_reply" => &mut p.negative_reply,
        "notice_after_overdue" => &mut p.notice_after_overdue,
        "problem_reopens" => &mut p.problem_reopens,
        "problem_units" => &mut p.problem_units,
        "due_soon" => &mut p.due_soon,
        "max_extension" => &mut p.max_extension,
        _ => return None,
    })
}

pub struct PolicyField {
    pub name: &'static str,
    pub label: &'static str,
    pub rule: &'static str,
    pub unit: &'static str,
    pub value: String,
    pub default: u32,
    pub error: String,
}

pub struct PolicyVersion {
    pub version: i32,
    pub by: String,
    pub at: String,
    pub changes: String,
    pub current: bool,
}

#[derive(Template)]
#[template(path = "admin_policy.html")]
pub struct PolicyPage {
    pub nav: Nav,
    pub version: u32,
    pub fields: Vec<PolicyField>,
    pub history: Vec<PolicyVersion>,
    pub error: Option<String>,
    pub done: Option<&'static str>,
}

fn stored_policy(row: &PolicyRow) -> Result<DeadlinePolicy, UiError> {
    serde_json::from_value(row.data.clone())
        .map_err(|_| UiError::new(StatusCode::INTERNAL_SERVER_ERROR, "已保存的期限规则无法读取"))
}

/// "办结 5→8；临期提示 1→2" between two versions.
fn policy_changes(before: &DeadlinePolicy, after: &DeadlinePolicy) -> String {
    let changes: Vec<String> = POLICY_FIELDS
        .iter()
        .filter(|(name, ..)| policy_value(before, name) != policy_value(after, name))
        .map(|(name, label, ..)| {
            format!("{label} {}→{}", policy_value(before, name), policy_value(after, name))
        })
        .collect();
    if changes.is_empty() { "无变化".to_owned() } else { changes.join("；") }
}

async fn policy_page(s: &AppState, staff: &Staff, done: Option<&str>) -> Result<PolicyPage, UiError> {
    let rows = s.app.policy_history(&staff.actor).await?;
    let current = s.app.policy(&staff.actor.center);
    let defaults = DeadlinePolicy::default();
    let mut history = Vec::new();
    let mut prev = defaults.clone();
    if !rows.iter().any(|r| r.version == 1) {
        history.push(PolicyVersion {
            version: 1,
            by: "—".into(),
            at: "—".into(),
            changes: "方案原定期限（默认）".into(),
            current: false,
        });
    }
    for row in &rows {
        let p = stored_policy(row)?;
        history.push(PolicyVersion {
            version: row.version,
            by: row.created_by.clone(),
            at: local_time(&row.created_at),
            changes: policy_changes(&prev, &p),
            current: false,
        });
        prev = p;
    }
    if let Some(last) = history.last_mut() {
        last.current = true;
    }
    history.reverse();
    let fields = POLICY_FIELDS
        .iter()
        .map(|&(name, label, rule, unit)| PolicyField {
            name,
            label,
            rule,
            unit,
            value: policy_value(&current, name).to_string(),
            default: policy_value(&defaults, name),
            error: String::new(),
        })
        .collect();
    Ok(PolicyPage {
        nav: staff.nav("policy"),
        version: current.version,
        fields,
        history,
        error: None,
        done: done_text(done),
    })
}

pub async fn policy(State(s): State<AppState>, staff: Staff, Query(q): Query<AdminQuery>) -> UiResult {
    Ok(render_with(StatusCode::OK, &policy_page(&s, &staff, q.done.as_deref()).await?))
}

pub async fn save_policy(State(s): State<AppState>, form: StaffForm) -> UiResult {
    let mut p = s.app.policy(&form.staff.actor.center);
    let mut bad: Option<(String, String)> = None;
    for &(name, label, ..) in POLICY_FIELDS {
        let raw = form.get(name).trim();
        match (raw.parse::<u32>(), policy_slot(&mut p, name)) {
            (Ok(v), Some(slot)) => *slot = v,
            _ => {
                bad = Some((name.to_owned(), format!("{label}：请填写0至60之间的整数")));
                break;
            }
        }
    }
    let refusal = match bad {
        Some(b) => b,
        None => match s.app.admin_save_policy(&form.staff.actor, p).await {
            Ok(_) => return Ok(Redirect::to("/admin/policy?done=policy").into_response()),
            Err(e) => refused(e)?,
        },
    };
    let mut page = policy_page(&s, &form.staff, None).await?;
    let (field, message) = refusal;
    let mut alert = message.clone();
    for f in &mut page.fields {
        f.value = form.get(f.name).trim().to_owned();
        if f.name == field {
            f.error = message.clone();
            if !message.starts_with(f.label) {
                alert = format!("{}：{message}", f.label);
            }
        }
    }
    page.error = Some(alert);
    Ok(render_with(StatusCode::UNPROCESSABLE_ENTITY, &page))
}
