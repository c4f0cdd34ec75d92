//! View helpers shared by the pages and the Excel export.

use std::collections::HashMap;

use bancheng_app::AppError;
use bancheng_domain::Actor;

use crate::AppState;

/// Unit names by code, read once per page (unit codes are unique across centers).
pub struct UnitNames(HashMap<String, String>);

/// Staff names by username, read once per page or export: people are shown by name, never by
/// username. The scheduler is 系统（自动）.
pub struct People(HashMap<String, String>);

impl People {
    pub async fn of(state: &AppState, actor: &Actor) -> Result<Self, AppError> {
        Ok(People(state.app.display_names(actor).await?))
    }

    /// A person's name (the username when the account has none).
    pub fn name(&self, username: &str) -> String {
        match username {
            "system" => "系统（自动）".to_owned(),
            "public" => "办理对象（网上）".to_owned(),
            u => self.0.get(u).cloned().unwrap_or_else(|| u.to_owned()),
        }
    }
}

impl UnitNames {
    pub fn of(state: &AppState) -> Self {
        UnitNames(state.app.units().into_iter().map(|u| (u.code, u.name)).collect())
    }

    /// A unit's name (the code itself if unknown).
    pub fn name(&self, code: &str) -> String {
        self.0.get(code).cloned().unwrap_or_else(|| code.to_owned())
    }
}

/// RFC 5987 `value-chars`: attr-chars as they are, every other byte of the UTF-8 as `%XX`.
pub fn rfc5987(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// An attachment as a response: its checked type, shown inline but never as a page of this site
/// (a sandbox, no sniffing), never cached by others.
pub fn attachment_response(file: bancheng_app::AttachmentFile) -> axum::response::Response {
    use axum::http::header;
    use axum::response::IntoResponse;
    let disposition = format!("inline; filename*=UTF-8''{}", rfc5987(&file.name));
    (
        [
            (header::CONTENT_TYPE, file.mime),
            (header::CONTENT_DISPOSITION, disposition),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
            (
                header::CONTENT_SECURITY_POLICY,
                "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'".to_owned(),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        file.data,
    )
        .into_response()
}
