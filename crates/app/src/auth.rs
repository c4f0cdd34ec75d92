//! Sign-in with API tokens. Tokens are 256-bit random secrets; only their SHA-256 is stored
//! (a fast hash is right for high-entropy secrets; passwords use Argon2id). They expire and can
//! be revoked.
//!
//! Sign-in throttling (issue 8), counted in the database so that every server agrees:
//! - per account and address: each attempt is counted *before* its password is checked, so a
//!   burst of parallel guesses gets at most [`LoginLimits::max_failures`] checks; the attempt
//!   that reaches the limit locks that account *from that address* — a colleague at another
//!   address still signs in, so nobody can lock a colleague out at will;
//! - per address: too many failures from one address (any accounts) pause the address;
//! - per account, from every address: after some failures each attempt waits longer (a growing
//!   delay, never a lock).
//!
//! Every failed sign-in costs the same (the KDF runs on a dummy hash for an unknown name) and
//! reads the same: one message, one status; 账号已停用 only to whoever knows the password.

use std::sync::LazyLock;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use rand::RngCore;
use sha2::{Digest, Sha256};

use bancheng_domain::chain::hex;
use bancheng_domain::{Actor, Role};
use bancheng_store::model::{RateState, TokenRow, UserRow};
use bancheng_store::{RateRule, StoreError};

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
    /// The password was set by an admin: the pages ask for a new one first.
    pub must_change_password: bool,
    /// Signing in is locked from some address until then (shown to the admin).
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
            must_change_password: u.must_change_password,
            locked_until: None,
            created_at: u.created_at,
        }
    }
}

/// The sign-in limits (see the module's documentation).
#[derive(Debug, Clone)]
pub struct LoginLimits {
    /// Attempts on one account from one address within `window` before it is locked from there.
    pub max_failures: i32,
    pub window: TimeDelta,
    pub lock_for: TimeDelta,
    /// Failures from one address (any accounts) within `window` before the address pauses.
    pub max_address_failures: i32,
    /// Failures of one account (from anywhere) within an hour after which each attempt waits
    /// `delay_base` × 2^(failures − `delay_after`), at most `delay_max`.
    pub delay_after: i32,
    pub delay_base: Duration,
    pub delay_max: Duration,
    pub token_ttl: TimeDelta,
}

impl Default for LoginLimits {
    fn default() -> Self {
        LoginLimits {
            max_failures: 5,
            window: TimeDelta::minutes(15),
            lock_for: TimeDelta::minutes(15),
            max_address_failures: 30,
            delay_after: 5,
            delay_base: Duration::from_millis(250),
            delay_max: Duration::from_secs(8),
            token_ttl: TimeDelta::hours(12),
        }
    }
}

/// The `rate_limits` scopes of sign-in.
const PER_ACCOUNT_ADDRESS: &str = "login";
const PER_ADDRESS: &str = "login_ip";
const PER_ACCOUNT: &str = "login_account";

impl LoginLimits {
    fn account_address(&self) -> RateRule {
        RateRule { window: self.window, max: self.max_failures, lock_for: self.lock_for }
    }
    fn address(&self) -> RateRule {
        RateRule { window: self.window, max: self.max_address_failures, lock_for: self.lock_for }
    }
    fn account(&self) -> RateRule {
        RateRule { window: TimeDelta::hours(1), max: i32::MAX, lock_for: TimeDelta::zero() }
    }

    /// The wait before an attempt on an account that failed `failures` times lately.
    pub fn delay(&self, failures: i32) -> Duration {
        if failures < self.delay_after {
            return Duration::ZERO;
        }
        let doublings = u32::try_from(failures - self.delay_after).unwrap_or(0).min(16);
        self.delay_base.saturating_mul(1 << doublings).min(self.delay_max)
    }
}

/// An Argon2id hash of a password nobody has, with the same parameters as real ones: checked
/// for a name that has no account, so that its answer costs what a real one costs.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    let mut secret = [0u8; 32];
    rand::rng().fill_bytes(&mut secret);
    password_auth::generate_hash(hex(&secret))
});

fn minutes_left(until: DateTime<Utc>, now: DateTime<Utc>) -> i64 {
    (until - now).num_minutes() + 1
}

fn locked_until(state: &Option<RateState>, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    state.as_ref().and_then(|s| s.locked_until).filter(|t| *t > now)
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
    /// How many passwords this application has checked with the KDF (for monitoring and tests:
    /// every checked attempt costs one, whether or not the account exists).
    pub fn password_checks(&self) -> u64 {
        self.inner.password_checks.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Checks a sign-in from `address` (the client's IP): the limits of the module's
    /// documentation, then the password (Argon2id, off the async threads).
    pub async fn check_login(&self, username: &str, password: &str, address: &str) -> Result<User> {
        let limits = &self.inner.login;
        let now = self.now();
        let name = username.trim();
        if locked_until(&self.store().rate_state(PER_ADDRESS, "", address).await?, now).is_some() {
            return Err(AppError::Locked("该地址登录失败次数过多，请稍后再试".into()));
        }
        // Counted before the check: parallel attempts cannot all be checked.
        let attempt =
            self.store().rate_hit(PER_ACCOUNT_ADDRESS, name, address, now, limits.account_address()).await?;
        if attempt.hits > limits.max_failures {
            let minutes =
                attempt.locked_until.map_or(limits.lock_for.num_minutes(), |t| minutes_left(t, now));
            return Err(AppError::Locked(format!(
                "密码错误次数过多，本机登录该账号已锁定，请{minutes}分钟后再试（其他电脑不受影响）"
            )));
        }
        let failures = self.store().rate_state(PER_ACCOUNT, name, "").await?;
        let recent =
            failures.filter(|f| f.window_start > now - limits.account().window).map_or(0, |f| f.hits);
        let wait = limits.delay(recent);
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
        let user = match self.store().user_by_name(name).await {
            Ok(u) => Some(u),
            Err(StoreError::NotFound) => None,
            Err(e) => return Err(e.into()),
        };
        // The same work for every name: the KDF runs on a dummy hash when there is no account.
        let hash = user.as_ref().map_or_else(|| DUMMY_HASH.clone(), |u| u.password_hash.clone());
        let pw = password.to_owned();
        self.inner.password_checks.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let verified = tokio::task::spawn_blocking(move || password_auth::verify_password(pw, &hash).is_ok())
            .await
            .map_err(|e| AppError::failed("password check task", e))?;
        let Some(user) = user.filter(|_| verified) else {
            self.store().rate_hit(PER_ADDRESS, "", address, now, limits.address()).await?;
            self.store().rate_hit(PER_ACCOUNT, name, "", now, limits.account()).await?;
            if attempt.hits == limits.max_failures {
                return Err(AppError::Locked(format!(
                    "密码连续错误{}次，本机登录该账号已锁定{}分钟（其他电脑不受影响）",
                    limits.max_failures,
                    limits.lock_for.num_minutes()
                )));
            }
            return Err(bad_credentials());
        };
        if user.disabled {
            return Err(AppError::Unauthorized("账号已停用，请联系系统管理员".into()));
        }
        self.store().rate_clear(name, &[(PER_ACCOUNT_ADDRESS, Some(address)), (PER_ACCOUNT, None)]).await?;
        Ok(user.into())
    }

    /// `POST /api/v1/auth/token` from `address` (the client's IP).
    pub async fn issue_token(&self, username: &str, password: &str, address: &str) -> Result<TokenGrant> {
        let user = self.check_login(username, password, address).await?;
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

    /// Changes one's own password (checked like a sign-in from `address`) and ends every other
    /// session and token of the user; `current` (the token of this request) stays valid.
    pub async fn change_password(
        &self,
        user_id: i64,
        old: &str,
        new: &str,
        current: Option<&str>,
        address: &str,
    ) -> Result<()> {
        let user = self.store().user_by_id(user_id).await?;
        crate::seed::check_password(new, &user.username, "new")?;
        self.check_login(&user.username, old, address).await?;
        if new == old {
            return Err(bancheng_domain::DomainError::invalid("new", "新密码不能与原密码相同").into());
        }
        let hash = crate::seed::hash_password(new).await?;
        self.store().set_password(user_id, &hash, false).await?;
        let keep = current.map(token_hash);
        self.store().revoke_user_tokens(user_id, keep.as_deref(), self.now()).await?;
        self.inner.tokens.forget_user(user_id);
        Ok(())
    }

    /// Lifts every sign-in lock of an account (an admin's reset).
    pub(crate) async fn clear_login_locks(&self, username: &str) -> Result<()> {
        self.store().rate_clear(username, &[(PER_ACCOUNT_ADDRESS, None), (PER_ACCOUNT, None)]).await?;
        Ok(())
    }

    /// The accounts locked from some address now, and until when (for the admin's list).
    pub(crate) async fn login_locks(&self) -> Result<Vec<(String, DateTime<Utc>)>> {
        Ok(self.store().rate_locks(PER_ACCOUNT_ADDRESS, self.now()).await?)
    }

    /// Forgets sign-in counts older than a day (locks in force stay).
    pub(crate) async fn purge_login_counts(&self) -> Result<u64> {
        let now = self.now();
        Ok(self.store().purge_rate_limits(now - TimeDelta::days(1), now).await?)
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
