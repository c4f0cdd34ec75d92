//! bancheng-app: the use cases. Each one loads what it needs from the store, asks the domain to
//! decide, and commits the events and the derived case row in one transaction.
//! The web layer (JSON API, later HTML pages) and the CLI call these functions and nothing else.

mod admin;
mod attachments;
mod auth;
mod background;
mod cases;
mod clock;
mod error;
mod facts;
mod history;
mod ledger;
pub mod outbox;
mod query;
mod reindex;
mod scheduler;
mod search;
mod seed;
mod workbench;

pub use admin::{CalendarImport, CalendarYear, ChangedDeadline, PolicyVersion, UNIT_KINDS, Unit};
pub use attachments::{AttachmentFile, AttachmentLimits};
pub use auth::{LoginLimits, TokenGrant, User};
pub use background::{Background, BackgroundConfig};
pub use cases::{CaseSummary, CaseView, EventView};
pub use clock::{Clock, ManualClock, SystemClock};
pub use error::{AppError, BoxError, Result, error_chain};
pub use history::History;
pub use ledger::{LEDGER_COLUMNS, LedgerColumn, ledger_cells, ledger_column};
pub use query::CaseQuery;
pub use reindex::ReindexReport;
pub use scheduler::TickReport;
pub use seed::{DEFAULT_CENTER, MIN_PASSWORD_CHARS, SEED_UNITS};
pub use workbench::{
    BulkOutcome, CasePage, Colleague, EarlierTrip, PREF_LEDGER_COLUMNS, PREF_SAVED_FILTERS, PREFS,
    WaitingCase, WeekCounts, office_reasons,
};

use std::sync::{Arc, RwLock};

use bancheng_domain::calendar::{Calendar, CalendarFile};
use bancheng_domain::policy::DeadlinePolicy;
use bancheng_store::Store;
use bancheng_store::model::{CalendarYearRow, PolicyRow, UnitRow};
use chrono::{DateTime, Utc};

/// The application: the store plus the in-memory copies of slow-changing facts (calendar,
/// deadline policies, unit codes), refreshed whenever they change through this process.
#[derive(Clone)]
pub struct App {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    clock: Arc<dyn Clock>,
    calendar: RwLock<Arc<Calendar>>,
    policies: RwLock<Vec<(String, DeadlinePolicy)>>,
    units: RwLock<Vec<UnitRow>>,
    /// The `cache_versions` the caches above were loaded at (see [`App::refresh_caches`]).
    cache_versions: RwLock<Vec<(String, i64)>>,
    login: LoginLimits,
    tokens: auth::TokenCache,
    /// Passwords checked with the KDF (see [`App::password_checks`]).
    password_checks: std::sync::atomic::AtomicU64,
    options: AppOptions,
}

/// What a deployment sets for the use cases (`bancheng.toml`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AppOptions {
    pub attachments: AttachmentLimits,
    /// The public address of a center without its own (`https://…`): the QR code of the
    /// printed 登记表 and the links to applicants.
    pub public_url: Option<String>,
}

impl App {
    /// Opens (creating and migrating if needed) the database at `url`.
    pub async fn open(url: &str, clock: Arc<dyn Clock>) -> Result<App> {
        let store = Store::connect(url).await?;
        Self::with_store(store, clock).await
    }

    pub async fn with_store(store: Store, clock: Arc<dyn Clock>) -> Result<App> {
        Self::with_options(store, clock, AppOptions::default()).await
    }

    pub async fn with_options(store: Store, clock: Arc<dyn Clock>, options: AppOptions) -> Result<App> {
        let app = App {
            inner: Arc::new(Inner {
                store,
                clock,
                calendar: RwLock::new(Arc::new(Calendar::official())),
                policies: RwLock::new(Vec::new()),
                units: RwLock::new(Vec::new()),
                cache_versions: RwLock::new(Vec::new()),
                login: LoginLimits::default(),
                tokens: auth::TokenCache::default(),
                password_checks: std::sync::atomic::AtomicU64::new(0),
                options,
            }),
        };
        app.reload().await?;
        // Derived rows a migration added to a database that already had cases (migration 0003).
        if app.inner.store.maintenance_owed().await?.iter().any(|t| t == "reindex") {
            let report = app.reindex().await?;
            tracing::info!(cases = report.cases, "derived rows rebuilt from the event log");
        }
        Ok(app)
    }

    /// Reloads the cached facts if another server (or this one) changed them since they were
    /// loaded: one read of `cache_versions`. Returns whether it reloaded.
    pub async fn refresh_caches(&self) -> Result<bool> {
        let now = self.inner.store.cache_versions().await?;
        if *self.inner.cache_versions.read().expect("cache versions lock") == now {
            return Ok(false);
        }
        self.reload().await?;
        Ok(true)
    }

    /// Re-reads calendar years, policies and units from the database.
    pub async fn reload(&self) -> Result<()> {
        // Read the versions first: a change committed while loading moves them again, so the
        // next check reloads once more rather than missing it.
        let versions = self.inner.store.cache_versions().await?;
        let mut cal = Calendar::official();
        for y in self.inner.store.calendar_years().await? {
            let file = year_file(&y)?;
            cal.merge(&file);
        }
        let units = self.inner.store.units(None).await?;
        let mut policies = Vec::new();
        for center in units.iter().map(|u| u.center.clone()).collect::<std::collections::BTreeSet<_>>() {
            let p = self
                .inner
                .store
                .policies(&center)
                .await?
                .into_iter()
                .last()
                .map(|p| serde_json::from_value::<DeadlinePolicy>(p.data))
                .transpose()
                .map_err(|e| AppError::failed("stored policy", e))?
                .unwrap_or_default();
            policies.push((center, p));
        }
        // The versions' lock is held while the facts are swapped in: a version check that sees
        // the new versions never finds the old facts, and one that runs meanwhile waits.
        let mut seen = self.inner.cache_versions.write().expect("cache versions lock");
        *self.inner.calendar.write().expect("calendar lock") = Arc::new(cal);
        *self.inner.units.write().expect("units lock") = units;
        *self.inner.policies.write().expect("policies lock") = policies;
        *seen = versions;
        Ok(())
    }

    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.inner.clock.now()
    }

    pub fn calendar(&self) -> Arc<Calendar> {
        self.inner.calendar.read().expect("calendar lock").clone()
    }

    /// The deadline policy in force for a center (the latest version).
    pub fn policy(&self, center: &str) -> DeadlinePolicy {
        self.inner
            .policies
            .read()
            .expect("policies lock")
            .iter()
            .find(|(c, _)| c == center)
            .map(|(_, p)| p.clone())
            .unwrap_or_default()
    }

    /// Saves an edited policy as the center's next version (SPEC §4.2: deadlines already set
    /// keep the version they were set under).
    pub async fn save_policy(
        &self,
        center: &str,
        mut policy: DeadlinePolicy,
        by: &str,
    ) -> Result<DeadlinePolicy> {
        policy.validate()?;
        let versions = self.inner.store.policies(center).await?;
        policy.version = versions.iter().map(|p| p.version as u32).max().unwrap_or(1) + 1;
        let row = PolicyRow {
            center: center.into(),
            version: policy.version as i32,
            data: serde_json::to_value(&policy).map_err(|e| AppError::failed("policy to JSON", e))?,
            created_at: self.now(),
            created_by: by.into(),
        };
        self.inner.store.insert_policy(&row).await?;
        self.reload().await?;
        Ok(policy)
    }

    pub fn options(&self) -> &AppOptions {
        &self.inner.options
    }

    /// A center's public address (its own setting, else the deployment's), without a trailing
    /// slash: the QR code of the printed 登记表 opens `{it}/p/NUMBER`.
    pub fn public_url(&self, center: &str) -> Option<String> {
        let own = self.units().into_iter().find(|u| u.code == center).and_then(|u| u.public_url);
        own.or_else(|| self.inner.options.public_url.clone())
            .map(|u| u.trim().trim_end_matches('/').to_owned())
            .filter(|u| !u.is_empty())
    }

    pub fn units(&self) -> Vec<Unit> {
        self.inner.units.read().expect("units lock").iter().map(Unit::from).collect()
    }

    /// The units of a center as the rules see them (SPEC §7: which receive cases).
    pub(crate) fn org_units(&self, center: &str) -> Vec<bancheng_domain::unit::OrgUnit> {
        self.inner
            .units
            .read()
            .expect("units lock")
            .iter()
            .filter(|u| u.center == center)
            .map(|u| bancheng_domain::unit::OrgUnit::new(&u.code, u.handles_cases, u.kind == "outside"))
            .collect()
    }

    pub async fn add_unit(
        &self,
        code: &str,
        name: &str,
        parent: Option<&str>,
        kind: &str,
    ) -> Result<UnitRow> {
        let code = code.trim();
        if code.is_empty()
            || code.len() > 32
            || !code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        {
            return Err(
                bancheng_domain::DomainError::invalid("code", "单位代码应为1至32位字母、数字、-或_").into()
            );
        }
        let name = bancheng_domain::validate::text("name", "单位名称", name, 1, 100)?;
        let center = match parent {
            Some(p) => {
                self.inner
                    .store
                    .unit(p)
                    .await
                    .map_err(|_| {
                        bancheng_domain::DomainError::invalid("parent", format!("上级单位不存在：{p}"))
                    })?
                    .center
            }
            None => code.to_owned(),
        };
        let row = UnitRow {
            code: code.into(),
            center,
            name,
            parent_code: parent.map(str::to_owned),
            kind: kind.into(),
            handles_cases: handles_cases_by_default(kind),
            phone: None,
            public_url: None,
        };
        self.inner.store.insert_unit(&row).await?;
        self.reload().await?;
        Ok(row)
    }

    /// Imports a calendar file (same shape as the shipped one) and recomputes open deadlines
    /// (SPEC §4.3). Returns the years imported and the recompute's report (which deadlines moved).
    pub async fn import_calendar(
        &self,
        json: &str,
        source: &str,
        by: &str,
    ) -> Result<(Vec<i32>, TickReport)> {
        let file = CalendarFile::parse(json)?;
        if file.years.is_empty() {
            return Err(bancheng_domain::DomainError::invalid("calendar", "文件中没有任何年份的安排").into());
        }
        let source = match (file.source.trim(), source.trim()) {
            ("", "") => "导入".to_owned(),
            ("", s) | (s, "") => s.to_owned(),
            (f, s) => format!("{f} ({s})"),
        };
        let now = self.now();
        let mut years = Vec::new();
        for (year, entry) in &file.years {
            let data =
                serde_json::to_string(entry).map_err(|e| AppError::failed("calendar year to JSON", e))?;
            let year: i32 = year
                .parse()
                .map_err(|_| bancheng_domain::DomainError::invalid("calendar", "年份格式不正确"))?;
            self.inner
                .store
                .upsert_calendar_year(&CalendarYearRow {
                    year,
                    data,
                    source: source.clone(),
                    imported_at: now,
                    imported_by: by.into(),
                })
                .await?;
            years.push(year);
        }
        self.reload().await?;
        let report = self.recompute_deadlines().await?;
        Ok((years, report))
    }
}

/// SPEC §7: service areas receive cases unless the admin says otherwise; windows, sections,
/// offices, centers and outside bodies do not.
pub(crate) fn handles_cases_by_default(kind: &str) -> bool {
    kind == "area"
}

/// A fresh random key (128 bits, hex): the one-time key of a registration form.
pub fn random_key() -> String {
    let mut b = [0u8; 16];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut b);
    bancheng_domain::chain::hex(&b)
}

fn year_file(y: &CalendarYearRow) -> Result<CalendarFile> {
    let json = format!(
        "{{\"source\":{},\"years\":{{\"{}\":{}}}}}",
        serde_json::Value::String(y.source.clone()),
        y.year,
        y.data
    );
    Ok(CalendarFile::parse(&json)?)
}
