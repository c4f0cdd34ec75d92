//! Load generator for BENCHMARKS.md: durable case registrations per second over HTTP.
//!
//! cargo run --release --example register_load -- URL USER PASSWORD CLIENTS SECONDS
//! e.g. cargo run --release --example register_load -- http://127.0.0.1:8080 lisu 'pw' 32 10

use std::time::{Duration, Instant};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 6 {
        anyhow::bail!("usage: register_load URL USER PASSWORD CLIENTS SECONDS");
    }
    let (url, user, password) = (args[1].clone(), &args[2], &args[3]);
    let clients: usize = args[4].parse()?;
    let seconds: u64 = args[5].parse()?;
    let http = reqwest::Client::builder().pool_max_idle_per_host(clients).build()?;
    let token: serde_json::Value = http
        .post(format!("{url}/api/v1/auth/token"))
        .json(&serde_json::json!({"username": user, "password": password}))
        .send()
        .await?
        .json()
        .await?;
    let token = token["token"].as_str().ok_or_else(|| anyhow::anyhow!("login failed: {token}"))?.to_owned();
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for c in 0..clients {
        let (http, url, token) = (http.clone(), url.clone(), token.clone());
        tasks.spawn(async move {
            let mut latencies = Vec::new();
            let mut errors = 0u64;
            let mut i = 0u64;
            while Instant::now() < deadline {
                i += 1;
                let body = serde_json::json!({
                    "applicant_name": "压测",
                    "phone": format!("139{:02}{:06}", c % 100, i % 1_000_000),
                    "description": format!("压力测试登记 {c}-{i}：营业执照变更多次未办成"),
                    "matter": format!("压测事项{c}"),
                });
                let t = Instant::now();
                match http.post(format!("{url}/api/v1/cases")).bearer_auth(&token).json(&body).send().await {
                    Ok(r) if r.status() == reqwest::StatusCode::CREATED => {
                        let _ = r.bytes().await;
                        latencies.push(t.elapsed());
                    }
                    Ok(r) => {
                        errors += 1;
                        if errors == 1 {
                            eprintln!(
                                "client {c}: HTTP {} {}",
                                r.status(),
                                r.text().await.unwrap_or_default()
                            );
                        }
                    }
                    Err(e) => {
                        errors += 1;
                        if errors == 1 {
                            eprintln!("client {c}: {e:?}");
                        }
                    }
                }
            }
            (latencies, errors)
        });
    }
    let mut all = Vec::new();
    let mut errors = 0;
    while let Some(r) = tasks.join_next().await {
        let (l, e) = r?;
        all.extend(l);
        errors += e;
    }
    let elapsed = started.elapsed().as_secs_f64();
    all.sort();
    let pct = |p: f64| all.get(((all.len() as f64 * p) as usize).min(all.len().saturating_sub(1))).copied();
    println!(
        "clients={clients} seconds={elapsed:.1} ok={} errors={errors} rate={:.0}/s p50={:?} p99={:?}",
        all.len(),
        all.len() as f64 / elapsed,
        pct(0.50).unwrap_or_default(),
        pct(0.99).unwrap_or_default()
    );
    Ok(())
}
