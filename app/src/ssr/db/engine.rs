//! The two engines behind one store: embedded SQLite (the default) and PostgreSQL (several
//! instances on one database server), chosen at start-up by `DATABASE_URL`'s scheme.
//!
//! Why an engine enum rather than `sqlx::Any` or a generic store: `Any` carries no driver
//! types (no BOOLEAN/BYTEA mapping, no typed NULLs, no `FromRow` for our rows), and making
//! every repo function generic over `sqlx::Database` would spread trait bounds through every
//! service and the writer. Here the SQL text is written once, the pool and connection are an
//! enum, and [`super::query`] binds and decodes through whichever driver the enum holds; the
//! few statements that must differ say so where they are written ([`sql`]).

use std::marker::PhantomData;

use sqlx::{pool::PoolConnection, Executor as _, PgConnection, PgPool, Postgres, Sqlite, SqliteConnection, SqlitePool};

/// Which database a pool or connection talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

impl Engine {
    /// The engine a `DATABASE_URL` names, by its scheme; `None` for anything else.
    pub fn of_url(url: &str) -> Option<Self> {
        let scheme = url.split_once(':').map(|(s, _)| s)?;
        match scheme {
            "sqlite" => Some(Self::Sqlite),
            "postgres" | "postgresql" => Some(Self::Postgres),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgres",
        }
    }
}

/// Picks the statement text for `engine`, for the few statements whose SQL cannot be shared.
pub fn sql(engine: Engine, sqlite: &'static str, postgres: &'static str) -> &'static str {
    match engine {
        Engine::Sqlite => sqlite,
        Engine::Postgres => postgres,
    }
}

/// The pool every layer shares.
#[derive(Debug, Clone)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

impl Db {
    pub fn engine(&self) -> Engine {
        match self {
            Self::Sqlite(_) => Engine::Sqlite,
            Self::Postgres(_) => Engine::Postgres,
        }
    }

    /// A connection checked out of the pool (reads outside the writer, short transactions).
    pub async fn acquire(&self) -> Result<Conn, sqlx::Error> {
        Ok(match self {
            Self::Sqlite(p) => Conn::SqlitePooled(p.acquire().await?),
            Self::Postgres(p) => Conn::PostgresPooled(p.acquire().await?),
        })
    }

    pub async fn close(&self) {
        match self {
            Self::Sqlite(p) => p.close().await,
            Self::Postgres(p) => p.close().await,
        }
    }

    pub fn is_closed(&self) -> bool {
        match self {
            Self::Sqlite(p) => p.is_closed(),
            Self::Postgres(p) => p.is_closed(),
        }
    }

    /// Runs statements without arguments in one command (migrations' helpers, set-up).
    pub async fn execute_raw(&self, sql: &str) -> Result<(), sqlx::Error> {
        match self {
            Self::Sqlite(p) => p.execute(sql).await.map(|_| ()),
            Self::Postgres(p) => p.execute(sql).await.map(|_| ()),
        }
    }
}

/// A connection of either engine: owned (the writer's) or checked out of the pool.
/// Every repo function, service and writer job takes `&mut Conn`.
#[derive(Debug)]
pub enum Conn {
    Sqlite(SqliteConnection),
    SqlitePooled(PoolConnection<Sqlite>),
    Postgres(PgConnection),
    PostgresPooled(PoolConnection<Postgres>),
}

/// A borrowed driver connection, for code that must speak to one engine directly.
pub enum ConnRef<'c> {
    Sqlite(&'c mut SqliteConnection),
    Postgres(&'c mut PgConnection),
}

impl Conn {
    pub fn engine(&self) -> Engine {
        match self {
            Self::Sqlite(_) | Self::SqlitePooled(_) => Engine::Sqlite,
            Self::Postgres(_) | Self::PostgresPooled(_) => Engine::Postgres,
        }
    }

    pub fn driver(&mut self) -> ConnRef<'_> {
        match self {
            Self::Sqlite(c) => ConnRef::Sqlite(c),
            Self::SqlitePooled(c) => ConnRef::Sqlite(c),
            Self::Postgres(c) => ConnRef::Postgres(c),
            Self::PostgresPooled(c) => ConnRef::Postgres(c),
        }
    }

    /// Runs one or more `;`-separated statements without arguments in a single command
    /// (transaction and savepoint boundaries).
    pub async fn execute_raw(&mut self, sql: &str) -> Result<(), sqlx::Error> {
        match self.driver() {
            ConnRef::Sqlite(c) => c.execute(sql).await.map(|_| ()),
            ConnRef::Postgres(c) => c.execute(sql).await.map(|_| ()),
        }
    }

    /// A pooled connection left inside a transaction must not go back to the pool.
    fn close_on_drop(&mut self) {
        match self {
            Self::SqlitePooled(c) => c.close_on_drop(),
            Self::PostgresPooled(c) => c.close_on_drop(),
            Self::Sqlite(_) | Self::Postgres(_) => {}
        }
    }
}

/// A read-only transaction on a borrowed connection: one consistent snapshot for a walk
/// that takes several statements (the audit verifier). Dropped without
/// [`commit`](Self::commit), its connection is closed rather than reused.
pub struct ReadTx<'c> {
    conn: &'c mut Conn,
    open: bool,
}

impl Conn {
    pub async fn begin_read(&mut self) -> Result<ReadTx<'_>, sqlx::Error> {
        let begin = sql(
            self.engine(),
            "BEGIN",
            "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
        );
        // The guard first (see `begin_write`): dropped mid-BEGIN, the connection is closed.
        let tx = ReadTx { conn: self, open: true };
        tx.conn.execute_raw(begin).await?;
        Ok(tx)
    }
}

impl ReadTx<'_> {
    pub async fn commit(mut self) -> Result<(), sqlx::Error> {
        // `open` until COMMIT has answered, so a drop mid-way closes the connection.
        self.conn.execute_raw("COMMIT").await?;
        self.open = false;
        Ok(())
    }
}

impl std::ops::Deref for ReadTx<'_> {
    type Target = Conn;
    fn deref(&self) -> &Conn {
        self.conn
    }
}

impl std::ops::DerefMut for ReadTx<'_> {
    fn deref_mut(&mut self) -> &mut Conn {
        self.conn
    }
}

impl Drop for ReadTx<'_> {
    fn drop(&mut self) {
        if self.open {
            self.conn.close_on_drop();
        }
    }
}

impl<'e, 'c> Executor<'e> for &'e mut ReadTx<'c> {
    fn target(self) -> Target<'e> {
        let conn: &'e mut Conn = self;
        conn.target()
    }
}

/// What serializes writes across instances on PostgreSQL: every write transaction takes this
/// transaction-scoped advisory lock first, so the writers of all instances take turns exactly
/// as SQLite's one writer does. The audit chain (read the head, append), outbox claims,
/// escalations and every check-then-write use-case stay correct without each learning about
/// other instances; the group commit amortises the lock (see `writer.rs`).
pub const WRITE_LOCK: i64 = 0x6361_6c6c_736e_6172; // "callsnar"

/// The statements that open a write transaction on `engine`.
pub fn begin_write_sql(engine: Engine) -> &'static str {
    sql(
        engine,
        // Plain `BEGIN` upgrades lazily and fails with "database is locked" under concurrent
        // writers instead of waiting; IMMEDIATE takes the write lock up front.
        "BEGIN IMMEDIATE",
        "BEGIN; SELECT pg_advisory_xact_lock(7161124095544680818)",
    )
}

/// A write transaction on a pooled connection. Dropped without [`commit`](Self::commit), its
/// connection is closed rather than returned, which discards the transaction.
#[derive(Debug)]
pub struct Tx<'a> {
    conn: Option<Conn>,
    _pool: PhantomData<&'a ()>,
}

impl Tx<'_> {
    /// Ends the transaction with `sql`. The connection stays in `self` until the statement
    /// has answered: a caller dropped mid-way (a client gone, a timeout) drops `self`, whose
    /// `Drop` closes the connection, so a transaction that may still hold the write lock
    /// never goes back to the pool.
    async fn end(mut self, sql: &str) -> Result<(), sqlx::Error> {
        self.conn
            .as_mut()
            .expect("a transaction holds its connection until it ends")
            .execute_raw(sql)
            .await?;
        // Ended: the connection may go back to the pool.
        self.conn.take();
        Ok(())
    }

    pub async fn commit(self) -> Result<(), sqlx::Error> {
        self.end("COMMIT").await
    }

    pub async fn rollback(self) -> Result<(), sqlx::Error> {
        self.end("ROLLBACK").await
    }
}

impl std::ops::Deref for Tx<'_> {
    type Target = Conn;
    fn deref(&self) -> &Conn {
        self.conn
            .as_ref()
            .expect("a transaction holds its connection until it ends")
    }
}

impl std::ops::DerefMut for Tx<'_> {
    fn deref_mut(&mut self) -> &mut Conn {
        self.conn
            .as_mut()
            .expect("a transaction holds its connection until it ends")
    }
}

impl Drop for Tx<'_> {
    fn drop(&mut self) {
        // Not ended (dropped early, or its end failed): close rather than return it.
        if let Some(conn) = self.conn.as_mut() {
            conn.close_on_drop();
        }
    }
}

/// A write transaction that takes the write lock up front (see [`begin_write_sql`]).
pub async fn begin_write(db: &Db) -> Result<Tx<'static>, sqlx::Error> {
    // The guard exists before the first await on the connection: if this future is dropped
    // while BEGIN waits for the lock, the connection is closed (the server then ends the
    // transaction and frees the lock) instead of going back to the pool holding it.
    let mut tx = Tx {
        conn: Some(db.acquire().await?),
        _pool: PhantomData,
    };
    tx.execute_raw(begin_write_sql(db.engine())).await?;
    Ok(tx)
}

/// Where a query runs: a pool or one connection, of either engine.
pub enum Target<'e> {
    SqlitePool(&'e SqlitePool),
    Sqlite(&'e mut SqliteConnection),
    PostgresPool(&'e PgPool),
    Postgres(&'e mut PgConnection),
}

/// What a query's `execute`/`fetch_*` take: `&Db`, `&mut Conn` or `&mut Tx`.
pub trait Executor<'e> {
    fn target(self) -> Target<'e>;
}

impl<'e> Executor<'e> for &'e Db {
    fn target(self) -> Target<'e> {
        match self {
            Db::Sqlite(p) => Target::SqlitePool(p),
            Db::Postgres(p) => Target::PostgresPool(p),
        }
    }
}

impl<'e> Executor<'e> for &'e mut Conn {
    fn target(self) -> Target<'e> {
        match self.driver() {
            ConnRef::Sqlite(c) => Target::Sqlite(c),
            ConnRef::Postgres(c) => Target::Postgres(c),
        }
    }
}

impl<'e, 'a> Executor<'e> for &'e mut Tx<'a> {
    fn target(self) -> Target<'e> {
        let conn: &'e mut Conn = self;
        conn.target()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lock_statement_names_the_write_lock() {
        assert!(begin_write_sql(Engine::Postgres).contains(&format!("pg_advisory_xact_lock({WRITE_LOCK})")));
    }

    #[test]
    fn the_scheme_picks_the_engine() {
        assert_eq!(Engine::of_url("sqlite://data/x.db"), Some(Engine::Sqlite));
        assert_eq!(Engine::of_url("sqlite::memory:"), Some(Engine::Sqlite));
        assert_eq!(Engine::of_url("postgres://u@h/db"), Some(Engine::Postgres));
        assert_eq!(Engine::of_url("postgresql://u@h/db"), Some(Engine::Postgres));
        assert_eq!(Engine::of_url("mysql://u@h/db"), None);
        assert_eq!(Engine::of_url("data/x.db"), None);
    }
}
