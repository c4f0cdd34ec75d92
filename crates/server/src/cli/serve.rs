//! `bancheng serve`: the HTTP server plus the background scheduler.

use std::time::Duration;

use anyhow::Context;
use clap::Args;

use super::{open, print_first_password};
use crate::config::{Config, Flags, Loaded};

/// The settings that have flags (every other one: env or bancheng.toml; `bancheng config`).
#[derive(Args, Default)]
pub struct ServeArgs {
    /// [env: BANCHENG_ADDR] [default: 127.0.0.1:8080]
    #[arg(long)]
    pub addr: Option<String>,
    /// `sqlite://path.db` or `postgres://…` [env: BANCHENG_DATABASE_URL] [default: sqlite://data/bancheng.db]
    #[arg(long = "database")]
    pub database: Option<String>,
    /// Seconds between scheduler passes (催办, 通报 flags, 问题工单); 0 disables it.
    /// [env: BANCHENG_TICK_SECONDS] [default: 60]
    #[arg(long)]
    pub tick_seconds: Option<u64>,
    /// Behind a reverse proxy: take the client's address from X-Forwarded-For (its last entry).
    /// [env: BANCHENG_TRUST_PROXY] [default: false]
    #[arg(long)]
    pub trust_proxy: bool,
}

impl ServeArgs {
    /// The effective configuration: these flags, then env, then the file, then the defaults.
    pub fn load(&self, config: &Option<std::path::PathBuf>) -> anyhow::Result<Loaded> {
        let mut flags = Flags { config: config.clone(), ..Flags::default() };
        flags.set("addr", self.addr.as_ref());
        flags.set("database", self.database.as_ref());
        flags.set("tick_seconds", self.tick_seconds);
        flags.set("trust_proxy", self.trust_proxy.then_some(true));
        Config::load(&flags)
    }
}

pub async fn run(config: Config) -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .init();
    let (app, password) = open(&config, true).await?;
    let listener = tokio::net::TcpListener::bind(&config.addr)
        .await
        .with_context(|| format!("无法监听 {}", config.addr))?;
    let local = listener.local_addr()?;
    println!("bancheng 已启动：http://{local}/");
    println!("API 文档：http://{local}/api/openapi.json");
    print_first_password(&password, true);

    let background = app.start_background(bancheng_app::BackgroundConfig {
        tick: (config.tick_seconds > 0).then(|| Duration::from_secs(config.tick_seconds)),
        cache_check: Duration::from_secs(config.cache_check_seconds),
        housekeeping: Duration::from_secs(3600),
    });

    let router = bancheng_web::router_with(app.clone(), config.web());
    // The peer's address reaches the handlers: the sign-in limits count per address.
    let service = router.into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, service).with_graceful_shutdown(shutdown()).await.context("服务器异常退出")?;
    background.stop().await;
    app.store().close().await;
    Ok(())
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
