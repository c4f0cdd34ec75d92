//! 附件: photos or scans of documents on a case (issue 8), JPEG, PNG or PDF — the type checked by
//! the content, never the name — within configurable limits, stored in the database (so that
//! backups and several servers need nothing else), each upload an event, and readable by
//! whoever may read the case. The public side reuses this store.

use bancheng_domain::case::{self, Command, sniff};
use bancheng_domain::{Actor, DomainError};
use bancheng_store::StoreError;
use bancheng_store::model::{AttachmentRow, NewAttachment};
use sha2::{Digest, Sha256};

use crate::{App, CaseView, Result};

/// Limits of the attachments of one case (`bancheng.toml` `[limits]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttachmentLimits {
    /// Files per case.
    pub max_files: usize,
    /// Bytes per file.
    pub max_bytes: usize,
}

impl Default for AttachmentLimits {
    fn default() -> Self {
        AttachmentLimits { max_files: 5, max_bytes: 5 * 1024 * 1024 }
    }
}

/// A stored attachment with its bytes, as served.
#[derive(Debug, Clone)]
pub struct AttachmentFile {
    pub name: String,
    pub mime: String,
    pub data: Vec<u8>,
}

impl From<AttachmentRow> for AttachmentFile {
    fn from(a: AttachmentRow) -> Self {
        AttachmentFile { name: a.name, mime: a.mime, data: a.data }
    }
}

impl App {
    /// Adds a photo or scan to a case: the type by content (JPEG, PNG, PDF), the size and the
    /// number of files within the limits (422 naming `file` otherwise); an event on the case.
    pub async fn attach(&self, actor: &Actor, number: &str, name: &str, data: Vec<u8>) -> Result<CaseView> {
        let limits = self.inner.options.attachments;
        let (case, version) = self.load(actor, number).await?;
        if data.is_empty() {
            return Err(DomainError::invalid("file", "请选择要上传的文件").into());
        }
        if data.len() > limits.max_bytes {
            let mb = limits.max_bytes as f64 / (1024.0 * 1024.0);
            return Err(DomainError::invalid("file", format!("文件不能超过{mb:.0}MB")).into());
        }
        if case.attachments.len() >= limits.max_files {
            return Err(
                DomainError::invalid("file", format!("每件事项最多上传{}个附件", limits.max_files)).into()
            );
        }
        let Some(mime) = sniff(&data) else {
            return Err(
                DomainError::invalid("file", "附件只能是JPEG、PNG图片或PDF文件（按文件内容判断）").into()
            );
        };
        // The name as given, without a path (browsers on some systems send one).
        let name = name.rsplit(['/', '\\']).next().unwrap_or(name).trim();
        let name = if name.is_empty() { "附件" } else { name };
        let seq = case.attachments.iter().map(|a| a.id).max().unwrap_or(0) + 1;
        let sha256 = bancheng_domain::chain::hex(&Sha256::digest(&data));
        let cmd = Command::Attach {
            id: seq,
            name: name.to_owned(),
            mime: mime.to_owned(),
            size: data.len() as u64,
            sha256: sha256.clone(),
        };
        let file = NewAttachment {
            seq: i32::try_from(seq).unwrap_or(i32::MAX),
            name: name.to_owned(),
            mime: mime.to_owned(),
            sha256,
            data,
            created_at: self.now(),
            created_by: actor.username.clone(),
        };
        let (case, version) = self.decide_and_commit_with(actor, case, version, &cmd, vec![file]).await?;
        self.view(&case, actor, version).await
    }

    /// An attachment of a case the actor may read.
    pub async fn attachment(&self, actor: &Actor, number: &str, seq: i64) -> Result<AttachmentFile> {
        let (case, _) = self.load(actor, number).await?;
        case::may_read(&case, actor)?;
        let missing = || DomainError::not_found(format!("附件不存在：{number}/{seq}"));
        let seq = i32::try_from(seq).map_err(|_| missing())?;
        match self.store().attachment(&case.center, number, seq).await {
            Ok(a) => Ok(a.into()),
            Err(StoreError::NotFound) => Err(missing().into()),
            Err(e) => Err(e.into()),
        }
    }
}
