//! `bancheng serve`: the HTTP server plus the background scheduler.

use std::time::Duration;

use anyhow::Context;
use clap::Args;

use super::{DEFAULT_DATABASE, open, print_first_password};

/// Seconds between checks of the cached facts' versions (calendar, policies, units): a change
/// made through another server on the same database is seen within this period.
const CACHE_CHECK_SECONDS: u64 = 5;

#[derive(Args)]
pub struct ServeArgs {
    #[arg(long, env = "BANCHENG_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: String,
    #[arg(long = "database", env = "BANCHENG_DATABASE_URL", default_value = DEFAULT_DATABASE)]
    pub database: String,
    /// Seconds between scheduler passes (催办, 通报 flags, 问题工单); 0 disables it.
    #[arg(long, env = "BANCHENG_TICK_SECONDS", default_value_t = 60)]
    pub tick_seconds: u64,
}

impl ServeArgs {
    /// `bancheng` with no subcommand: serve with the environment or the defaults.
    pub fn from_env() -> Self {
        ServeArgs {
            addr: std::env::var("BANCHENG_ADDR").unwrap_or_else(|_| "127.0.0.1:8080".into()),
            database: std::env::var("BANCHENG_DATABASE_URL").unwrap_or_else(|_| DEFAULT_DATABASE.into()),
            tick_seconds: std::env::var("BANCHENG_TICK_SECONDS")
                .ok()
                .and_then(|s| s.parse().ok())
                .unwrap_or(60),
        }
    }
}

pub async fn run(args: ServeArgs) -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .init();
    let (app, password) = open(&args.database).await?;
    let listener =
        tokio::net::TcpListener::bind(&args.addr).await.with_context(|| format!("无法监听 {}", args.addr))?;
    let local = listener.local_addr()?;
    println!("bancheng 已启动：http://{local}/");
    println!("API 文档：http://{local}/api/openapi.json");
    print_first_password(&password, true);

    let background = app.start_background(bancheng_app::BackgroundConfig {
        tick: (args.tick_seconds > 0).then(|| Duration::from_secs(args.tick_seconds)),
        cache_check: Duration::from_secs(CACHE_CHECK_SECONDS),
    });

    let router = bancheng_web::router(app.clone());
    axum::serve(listener, router).with_graceful_shutdown(shutdown()).await.context("服务器异常退出")?;
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
