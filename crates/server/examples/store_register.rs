//! Store-level benchmark for BENCHMARKS.md ("store alone"): durable registrations per second
//! through `App::register` (decide, then the SQLite group-commit writer), no HTTP, with
//! CALLERS concurrent callers, on a fresh database at URL.
//!
//! cargo run --release --example store_register -- sqlite:///tmp/b.db CASES CALLERS

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use bancheng_app::{App, SystemClock};
use bancheng_domain::case::Registration;
use bancheng_domain::{Actor, Role};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 4 {
        anyhow::bail!("usage: store_register URL CASES CALLERS");
    }
    let (url, cases, callers): (&str, usize, usize) = (&args[1], args[2].parse()?, args[3].parse()?);
    let app = App::open(url, Arc::new(SystemClock)).await?;
    app.bootstrap().await?;
    let actor =
        Actor { username: "bench".into(), role: Role::Window, unit: "bbcs".into(), center: "nxzx".into() };
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..callers {
        let (app, actor, next) = (app.clone(), actor.clone(), next.clone());
        tasks.spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= cases {
                    return Ok::<_, anyhow::Error>(());
                }
                let reg = Registration {
                    applicant_name: "压测".into(),
                    phone: format!("139{:08}", i % 100_000_000),
                    description: "营业执照变更登记多次跑路仍未办成（压测）".into(),
                    matter: Some("营业执照变更登记".into()),
                    ..Registration::default()
                };
                app.register(&actor, &reg).await?;
            }
        });
    }
    while let Some(r) = tasks.join_next().await {
        r??;
    }
    let secs = started.elapsed().as_secs_f64();
    println!("{cases} registrations, {callers} callers: {secs:.2} s, {:.0}/s", cases as f64 / secs);
    app.store().close().await;
    Ok(())
}
