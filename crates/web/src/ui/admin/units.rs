//! 单位: the center's unit tree.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use bancheng_app::UNIT_KINDS;

use super::{AdminQuery, done_text, refused, unit_options, unit_tree};
use crate::AppState;
use crate::ui::extract::{Staff, StaffForm};
use crate::ui::render::{FormState, Nav, UiError, UiResult, render_with};

fn kind_label(code: &str) -> &str {
    UNIT_KINDS.iter().find(|(k, _)| *k == code).map(|(_, l)| *l).unwrap_or(code)
}

pub struct UnitLine {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub is_center: bool,
    pub handles_cases: bool,
    pub phone: String,
    pub public_url: String,
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
            is_center: u.kind == "center",
            handles_cases: u.handles_cases,
            phone: u.phone.clone().unwrap_or_default(),
            public_url: u.public_url.clone().unwrap_or_default(),
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

/// `POST /admin/units/{code}`: name, 承办事项, phone and (a center's) public address.
pub async fn update_unit(
    State(s): State<AppState>,
    axum::extract::Path(code): axum::extract::Path<String>,
    form: StaffForm,
) -> UiResult {
    let r = s
        .app
        .admin_update_unit(
            &form.staff.actor,
            &code,
            form.get("name"),
            form.get("handles_cases") == "true",
            form.get("phone"),
            form.get("public_url"),
        )
        .await;
    match r {
        Ok(_) => Ok(Redirect::to("/admin/units?done=unit_updated").into_response()),
        Err(e) => {
            let (_, message) = refused(e)?;
            let mut page = units_page(&s, &form.staff, None)?;
            page.error = Some(format!("{code}：{message}"));
            Ok(render_with(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
    }
}
