//! The source's unit tree (附件1 领导小组成员 by 服务区, 附件2, SPEC §2), created on first start.

use rand::Rng;

use crate::{App, Result};
use bancheng_domain::Role;
use bancheng_store::model::{NewUser, UnitRow};

/// 内乡县行政审批服务中心.
pub const DEFAULT_CENTER: &str = "nxzx";

/// (code, name, parent, kind). Codes are stable short pinyin initials.
pub const SEED_UNITS: &[(&str, &str, Option<&str>, &str)] = &[
    ("nxzx", "内乡县行政审批服务中心", None, "center"),
    ("bbcs", "“办不成事”反映窗口", Some("nxzx"), "window"),
    ("ywg", "业务股（领导小组办公室）", Some("nxzx"), "office"),
    ("dcg", "督查股", Some("nxzx"), "section"),
    ("bmfwg", "便民服务股", Some("nxzx"), "section"),
    ("sw", "公民个人事项服务区（税务）", Some("nxzx"), "area"),
    ("ga", "公民个人事项服务区（公安）", Some("nxzx"), "area"),
    ("cl", "公民个人事项服务区（残联）", Some("nxzx"), "area"),
    ("msb", "“马上办”服务区", Some("nxzx"), "area"),
    ("sb", "公民个人事项服务区（社保）", Some("nxzx"), "area"),
    ("ssdj", "商事登记区", Some("nxzx"), "area"),
    ("tzxm", "投资项目联审联批服务区", Some("nxzx"), "area"),
    ("fg", "公民个人事项服务区（房管）", Some("nxzx"), "area"),
    ("zhck", "综合窗口服务区", Some("nxzx"), "area"),
    ("bdc", "不动产登记集成服务区", Some("nxzx"), "area"),
    // 四(五) 一事一议: difficult matters go to the county body, outside the center.
    ("xyhb", "县优化营商环境领导小组办公室", Some("nxzx"), "outside"),
];

impl App {
    /// On an empty database: creates the source's units and an `admin` user with a random
    /// password, returned once. Returns `None` when the database already has units.
    pub async fn bootstrap(&self) -> Result<Option<String>> {
        if !self.store().is_empty().await? {
            return Ok(None);
        }
        for (code, name, parent, kind) in SEED_UNITS {
            let row = UnitRow {
                code: (*code).into(),
                center: DEFAULT_CENTER.into(),
                name: (*name).into(),
                parent_code: parent.map(str::to_owned),
                kind: (*kind).into(),
                // SPEC §7: the service areas of 附件1 receive cases.
                handles_cases: crate::handles_cases_by_default(kind),
                phone: None,
                public_url: None,
            };
            self.store().insert_unit(&row).await?;
        }
        self.reload().await?;
        let password = random_password(16);
        let admin = self.add_user("admin", "系统管理员", Role::Admin, DEFAULT_CENTER, &password).await?;
        // Printed once on a terminal: the pages ask for a new one before anything else.
        self.store().set_password(admin.id, &admin.password_hash, true).await?;
        Ok(Some(password))
    }

    /// Adds a staff user; the password is hashed with Argon2id (password-auth).
    pub async fn add_user(
        &self,
        username: &str,
        display_name: &str,
        role: Role,
        unit: &str,
        password: &str,
    ) -> Result<bancheng_store::model::UserRow> {
        use bancheng_domain::DomainError;
        let username = username.trim();
        if username.is_empty()
            || username.len() > 32
            || !username.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
        {
            return Err(DomainError::invalid("username", "用户名应为1至32位字母、数字或._-").into());
        }
        if matches!(role, Role::System | Role::Public) {
            return Err(DomainError::invalid("role", "不能创建该角色的用户").into());
        }
        check_password(password, username, "password")?;
        let unit_row = self
            .store()
            .unit(unit)
            .await
            .map_err(|_| DomainError::invalid("unit", format!("单位代码不存在：{unit}")))?;
        let display = if display_name.trim().is_empty() { username } else { display_name.trim() };
        let hash = hash_password(password).await?;
        let user = NewUser {
            username: username.into(),
            display_name: display.into(),
            role: role.code().into(),
            unit_code: unit_row.code,
            password_hash: hash,
            must_change_password: false,
        };
        match self.store().insert_user(&unit_row.center, &user, self.now()).await {
            Err(bancheng_store::StoreError::Duplicate { .. }) => {
                Err(DomainError::conflict(format!("用户名已存在：{username}")).into())
            }
            other => Ok(other?),
        }
    }
}

/// Common passwords of 10 or more characters, lower case (shorter ones fail the length rule).
static COMMON_PASSWORDS: std::sync::LazyLock<std::collections::HashSet<&'static str>> =
    std::sync::LazyLock::new(|| {
        include_str!("../data/common-passwords.txt")
            .lines()
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect()
    });

/// The shortest password accepted for a new or changed password.
pub const MIN_PASSWORD_CHARS: usize = 10;

/// The password policy for new and changed passwords (existing ones keep working): at least
/// 10 characters, not the username, not a common password. `field` names it in a refusal.
pub(crate) fn check_password(p: &str, username: &str, field: &'static str) -> Result<()> {
    use bancheng_domain::DomainError;
    let refuse = |m: &str| Err(DomainError::invalid(field, m.to_owned()).into());
    if p.chars().count() < MIN_PASSWORD_CHARS || p.len() > 256 {
        return refuse("密码至少10位");
    }
    let lower = p.to_lowercase();
    if lower == username.trim().to_lowercase() {
        return refuse("密码不能与用户名相同");
    }
    if COMMON_PASSWORDS.contains(lower.as_str()) {
        return refuse("该密码过于常见，容易被猜中，请换一个");
    }
    Ok(())
}

pub(crate) async fn hash_password(p: &str) -> Result<String> {
    let p = p.to_owned();
    tokio::task::spawn_blocking(move || password_auth::generate_hash(p))
        .await
        .map_err(|e| crate::AppError::failed("password hashing task", e))
}

pub(crate) fn random_password(len: usize) -> String {
    // No look-alike characters: the password is read off a terminal.
    const CHARS: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    (0..len).map(|_| CHARS[rng.random_range(0..CHARS.len())] as char).collect()
}
