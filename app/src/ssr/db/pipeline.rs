//! Statements that can wait: writes whose result nobody reads are collected and sent to
//! SQLite together with the next statement that does need an answer, as one multi-statement
//! command.
//!
//! Every command to sqlx's SQLite driver is a hand-off to its thread and back, and on the
//! single writer those hand-offs, not SQLite, were the larger part of each webhook's cost. A
//! missed call used to take thirteen of them. The SQL of each statement still lives with its
//! table's module; this only decides when it travels.
//!
//! Order is kept: pending statements run, in the order they were pushed, before the statement
//! they travel with, so a read sees every earlier write. If any of them fails, the command
//! fails and the caller's job rolls back as it would have for a single statement.
//!
//! Several statements with arguments in one command is a SQLite-driver feature; the
//! statements themselves stay portable. On PostgreSQL, whose extended protocol takes one
//! statement per prepare, `Deferred` sends them one after another (no single writer thread
//! to hand off to there), with the same ordering.

use sqlx::{sqlite::SqliteArguments, Arguments};

use super::{Conn, ConnRef, Row};

/// A bind value owned by a pending statement.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    Text(String),
    Int(i64),
    /// NULL of a text column: PostgreSQL types every parameter, so a NULL says which.
    NullText,
    NullInt,
}

/// The NULL of a bind value's type.
pub trait Nullable {
    const NULL: Arg;
}

impl Nullable for &str {
    const NULL: Arg = Arg::NullText;
}

impl Nullable for String {
    const NULL: Arg = Arg::NullText;
}

impl Nullable for i64 {
    const NULL: Arg = Arg::NullInt;
}

impl From<&str> for Arg {
    fn from(v: &str) -> Self {
        Arg::Text(v.to_owned())
    }
}

impl From<String> for Arg {
    fn from(v: String) -> Self {
        Arg::Text(v)
    }
}

impl From<i64> for Arg {
    fn from(v: i64) -> Self {
        Arg::Int(v)
    }
}

impl<T: Into<Arg> + Nullable> From<Option<T>> for Arg {
    fn from(v: Option<T>) -> Self {
        v.map_or(T::NULL, Into::into)
    }
}

/// One statement with its arguments, numbered `$1…` as everywhere else in the store.
#[derive(Debug, Clone)]
pub struct Stmt {
    sql: &'static str,
    args: Vec<Arg>,
}

impl Stmt {
    pub fn new(sql: &'static str) -> Self {
        Self { sql, args: Vec::new() }
    }

    pub fn bind(mut self, arg: impl Into<Arg>) -> Self {
        self.args.push(arg.into());
        self
    }

    /// Runs this statement alone.
    pub async fn execute(self, conn: &mut Conn) -> Result<u64, sqlx::Error> {
        self.query().execute(conn).await.map(|r| r.rows_affected())
    }

    /// This statement as a query of either engine.
    fn query(&self) -> super::Query<'_> {
        self.args.iter().fold(super::query(self.sql), |q, a| match a {
            Arg::Text(s) => q.bind(s.as_str()),
            Arg::Int(i) => q.bind(*i),
            Arg::NullText => q.bind(None::<&str>),
            Arg::NullInt => q.bind(None::<i64>),
        })
    }
}

/// Writes waiting for the next round trip.
#[derive(Debug, Default)]
pub struct Deferred {
    pending: Vec<Stmt>,
}

impl Deferred {
    pub fn push(&mut self, stmt: Stmt) {
        self.pending.push(stmt);
    }

    pub fn is_empty(&self) -> bool {
        self.pending.is_empty()
    }

    /// Runs everything pending in one round trip.
    pub async fn flush(&mut self, conn: &mut Conn) -> Result<(), sqlx::Error> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let stmts = std::mem::take(&mut self.pending);
        if let ConnRef::Postgres(_) = conn.driver() {
            for stmt in &stmts {
                stmt.query().execute(&mut *conn).await?;
            }
            return Ok(());
        }
        let ConnRef::Sqlite(c) = conn.driver() else {
            unreachable!()
        };
        let (sql, args) = combine(stmts.iter());
        sqlx::query_with(&sql, arguments(args)?).execute(c).await.map(|_| ())
    }

    /// Runs everything pending, then `sql` (fixed statements without arguments, such as a
    /// savepoint boundary), in one round trip.
    pub async fn flush_then(&mut self, conn: &mut Conn, sql: &'static str) -> Result<(), sqlx::Error> {
        if let ConnRef::Postgres(_) = conn.driver() {
            // Boundaries hold several statements, which only the simple protocol takes.
            self.flush(conn).await?;
            return conn.execute_raw(sql).await;
        }
        self.pending.push(Stmt::new(sql));
        self.flush(conn).await
    }

    /// Runs everything pending, then `query`, in one round trip; returns `query`'s one row.
    pub async fn fetch_one<R: Row>(&mut self, conn: &mut Conn, query: Stmt) -> Result<R, sqlx::Error> {
        if let ConnRef::Postgres(_) = conn.driver() {
            self.flush(conn).await?;
            let q = query.query();
            return super::QueryAs::<R>::from_query(q).fetch_one(conn).await;
        }
        let ConnRef::Sqlite(conn) = conn.driver() else {
            unreachable!()
        };
        let stmts = std::mem::take(&mut self.pending);
        let (sql, args) = combine(stmts.iter().chain(std::iter::once(&query)));
        // The pending statements return no rows, so the first row is `query`'s; it runs last,
        // so stopping after that row skips nothing.
        sqlx::query_as_with(&sql, arguments(args)?).fetch_one(conn).await
    }
}

fn arguments<'q>(args: impl IntoIterator<Item = &'q Arg>) -> Result<SqliteArguments<'q>, sqlx::Error> {
    let mut out = SqliteArguments::default();
    for a in args {
        match a {
            Arg::Text(s) => out.add(s.as_str()),
            Arg::Int(i) => out.add(*i),
            Arg::NullText => out.add(None::<&str>),
            Arg::NullInt => out.add(None::<i64>),
        }
        .map_err(sqlx::Error::Encode)?;
    }
    Ok(out)
}

/// Joins statements into one command, renumbering each statement's `$n` past the arguments
/// of the statements before it.
fn combine<'s>(stmts: impl Iterator<Item = &'s Stmt>) -> (String, Vec<&'s Arg>) {
    let mut sql = String::new();
    let mut args = Vec::new();
    for stmt in stmts {
        if !sql.is_empty() {
            sql.push_str(";\n");
        }
        renumber(stmt.sql, args.len(), &mut sql);
        args.extend(stmt.args.iter());
    }
    (sql, args)
}

/// Copies `sql` to `out` with every `$n` outside string literals shifted by `offset`. (The
/// store's SQL has no comments, so literals are the only text to skip.)
fn renumber(sql: &str, offset: usize, out: &mut String) {
    let mut in_literal = false;
    let mut chars = sql.char_indices().peekable();
    while let Some((_, c)) = chars.next() {
        if c == '\'' {
            in_literal = !in_literal;
        }
        if c != '$' || in_literal {
            out.push(c);
            continue;
        }
        let mut n = 0usize;
        let mut digits = 0;
        while let Some(&(_, d)) = chars.peek() {
            let Some(v) = d.to_digit(10) else { break };
            n = n * 10 + v as usize;
            digits += 1;
            chars.next();
        }
        out.push('$');
        if digits > 0 {
            out.push_str(&(n + offset).to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_renumbered_past_earlier_statements_but_not_inside_literals() {
        let a = Stmt::new("UPDATE t SET a = $2 WHERE id = $1").bind("x").bind(1);
        let b = Stmt::new("SELECT '$1', $1 || $2, $10").bind(2).bind("y");
        let (sql, args) = combine([&a, &b].into_iter());
        assert_eq!(sql, "UPDATE t SET a = $2 WHERE id = $1;\nSELECT '$1', $3 || $4, $12");
        assert_eq!(args.len(), 4);
    }

    #[tokio::test]
    async fn pending_writes_run_in_order_before_the_read_that_travels_with_them() {
        use sqlx::Connection;
        let mut conn = Conn::Sqlite(sqlx::SqliteConnection::connect("sqlite::memory:").await.unwrap());
        crate::ssr::db::query("CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER)")
            .execute(&mut conn)
            .await
            .unwrap();
        let mut d = Deferred::default();
        d.push(Stmt::new("INSERT INTO t (k, v) VALUES ($1, $2)").bind("a").bind(1));
        d.push(
            Stmt::new("UPDATE t SET v = v + $2 WHERE k = $1")
                .bind("a")
                .bind(Some(41)),
        );
        d.push(
            Stmt::new("INSERT INTO t (k, v) VALUES ($1, $2)")
                .bind("b")
                .bind(None::<i64>),
        );
        let (v, nulls): (i64, i64) = d
            .fetch_one(
                &mut conn,
                Stmt::new("SELECT (SELECT v FROM t WHERE k = $1), (SELECT COUNT(*) FROM t WHERE v IS NULL)").bind("a"),
            )
            .await
            .unwrap();
        assert_eq!((v, nulls), (42, 1));
        assert!(d.is_empty());

        // A failing pending statement fails the round trip; nothing after it runs.
        d.push(Stmt::new("INSERT INTO t (k, v) VALUES ($1, 0)").bind("a"));
        d.push(Stmt::new("INSERT INTO t (k, v) VALUES ($1, 0)").bind("c"));
        assert!(d.flush(&mut conn).await.is_err());
        let c: i64 = crate::ssr::db::query_scalar("SELECT COUNT(*) FROM t WHERE k = 'c'")
            .fetch_one(&mut conn)
            .await
            .unwrap();
        assert_eq!(c, 0);
    }
}
