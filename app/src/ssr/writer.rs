//! The single writer. Every webhook write goes through one task that owns one connection
//! and group-commits whatever arrived together: one `BEGIN IMMEDIATE … COMMIT` (one fsync
//! under `synchronous=FULL`) for a whole batch, with a savepoint per job so one failing job
//! rolls back alone. A caller hears "ok" only after the commit that holds its writes, so a
//! 2xx to a provider always means the evidence is durable.
//!
//! Per-request FULL commits topped out around 4,500/s on the 2-core machine; batching is
//! what lets the webhooks take retry storms without answering 2xx for unstored work.

use futures::future::BoxFuture;
use sqlx::{pool::PoolConnection, Sqlite, SqliteConnection};
use tokio::sync::{mpsc, oneshot};

use crate::ssr::db::Db;

/// Most jobs folded into one transaction; bounds the latency one commit can add.
const MAX_BATCH: usize = 512;
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
}

impl Writer {
    /// Spawns the writer task on a dedicated connection taken from the pool.
    pub async fn spawn(db: &Db) -> Result<Self, sqlx::Error> {
        let conn = db.acquire().await?;
        let (tx, rx) = mpsc::channel(QUEUE_DEPTH);
        tokio::spawn(run(conn, rx));
        Ok(Self { tx })
    }

    /// Runs `work` inside the next group transaction and returns its result once committed.
    pub async fn run<T, F>(&self, work: F) -> Result<T, WriteError>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut SqliteConnection) -> BoxFuture<'c, Result<T, sqlx::Error>> + Send + 'static,
    {
        let (reply, done) = oneshot::channel();
        self.tx
            .send(Box::new(Job { work, reply }))
            .await
            .map_err(|_| WriteError::Unavailable)?;
        done.await.map_err(|_| WriteError::Unavailable)?
    }
}

struct Job<T, F> {
    work: F,
    reply: oneshot::Sender<Result<T, WriteError>>,
}

trait ErasedJob: Send {
    fn run<'c>(self: Box<Self>, conn: &'c mut SqliteConnection) -> BoxFuture<'c, Box<dyn ErasedDone>>;
    fn abort(self: Box<Self>, err: WriteError);
}

trait ErasedDone: Send {
    fn failed(&self) -> bool;
    fn complete(self: Box<Self>, commit: Result<(), WriteError>);
}

impl<T, F> ErasedJob for Job<T, F>
where
    T: Send + 'static,
    F: for<'c> FnOnce(&'c mut SqliteConnection) -> BoxFuture<'c, Result<T, sqlx::Error>> + Send + 'static,
{
    fn run<'c>(self: Box<Self>, conn: &'c mut SqliteConnection) -> BoxFuture<'c, Box<dyn ErasedDone>> {
        let Job { work, reply } = *self;
        Box::pin(async move {
            let result = work(conn).await;
            if let Err(err) = &result {
                tracing::warn!(error.message = %err, "write job failed; its savepoint is rolled back");
            }
            Box::new(Done {
                result: result.map_err(|_| WriteError::Failed),
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
    reply: oneshot::Sender<Result<T, WriteError>>,
}

impl<T: Send> ErasedDone for Done<T> {
    fn failed(&self) -> bool {
        self.result.is_err()
    }

    fn complete(self: Box<Self>, commit: Result<(), WriteError>) {
        let outcome = match commit {
            Ok(()) => self.result,
            Err(e) => Err(e),
        };
        let _ = self.reply.send(outcome);
    }
}

async fn exec(conn: &mut SqliteConnection, sql: &str) -> Result<(), sqlx::Error> {
    sqlx::query(sql).execute(conn).await.map(|_| ())
}

async fn run(mut conn: PoolConnection<Sqlite>, mut rx: mpsc::Receiver<Box<dyn ErasedJob>>) {
    let mut batch: Vec<Box<dyn ErasedJob>> = Vec::with_capacity(MAX_BATCH);
    let mut done: Vec<Box<dyn ErasedDone>> = Vec::with_capacity(MAX_BATCH);
    while rx.recv_many(&mut batch, MAX_BATCH).await > 0 {
        if let Err(err) = exec(&mut conn, "BEGIN IMMEDIATE").await {
            tracing::error!(error.message = %err, jobs = batch.len(), "could not begin a write transaction");
            for job in batch.drain(..) {
                job.abort(WriteError::Unavailable);
            }
            continue;
        }
        let single = batch.len() == 1;
        let mut broken = false;
        for job in batch.drain(..) {
            if broken {
                job.abort(WriteError::Unavailable);
                continue;
            }
            // A lone job needs no savepoint: if it fails the whole transaction rolls back.
            if !single && exec(&mut conn, "SAVEPOINT job").await.is_err() {
                broken = true;
                job.abort(WriteError::Unavailable);
                continue;
            }
            let outcome = job.run(&mut conn).await;
            if !single {
                let closed = if outcome.failed() {
                    exec(&mut conn, "ROLLBACK TO job")
                        .await
                        .and(exec(&mut conn, "RELEASE job").await)
                } else {
                    exec(&mut conn, "RELEASE job").await
                };
                broken = closed.is_err();
            }
            done.push(outcome);
        }
        let all_failed = single && done.first().is_some_and(|d| d.failed());
        let commit = if broken || all_failed {
            let _ = exec(&mut conn, "ROLLBACK").await;
            if broken {
                Err(WriteError::Unavailable)
            } else {
                Ok(())
            }
        } else {
            match exec(&mut conn, "COMMIT").await {
                Ok(()) => Ok(()),
                Err(err) => {
                    tracing::error!(error.message = %err, jobs = done.len(), "group commit failed; answering 503");
                    let _ = exec(&mut conn, "ROLLBACK").await;
                    Err(WriteError::Unavailable)
                }
            }
        };
        for d in done.drain(..) {
            d.complete(commit.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ssr::db;

    async fn setup() -> (tempfile::TempDir, Db, Writer) {
        let dir = tempfile::tempdir().unwrap();
        let db = db::connect(&format!("sqlite://{}", dir.path().join("w.db").display()))
            .await
            .unwrap();
        sqlx::query("CREATE TABLE t (k TEXT PRIMARY KEY)")
            .execute(&db)
            .await
            .unwrap();
        let writer = Writer::spawn(&db).await.unwrap();
        (dir, db, writer)
    }

    fn insert(
        k: &'static str,
    ) -> impl for<'c> FnOnce(&'c mut SqliteConnection) -> BoxFuture<'c, Result<u64, sqlx::Error>> {
        move |conn| {
            Box::pin(async move {
                Ok(sqlx::query("INSERT INTO t (k) VALUES ($1)")
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
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM t")
            .fetch_one(&db)
            .await
            .unwrap();
        assert_eq!(n, 200);
    }

    #[tokio::test]
    async fn a_lone_failing_job_leaves_nothing_behind() {
        let (_dir, db, writer) = setup().await;
        let res = writer
            .run(|conn| {
                Box::pin(async move {
                    sqlx::query("INSERT INTO t (k) VALUES ('a')")
                        .execute(&mut *conn)
                        .await?;
                    sqlx::query("INSERT INTO nope VALUES (1)").execute(&mut *conn).await?;
                    Ok(())
                })
            })
            .await;
        assert_eq!(res, Err(WriteError::Failed));
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM t")
            .fetch_one(&db)
            .await
            .unwrap();
        assert_eq!(n, 0);
    }
}
