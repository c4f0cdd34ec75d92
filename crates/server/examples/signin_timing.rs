//! Sign-in timing for BENCHMARKS.md: a failed sign-in must cost the same whether the name has an
//! account or not (issue 8: the KDF runs on a dummy hash for an unknown name). Paired: each round
//! times one wrong password for a real account and one for a name with no account, in turn.
//!
//! cargo run --release --example signin_timing -- URL ROUNDS ACCOUNTS
//! The server runs with --trust-proxy: every attempt comes from its own X-Forwarded-For address,
//! and the real accounts bench1..benchACCOUNTS take turns, so no lock or delay is reached.

use std::time::{Duration, Instant};

async fn attempt(http: &reqwest::Client, url: &str, user: &str, addr: &str) -> anyhow::Result<Duration> {
    let t = Instant::now();
    let resp = http
        .post(format!("{url}/api/v1/auth/token"))
        .header("x-forwarded-for", addr)
        .json(&serde_json::json!({"username": user, "password": "not-the-password-1"}))
        .send()
        .await?;
    let status = resp.status();
    let _ = resp.bytes().await?;
    let took = t.elapsed();
    anyhow::ensure!(status == reqwest::StatusCode::UNAUTHORIZED, "{user}: HTTP {status}");
    Ok(took)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    anyhow::ensure!(args.len() == 4, "usage: signin_timing URL ROUNDS ACCOUNTS");
    let (url, rounds, accounts): (&str, usize, usize) = (&args[1], args[2].parse()?, args[3].parse()?);
    let http = reqwest::Client::new();
    let (mut known, mut unknown, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..rounds {
        let addr = |k: usize| format!("10.{}.{}.{}", (k >> 16) & 255, (k >> 8) & 255, k & 255);
        let real = format!("bench{}", i % accounts + 1);
        // Alternate which goes first, so that neither always follows the other.
        let (k, u) = if i % 2 == 0 {
            let k = attempt(&http, url, &real, &addr(2 * i)).await?;
            (k, attempt(&http, url, &format!("nobody{i}"), &addr(2 * i + 1)).await?)
        } else {
            let u = attempt(&http, url, &format!("nobody{i}"), &addr(2 * i + 1)).await?;
            (attempt(&http, url, &real, &addr(2 * i)).await?, u)
        };
        ratios.push(u.as_secs_f64() / k.as_secs_f64());
        known.push(k);
        unknown.push(u);
    }
    ratios.sort_by(f64::total_cmp);
    let (mk, mu) = (median(known.clone()), median(unknown.clone()));
    println!(
        "rounds={rounds} known(p50)={:.2}ms unknown(p50)={:.2}ms unknown/known per pair: min={:.2} p50={:.2} max={:.2}",
        mk.as_secs_f64() * 1e3,
        mu.as_secs_f64() * 1e3,
        ratios[0],
        ratios[ratios.len() / 2],
        ratios[ratios.len() - 1],
    );
    Ok(())
}
