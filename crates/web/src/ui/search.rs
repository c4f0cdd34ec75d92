//! 查找: the header search box of every staff page — a case by its number, the applicant's full
//! phone or its last 4 digits, ID number, enterprise name or 信用代码, name or any text, within
//! what the user may read (`App::search`). One match opens the case at once.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use bancheng_app::AppError;
use bancheng_domain::DomainError;
use serde::Deserialize;

use super::extract::Staff;
use super::home::{QueueRow, summary_row};
use super::render::{Nav, UiResult, render_with};
use crate::AppState;
use crate::http::view::UnitNames;

#[derive(Template)]
#[template(path = "search.html")]
pub struct SearchPage {
    pub nav: Nav,
    pub q: String,
    pub rows: Vec<QueueRow>,
    pub error: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
}

/// The most results listed.
const LIMIT: u32 = 50;

pub async fn search(State(s): State<AppState>, staff: Staff, Query(sq): Query<SearchQuery>) -> UiResult {
    let q = sq.q.trim().to_owned();
    let mut nav = staff.nav("search");
    nav.q = q.clone();
    let names = UnitNames::of(&s);
    let (rows, error, status) = match s.app.search(&staff.actor, &q, LIMIT).await {
        Ok(found) if found.len() == 1 && found[0].number == q => {
            return Ok(Redirect::to(&format!("/cases/{q}")).into_response());
        }
        Ok(found) => (found.iter().map(|r| summary_row(&names, r)).collect(), None, StatusCode::OK),
        Err(AppError::Domain(e @ DomainError::Invalid { .. })) => {
            (vec![], Some(e.message().to_owned()), StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(e) => return Err(e.into()),
    };
    Ok(render_with(status, &SearchPage { nav, q, rows, error }))
}
