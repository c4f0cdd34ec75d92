// Temporary throughput probe (not committed).
use std::time::Instant;

use bancheng_store::*;
use chrono::{NaiveDate, Utc};
use serde_json::json;

fn row(i: usize) -> CaseRow {
    CaseRow {
        number: String::new(),
        center: "bbc".into(),
        status: "accepted".into(),
        level: "window".into(),
        channel: "window".into(),
        category: Some("not_accepted".into()),
        applicant_name: format!("张三{i}"),
        phone: "13800138000".into(),
        id_number: None,
        description: "社保卡补办多次跑路未办结，要求尽快办理，窗口答复需要补充材料".into(),
        matter: Some("社保卡补办".into()),
        unit: None,
        units: vec![],
        received_by: "lisu".into(),
        received_at: Utc::now(),
        next_due: NaiveDate::from_ymd_opt(2021, 8, 10),
        overdue: false,
        reopen_count: 0,
        outcome: None,
        updated_at: Utc::now(),
        version: 0,
        state: json!({"status": "accepted", "applicant": {"name": "张三", "phone": "13800138000"}, "deadlines": [{"kind": "same_day", "due": "2021-08-10"}]}),
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let url = std::env::args().nth(1).expect("url");
    let n: usize = std::env::args().nth(2).map_or(20_000, |s| s.parse().unwrap());
    let conc: usize = std::env::args().nth(3).map_or(256, |s| s.parse().unwrap());
    let s = Store::connect(&url).await.unwrap();
    let day = NaiveDate::from_ymd_opt(2021, 8, 10).unwrap();
    let t = Instant::now();
    let per = n / conc;
    let mut tasks = Vec::new();
    for _ in 0..conc {
        let s = s.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..per {
                let ev = NewEvent {
                    kind: "registered".into(),
                    actor: "lisu".into(),
                    actor_role: "window".into(),
                    actor_unit: "bbcs".into(),
                    at: Utc::now(),
                    payload: json!({"channel": "window", "i": i}),
                };
                s.register(day, row(i), vec![ev], vec![]).await.unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let dt = t.elapsed();
    println!("{} registrations in {:?}: {:.0}/s", per * conc, dt, (per * conc) as f64 / dt.as_secs_f64());
    for q in ["社", "社保", "张三1", "补充材料"] {
        let t = Instant::now();
        let p = s
            .cases(&CaseFilter {
                center: "bbc".into(),
                q: Some(q.into()),
                page: 1,
                per_page: 20,
                ..Default::default()
            })
            .await
            .unwrap();
        println!("q={q}: total {} in {:?}", p.total, t.elapsed());
    }
    let t = Instant::now();
    let p = s
        .cases(&CaseFilter { center: "bbc".into(), page: 1, per_page: 20, ..Default::default() })
        .await
        .unwrap();
    println!("no filter: total {} in {:?}", p.total, t.elapsed());
    s.close().await;
}
