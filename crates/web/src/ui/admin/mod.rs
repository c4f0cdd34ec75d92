//! Administration pages (SPEC §2 `admin`: users, units, the working-day calendar of §4.3 and the
//! deadline policy of §4.2). Every page and form calls an actor-checked `App::admin_*` function,
//! so a non-admin gets the app's 403 as the error page; no permission rule lives here.
//! A refused input re-renders the page (422) with the message; a change redirects (303) back
//! with `?done=…`.

mod calendar;
mod policy;
mod units;
mod users;

use axum::Router;
use axum::routing::{get, post};
use bancheng_app::{AppError, Unit};
use bancheng_domain::DomainError;
use serde::Deserialize;

use crate::AppState;
use crate::ui::render::UiError;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/users", get(users::users).post(users::add_user))
        .route("/admin/users/{id}/disable", post(users::disable_user))
        .route("/admin/users/{id}/enable", post(users::enable_user))
        .route("/admin/users/{id}/reset", post(users::reset_password))
        .route("/admin/users/{id}/role", post(users::set_role))
        .route("/admin/units", get(units::units).post(units::add_unit))
        .route("/admin/units/{code}", post(units::update_unit))
        .route("/admin/calendar", get(calendar::calendar).post(calendar::import_calendar))
        .route("/admin/policy", get(policy::policy).post(policy::save_policy))
}

#[derive(Deserialize, Default)]
pub struct AdminQuery {
    done: Option<String>,
    year: Option<String>,
}

/// The message of a `?done=` flag (unknown flags show nothing).
fn done_text(code: Option<&str>) -> Option<&'static str> {
    Some(match code? {
        "created" => "用户已创建。首次登录时须修改您设置的初始密码。",
        "disabled" => "账号已停用，该用户的登录已立即失效。",
        "enabled" => "账号已启用。",
        "role" => "角色和所属单位已修改，该用户需重新打开页面后生效。",
        "unit" => "单位已添加。",
        "unit_updated" => "单位已修改，转派等页面即时生效。",
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

/// The units as a tree: parents before their children, with the depth of each.
fn unit_tree(units: &[Unit]) -> Vec<(usize, &Unit)> {
    fn walk<'a>(units: &'a [Unit], parent: &str, depth: usize, out: &mut Vec<(usize, &'a Unit)>) {
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
fn unit_options(units: &[Unit]) -> Vec<(String, String)> {
    unit_tree(units)
        .into_iter()
        .map(|(d, u)| (u.code.clone(), format!("{}{}", "　".repeat(d), u.name)))
        .collect()
}
