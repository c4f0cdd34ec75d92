//! bancheng-web: the HTTP adapter. Handlers extract and validate the request shape, call one
//! `bancheng_app::App` function, and render JSON or a page. No rule lives here.
//!
//! One module per surface, each with its own router and middleware: `api` (JSON v1 and the
//! OpenAPI document), `ui` (the staff pages), `assets`, and room for `public` and `open311`.
//! They share `http` (errors, extractors, request ids, the action parser, the list query) and
//! never import each other.

mod api;
mod assets;
mod http;
mod open311;
mod public;
mod ui;

pub use api::openapi::openapi;
pub use http::error::ApiError;

use axum::Router;
use axum::middleware;
use axum::routing::get;
use bancheng_app::App;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::trace::TraceLayer;

/// Shared state of every handler.
#[derive(Clone)]
pub struct AppState {
    pub app: App,
    pub config: WebConfig,
}

/// The HTTP side's settings (`bancheng.toml`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WebConfig {
    pub limits: Limits,
    /// Behind a reverse proxy: the client's address is the proxy's `X-Forwarded-For` entry.
    pub trust_proxy: bool,
}

/// Request limits (`bancheng.toml` `[limits]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest request body. The largest legitimate one is a drawn signature (≤ 200 KB as a
    /// data URL).
    pub body_bytes: usize,
    /// Rows per `ledger.xlsx` (422 above it).
    pub export_max_rows: usize,
    /// Bytes per attachment (the upload routes take this plus room for the form around it).
    pub attachment_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            body_bytes: 1024 * 1024,
            export_max_rows: api::ledger::MAX_ROWS,
            attachment_bytes: bancheng_app::AttachmentLimits::default().max_bytes,
        }
    }
}

impl Limits {
    /// The largest body of an upload: one attachment and its form.
    pub fn upload_bytes(&self) -> usize {
        self.attachment_bytes + 64 * 1024
    }
}

/// The whole HTTP interface (SPEC §6) with the default [`Limits`]. Used by the tests.
///
/// Around every surface, outermost first: the request id (`X-Request-Id` on every response),
/// the `request` span, and the panic guard (a JSON 500).
pub fn router(app: App) -> Router {
    router_with(app, WebConfig::default())
}

/// The whole HTTP interface (SPEC §6). Used by `serve`. Serve it with the peer's address
/// (`into_make_service_with_connect_info::<SocketAddr>`): the sign-in limits count per address.
pub fn router_with(app: App, config: WebConfig) -> Router {
    let limits = config.limits;
    let state = AppState { app, config };
    Router::new()
        .merge(api::routes(limits.body_bytes, limits.upload_bytes()))
        .merge(ui::routes(limits.body_bytes, limits.upload_bytes()))
        .merge(assets::routes())
        .merge(public::routes())
        .merge(open311::routes())
        .route("/healthz", get(|| async { "ok" }))
        .fallback(http::error::not_found)
        .layer(CatchPanicLayer::custom(http::error::panic_response))
        // 500s are logged where they are made, once, with their cause chain: not here again.
        .layer(TraceLayer::new_for_http().make_span_with(http::request_id::RequestSpan).on_failure(()))
        .layer(middleware::from_fn(http::request_id::middleware))
        .with_state(state)
}

/// The action vocabulary is one table (`bancheng_domain::case::ACTION_TABLE`): the parser, the
/// OpenAPI document and the case page's forms must each cover exactly its actions.
#[cfg(test)]
mod vocabulary {
    use bancheng_domain::case::ACTION_TABLE;

    #[test]
    fn the_action_table_the_openapi_document_and_the_case_forms_agree() {
        let doc = serde_json::to_value(crate::openapi()).expect("openapi JSON");
        let paths = doc["paths"].as_object().expect("paths");
        let prefix = "/api/v1/cases/{number}/";
        // Besides the actions, a case has its log and its attachments.
        let documented: Vec<&str> = paths
            .keys()
            .filter_map(|p| p.strip_prefix(prefix))
            .filter(|rest| *rest != "events" && !rest.starts_with("attachments"))
            .collect();
        let codes: Vec<&str> = ACTION_TABLE.iter().map(|d| d.code).collect();
        let mut sorted = codes.clone();
        sorted.sort_unstable();
        let mut documented_sorted = documented.clone();
        documented_sorted.sort_unstable();
        assert_eq!(documented_sorted, sorted, "one documented path per action");
        for d in ACTION_TABLE {
            let op = &paths[&format!("{prefix}{}", d.code)]["post"];
            assert_eq!(op["summary"], d.label, "{}", d.code);
            assert!(op["description"].as_str().unwrap_or("").contains(d.article), "{}", d.code);
        }

        // The case page: a form branch for every action and for nothing else.
        let template = include_str!("../templates/case.html");
        let named: Vec<&str> =
            template.split("a.name == \"").skip(1).filter_map(|rest| rest.split('"').next()).collect();
        for code in &codes {
            assert!(named.contains(code), "the case page has a form for {code}");
        }
        for n in &named {
            assert!(codes.contains(n), "the case page names {n}, which is not an action");
        }
    }
}
