//! `GET /api/v1/ledger.xlsx`: the 跟踪台账 (附件4, SPEC §5) as an Excel workbook.
//!
//! The rows stream from the store through [`App::ledger_export`](bancheng_app::App) into a
//! blocking task that writes a constant-memory worksheet (rows go to a temp file as they come),
//! saves the workbook to an anonymous temp file, and the response streams that file back. Memory
//! stays flat however many rows there are (at most [`MAX_ROWS`]).

use std::io::{BufWriter, Seek, SeekFrom, Write};

use axum::body::{Body, Bytes};
use axum::extract::{Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use bancheng_app::{AppError, CaseSummary, LEDGER_COLUMNS, ledger_cells};
use chrono::NaiveDate;
use rust_xlsxwriter::{Color, Format, FormatBorder, Workbook};
use tokio::io::AsyncReadExt;
use tokio::sync::mpsc;
use utoipa::ToSchema;

use crate::AppState;
use crate::http::error::ApiError;
use crate::http::extract::Auth;
use crate::http::query::ListParams;
use crate::http::view::{People, UnitNames};

/// The default of [`crate::Limits::export_max_rows`]: the most rows one export may hold; more
/// is a 422 on `to`.
pub const MAX_ROWS: usize = 100_000;

pub const XLSX_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// An .xlsx file, for the OpenAPI document.
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
#[allow(dead_code, reason = "only its schema is used")]
pub struct XlsxFile(Vec<u8>);

/// The 跟踪台账 (附件4) as an Excel workbook.
///
/// One sheet, 台账: the Chinese headers (frozen, with an autofilter), then one row per case with
/// the same filters, order, visibility and masking as `GET /api/v1/cases`; every cell is text. At
/// most 100,000 rows: more is a 422 naming `to`.
#[utoipa::path(get, path = "/api/v1/ledger.xlsx", tag = "cases", operation_id = "ledger_xlsx",
    security(("bearer" = [])), params(ListParams),
    responses(
        (status = 200, description = "The workbook (Content-Disposition: attachment; 台账.xlsx)",
         content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         body = inline(XlsxFile),
         headers(("Content-Disposition" = String,
                  description = "attachment; filename=\"ledger.xlsx\"; filename*=UTF-8''%E5%8F%B0%E8%B4%A6.xlsx \
                                 (台账.xlsx; with the date range when from/to are given)"))),
        (status = 401, body = crate::http::error::ErrorBody), (status = 403, body = crate::http::error::ErrorBody),
        (status = 422, body = crate::http::error::ErrorBody)))]
pub async fn xlsx(
    State(s): State<AppState>,
    auth: Auth,
    params: Result<Query<ListParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(p) = params.map_err(|e| ApiError::invalid("query", format!("查询参数不正确：{e}")))?;
    let q = p.to_query()?;
    let names = UnitNames::of(&s);
    let people = People::of(&s, &auth.actor).await?;
    let (tx, rx) = mpsc::channel::<CaseSummary>(256);
    let writer = tokio::task::spawn_blocking(move || write_workbook(rx, &names, &people));
    // On an error the sender is dropped: the writer finishes on its own and its file is discarded.
    let rows = s.app.ledger_export(&auth.actor, &q, s.config.limits.export_max_rows, tx).await?;
    let (file, len) = writer
        .await
        .map_err(|e| AppError::failed("ledger writer task", e))?
        .map_err(|e| AppError::failed("writing the ledger workbook", e))?;
    tracing::debug!(rows, len, "ledger exported");
    let file = tokio::fs::File::from_std(file);
    let chunks = futures_util::stream::unfold(Some(file), |file| async move {
        let mut file = file?;
        let mut buf = vec![0; 64 * 1024];
        match file.read(&mut buf).await {
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((Ok::<_, std::io::Error>(Bytes::from(buf)), Some(file)))
            }
            Err(e) => Some((Err(e), None)),
        }
    });
    let mut resp = Body::from_stream(chunks).into_response();
    let headers = resp.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(XLSX_TYPE));
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    // Personal data, even masked: no shared caches.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    let disposition = content_disposition(q.from, q.to);
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&disposition).map_err(|e| AppError::failed("Content-Disposition", e))?,
    );
    Ok(resp)
}

/// `attachment; filename="ledger.xlsx"; filename*=UTF-8''台账.xlsx` (RFC 6266 / 5987), with the
/// registration date range in the name when one is given.
fn content_disposition(from: Option<NaiveDate>, to: Option<NaiveDate>) -> String {
    let (ascii, chinese) = match (from, to) {
        (None, None) => (String::new(), String::new()),
        (Some(f), Some(t)) => (format!("_{f}_{t}"), format!("_{f}至{t}")),
        (Some(f), None) => (format!("_from_{f}"), format!("_{f}起")),
        (None, Some(t)) => (format!("_to_{t}"), format!("_截至{t}")),
    };
    format!(
        "attachment; filename=\"ledger{ascii}.xlsx\"; filename*=UTF-8''{}",
        crate::http::view::rfc5987(&format!("台账{chinese}.xlsx"))
    )
}

use bancheng_app::BoxError;

/// Writes the rows received on `rx` as the ledger sheet (constant memory: each finished row goes
/// to a temp file) and saves the workbook to an anonymous temp file: (the file at its start, its
/// length). Runs on a blocking thread.
fn write_workbook(
    mut rx: mpsc::Receiver<CaseSummary>,
    names: &UnitNames,
    people: &People,
) -> Result<(std::fs::File, u64), BoxError> {
    let unit_name = |code: &str| names.name(code);
    let person = |username: &str| people.name(username);
    let mut workbook = Workbook::new();
    let header =
        Format::new().set_bold().set_background_color(Color::RGB(0xD9D9D9)).set_border(FormatBorder::Thin);
    let sheet = workbook.add_worksheet_with_constant_memory()?;
    sheet.set_name("台账")?;
    let last_col = u16::try_from(LEDGER_COLUMNS.len() - 1)?;
    for (col, c) in (0u16..).zip(LEDGER_COLUMNS) {
        sheet.set_column_width(col, c.width)?;
        sheet.write_string_with_format(0, col, c.header, &header)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    let mut row: u32 = 0;
    while let Some(summary) = rx.blocking_recv() {
        // Every cell is text: a case number such as 2021081003 must not become a number.
        for (col, text) in (0u16..).zip(ledger_cells(row as usize, &summary, &unit_name, &person)) {
            if !text.is_empty() {
                sheet.write_string(row + 1, col, text)?;
            }
        }
        row += 1;
    }
    sheet.autofilter(0, 0, row, last_col)?;
    let mut file = tempfile::tempfile()?;
    {
        let mut out = BufWriter::new(&mut file);
        workbook.save_to_writer(&mut out)?;
        out.flush()?;
    }
    let len = file.stream_position()?;
    file.seek(SeekFrom::Start(0))?;
    Ok((file, len))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_download_name_is_rfc_5987_encoded_with_the_date_range() {
        assert_eq!(
            content_disposition(None, None),
            "attachment; filename=\"ledger.xlsx\"; filename*=UTF-8''%E5%8F%B0%E8%B4%A6.xlsx"
        );
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
        assert_eq!(
            content_disposition(d("2026-03-01"), d("2026-03-31")),
            "attachment; filename=\"ledger_2026-03-01_2026-03-31.xlsx\"; \
             filename*=UTF-8''%E5%8F%B0%E8%B4%A6_2026-03-01%E8%87%B32026-03-31.xlsx"
        );
    }
}
