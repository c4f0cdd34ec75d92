//! The client's address, for the sign-in and (later) the public side's limits: the TCP peer, or —
//! only behind a reverse proxy the deployment trusts (`--trust-proxy`) — the address the proxy
//! appended to `X-Forwarded-For` (the last one; those before it come from the client and may be
//! forged).

use std::convert::Infallible;
use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;

use crate::AppState;

/// The client's IP address as text (`unknown` when the server has no peer address).
pub struct ClientAddr(pub String);

impl ClientAddr {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The address from the headers and the peer: the proxy's last `X-Forwarded-For` entry when the
/// proxy is trusted and sent one, else the peer.
pub fn client_addr(parts: &Parts, trust_proxy: bool) -> String {
    if trust_proxy {
        let forwarded = parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .rfind(|a| !a.is_empty());
        if let Some(ip) = forwarded.and_then(|a| a.parse::<std::net::IpAddr>().ok()) {
            return ip.to_string();
        }
    }
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map_or_else(|| "unknown".to_owned(), |ConnectInfo(peer)| peer.ip().to_string())
}

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Infallible> {
        Ok(ClientAddr(client_addr(parts, state.config.trust_proxy)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::Request;

    fn parts(xff: Option<&str>) -> Parts {
        let mut b = Request::builder();
        if let Some(v) = xff {
            b = b.header("x-forwarded-for", v);
        }
        let (mut parts, ()) = b.body(()).unwrap().into_parts();
        parts.extensions.insert(ConnectInfo(SocketAddr::from(([10, 0, 0, 5], 40000))));
        parts
    }

    #[test]
    fn forwarded_for_counts_only_behind_a_trusted_proxy_and_only_its_last_entry() {
        assert_eq!(client_addr(&parts(Some("1.2.3.4")), false), "10.0.0.5", "untrusted: the peer");
        assert_eq!(client_addr(&parts(Some("6.6.6.6, 1.2.3.4")), true), "1.2.3.4", "the proxy's entry");
        assert_eq!(client_addr(&parts(Some("garbage")), true), "10.0.0.5");
        assert_eq!(client_addr(&parts(None), true), "10.0.0.5");
    }
}
