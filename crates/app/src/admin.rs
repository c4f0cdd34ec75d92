//! Administration with the actor checked (SPEC §2 `admin` 系统管理员: users, units, calendar,
//! deadline policy). The functions without an actor (`add_user`, `add_unit`, `save_policy`,
//! `import_calendar`, …) serve the CLI, which runs with the database owner's authority; every
//! page goes through these instead, so the permission rule lives here and nowhere else.
//! Everything is scoped to the actor's center, except the working-day calendar, which is the
//! State Council's schedule and the same for every center of a deployment.

use bancheng_domain::policy::DeadlinePolicy;
use bancheng_domain::{Actor, DomainError, Role};
use bancheng_store::StoreError;
use bancheng_store::model::{CalendarYearRow, PolicyRow, UnitRow, UserRow};
use chrono::{DateTime, Utc};

pub use crate::scheduler::ChangedDeadline;
use crate::{App, AppError, Result, User};

/// One unit of a center's tree (the center itself, service areas, windows, sections, outside
/// bodies).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unit {
    pub code: String,
    pub center: String,
    pub name: String,
    pub parent_code: Option<String>,
    /// center | area | window | section | office | outside (see [`UNIT_KINDS`])
    pub kind: String,
    /// Receives cases (SPEC §7: dispatch only to these).
    pub handles_cases: bool,
    pub phone: Option<String>,
    /// A center's public address: the QR code of the 登记表 and the links to applicants.
    pub public_url: Option<String>,
}

impl From<UnitRow> for Unit {
    fn from(u: UnitRow) -> Self {
        Unit {
            code: u.code,
            center: u.center,
            name: u.name,
            parent_code: u.parent_code,
            kind: u.kind,
            handles_cases: u.handles_cases,
            phone: u.phone,
            public_url: u.public_url,
        }
    }
}

impl From<&UnitRow> for Unit {
    fn from(u: &UnitRow) -> Self {
        Unit::from(u.clone())
    }
}

/// An imported calendar year and where it came from (SPEC §4.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarYear {
    pub year: i32,
    /// Provenance: the notice or file it came from.
    pub source: String,
    pub imported_at: DateTime<Utc>,
    pub imported_by: String,
}

impl From<CalendarYearRow> for CalendarYear {
    fn from(r: CalendarYearRow) -> Self {
        CalendarYear {
            year: r.year,
            source: r.source,
            imported_at: r.imported_at,
            imported_by: r.imported_by,
        }
    }
}

/// A saved version of a center's deadline policy (SPEC §4.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyVersion {
    pub version: i32,
    pub policy: DeadlinePolicy,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
}

impl TryFrom<PolicyRow> for PolicyVersion {
    type Error = AppError;

    fn try_from(r: PolicyRow) -> Result<Self> {
        let policy = serde_json::from_value(r.data).map_err(|e| {
            AppError::failed(format!("stored deadline policy {} v{} is unreadable", r.center, r.version), e)
        })?;
        Ok(PolicyVersion { version: r.version, policy, created_at: r.created_at, created_by: r.created_by })
    }
}

/// Unit kinds (SPEC §2 unit tree), with their labels.
pub const UNIT_KINDS: &[(&str, &str)] = &[
    ("center", "服务中心"),
    ("area", "服务区"),
    ("window", "窗口"),
    ("section", "股室"),
    ("office", "办公室"),
    ("outside", "中心外单位"),
];

/// What a calendar import did: the years written and, for the actor's center, the open
/// deadlines that moved (each also logged on its case as `deadline_recomputed`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CalendarImport {
    pub years: Vec<i32>,
    pub changed: Vec<ChangedDeadline>,
}

/// SPEC §2: only `admin` may administer.
fn require_admin(actor: &Actor, what: &str) -> Result<()> {
    if actor.role == Role::Admin {
        Ok(())
    } else {
        Err(DomainError::forbidden(format!("只有系统管理员可以{what}")).into())
    }
}

/// A reset password: 12 characters without look-alikes (it is read off a screen), ~68 bits.
fn reset_password_text() -> String {
    crate::seed::random_password(12)
}

/// A staff role an admin may give (not `system`, not `public`).
fn staff_role(code: &str) -> Result<Role> {
    let role = Role::parse(code.trim())?;
    if !Role::STAFF.contains(&role) {
        return Err(DomainError::invalid("role", "不能设置为该角色").into());
    }
    Ok(role)
}

impl App {
    /// A unit of the actor's center, or 422 naming `field`.
    fn center_unit(&self, actor: &Actor, field: &'static str, code: &str) -> Result<Unit> {
        let code = code.trim();
        if code.is_empty() {
            return Err(DomainError::invalid(field, "请选择单位").into());
        }
        self.units()
            .into_iter()
            .find(|u| u.code == code && u.center == actor.center)
            .ok_or_else(|| DomainError::invalid(field, format!("单位不存在：{code}")).into())
    }

    /// A user of the actor's center (another center's user is "not found", never shown).
    async fn center_user(&self, actor: &Actor, user_id: i64) -> Result<UserRow> {
        match self.store().user_by_id(user_id).await {
            Ok(u) if u.center == actor.center => Ok(u),
            Ok(_) | Err(StoreError::NotFound) => Err(DomainError::not_found("用户不存在").into()),
            Err(e) => Err(e.into()),
        }
    }

    // ---- users ----

    /// The users of the actor's center, in creation order.
    pub async fn admin_users(&self, actor: &Actor) -> Result<Vec<User>> {
        require_admin(actor, "管理用户")?;
        let locks = self.login_locks().await?;
        Ok(self
            .store()
            .users(&actor.center)
            .await?
            .into_iter()
            .map(|u| {
                let until = locks.iter().find(|(name, _)| *name == u.username).map(|(_, t)| *t);
                User { locked_until: until, ..User::from(u) }
            })
            .collect())
    }

    /// Creates a staff account in the actor's center.
    pub async fn admin_add_user(
        &self,
        actor: &Actor,
        username: &str,
        display_name: &str,
        role: &str,
        unit: &str,
        password: &str,
    ) -> Result<User> {
        require_admin(actor, "创建用户")?;
        let role = staff_role(role)?;
        let unit = self.center_unit(actor, "unit", unit)?;
        let taken = || AppError::from(DomainError::invalid("username", "用户名已存在"));
        match self.store().user_by_name(username.trim()).await {
            Ok(_) => return Err(taken()),
            Err(StoreError::NotFound) => {}
            Err(e) => return Err(e.into()),
        }
        match self.add_user(username, display_name, role, &unit.code, password).await {
            Ok(user) => {
                // The admin knows this password: the user chooses their own at first sign-in.
                self.store().set_password(user.id, &user.password_hash, true).await?;
                Ok(User { must_change_password: true, ..user.into() })
            }
            // Created meanwhile by someone else.
            Err(AppError::Domain(DomainError::Conflict { .. })) => Err(taken()),
            Err(e) => Err(e),
        }
    }

    /// Disables or re-enables an account; its sessions end at once on this server.
    pub async fn admin_set_disabled(&self, actor: &Actor, user_id: i64, disabled: bool) -> Result<()> {
        require_admin(actor, "停用或启用用户")?;
        let user = self.center_user(actor, user_id).await?;
        if disabled && user.username == actor.username {
            return Err(DomainError::invalid("user", "不能停用自己的账号").into());
        }
        self.set_user_disabled(user.id, disabled).await
    }

    /// Sets a new random password (returned once, to be handed over), lifts any lockout and
    /// ends the user's open sessions.
    pub async fn admin_reset_password(&self, actor: &Actor, user_id: i64) -> Result<String> {
        require_admin(actor, "重置密码")?;
        let user = self.center_user(actor, user_id).await?;
        let password = reset_password_text();
        let hash = crate::seed::hash_password(&password).await?;
        // A password the admin knows: the user chooses their own before anything else.
        self.store().set_password(user.id, &hash, true).await?;
        self.clear_login_locks(&user.username).await?;
        self.store().revoke_user_tokens(user.id, None, self.now()).await?;
        self.inner.tokens.forget_user(user.id);
        Ok(password)
    }

    /// Changes a user's role and unit (within the center). An admin keeps their own role, so
    /// that a center is never left without one by mistake.
    pub async fn admin_set_role(&self, actor: &Actor, user_id: i64, role: &str, unit: &str) -> Result<User> {
        require_admin(actor, "修改用户角色")?;
        let user = self.center_user(actor, user_id).await?;
        let role = staff_role(role)?;
        let unit = self.center_unit(actor, "unit", unit)?;
        if user.username == actor.username && role != Role::Admin {
            return Err(DomainError::invalid("role", "不能取消自己的系统管理员角色").into());
        }
        self.store().update_user_role(user.id, role.code(), &unit.code).await?;
        self.inner.tokens.forget_user(user.id);
        Ok(self.store().user_by_id(user.id).await?.into())
    }

    // ---- units ----

    /// The unit tree of the actor's center (parents before children).
    pub fn admin_units(&self, actor: &Actor) -> Result<Vec<Unit>> {
        require_admin(actor, "管理单位")?;
        Ok(self.units().into_iter().filter(|u| u.center == actor.center).collect())
    }

    /// Adds a unit under a unit of the actor's center.
    pub async fn admin_add_unit(
        &self,
        actor: &Actor,
        code: &str,
        name: &str,
        parent: Option<&str>,
        kind: &str,
    ) -> Result<Unit> {
        require_admin(actor, "添加单位")?;
        let Some(parent) = parent.map(str::trim).filter(|p| !p.is_empty()) else {
            return Err(DomainError::invalid("parent", "请选择上级单位").into());
        };
        let parent = self.center_unit(actor, "parent", parent)?;
        let kind = kind.trim();
        if !UNIT_KINDS.iter().any(|(k, _)| *k == kind) {
            return Err(DomainError::invalid("kind", "请选择单位类型").into());
        }
        // Codes are unique in the whole deployment.
        if self.units().iter().any(|u| u.code == code.trim()) {
            return Err(DomainError::invalid("code", format!("单位代码已存在：{}", code.trim())).into());
        }
        match self.add_unit(code, name, Some(&parent.code), kind).await {
            Ok(unit) => Ok(unit.into()),
            Err(AppError::Domain(DomainError::Conflict { .. })) => {
                Err(DomainError::invalid("code", format!("单位代码已存在：{}", code.trim())).into())
            }
            Err(e) => Err(e),
        }
    }

    /// Changes a unit of the actor's center: its name, whether it handles cases (SPEC §7), its
    /// phone and — a center — its public address.
    pub async fn admin_update_unit(
        &self,
        actor: &Actor,
        code: &str,
        name: &str,
        handles_cases: bool,
        phone: &str,
        public_url: &str,
    ) -> Result<Unit> {
        require_admin(actor, "修改单位")?;
        let unit = self.center_unit(actor, "code", code)?;
        let name = bancheng_domain::validate::single_line("name", "单位名称", name, 1, 100)?;
        let phone = match phone.trim() {
            "" => None,
            p => Some(
                bancheng_domain::validate::Phone::parse(p)
                    .map_err(|_| {
                        DomainError::invalid("phone", "单位电话格式不正确：应为手机号或带区号的固定电话")
                    })?
                    .as_str()
                    .to_owned(),
            ),
        };
        let public_url = match public_url.trim().trim_end_matches('/') {
            "" => None,
            u if unit.kind != "center" => {
                let _ = u;
                return Err(DomainError::invalid("public_url", "对外地址只能为中心设置").into());
            }
            u if (u.starts_with("https://") || u.starts_with("http://"))
                && u.len() <= 200
                && !u.contains(char::is_whitespace)
                && u.split("://").nth(1).is_some_and(|h| !h.is_empty()) =>
            {
                Some(u.to_owned())
            }
            _ => return Err(DomainError::invalid("public_url", "对外地址应为 https:// 开头的网址").into()),
        };
        let row = UnitRow {
            code: unit.code.clone(),
            center: unit.center.clone(),
            name,
            parent_code: unit.parent_code.clone(),
            kind: unit.kind.clone(),
            handles_cases,
            phone,
            public_url,
        };
        self.store().update_unit(&row).await?;
        self.reload().await?;
        Ok(row.into())
    }

    // ---- calendar ----

    /// The imported calendar years with their provenance (the embedded official years are
    /// `CalendarFile::official()`).
    pub async fn admin_calendar_years(&self, actor: &Actor) -> Result<Vec<CalendarYear>> {
        require_admin(actor, "管理工作日历")?;
        Ok(self.store().calendar_years().await?.into_iter().map(CalendarYear::from).collect())
    }

    /// SPEC §4.3: imports a schedule (next year's notice or a correction), recomputes the open
    /// deadlines and reports which of the actor's center moved.
    pub async fn admin_import_calendar(
        &self,
        actor: &Actor,
        json: &str,
        source: &str,
    ) -> Result<CalendarImport> {
        require_admin(actor, "导入工作日历")?;
        if json.trim().is_empty() {
            return Err(DomainError::invalid("calendar", "请选择或粘贴节假日安排文件（JSON）").into());
        }
        let (years, report) = self.import_calendar(json, source, &actor.username).await?;
        let changed = report.changed_deadlines.into_iter().filter(|c| c.center == actor.center).collect();
        Ok(CalendarImport { years, changed })
    }

    // ---- deadline policy ----

    /// Saves the center's next policy version (SPEC §4.2).
    pub async fn admin_save_policy(&self, actor: &Actor, policy: DeadlinePolicy) -> Result<DeadlinePolicy> {
        require_admin(actor, "修改期限规则")?;
        self.save_policy(&actor.center, policy, &actor.username).await
    }

    /// The center's saved policy versions, ascending (version 1, the source's defaults, is
    /// not stored until a change is saved).
    pub async fn policy_history(&self, actor: &Actor) -> Result<Vec<PolicyVersion>> {
        require_admin(actor, "查看期限规则")?;
        self.store().policies(&actor.center).await?.into_iter().map(PolicyVersion::try_from).collect()
    }
}
