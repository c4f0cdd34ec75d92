//! Sign-in with API tokens. Tokens are 256-bit random secrets; only their SHA-256 is stored
//! (a fast hash is right for high-entropy secrets; passwords use Argon2id). They expire and can
//! be revoked. Repeated failures lock the account for a while.

use chrono::{DateTime, TimeDelta, Utc};
use rand::RngCore;
use sha2::{Digest, Sha256};

use bancheng_domain::chain::hex;
use bancheng_domain::{Actor, Role};
use bancheng_store::StoreError;
use bancheng_store::model::{TokenRow, UserRow};

use crate::{App, AppError, Result};

/// A staff account as the use cases hand it out: everything of the stored user but the
/// password hash and the failure counter. The signed-in user of every request is one of these.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    /// Role code (SPEC §2), e.g. `window`.
    pub role: String,
    pub unit_code: String,
    pub center: String,
    pub disabled: bool,
    pub locked_until: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl User {
    /// The display name, or the username when none is set.
    pub fn name(&self) -> &str {
        if self.display_name.is_empty() { &self.username } else { &self.display_name }
    }
}

impl From<UserRow> for User {
    fn from(u: UserRow) -> Self {
        User {
            id: u.id,
            username: u.username,
            display_name: u.display_name,
            role: u.role,
            unit_code: u.unit_code,
            center: u.center,
            disabled: u.disabled,
            locked_until: u.locked_until,
            created_at: u.created_at,
        }
    }
}

#[derive(Debug, Clone)]
pub struct LoginLimits {
    pub max_failures: i32,
    pub lock_for: TimeDelta,
    pub token_ttl: TimeDelta,
}

impl Default for LoginLimits {
    fn default() -> Self {
        LoginLimits { max_failures: 5, lock_for: TimeDelta::minutes(15), token_ttl: TimeDelta::hours(12) }
    }
}

/// Resolved tokens, kept briefly so that every request does not read two rows. Revocation and
/// disabling clear the entry here at once; another server sees them within `TTL`.
#[derive(Default)]
pub(crate) struct TokenCache(std::sync::Mutex<std::collections::HashMap<String, CachedToken>>);

/// The actor, the user, and until when the entry may be used.
type CachedToken = (Actor, User, DateTime<Utc>);

impl TokenCache {
    const TTL: TimeDelta = TimeDelta::seconds(10);
    const MAX: usize = 10_000;

    fn get(&self, hash: &str, now: DateTime<Utc>) -> Option<(Actor, User)> {
        let map = self.0.lock().expect("token cache");
        map.get(hash).filter(|(_, _, until)| *until > now).map(|(a, u, _)| (a.clone(), u.clone()))
    }

    fn put(&self, hash: String, actor: Actor, user: User, until: DateTime<Utc>) {
        let mut map = self.0.lock().expect("token cache");
        if map.len() >= Self::MAX {
            map.clear();
        }
        map.insert(hash, (actor, user, until));
    }

    pub(crate) fn forget_user(&self, user_id: i64) {
        self.0.lock().expect("token cache").retain(|_, (_, u, _)| u.id != user_id);
    }

    fn forget(&self, hash: &str) {
        self.0.lock().expect("token cache").remove(hash);
    }
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct TokenGrant {
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

pub fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

fn bad_credentials() -> AppError {
    AppError::Unauthorized("用户名或密码错误".into())
}

impl App {
    /// Checks a password (Argon2id, off the async threads) and the lockout.
    pub async fn check_login(&self, username: &str, password: &str) -> Result<User> {
        let now = self.now();
        let user = match self.store().user_by_name(username.trim()).await {
            Ok(u) => u,
            Err(StoreError::NotFound) => return Err(bad_credentials()),
            Err(e) => return Err(e.into()),
        };
        if user.disabled {
            return Err(AppError::Unauthorized("账号已停用，请联系系统管理员".into()));
        }
        if let Some(until) = user.locked_until
            && until > now
        {
            let minutes = (until - now).num_minutes() + 1;
            return Err(AppError::Locked(format!("密码错误次数过多，账号已锁定，请{minutes}分钟后再试")));
        }
        let hash = user.password_hash.clone();
        let pw = password.to_owned();
        let ok = tokio::task::spawn_blocking(move || password_auth::verify_password(pw, &hash).is_ok())
            .await
            .map_err(|e| AppError::failed("password check task", e))?;
        if !ok {
            let limits = &self.inner.login;
            let lock = (user.failed_logins + 1 >= limits.max_failures).then(|| now + limits.lock_for);
            self.store().record_login_failure(user.id, lock).await?;
            if lock.is_some() {
                return Err(AppError::Locked(format!(
                    "密码连续错误{}次，账号已锁定{}分钟",
                    limits.max_failures,
                    limits.lock_for.num_minutes()
                )));
            }
            return Err(bad_credentials());
        }
        if user.failed_logins > 0 || user.locked_until.is_some() {
            self.store().record_login_success(user.id).await?;
        }
        Ok(user.into())
    }

    /// `POST /api/v1/auth/token`.
    pub async fn issue_token(&self, username: &str, password: &str) -> Result<TokenGrant> {
        let user = self.check_login(username, password).await?;
        let mut secret = [0u8; 32];
        rand::rng().fill_bytes(&mut secret);
        let token = format!("bc_{}", hex(&secret));
        let now = self.now();
        let expires_at = now + self.inner.login.token_ttl;
        self.store()
            .insert_token(&TokenRow {
                token_hash: token_hash(&token),
                user_id: user.id,
                created_at: now,
                expires_at,
                revoked_at: None,
            })
            .await?;
        Ok(TokenGrant { token, expires_at })
    }

    /// Resolves a bearer token to the acting user.
    pub async fn authenticate(&self, token: &str) -> Result<(Actor, User)> {
        let unauthorized = || AppError::Unauthorized("登录已失效，请重新登录".into());
        let now = self.now();
        let hash = token_hash(token);
        if let Some(hit) = self.inner.tokens.get(&hash, now) {
            return Ok(hit);
        }
        let row = match self.store().token(&hash).await {
            Ok(r) => r,
            Err(StoreError::NotFound) => return Err(unauthorized()),
            Err(e) => return Err(e.into()),
        };
        if row.revoked_at.is_some() || row.expires_at <= now {
            return Err(unauthorized());
        }
        let user = self.store().user_by_id(row.user_id).await?;
        if user.disabled {
            return Err(unauthorized());
        }
        let actor = actor_of(&user)?;
        let user = User::from(user);
        let until = (now + TokenCache::TTL).min(row.expires_at);
        self.inner.tokens.put(hash, actor.clone(), user.clone(), until);
        Ok((actor, user))
    }

    pub async fn revoke_token(&self, token: &str) -> Result<()> {
        let hash = token_hash(token);
        self.inner.tokens.forget(&hash);
        self.store().revoke_token(&hash, self.now()).await?;
        Ok(())
    }

    /// Disables or re-enables an account; its tokens stop working at once on this server.
    pub async fn set_user_disabled(&self, user_id: i64, disabled: bool) -> Result<()> {
        self.store().set_user_disabled(user_id, disabled).await?;
        self.inner.tokens.forget_user(user_id);
        Ok(())
    }

    pub async fn change_password(&self, user_id: i64, old: &str, new: &str) -> Result<()> {
        let user = self.store().user_by_id(user_id).await?;
        self.check_login(&user.username, old).await?;
        crate::seed::check_password(new)?;
        let hash = crate::seed::hash_password(new).await?;
        self.store().set_password(user_id, &hash).await?;
        Ok(())
    }
}

pub fn actor_of(user: &UserRow) -> Result<Actor> {
    Ok(Actor {
        username: user.username.clone(),
        role: Role::parse(&user.role)?,
        unit: user.unit_code.clone(),
        center: user.center.clone(),
    })
}
