use sqlx::{ConnectOptions, Connection, sqlite::SqliteConnectOptions};
use std::str::FromStr;
use std::time::Instant;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    tokio::spawn(run()).await.unwrap();
}
async fn run() {
    let mut c = SqliteConnectOptions::from_str("sqlite:///work/tmpbench/p.db")
        .unwrap()
        .create_if_missing(true)
        .connect()
        .await
        .unwrap();
    sqlx::query("CREATE TABLE IF NOT EXISTS t (a INTEGER, b TEXT)").execute(&mut c).await.unwrap();
    sqlx::query("CREATE VIRTUAL TABLE IF NOT EXISTS f USING fts5(a, b, content='', contentless_delete=1, tokenize='unicode61')").execute(&mut c).await.unwrap();
    let mut tx = c.begin().await.unwrap();
    let t = Instant::now();
    for _ in 0..2000 {
        sqlx::query("SELECT 1").execute(&mut *tx).await.unwrap();
    }
    println!("select 1: {:?}/stmt", t.elapsed() / 2000);
    let t = Instant::now();
    for i in 0..2000 {
        sqlx::query("INSERT INTO t (a, b) VALUES ($1, $2)")
            .bind(i)
            .bind("x")
            .execute(&mut *tx)
            .await
            .unwrap();
    }
    println!("insert: {:?}/stmt", t.elapsed() / 2000);
    let t = Instant::now();
    for i in 0..2000 {
        sqlx::query("INSERT INTO f (rowid, a, b) VALUES ($1, $2, $3)")
            .bind(i)
            .bind("张 三 ")
            .bind(
                " 社 保 卡 补 办 多 次 跑 路 未 办 结 ， 要 求 尽 快 办 理 ， 窗 口 答 复 需 要 补 充 材 料",
            )
            .execute(&mut *tx)
            .await
            .unwrap();
    }
    println!("fts insert: {:?}/stmt", t.elapsed() / 2000);
    let t = Instant::now();
    for _ in 0..2000 {
        let sp = tx.begin().await.unwrap();
        sp.commit().await.unwrap();
    }
    println!("savepoint+release: {:?}/pair", t.elapsed() / 2000);
    tx.commit().await.unwrap();
}
