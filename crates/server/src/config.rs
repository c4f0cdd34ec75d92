//! The server's settings in one place: [`Config`], read from command-line flags, `BANCHENG_*`
//! environment variables and an optional `bancheng.toml` (path from `--config` /
//! `BANCHENG_CONFIG`, else `./bancheng.toml` if it exists). Precedence: flag > environment >
//! file > default. Each setting is one row of [`SETTINGS`]; its default is its consumer's
//! (`StoreOptions::default()`, `Limits::default()`), written once.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, anyhow, bail};
use bancheng_app::AttachmentLimits;
use bancheng_store::StoreOptions;
use bancheng_web::Limits;

/// The default database: a SQLite file under ./data/.
pub const DEFAULT_DATABASE: &str = "sqlite://data/bancheng.db";
pub const DEFAULT_ADDR: &str = "127.0.0.1:8080";
pub const DEFAULT_TICK_SECONDS: u64 = 60;
/// Read when neither `--config` nor `BANCHENG_CONFIG` names a file, if it exists.
pub const DEFAULT_CONFIG_FILE: &str = "bancheng.toml";
pub const CONFIG_ENV: &str = "BANCHENG_CONFIG";

/// The effective configuration of a command.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Listen address of `serve`.
    pub addr: String,
    /// `sqlite://…` or `postgres://…`.
    pub database: String,
    /// Seconds between scheduler passes (催办, 通报 flags, 问题工单); 0 disables them.
    pub tick_seconds: u64,
    /// Seconds between checks of the cached facts' versions (calendar, policies, units): a change
    /// made through another server on the same database is seen within this period.
    pub cache_check_seconds: u64,
    pub store: StoreOptions,
    pub limits: Limits,
    /// Files per case (the bytes per file are `limits.attachment_bytes`).
    pub attachment_files: usize,
    /// Behind a reverse proxy: the client's address is the proxy's `X-Forwarded-For` entry.
    pub trust_proxy: bool,
    /// The public address of a center without its own (`https://…`): the 登记表's QR code.
    pub public_url: Option<String>,
}

impl Config {
    /// What the use cases take from the settings.
    pub fn app_options(&self) -> bancheng_app::AppOptions {
        bancheng_app::AppOptions {
            attachments: AttachmentLimits {
                max_files: self.attachment_files,
                max_bytes: self.limits.attachment_bytes,
            },
            public_url: self.public_url.clone(),
        }
    }

    /// What the HTTP side takes from the settings.
    pub fn web(&self) -> bancheng_web::WebConfig {
        bancheng_web::WebConfig { limits: self.limits, trust_proxy: self.trust_proxy }
    }
}

/// Where a value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Flag(&'static str),
    Env(&'static str),
    File(PathBuf),
    Default,
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::Flag(flag) => write!(f, "flag {flag}"),
            Source::Env(var) => write!(f, "env {var}"),
            Source::File(path) => write!(f, "file {}", path.display()),
            Source::Default => f.write_str("default"),
        }
    }
}

/// One setting: its key in `bancheng.toml` (`section.name` inside a table), its environment
/// variable, its flag if it has one, and how to read, write and default it.
pub struct Setting {
    pub key: &'static str,
    pub env: &'static str,
    pub flag: Option<&'static str>,
    /// Shown masked by `bancheng config` (passwords inside URLs).
    pub secret: bool,
    pub help: &'static str,
    get: fn(&Config) -> String,
    set: fn(&mut Config, &str) -> Result<(), String>,
}

fn parse<T: std::str::FromStr>(s: &str) -> Result<T, String> {
    s.trim().parse().map_err(|_| format!("不是有效的数值：{s}"))
}

fn parse_bool(s: &str) -> Result<bool, String> {
    match s.trim() {
        "true" | "1" | "yes" => Ok(true),
        "false" | "0" | "no" => Ok(false),
        other => Err(format!("应为 true 或 false：{other}")),
    }
}

/// Every setting, in the order `bancheng config` prints them. Later settings (SMS gateway,
/// rate limits) are new rows and new fields of [`Config`].
pub const SETTINGS: &[Setting] = &[
    Setting {
        key: "addr",
        env: "BANCHENG_ADDR",
        flag: Some("--addr"),
        secret: false,
        help: "listen address of serve",
        get: |c| c.addr.clone(),
        set: |c, v| {
            c.addr = v.to_owned();
            Ok(())
        },
    },
    Setting {
        key: "database",
        env: "BANCHENG_DATABASE_URL",
        flag: Some("--database"),
        secret: true,
        help: "sqlite://FILE or postgres://USER[:PASSWORD]@HOST/DB",
        get: |c| c.database.clone(),
        set: |c, v| {
            c.database = v.to_owned();
            Ok(())
        },
    },
    Setting {
        key: "tick_seconds",
        env: "BANCHENG_TICK_SECONDS",
        flag: Some("--tick-seconds"),
        secret: false,
        help: "seconds between scheduler passes; 0 disables them",
        get: |c| c.tick_seconds.to_string(),
        set: |c, v| {
            c.tick_seconds = parse(v)?;
            Ok(())
        },
    },
    Setting {
        key: "cache_check_seconds",
        env: "BANCHENG_CACHE_CHECK_SECONDS",
        flag: None,
        secret: false,
        help: "seconds between checks whether another server changed the calendar, policies or units",
        get: |c| c.cache_check_seconds.to_string(),
        set: |c, v| {
            c.cache_check_seconds = parse(v)?;
            if c.cache_check_seconds == 0 {
                return Err("应为正整数".to_owned());
            }
            Ok(())
        },
    },
    Setting {
        key: "store.postgres_max_connections",
        env: "BANCHENG_POSTGRES_MAX_CONNECTIONS",
        flag: None,
        secret: false,
        help: "PostgreSQL pool size",
        get: |c| c.store.postgres_max_connections.to_string(),
        set: |c, v| {
            c.store.postgres_max_connections = parse(v)?;
            Ok(())
        },
    },
    Setting {
        key: "store.sqlite_readers",
        env: "BANCHENG_SQLITE_READERS",
        flag: None,
        secret: false,
        help: "SQLite read connections; 0: two per CPU, 4 to 16",
        get: |c| c.store.sqlite_readers.to_string(),
        set: |c, v| {
            c.store.sqlite_readers = parse(v)?;
            Ok(())
        },
    },
    Setting {
        key: "store.sqlite_reader_cache_kib",
        env: "BANCHENG_SQLITE_READER_CACHE_KIB",
        flag: None,
        secret: false,
        help: "SQLite page cache per read connection, KiB",
        get: |c| c.store.sqlite_reader_cache_kib.to_string(),
        set: |c, v| {
            c.store.sqlite_reader_cache_kib = parse(v)?;
            Ok(())
        },
    },
    Setting {
        key: "store.sqlite_writer_cache_kib",
        env: "BANCHENG_SQLITE_WRITER_CACHE_KIB",
        flag: None,
        secret: false,
        help: "SQLite page cache of the write connection, KiB",
        get: |c| c.store.sqlite_writer_cache_kib.to_string(),
        set: |c, v| {
            c.store.sqlite_writer_cache_kib = parse(v)?;
            Ok(())
        },
    },
    Setting {
        key: "limits.body_bytes",
        env: "BANCHENG_BODY_LIMIT_BYTES",
        flag: None,
        secret: false,
        help: "largest HTTP request body, bytes",
        get: |c| c.limits.body_bytes.to_string(),
        set: |c, v| {
            c.limits.body_bytes = parse(v)?;
            Ok(())
        },
    },
    Setting {
        key: "trust_proxy",
        env: "BANCHENG_TRUST_PROXY",
        flag: Some("--trust-proxy"),
        secret: false,
        help: "behind a reverse proxy: the client address is the last X-Forwarded-For entry",
        get: |c| c.trust_proxy.to_string(),
        set: |c, v| {
            c.trust_proxy = parse_bool(v)?;
            Ok(())
        },
    },
    Setting {
        key: "public_url",
        env: "BANCHENG_PUBLIC_URL",
        flag: None,
        secret: false,
        help: "public address (https://…) for the QR code of the 登记表, unless a center sets its own",
        get: |c| c.public_url.clone().unwrap_or_default(),
        set: |c, v| {
            let v = v.trim().trim_end_matches('/');
            if !(v.is_empty() || v.starts_with("https://") || v.starts_with("http://")) {
                return Err("应为 https:// 开头的网址".to_owned());
            }
            c.public_url = Some(v.to_owned()).filter(|v| !v.is_empty());
            Ok(())
        },
    },
    Setting {
        key: "limits.attachment_bytes",
        env: "BANCHENG_ATTACHMENT_BYTES",
        flag: None,
        secret: false,
        help: "largest attachment (photo or scan), bytes",
        get: |c| c.limits.attachment_bytes.to_string(),
        set: |c, v| {
            c.limits.attachment_bytes = parse(v)?;
            Ok(())
        },
    },
    Setting {
        key: "limits.attachment_files",
        env: "BANCHENG_ATTACHMENT_FILES",
        flag: None,
        secret: false,
        help: "attachments per case",
        get: |c| c.attachment_files.to_string(),
        set: |c, v| {
            c.attachment_files = parse(v)?;
            Ok(())
        },
    },
    Setting {
        key: "limits.export_max_rows",
        env: "BANCHENG_EXPORT_MAX_ROWS",
        flag: None,
        secret: false,
        help: "rows per ledger.xlsx export (422 above it)",
        get: |c| c.limits.export_max_rows.to_string(),
        set: |c, v| {
            c.limits.export_max_rows = parse(v)?;
            Ok(())
        },
    },
];

impl Default for Config {
    fn default() -> Self {
        Config {
            addr: DEFAULT_ADDR.to_owned(),
            database: DEFAULT_DATABASE.to_owned(),
            tick_seconds: DEFAULT_TICK_SECONDS,
            cache_check_seconds: 5,
            store: StoreOptions::default(),
            limits: Limits::default(),
            attachment_files: AttachmentLimits::default().max_files,
            trust_proxy: false,
            public_url: None,
        }
    }
}

/// What the command line gave: the `--config` path and the setting flags (by setting key).
#[derive(Debug, Default, Clone)]
pub struct Flags {
    pub config: Option<PathBuf>,
    pub values: BTreeMap<&'static str, String>,
}

impl Flags {
    pub fn set(&mut self, key: &'static str, value: Option<impl ToString>) {
        if let Some(v) = value {
            self.values.insert(key, v.to_string());
        }
    }
}

/// The configuration and where each value came from (by setting key).
#[derive(Debug, Clone)]
pub struct Loaded {
    pub config: Config,
    pub file: Option<PathBuf>,
    pub sources: BTreeMap<&'static str, Source>,
}

impl Config {
    /// Flags, then the process environment, then the file, then the defaults.
    pub fn load(flags: &Flags) -> anyhow::Result<Loaded> {
        Self::load_from(flags, |name| std::env::var(name).ok())
    }

    /// [`Config::load`] with the environment given as a lookup (tests).
    pub fn load_from(flags: &Flags, env: impl Fn(&str) -> Option<String>) -> anyhow::Result<Loaded> {
        let env = |name: &str| env(name).filter(|v| !v.is_empty());
        let path = match (&flags.config, env(CONFIG_ENV)) {
            (Some(p), _) => Some(p.clone()),
            (None, Some(p)) => Some(PathBuf::from(p)),
            (None, None) => Some(PathBuf::from(DEFAULT_CONFIG_FILE)).filter(|p| p.is_file()),
        };
        let file = match &path {
            Some(p) => read_file(p)?,
            None => BTreeMap::new(),
        };
        let mut config = Config::default();
        let mut sources = BTreeMap::new();
        for s in SETTINGS {
            let chosen = if let Some(v) = flags.values.get(s.key) {
                Some((v.clone(), Source::Flag(s.flag.unwrap_or(s.key))))
            } else if let Some(v) = env(s.env) {
                Some((v, Source::Env(s.env)))
            } else {
                file.get(s.key).map(|v| (v.clone(), Source::File(path.clone().unwrap_or_default())))
            };
            let source = match chosen {
                Some((value, source)) => {
                    (s.set)(&mut config, &value).map_err(|e| anyhow!("设置 {}（{source}）：{e}", s.key))?;
                    source
                }
                None => Source::Default,
            };
            sources.insert(s.key, source);
        }
        Ok(Loaded { config, file: path, sources })
    }
}

/// The file's settings by dotted key; an unknown key is an error naming it.
fn read_file(path: &Path) -> anyhow::Result<BTreeMap<&'static str, String>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("无法读取配置文件 {}", path.display()))?;
    parse_file(&text).with_context(|| format!("配置文件 {} 有误", path.display()))
}

pub fn parse_file(text: &str) -> anyhow::Result<BTreeMap<&'static str, String>> {
    let doc: serde_json::Value = basic_toml::from_str(text).map_err(|e| anyhow!("{e}"))?;
    let mut flat = Vec::new();
    flatten("", &doc, &mut flat);
    let mut out = BTreeMap::new();
    for (key, value) in flat {
        let Some(s) = SETTINGS.iter().find(|s| s.key == key) else {
            bail!("未知的设置项 `{key}`");
        };
        let text = match value {
            serde_json::Value::String(v) => v.clone(),
            serde_json::Value::Number(n) => n.to_string(),
            serde_json::Value::Bool(b) => b.to_string(),
            other => bail!("设置项 `{key}` 的值无效：{other}"),
        };
        out.insert(s.key, text);
    }
    Ok(out)
}

fn flatten<'v>(prefix: &str, v: &'v serde_json::Value, out: &mut Vec<(String, &'v serde_json::Value)>) {
    match v {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                let key = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
                flatten(&key, v, out);
            }
        }
        other => out.push((prefix.to_owned(), other)),
    }
}

/// A database URL with its password (and a `password=` parameter) replaced by `***`.
pub fn mask_url(url: &str) -> String {
    let mut out = url.to_owned();
    if let Some(scheme_end) = out.find("://") {
        let rest_start = scheme_end + 3;
        let authority_end = out[rest_start..].find(['/', '?']).map_or(out.len(), |i| rest_start + i);
        if let Some(at) = out[rest_start..authority_end].rfind('@') {
            let userinfo = &out[rest_start..rest_start + at];
            if let Some(colon) = userinfo.find(':') {
                out.replace_range(rest_start + colon + 1..rest_start + at, "***");
            }
        }
    }
    if let Some(q) = out.find('?') {
        let (head, query) = out.split_at(q + 1);
        let query: Vec<String> = query
            .split('&')
            .map(|kv| match kv.split_once('=') {
                Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}=***"),
                _ => kv.to_owned(),
            })
            .collect();
        out = format!("{head}{}", query.join("&"));
    }
    out
}

impl Loaded {
    /// `bancheng config`: one line per setting, `KEY = VALUE  (SOURCE)`, secrets masked.
    pub fn render(&self) -> String {
        let mut out = match &self.file {
            Some(p) => format!("# config file: {}\n", p.display()),
            None => format!("# config file: none (./{DEFAULT_CONFIG_FILE} not found)\n"),
        };
        let width = SETTINGS.iter().map(|s| s.key.len()).max().unwrap_or(0);
        for s in SETTINGS {
            let value = (s.get)(&self.config);
            let value = if s.secret { mask_url(&value) } else { value };
            let source = self.sources.get(s.key).cloned().unwrap_or(Source::Default);
            out.push_str(&format!("{:width$} = {value:<28} # {source}; env {}; {}\n", s.key, s.env, s.help));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| pairs.iter().find(|(k, _)| *k == name).map(|(_, v)| v.to_string())
    }

    fn write(dir: &Path, text: &str) -> PathBuf {
        let path = dir.join("bancheng.toml");
        std::fs::write(&path, text).expect("write config");
        path
    }

    #[test]
    fn defaults_without_flags_env_or_file() {
        let flags = Flags { config: None, values: BTreeMap::new() };
        // No ./bancheng.toml in the crate directory the tests run in.
        let l = Config::load_from(&flags, |_| None).expect("load");
        assert_eq!(l.config, Config::default());
        assert_eq!(l.config.addr, "127.0.0.1:8080");
        assert_eq!(l.config.database, "sqlite://data/bancheng.db");
        assert_eq!(l.config.tick_seconds, 60);
        assert!(l.sources.values().all(|s| *s == Source::Default));
    }

    #[test]
    fn a_flag_beats_the_environment_which_beats_the_file_which_beats_the_default() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = write(
            dir.path(),
            "addr = \"0.0.0.0:1\"\ndatabase = \"sqlite://file.db\"\ntick_seconds = 5\n\
             [limits]\nbody_bytes = 2048\n[store]\npostgres_max_connections = 3\n",
        );
        let mut flags = Flags { config: Some(path.clone()), values: BTreeMap::new() };
        flags.set("addr", Some("127.0.0.1:9"));
        let env = env_of(&[("BANCHENG_ADDR", "10.0.0.1:2"), ("BANCHENG_DATABASE_URL", "sqlite://env.db")]);
        let l = Config::load_from(&flags, env).expect("load");
        assert_eq!(l.config.addr, "127.0.0.1:9");
        assert_eq!(l.sources["addr"], Source::Flag("--addr"));
        assert_eq!(l.config.database, "sqlite://env.db");
        assert_eq!(l.sources["database"], Source::Env("BANCHENG_DATABASE_URL"));
        assert_eq!(l.config.tick_seconds, 5);
        assert_eq!(l.sources["tick_seconds"], Source::File(path.clone()));
        assert_eq!(l.config.limits.body_bytes, 2048);
        assert_eq!(l.config.store.postgres_max_connections, 3);
        assert_eq!(l.config.limits.export_max_rows, Limits::default().export_max_rows);
        assert_eq!(l.sources["limits.export_max_rows"], Source::Default);
        // The file named by BANCHENG_CONFIG when there is no --config.
        let flags = Flags::default();
        let env = move |name: &str| (name == CONFIG_ENV).then(|| path.display().to_string());
        let l = Config::load_from(&flags, env).expect("load");
        assert_eq!(l.config.addr, "0.0.0.0:1");
    }

    #[test]
    fn an_unknown_key_in_the_file_is_an_error_naming_it() {
        let err = parse_file("addr = \"x\"\n[limits]\nbody_byte = 1\n").unwrap_err();
        assert!(format!("{err:#}").contains("`limits.body_byte`"), "{err:#}");
        let err = parse_file("adr = \"x\"\n").unwrap_err();
        assert!(format!("{err:#}").contains("`adr`"), "{err:#}");
        let dir = tempfile::tempdir().expect("tempdir");
        let flags =
            Flags { config: Some(write(dir.path(), "[sms]\ngateway = \"log\"\n")), ..Flags::default() };
        let err = Config::load_from(&flags, |_| None).unwrap_err();
        assert!(format!("{err:#}").contains("`sms.gateway`"), "{err:#}");
    }

    #[test]
    fn a_bad_value_names_the_setting_and_its_source() {
        let env = env_of(&[("BANCHENG_TICK_SECONDS", "soon")]);
        let err = Config::load_from(&Flags::default(), env).unwrap_err();
        let text = format!("{err:#}");
        assert!(text.contains("tick_seconds") && text.contains("BANCHENG_TICK_SECONDS"), "{text}");
    }

    #[test]
    fn passwords_in_database_urls_are_masked() {
        assert_eq!(
            mask_url("postgres://app:s3cr:et@db.local:5432/bc"),
            "postgres://app:***@db.local:5432/bc"
        );
        assert_eq!(
            mask_url("postgres://app@db/bc?password=x&sslmode=require"),
            "postgres://app@db/bc?password=***&sslmode=require"
        );
        assert_eq!(mask_url("postgres://app@db/bc"), "postgres://app@db/bc");
        assert_eq!(mask_url("sqlite://data/bancheng.db"), "sqlite://data/bancheng.db");
        let env = env_of(&[("BANCHENG_DATABASE_URL", "postgres://u:hunter2@h/db")]);
        let shown = Config::load_from(&Flags::default(), env).expect("load").render();
        assert!(shown.contains("postgres://u:***@h/db"), "{shown}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("env BANCHENG_DATABASE_URL"), "{shown}");
    }
}
