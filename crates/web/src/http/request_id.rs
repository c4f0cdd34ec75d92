//! Request ids: every request gets one, every response carries it in `X-Request-Id`, every error
//! body and error page shows it, and every log line of the request has it (the `request` span),
//! so that a clerk's screenshot of an error leads to the log line.
//!
//! An id sent by the proxy in front (`X-Request-Id`) is kept when it is short, printable ASCII
//! without spaces (`[A-Za-z0-9._:-]`, at most 64); otherwise one is made here: a random
//! per-process prefix and a counter, e.g. `5f3a9c1e-0000002a`.

use std::hash::{BuildHasher, Hasher};
use std::sync::LazyLock;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use tower_http::trace::MakeSpan;
use tracing::Span;

pub const HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// The id of the request being handled, as a request extension.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestId(pub String);

tokio::task_local! {
    pub(crate) static CURRENT: RequestId;
}

/// The id of the request this task is handling (`None` outside a request).
pub fn current() -> Option<String> {
    CURRENT.try_with(|id| id.0.clone()).ok()
}

/// Random per process (the OS-seeded hasher keys of std, no extra dependency), so that ids of
/// two servers or of two runs do not collide.
static PREFIX: LazyLock<u32> = LazyLock::new(|| {
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(u64::from(std::process::id()));
    h.finish() as u32
});

static NEXT: AtomicU64 = AtomicU64::new(1);

fn generate() -> String {
    format!("{:08x}-{:08x}", *PREFIX, NEXT.fetch_add(1, Ordering::Relaxed))
}

/// An incoming id worth keeping: 1–64 characters of `[A-Za-z0-9._:-]`.
fn acceptable(v: &HeaderValue) -> Option<&str> {
    let s = v.to_str().ok()?;
    let ok = (1..=64).contains(&s.len())
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'-'));
    ok.then_some(s)
}

/// The outermost middleware: picks the id, puts it in the request (header and extension) and
/// in the task for [`current`], and on the response.
pub async fn middleware(mut req: Request, next: Next) -> Response {
    let id = req.headers().get(&HEADER).and_then(acceptable).map(str::to_owned).unwrap_or_else(generate);
    let value = HeaderValue::from_str(&id).unwrap_or_else(|_| HeaderValue::from_static("invalid"));
    req.headers_mut().insert(HEADER, value.clone());
    req.extensions_mut().insert(RequestId(id.clone()));
    let mut resp = CURRENT.scope(RequestId(id), next.run(req)).await;
    resp.headers_mut().insert(HEADER, value);
    resp
}

/// The `request` span of every request: method, path and id (INFO, so that it is on with the
/// default filter and every log line of the request names its id).
#[derive(Clone, Copy, Debug, Default)]
pub struct RequestSpan;

impl<B> MakeSpan<B> for RequestSpan {
    fn make_span(&mut self, req: &axum::http::Request<B>) -> Span {
        let id = req.headers().get(&HEADER).and_then(|v| v.to_str().ok()).unwrap_or("");
        tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_safe_incoming_id_is_kept_and_anything_else_replaced() {
        let ok = |s: &str| acceptable(&HeaderValue::from_str(s).unwrap()).is_some();
        assert!(ok("proxy-7f3a.01:x_y"));
        assert!(!ok(""));
        assert!(!ok("has space"));
        assert!(!ok("<script>"));
        assert!(!ok(&"a".repeat(65)));
        assert!(ok(&"a".repeat(64)));
        let (a, b) = (generate(), generate());
        assert_ne!(a, b);
        assert!(acceptable(&HeaderValue::from_str(&a).unwrap()).is_some());
    }
}
