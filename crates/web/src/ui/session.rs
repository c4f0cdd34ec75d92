//! Sign-in, sign-out and password change. The session is an API token in an HttpOnly cookie:
//! expiry (12 h), lockout after repeated failures and revocation are the token rules of the app.

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bancheng_app::AppError;
use serde::Deserialize;

use super::extract::{Staff, StaffForm};
use super::render::{Nav, UiError, UiResult, render, render_with};
use crate::AppState;
use crate::http::client::ClientAddr;
use crate::http::extract::{SESSION_COOKIE, scheme};

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    next: String,
    username: String,
    error: Option<String>,
    locked: bool,
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
    expired: Option<String>,
}

/// Only a local path: never a redirect to another site after signing in. One leading `/`, then
/// no `/` or `\`, no scheme or host, and no backslash or control character anywhere once
/// percent-decoded (browsers drop tabs and newlines, so `/%09/evil.example` would become
/// `//evil.example`).
pub fn safe_next(next: Option<&str>) -> String {
    let Some(n) = next else { return "/".to_owned() };
    let decoded = percent_decode(n);
    let local = n.starts_with('/')
        && !n.starts_with("//")
        && [n, decoded.as_str()].iter().all(|s| {
            !s.chars().any(|c| c.is_control() || c == '\\') && !s.starts_with("//") && !s.contains("://")
        })
        && !decoded.trim_start_matches('/').starts_with('/');
    if local { n.to_owned() } else { "/".to_owned() }
}

/// `%XX` escapes decoded (repeatedly, so that double encoding hides nothing); bytes that do not
/// form UTF-8 become U+FFFD.
fn percent_decode(s: &str) -> String {
    let mut text = s.to_owned();
    for _ in 0..3 {
        let next = percent_encoding::percent_decode_str(&text).decode_utf8_lossy().into_owned();
        if next == text {
            break;
        }
        text = next;
    }
    text
}

pub async fn login_page(Query(q): Query<NextQuery>) -> Response {
    let error =
        q.expired.is_some().then(|| "登录已失效（超过12小时、已退出或账号已停用），请重新登录".to_owned());
    render(&LoginPage { next: safe_next(q.next.as_deref()), username: String::new(), error, locked: false })
}

#[derive(Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    next: Option<String>,
}

pub async fn login(
    State(s): State<AppState>,
    headers: HeaderMap,
    addr: ClientAddr,
    Form(f): Form<LoginForm>,
) -> Response {
    let next = safe_next(f.next.as_deref());
    let page = |status, error: String, locked| {
        render_with(
            status,
            &LoginPage { next: next.clone(), username: f.username.clone(), error: Some(error), locked },
        )
    };
    if f.username.trim().is_empty() || f.password.is_empty() {
        return page(StatusCode::UNPROCESSABLE_ENTITY, "请输入用户名和密码".into(), false);
    }
    match s.app.issue_token(&f.username, &f.password, addr.as_str()).await {
        Ok(grant) => {
            let max_age = (grant.expires_at - s.app.now()).num_seconds().max(0);
            let secure = if scheme(&headers) == "https" { "; Secure" } else { "" };
            let cookie = format!(
                "{SESSION_COOKIE}={}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}",
                grant.token
            );
            (StatusCode::SEE_OTHER, [(header::SET_COOKIE, cookie), (header::LOCATION, next.clone())])
                .into_response()
        }
        Err(AppError::Locked(m)) => page(StatusCode::TOO_MANY_REQUESTS, m, true),
        Err(AppError::Unauthorized(m)) => page(StatusCode::UNAUTHORIZED, m, false),
        Err(e) => UiError::from(e).into_response(),
    }
}

fn clear_cookie() -> String {
    format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0")
}

pub async fn logout(State(s): State<AppState>, form: StaffForm) -> Response {
    if let Err(e) = s.app.revoke_token(&form.staff.token).await {
        tracing::warn!(error = %e, "revoke on sign-out");
    }
    (StatusCode::SEE_OTHER, [(header::SET_COOKIE, clear_cookie()), (header::LOCATION, "/login".to_owned())])
        .into_response()
}

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    nav: Nav,
    error: Option<String>,
    done: bool,
    /// The password was set by an admin: it is changed before anything else.
    must: bool,
    min: usize,
}

pub async fn password_page(staff: Staff) -> Response {
    let must = staff.user.must_change_password;
    render(&PasswordPage {
        nav: staff.nav("account"),
        error: None,
        done: false,
        must,
        min: bancheng_app::MIN_PASSWORD_CHARS,
    })
}

/// Changes one's password; every other session of the user ends, this one goes on.
pub async fn change_password(State(s): State<AppState>, addr: ClientAddr, form: StaffForm) -> UiResult {
    let nav = form.staff.nav("account");
    let (old, new, again) = (form.get("old"), form.get("new"), form.get("again"));
    let error = if new != again {
        Some("两次输入的新密码不一致".to_owned())
    } else {
        match s
            .app
            .change_password(form.staff.user.id, old, new, Some(&form.staff.token), addr.as_str())
            .await
        {
            Ok(()) => None,
            Err(AppError::Unauthorized(_)) => Some("原密码不正确".to_owned()),
            Err(AppError::Locked(m)) => Some(m),
            Err(AppError::Domain(d)) => Some(d.message().to_owned()),
            Err(e) => return Err(e.into()),
        }
    };
    if error.is_none() && form.staff.user.must_change_password {
        // Done with what came first: on to the work.
        return Ok((StatusCode::SEE_OTHER, [(header::LOCATION, "/?password=changed")]).into_response());
    }
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let must = form.staff.user.must_change_password;
    Ok(render_with(
        status,
        &PasswordPage { nav, done: error.is_none(), error, must, min: bancheng_app::MIN_PASSWORD_CHARS },
    ))
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_a_local_path_is_a_place_to_go_after_signing_in() {
        for ok in ["/", "/cases/2026030201", "/ledger?q=%E7%A4%BE%E4%BF%9D&page=2", "/p/2026?x=a/b"] {
            assert_eq!(safe_next(Some(ok)), ok, "{ok}");
        }
        for bad in [
            "//evil.example",
            "/%09/evil.example",
            "/%0a/evil.example",
            "/\\evil.example",
            "/%5cevil.example",
            "/%2f/evil.example",
            "/%252f/evil.example",
            "https://evil.example/",
            "evil.example",
            "/\t/evil.example",
            "",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad:?}");
        }
        assert_eq!(safe_next(None), "/");
    }
}
