//! The single writer. Every webhook write goes through one task that owns one connection
//! and group-commits whatever arrived together: one `BEGIN IMMEDIATE … COMMIT` (one fsync
//! under `synchronous=FULL`) for a whole batch, with a savepoint per job so one failing job
//! rolls back alone. A caller hears "ok" only after the commit that holds its writes, so a
//! 2xx to a provider always means the evidence is durable.
//!
//! Per-request FULL commits topped out around 4,500/s on the 2-core machine; batching is
//! what lets the webhooks take retry storms without answering 2xx for unstored work.
//!
//! The writer runs on its own OS thread rather than as a task among the request handlers:
//! every statement is a hand-off to sqlx's SQLite thread and back, and a task woken from
//! that thread waits in tokio's global queue behind busy request tasks. On its own thread,
//! spinning briefly for each answer (see [`spin`]), back-to-back benchmark runs on the
//! 2-core machine went from 5–8k to ~10k callbacks/s. Sharing one core with sqlx's thread
//! under `SCHED_BATCH` instead (see [`placement`]) took it to 12–15k.

use std::{
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
    time::Duration,
};

use futures::future::BoxFuture;
use sqlx::{sqlite::SqliteConnectOptions, ConnectOptions, Connection};
use tokio::sync::{mpsc, oneshot};

use crate::ssr::db::{pipeline::Deferred, Conn, Db, Engine};

mod placement;
mod spin;
#[cfg(feature = "sql-trace")]
mod trace;

/// Most jobs folded into one transaction; bounds the latency one commit can add.
const MAX_BATCH: usize = 512;
/// On PostgreSQL a job's savepoint is a subtransaction, and a backend with more than 64 of
/// them that wrote (PGPROC_MAX_CACHED_SUBXIDS) overflows its subtransaction cache: every
/// other backend's snapshot then looks XIDs up in pg_subtrans, which slows the whole server.
/// Batches stay under that.
const MAX_BATCH_POSTGRES: usize = 48;
const QUEUE_DEPTH: usize = 8192;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WriteError {
    /// The batch could not be committed (busy, disk full, closed): nothing was stored.
    #[error("the database could not commit")]
    Unavailable,
    /// This job's own statements failed; its savepoint was rolled back.
    #[error("the write failed")]
    Failed,
}

#[derive(Clone)]
pub struct Writer {
    tx: mpsc::Sender<Box<dyn ErasedJob>>,
    /// PostgreSQL: false while the writer's connection is gone and reconnecting failed.
    healthy: Arc<AtomicBool>,
}

impl Writer {
    /// Starts the writer thread with its own connection. It ends when the last `Writer`
    /// handle is dropped.
    pub async fn spawn(db: &Db) -> Result<Self, sqlx::Error> {
        match db {
            Db::Sqlite(pool) => Self::spawn_sqlite(pool.connect_options().as_ref().clone()).await,
            Db::Postgres(pool) => Self::spawn_postgres(pool.connect_options().as_ref().clone()).await,
        }
    }

    /// On PostgreSQL the writer runs on a thread of its own too, with its own single-threaded
    /// runtime driving its connection: every statement is a round trip, and an answer woken
    /// on the shared runtime waits behind busy request tasks (the reason the SQLite writer
    /// has its own thread). The connection is its own, not pooled, so a dying writer's
    /// transaction dies with it.
    async fn spawn_postgres(options: sqlx::postgres::PgConnectOptions) -> Result<Self, sqlx::Error> {
        let (tx, rx) = mpsc::channel(QUEUE_DEPTH);
        let healthy = Arc::new(AtomicBool::new(true));
        let health = healthy.clone();
        let (opened, open_result) = oneshot::channel();
        std::thread::Builder::new()
            .name("callsnare-writer".into())
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
                    Ok(rt) => rt,
                    Err(err) => {
                        let _ = opened.send(Err(sqlx::Error::Io(err)));
                        return;
                    }
                };
                runtime.block_on(async move {
                    let conn = match sqlx::PgConnection::connect_with(&options).await {
                        Ok(conn) => {
                            let _ = opened.send(Ok(()));
                            conn
                        }
                        Err(err) => {
                            let _ = opened.send(Err(err));
                            return;
                        }
                    };
                    let reconnect: Reconnect = Box::new(move || {
                        let options = options.clone();
                        Box::pin(async move { sqlx::PgConnection::connect_with(&options).await.map(Conn::Postgres) })
                    });
                    run(Conn::Postgres(conn), rx, MAX_BATCH_POSTGRES, Some(reconnect), health).await;
                });
            })
            .map_err(sqlx::Error::Io)?;
        open_result.await.map_err(|_| sqlx::Error::PoolClosed)??;
        Ok(Self { tx, healthy })
    }

    async fn spawn_sqlite(options: SqliteConnectOptions) -> Result<Self, sqlx::Error> {
        let (tx, rx) = mpsc::channel(QUEUE_DEPTH);
        let healthy = Arc::new(AtomicBool::new(true));
        let health = healthy.clone();
        let (opened, open_result) = oneshot::channel();
        // sqlx's connection machinery may need the runtime from this thread.
        let runtime = tokio::runtime::Handle::current();
        std::thread::Builder::new()
            .name("callsnare-writer".into())
            .spawn(move || {
                let _entered = runtime.enter();
                let placed = placement::apply();
                tracing::debug!(pinned = placed.pinned, batch = placed.batch, "writer thread placed");
                // Sharing a core with sqlx's thread, spinning would only delay its answer.
                let spin = if placed.pinned { Duration::ZERO } else { spin::SPIN };
                spin::block_on(
                    async move {
                        // Opened here, not taken from the pool, so that sqlx's own thread for
                        // this connection is created by (and shares the core of) this one.
                        // Not pooled also means a dying writer's connection is closed and its
                        // transaction rolled back, instead of going back holding the lock.
                        let conn = match open(&options).await {
                            Ok(conn) => {
                                let _ = opened.send(Ok(()));
                                conn
                            }
                            Err(err) => {
                                let _ = opened.send(Err(err));
                                return;
                            }
                        };
                        run(Conn::Sqlite(conn), rx, MAX_BATCH, None, health).await;
                    },
                    spin,
                );
            })
            .map_err(sqlx::Error::Io)?;
        open_result.await.map_err(|_| sqlx::Error::PoolClosed)??;
        Ok(Self { tx, healthy })
    }

    /// False once the writer thread has stopped (it cannot restart: the process should).
    pub fn is_running(&self) -> bool {
        !self.tx.is_closed()
    }

    /// False while the writer's connection is gone and could not be replaced (PostgreSQL
    /// unreachable): what readiness reports besides [`Self::is_running`].
    pub fn is_healthy(&self) -> bool {
        self.healthy.load(Ordering::Relaxed)
    }

    /// Runs `work` inside the next group transaction and returns its result once committed.
    pub async fn run<T, F>(&self, work: F) -> Result<T, WriteError>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut Conn) -> BoxFuture<'c, Result<T, sqlx::Error>> + Send + 'static,
    {
        self.run_deferred(move |conn| {
            let fut = work(conn);
            Box::pin(async move { fut.await.map(|t| (t, Deferred::default())) })
        })
        .await
    }

    /// Runs a use-case that can refuse for a business reason (`Ok(Err(e))`: not found, opted
    /// out, invalid). A refusal rolls the job's savepoint back exactly like a database
    /// error, so nothing the job wrote before refusing is kept, and the caller gets the
    /// refusal itself rather than an opaque failure.
    pub async fn run_fallible<T, E, F>(&self, work: F) -> Result<Result<T, E>, WriteError>
    where
        T: Send + 'static,
        E: Send + 'static,
        F: for<'c> FnOnce(&'c mut Conn) -> BoxFuture<'c, Result<Result<T, E>, sqlx::Error>> + Send + 'static,
    {
        self.submit(
            move |conn| {
                let fut = work(conn);
                Box::pin(async move { fut.await.map(|r| (r, Deferred::default())) })
            },
            Result::is_err,
        )
        .await
    }

    /// Like [`run`](Self::run), for work that ends with writes nobody reads back: the
    /// returned [`Deferred`] statements travel in one round trip with the savepoint boundary
    /// (or the commit) that follows the job. If they fail, the job fails alone.
    pub async fn run_deferred<T, F>(&self, work: F) -> Result<T, WriteError>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut Conn) -> BoxFuture<'c, Result<(T, Deferred), sqlx::Error>> + Send + 'static,
    {
        self.submit(work, |_| false).await
    }

    /// Queues a job; `refused` says whether its successful result still rolls it back.
    async fn submit<T, F>(&self, work: F, refused: fn(&T) -> bool) -> Result<T, WriteError>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut Conn) -> BoxFuture<'c, Result<(T, Deferred), sqlx::Error>> + Send + 'static,
    {
        let (reply, done) = oneshot::channel();
        self.tx
            .send(Box::new(Job { work, reply, refused }))
            .await
            .map_err(|_| WriteError::Unavailable)?;
        done.await.map_err(|_| WriteError::Unavailable)?
    }
}

struct Job<T, F> {
    work: F,
    reply: oneshot::Sender<Result<T, WriteError>>,
    /// Whether a successful result is a business refusal whose writes must not be kept.
    refused: fn(&T) -> bool,
}

trait ErasedJob: Send {
    fn run<'c>(self: Box<Self>, conn: &'c mut Conn) -> BoxFuture<'c, Box<dyn ErasedDone>>;
    fn abort(self: Box<Self>, err: WriteError);
}

trait ErasedDone: Send {
    fn failed(&self) -> bool;
    /// The job's deferred writes, if it succeeded.
    fn take_tail(&mut self) -> Option<Deferred>;
    /// Its deferred writes failed after all: the job's savepoint was rolled back.
    fn fail(&mut self);
    fn complete(self: Box<Self>, commit: Result<(), WriteError>);
}

impl<T, F> ErasedJob for Job<T, F>
where
    T: Send + 'static,
    F: for<'c> FnOnce(&'c mut Conn) -> BoxFuture<'c, Result<(T, Deferred), sqlx::Error>> + Send + 'static,
{
    fn run<'c>(self: Box<Self>, conn: &'c mut Conn) -> BoxFuture<'c, Box<dyn ErasedDone>> {
        let Job { work, reply, refused } = *self;
        Box::pin(async move {
            let result = work(conn).await;
            if let Err(err) = &result {
                tracing::warn!(error.message = %err, "write job failed; its savepoint is rolled back");
            }
            let (result, tail, rolled_back) = match result {
                Ok((value, _)) if refused(&value) => (Ok(value), None, true),
                Ok((value, tail)) => (Ok(value), Some(tail), false),
                Err(_) => (Err(WriteError::Failed), None, true),
            };
            Box::new(Done {
                result,
                tail,
                rolled_back,
                reply,
            }) as Box<dyn ErasedDone>
        })
    }

    fn abort(self: Box<Self>, err: WriteError) {
        let _ = self.reply.send(Err(err));
    }
}

struct Done<T> {
    result: Result<T, WriteError>,
    tail: Option<Deferred>,
    /// The job's savepoint must be rolled back (it failed or refused).
    rolled_back: bool,
    reply: oneshot::Sender<Result<T, WriteError>>,
}

impl<T: Send> ErasedDone for Done<T> {
    fn failed(&self) -> bool {
        self.rolled_back
    }

    fn take_tail(&mut self) -> Option<Deferred> {
        self.tail.take()
    }

    fn fail(&mut self) {
        self.rolled_back = true;
        self.result = Err(WriteError::Failed);
    }

    fn complete(self: Box<Self>, commit: Result<(), WriteError>) {
        let outcome = match commit {
            Ok(()) => self.result,
            Err(e) => Err(e),
        };
        let _ = self.reply.send(outcome);
    }
}

/// Runs one or more `;`-separated statements in a single round trip to the database.
async fn exec(conn: &mut Conn, sql: &'static str) -> Result<(), sqlx::Error> {
    // A plain `&str` runs unprepared, all its statements in one command.
    conn.execute_raw(sql).await
}

// Every statement is a hand-off to sqlx's SQLite thread and back, and those hand-offs, not
// SQLite, bound the writer's throughput. So the savepoint boundaries between two jobs go
// as one round trip ("RELEASE job; SAVEPOINT job"), as do the transaction's two ends, and a
// job's deferred writes travel with the boundary after it.
const OPEN_SQLITE: &str = "BEGIN IMMEDIATE; SAVEPOINT job";
/// On PostgreSQL the batch first takes the cluster-wide write lock (see `db::WRITE_LOCK`).
const OPEN_POSTGRES: &str = "BEGIN; SELECT pg_advisory_xact_lock(7161124095544680818); SAVEPOINT job";
const NEXT_JOB: &str = "RELEASE job; SAVEPOINT job";
const CLOSE: &str = "RELEASE job; COMMIT";

/// Opens the writer's connection. Statement journals for the per-job savepoints stay in
/// memory rather than in temp files.
///
/// Checkpoints stay SQLite's automatic ones, run by this connection right after a commit:
/// a checkpointer on another connection (tried) never catches up with a writer that appends
/// all the time, so the log is never restarted — it grew to 2.1 GB in ten seconds of the
/// webhook benchmark.
async fn open(options: &SqliteConnectOptions) -> Result<sqlx::SqliteConnection, sqlx::Error> {
    use sqlx::Executor as _;
    let mut conn = options.connect().await?;
    conn.execute("PRAGMA temp_store = MEMORY").await?;
    #[cfg(feature = "sql-trace")]
    trace::install_from_env(&mut conn).await?;
    Ok(conn)
}

/// Opens a new connection for a writer whose connection died (PostgreSQL: the server
/// restarted, failed over, or dropped an idle connection). SQLite's file does not go away.
type Reconnect = Box<dyn Fn() -> BoxFuture<'static, Result<Conn, sqlx::Error>> + Send>;

/// After a batch that did not commit: if the connection itself is gone, replace it, so the
/// next batch can commit instead of every later write answering 503 until a restart.
async fn heal(conn: &mut Conn, reconnect: Option<&Reconnect>, healthy: &AtomicBool) {
    let Some(reconnect) = reconnect else { return };
    if exec(conn, "SELECT 1").await.is_ok() {
        healthy.store(true, Ordering::Relaxed);
        return;
    }
    match reconnect().await {
        Ok(fresh) => {
            tracing::warn!("the writer's database connection was lost; reconnected");
            *conn = fresh;
            healthy.store(true, Ordering::Relaxed);
        }
        Err(err) => {
            healthy.store(false, Ordering::Relaxed);
            tracing::error!(error.message = %err, "the writer could not reconnect to the database");
            // The next batch tries again; in between, callers hear 503 at once.
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }
}

async fn run(
    mut conn: Conn,
    mut rx: mpsc::Receiver<Box<dyn ErasedJob>>,
    max_batch: usize,
    reconnect: Option<Reconnect>,
    healthy: Arc<AtomicBool>,
) {
    let open = match conn.engine() {
        Engine::Sqlite => OPEN_SQLITE,
        Engine::Postgres => OPEN_POSTGRES,
    };
    let mut batch: Vec<Box<dyn ErasedJob>> = Vec::with_capacity(max_batch);
    let mut done: Vec<Box<dyn ErasedDone>> = Vec::with_capacity(max_batch);
    while rx.recv_many(&mut batch, max_batch).await > 0 {
        if let Err(err) = exec(&mut conn, open).await {
            tracing::error!(error.message = %err, jobs = batch.len(), "could not begin a write transaction");
            let _ = exec(&mut conn, "ROLLBACK").await;
            for job in batch.drain(..) {
                job.abort(WriteError::Unavailable);
            }
            heal(&mut conn, reconnect.as_ref(), &healthy).await;
            continue;
        }
        // Set once anything outside a single job's savepoint fails: the batch is rolled back.
        let mut broken = false;
        let mut committed = false;
        let jobs = batch.len();
        for (i, job) in batch.drain(..).enumerate() {
            if broken {
                job.abort(WriteError::Unavailable);
                continue;
            }
            let mut outcome = job.run(&mut conn).await;
            let last = i + 1 == jobs;
            let boundary = if last { CLOSE } else { NEXT_JOB };
            let mut crossed = false;
            match outcome.take_tail() {
                Some(mut tail) if !tail.is_empty() => match tail.flush_then(&mut conn, boundary).await {
                    Ok(()) => crossed = true,
                    // Either a deferred write failed (the savepoint is still open, so rolling
                    // back to it works and the job fails alone) or the boundary itself did.
                    Err(err) => {
                        tracing::warn!(error.message = %err, "a job's deferred writes failed; its savepoint is rolled back");
                        if exec(&mut conn, "ROLLBACK TO job").await.is_ok() {
                            outcome.fail();
                        } else {
                            broken = true;
                        }
                    }
                },
                _ => {
                    // "ROLLBACK TO" keeps the savepoint open, so the boundary then releases an
                    // empty savepoint: the failed job leaves nothing behind.
                    if outcome.failed() && exec(&mut conn, "ROLLBACK TO job").await.is_err() {
                        broken = true;
                    }
                }
            }
            if !broken && !crossed {
                if let Err(err) = exec(&mut conn, boundary).await {
                    if last {
                        tracing::error!(error.message = %err, jobs, "group commit failed; answering 503");
                    }
                    broken = true;
                }
            }
            committed = last && !broken;
            done.push(outcome);
        }
        let commit = if committed {
            Ok(())
        } else {
            let _ = exec(&mut conn, "ROLLBACK").await;
            Err(WriteError::Unavailable)
        };
        for d in done.drain(..) {
            d.complete(commit.clone());
        }
        if !committed {
            heal(&mut conn, reconnect.as_ref(), &healthy).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ssr::db::{self, pipeline::Stmt};

    async fn setup() -> (tempfile::TempDir, Db, Writer) {
        let dir = tempfile::tempdir().unwrap();
        let db = db::connect(&format!("sqlite://{}", dir.path().join("w.db").display()))
            .await
            .unwrap();
        crate::ssr::db::query("CREATE TABLE t (k TEXT PRIMARY KEY)")
            .execute(&db)
            .await
            .unwrap();
        let writer = Writer::spawn(&db).await.unwrap();
        (dir, db, writer)
    }

    async fn count(db: &Db, filter: &str) -> i64 {
        crate::ssr::db::query_scalar(&format!("SELECT COUNT(*) FROM t {filter}"))
            .fetch_one(db)
            .await
            .unwrap()
    }

    fn insert(k: &'static str) -> impl for<'c> FnOnce(&'c mut Conn) -> BoxFuture<'c, Result<u64, sqlx::Error>> {
        move |conn| {
            Box::pin(async move {
                Ok(crate::ssr::db::query("INSERT INTO t (k) VALUES ($1)")
                    .bind(k)
                    .execute(conn)
                    .await?
                    .rows_affected())
            })
        }
    }

    #[tokio::test]
    async fn concurrent_jobs_commit_and_a_failing_job_rolls_back_alone() {
        let (_dir, db, writer) = setup().await;
        let keys: Vec<&'static str> = (0..200)
            .map(|i| &*Box::leak(format!("k{i}").into_boxed_str()))
            .collect();
        let mut handles = Vec::new();
        for k in keys.iter().copied() {
            let w = writer.clone();
            handles.push(tokio::spawn(async move { w.run(insert(k)).await }));
        }
        // a duplicate key fails inside its own savepoint
        let w = writer.clone();
        handles.push(tokio::spawn(async move { w.run(insert("k0")).await }));
        let mut ok = 0;
        let mut failed = 0;
        for h in handles {
            match h.await.unwrap() {
                Ok(1) => ok += 1,
                Err(WriteError::Failed) => failed += 1,
                other => panic!("unexpected {other:?}"),
            }
        }
        assert_eq!((ok, failed), (200, 1));
        let n = count(&db, "").await;
        assert_eq!(n, 200);
    }

    #[tokio::test]
    async fn a_failing_job_in_a_batch_loses_its_earlier_statements_only() {
        let (_dir, db, writer) = setup().await;
        let mut handles = Vec::new();
        for round in 0..20 {
            for k in 0..10 {
                let w = writer.clone();
                let key: &'static str = Box::leak(format!("r{round}k{k}").into_boxed_str());
                handles.push(tokio::spawn(async move { w.run(insert(key)).await.map(|_| ()) }));
            }
            let w = writer.clone();
            let half: &'static str = Box::leak(format!("half{round}").into_boxed_str());
            handles.push(tokio::spawn(async move {
                w.run(move |conn| {
                    Box::pin(async move {
                        crate::ssr::db::query("INSERT INTO t (k) VALUES ($1)")
                            .bind(half)
                            .execute(&mut *conn)
                            .await?;
                        crate::ssr::db::query("INSERT INTO nope VALUES (1)")
                            .execute(&mut *conn)
                            .await?;
                        Ok(())
                    })
                })
                .await
            }));
        }
        let mut failed = 0;
        for h in handles {
            if h.await.unwrap() == Err(WriteError::Failed) {
                failed += 1;
            }
        }
        assert_eq!(failed, 20);
        let halves = count(&db, "WHERE k LIKE 'half%'").await;
        let total = count(&db, "").await;
        assert_eq!((halves, total), (0, 200));
    }

    fn insert_deferred(
        now: &'static str,
        later: &'static str,
    ) -> impl for<'c> FnOnce(&'c mut Conn) -> BoxFuture<'c, Result<((), Deferred), sqlx::Error>> {
        move |conn| {
            Box::pin(async move {
                crate::ssr::db::query("INSERT INTO t (k) VALUES ($1)")
                    .bind(now)
                    .execute(&mut *conn)
                    .await?;
                let mut d = Deferred::default();
                d.push(Stmt::new("INSERT INTO t (k) VALUES ($1)").bind(later));
                Ok(((), d))
            })
        }
    }

    #[tokio::test]
    async fn deferred_writes_commit_with_their_job_and_a_failing_one_fails_that_job_alone() {
        let (_dir, db, writer) = setup().await;
        let leak = |s: String| -> &'static str { Box::leak(s.into_boxed_str()) };
        let mut handles = Vec::new();
        for i in 0..100 {
            let w = writer.clone();
            let (a, b) = (leak(format!("k{i}a")), leak(format!("k{i}b")));
            handles.push(tokio::spawn(async move { w.run_deferred(insert_deferred(a, b)).await }));
        }
        for h in handles.drain(..) {
            assert_eq!(h.await.unwrap(), Ok(()));
        }
        // Jobs whose deferred write collides with an existing key, raced with good ones so
        // they share batches: each must vanish whole, its immediate write included.
        let mut clashing = Vec::new();
        for i in 0..20 {
            let w = writer.clone();
            let (own, clash) = (leak(format!("own{i}")), leak(format!("k{i}a")));
            clashing.push(tokio::spawn(async move {
                w.run_deferred(insert_deferred(own, clash)).await
            }));
            let w = writer.clone();
            let (a, b) = (leak(format!("late{i}a")), leak(format!("late{i}b")));
            handles.push(tokio::spawn(async move { w.run_deferred(insert_deferred(a, b)).await }));
        }
        for h in clashing {
            assert_eq!(h.await.unwrap(), Err(WriteError::Failed));
        }
        for h in handles {
            assert_eq!(h.await.unwrap(), Ok(()));
        }
        let owns = count(&db, "WHERE k LIKE 'own%'").await;
        let total = count(&db, "").await;
        assert_eq!((owns, total), (0, 240));
    }

    #[tokio::test]
    async fn a_writer_that_died_says_so_and_answers_unavailable() {
        let (_dir, db, writer) = setup().await;
        assert!(writer.is_running());
        let res: Result<(), WriteError> = writer
            .run(|conn| {
                Box::pin(async move {
                    crate::ssr::db::query("INSERT INTO t (k) VALUES ('half')")
                        .execute(&mut *conn)
                        .await?;
                    panic!("a bug in a job")
                })
            })
            .await;
        assert_eq!(res, Err(WriteError::Unavailable));
        for _ in 0..100 {
            if !writer.is_running() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        assert!(!writer.is_running());
        assert_eq!(writer.run(insert("after")).await, Err(WriteError::Unavailable));
        // The dead writer's transaction was rolled back and its lock released.
        crate::ssr::db::query("INSERT INTO t (k) VALUES ('other')")
            .execute(&db)
            .await
            .unwrap();
        let keys: Vec<String> = crate::ssr::db::query_scalar("SELECT k FROM t")
            .fetch_all(&db)
            .await
            .unwrap();
        assert_eq!(keys, ["other"]);
    }

    #[tokio::test]
    async fn a_refusing_job_keeps_nothing_and_hands_back_its_refusal() {
        let (_dir, db, writer) = setup().await;
        let mut handles = Vec::new();
        for i in 0..50 {
            let w = writer.clone();
            let key: &'static str = Box::leak(format!("k{i}").into_boxed_str());
            let refuse = i % 2 == 0;
            handles.push(tokio::spawn(async move {
                w.run_fallible(move |conn| {
                    Box::pin(async move {
                        crate::ssr::db::query("INSERT INTO t (k) VALUES ($1)")
                            .bind(key)
                            .execute(&mut *conn)
                            .await?;
                        Ok(if refuse { Err("no") } else { Ok(key) })
                    })
                })
                .await
            }));
        }
        let mut refused = 0;
        for h in handles {
            match h.await.unwrap() {
                Ok(Err("no")) => refused += 1,
                Ok(Ok(_)) => {}
                other => panic!("unexpected {other:?}"),
            }
        }
        assert_eq!(refused, 25);
        assert_eq!(count(&db, "").await, 25);
        assert_eq!(writer.run(insert("after")).await, Ok(1));
    }

    #[test]
    fn the_batch_takes_the_same_lock_as_begin_write() {
        let lock = format!("pg_advisory_xact_lock({})", crate::ssr::db::WRITE_LOCK);
        assert!(OPEN_POSTGRES.contains(&lock));
        assert!(crate::ssr::db::begin_write_sql(Engine::Postgres).contains(&lock));
    }

    #[tokio::test]
    async fn a_lone_failing_job_leaves_nothing_behind() {
        let (_dir, db, writer) = setup().await;
        let res = writer
            .run(|conn| {
                Box::pin(async move {
                    crate::ssr::db::query("INSERT INTO t (k) VALUES ('a')")
                        .execute(&mut *conn)
                        .await?;
                    crate::ssr::db::query("INSERT INTO nope VALUES (1)")
                        .execute(&mut *conn)
                        .await?;
                    Ok(())
                })
            })
            .await;
        assert_eq!(res, Err(WriteError::Failed));
        let n = count(&db, "").await;
        assert_eq!(n, 0);
    }
}
