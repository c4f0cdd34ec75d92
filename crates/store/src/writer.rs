//! The single SQLite writer with group commit.
//!
//! Every SQLite write is a job sent to one thread that owns the only write connection. It takes
//! the first queued job plus whatever else is waiting (up to [`MAX_BATCH`]), runs them all in one
//! `BEGIN IMMEDIATE` transaction, each inside its own savepoint, and commits once: one fsync
//! (synchronous=FULL) makes the whole batch durable. Only then does each caller get its answer,
//! so an acknowledged write survives power loss. A job that fails (Conflict, Duplicate…) rolls
//! back only its savepoint and gets its own error; if the batch cannot commit, every job whose
//! work was lost gets that error. While one batch commits, the next one queues up, so batches
//! grow with the load and the fsync rate stays bounded.
//!
//! Throughput is bounded by round trips to sqlx's connection thread (each statement is one), so
//! a case job makes two: its first statement also opens its savepoint
//! ([`WriteConn::first_statement`]) and the row with all its children is one multi-statement
//! query (`case_tx`). Text-index (FTS5) changes are deferred to the end of the batch and written
//! in one statement: FTS5 flushes its pending terms to a new segment at every SAVEPOINT, so
//! indexing inside each job's savepoint would create a segment (and its merges) per case.

use std::future::Future;
use std::pin::Pin;

use sqlx::SqliteConnection;
use tokio::sync::{mpsc, oneshot};

use crate::error::{Result, StoreError};
use crate::search::{self, TextUpdate};

/// Upper bound of jobs committed together.
pub(crate) const MAX_BATCH: usize = 256;
/// Capacity of the job queue: callers wait (backpressure) when it is full.
const QUEUE: usize = 4 * MAX_BATCH;

pub(crate) type BoxFut<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Pins the output type of a job's async block, so that `?` inside it converts to `StoreError`.
pub(crate) fn typed<T, F: Future<Output = Result<T>>>(f: F) -> F {
    f
}

/// The write connection as jobs see it: the connection (inside the batch's transaction and the
/// job's savepoint) and the batch's deferred text-index changes.
pub(crate) struct WriteConn {
    pub(crate) conn: SqliteConnection,
    text: Vec<TextUpdate>,
    /// The current job's savepoint.
    savepoint: Savepoint,
    /// A `job` savepoint is open (this job's or an earlier one's, released by the next).
    stacked: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Savepoint {
    /// A batch of one: the transaction itself isolates the job.
    Unneeded,
    /// To be opened with the job's first statement.
    Pending,
    Open,
}

/// The three forms of a job's first statement for [`WriteConn::first_statement`]: as is,
/// opening the first savepoint, and releasing the previous one and opening the next.
macro_rules! with_savepoint {
    ($sql:expr) => {
        [$sql, concat!("SAVEPOINT job; ", $sql), concat!("RELEASE job; SAVEPOINT job; ", $sql)]
    };
}
pub(crate) use with_savepoint;

impl WriteConn {
    /// The SQL of a job's first statement (see [`with_savepoint!`]), opening the job's savepoint
    /// in the same round trip to the connection thread if it is pending. Run it with `fetch_all`
    /// or `execute`, which run every statement of the query.
    pub(crate) fn first_statement(&mut self, sql: &[&'static str; 3]) -> &'static str {
        if self.savepoint != Savepoint::Pending {
            return sql[0];
        }
        self.savepoint = Savepoint::Open;
        if std::mem::replace(&mut self.stacked, true) { sql[2] } else { sql[1] }
    }

    /// Queues a text-index change, written before the batch commits (dropped with the job's
    /// savepoint if the job fails).
    pub(crate) fn defer_text(&mut self, update: TextUpdate) {
        self.text.push(update);
    }

    async fn exec(&mut self, sql: &'static str) -> Result<(), sqlx::Error> {
        sqlx::query(sql).execute(&mut self.conn).await.map(|_| ())
    }
}

/// A type-erased job in a batch.
trait Pending: Send {
    /// The job opens its savepoint with its first statement ([`WriteConn::first_statement`]).
    fn opens_savepoint(&self) -> bool;
    /// Runs the job on the batch's connection (inside its savepoint); true if it succeeded.
    fn run<'c>(&'c mut self, w: &'c mut WriteConn) -> BoxFut<'c, bool>;
    /// Answers the caller once the batch's fate is known.
    fn finish(self: Box<Self>, fate: Fate<'_>);
}

/// What became of a batch.
#[derive(Clone, Copy)]
enum Fate<'a> {
    Committed,
    /// The batch was rolled back (BEGIN, a savepoint, the text index or COMMIT failed).
    Lost(&'a str),
    /// The store closed before the job ran.
    Closed,
}

struct Job<T, F> {
    opens_savepoint: bool,
    op: Option<F>,
    out: Option<Result<T>>,
    reply: oneshot::Sender<Result<T>>,
}

impl<T, F> Pending for Job<T, F>
where
    T: Send + 'static,
    F: for<'c> FnOnce(&'c mut WriteConn) -> BoxFut<'c, Result<T>> + Send + 'static,
{
    fn opens_savepoint(&self) -> bool {
        self.opens_savepoint
    }

    fn run<'c>(&'c mut self, w: &'c mut WriteConn) -> BoxFut<'c, bool> {
        Box::pin(async move {
            let Some(op) = self.op.take() else {
                return false;
            };
            let out = op(w).await;
            let ok = out.is_ok();
            self.out = Some(out);
            ok
        })
    }

    fn finish(self: Box<Self>, fate: Fate<'_>) {
        let out = match (self.out, fate) {
            // A job that failed by itself keeps its own, more precise error.
            (Some(Err(e)), _) => Err(e),
            (Some(Ok(v)), Fate::Committed) => Ok(v),
            (_, Fate::Lost(msg)) => Err(StoreError::Io(std::io::Error::other(format!(
                "group commit failed, nothing was written: {msg}"
            )))),
            (_, Fate::Closed) | (None, Fate::Committed) => Err(StoreError::Closed),
        };
        // The caller may have gone away (request cancelled): nothing to do.
        let _ = self.reply.send(out);
    }
}

enum Msg {
    Job(Box<dyn Pending>),
    Close(oneshot::Sender<()>),
}

/// Handle to the writer; cheap to clone. The writer stops when every handle is dropped or on
/// [`Writer::close`].
#[derive(Clone)]
pub(crate) struct Writer {
    tx: mpsc::Sender<Msg>,
}

impl Writer {
    /// Starts the writer on `conn`, which must be the only write connection.
    pub(crate) fn spawn(conn: SqliteConnection) -> Result<Writer> {
        let (tx, rx) = mpsc::channel(QUEUE);
        let w = WriteConn { conn, text: Vec::new(), savepoint: Savepoint::Unneeded, stacked: false };
        // A thread of its own, so that request handlers saturating the runtime never delay
        // the batches.
        let runtime = tokio::runtime::Builder::new_current_thread().build()?;
        std::thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn(move || runtime.block_on(run(w, rx)))?;
        Ok(Writer { tx })
    }

    /// Runs `op` in the next batch and returns its result once the batch is committed.
    pub(crate) async fn run<T, F>(&self, op: F) -> Result<T>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut WriteConn) -> BoxFut<'c, Result<T>> + Send + 'static,
    {
        self.submit(false, op).await
    }

    /// Like [`Writer::run`] for an `op` whose first statement goes through
    /// [`WriteConn::first_statement`], saving the savepoint's own round trip.
    pub(crate) async fn run_opening<T, F>(&self, op: F) -> Result<T>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut WriteConn) -> BoxFut<'c, Result<T>> + Send + 'static,
    {
        self.submit(true, op).await
    }

    async fn submit<T, F>(&self, opens_savepoint: bool, op: F) -> Result<T>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut WriteConn) -> BoxFut<'c, Result<T>> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let job = Job { opens_savepoint, op: Some(op), out: None, reply };
        self.tx.send(Msg::Job(Box::new(job))).await.map_err(|_| StoreError::Closed)?;
        answer.await.map_err(|_| StoreError::Closed)?
    }

    /// Finishes the queued jobs, closes the connection and stops the writer.
    pub(crate) async fn close(&self) {
        let (done, wait) = oneshot::channel();
        if self.tx.send(Msg::Close(done)).await.is_ok() {
            let _ = wait.await;
        }
    }
}

async fn run(mut w: WriteConn, mut rx: mpsc::Receiver<Msg>) {
    let mut batch: Vec<Box<dyn Pending>> = Vec::with_capacity(MAX_BATCH);
    let mut closing = None;
    while closing.is_none() {
        let Some(first) = rx.recv().await else { break };
        let mut next = Some(first);
        while let Some(msg) = next.take() {
            match msg {
                Msg::Job(job) => batch.push(job),
                Msg::Close(done) => {
                    closing = Some(done);
                    break;
                }
            }
            if batch.len() < MAX_BATCH {
                next = rx.try_recv().ok();
            }
        }
        if !batch.is_empty() {
            let lost = commit_batch(&mut w, &mut batch).await.err();
            if let Some(e) = &lost {
                tracing::error!(error = %e, jobs = batch.len(), "SQLite group commit failed");
            }
            let lost = lost.map(|e| e.to_string());
            let fate = lost.as_deref().map_or(Fate::Committed, Fate::Lost);
            for job in batch.drain(..) {
                job.finish(fate);
            }
        }
    }
    // Refuse what is still queued, then close the connection (checkpoints the WAL).
    rx.close();
    while let Ok(msg) = rx.try_recv() {
        match msg {
            Msg::Job(job) => job.finish(Fate::Closed),
            Msg::Close(done) => {
                let _ = done.send(());
            }
        }
    }
    if let Err(e) = sqlx::Connection::close(w.conn).await {
        tracing::warn!(error = %e, "closing the SQLite writer connection");
    }
    if let Some(done) = closing {
        let _ = done.send(());
    }
}

/// Runs the batch in one transaction; rolls it back if anything but a job fails.
async fn commit_batch(w: &mut WriteConn, jobs: &mut [Box<dyn Pending>]) -> Result<()> {
    w.text.clear();
    w.exec("BEGIN IMMEDIATE").await?;
    let out = run_jobs(w, jobs).await;
    if out.is_err() {
        // Also after a failed COMMIT (SQLITE_BUSY/FULL leave the transaction open).
        let _ = w.exec("ROLLBACK").await;
    }
    out
}

/// One savepoint per job, released when the next one opens (`RELEASE job; SAVEPOINT job`, in
/// the same round trip as the next job's first statement where it allows): nesting them
/// instead would make SQLite's savepoint bookkeeping grow with the batch. A failed job's
/// `ROLLBACK TO` undoes only its own writes; COMMIT releases the last savepoint. A batch of one
/// needs no savepoint.
async fn run_jobs(w: &mut WriteConn, jobs: &mut [Box<dyn Pending>]) -> Result<()> {
    w.stacked = false;
    if let [job] = jobs {
        w.savepoint = Savepoint::Unneeded;
        if !job.run(w).await {
            return Ok(w.exec("ROLLBACK").await?);
        }
    } else {
        for job in jobs.iter_mut() {
            let mark = w.text.len();
            w.savepoint = Savepoint::Pending;
            if !job.opens_savepoint() {
                let sql = w.first_statement(&["", "SAVEPOINT job", "RELEASE job; SAVEPOINT job"]);
                w.exec(sql).await?;
            }
            if !job.run(w).await {
                // A job that failed before its first statement wrote nothing.
                if w.savepoint == Savepoint::Open {
                    w.exec("ROLLBACK TO job").await?;
                }
                w.text.truncate(mark);
            }
        }
    }
    let text = std::mem::take(&mut w.text);
    search::write_text_index(&mut w.conn, &text).await?;
    w.text = text;
    Ok(w.exec("COMMIT").await?)
}
