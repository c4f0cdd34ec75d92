//! 用户: the center's staff accounts (create, disable, reset password, role and unit).

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use bancheng_app::{AppError, User};
use bancheng_domain::Role;

use super::{AdminQuery, done_text, refused, unit_options};
use crate::AppState;
use crate::ui::extract::{Staff, StaffForm};
use crate::ui::render::{FormState, Nav, UiError, UiResult, render_with};
use crate::ui::view::local_time;

/// The role choices an admin may give (SPEC §2).
fn role_choices() -> Vec<(&'static str, &'static str)> {
    Role::STAFF.iter().map(|r| (r.code(), r.label())).collect()
}

fn role_label(code: &str) -> String {
    Role::parse(code).map(|r| r.label().to_owned()).unwrap_or_else(|_| code.to_owned())
}

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

fn user_line(s: &AppState, staff: &Staff, names: &HashMap<String, String>, u: &User) -> UserLine {
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
