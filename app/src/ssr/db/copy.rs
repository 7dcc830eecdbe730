//! `callsnare db copy`: an office's whole SQLite database into a new, empty PostgreSQL one,
//! for users who outgrow the embedded default.
//!
//! Nothing here names a table. The tables are the SQLite file's own, copied parents first
//! (the order comes from SQLite's foreign keys), and each table's columns and their types
//! come from the PostgreSQL schema the target's migrations made, so a new table or column
//! needs no change here. Each value is read from SQLite as the type its PostgreSQL column
//! has (SQLite's 0/1 becomes a boolean) and the rows go in as multi-row INSERTs.
//!
//! Everything is written in one PostgreSQL transaction, checked (row counts, table by
//! table) before it commits: a copy that fails or does not add up leaves no data behind
//! (only the schema, which a retry reuses). The source is opened read-only and read in one
//! snapshot, so a server still running on it cannot make the copy inconsistent; what it
//! writes after the snapshot is not in the copy, which is why the server should be stopped
//! first.
//!
//! Left out: the migrators' bookkeeping (the target has its own) and the staff sessions
//! (tower-sessions' table): staff sign in again on the new database.
//!
//! The audit chain goes across as stored (numbers, hashes, heads) and is verified on the
//! copy afterwards by the caller. The target's triggers stay on: the PostgreSQL schema has
//! none today, and guards refusing UPDATE or DELETE on the audit tables would not fire on a
//! copy's INSERTs. A trigger checking each new audit record against its org's head would
//! refuse the copy (the heads go in before the records: both only reference `orgs`, and
//! ties go alphabetically).

use std::{
    collections::{BTreeMap, BTreeSet},
    fmt,
    str::FromStr,
    time::Duration,
};

use futures::TryStreamExt;
use sqlx::{
    postgres::PgPoolOptions,
    sqlite::{SqliteConnectOptions, SqlitePoolOptions, SqliteRow},
    PgConnection, PgPool, Postgres, QueryBuilder, Row, SqliteConnection, SqlitePool,
};

use super::{MIGRATOR_POSTGRES, MIGRATOR_SQLITE};

/// Tables a copy leaves out (besides SQLite's own `sqlite_*`).
pub const NOT_COPIED: &[&str] = &["_sqlx_migrations", "tower_sessions"];

/// PostgreSQL takes at most this many bind parameters in one statement.
const MAX_BINDS: usize = u16::MAX as usize;
/// Rows per INSERT at most, so one statement stays a reasonable size with few columns.
const MAX_ROWS: usize = 1000;

/// The database to copy from: a `sqlite:` URL.
#[derive(Debug, Clone)]
pub struct SourceUrl(String);

impl SourceUrl {
    pub fn parse(s: &str) -> Result<Self, UrlError> {
        if s.starts_with("sqlite:") {
            Ok(Self(s.to_owned()))
        } else {
            Err(UrlError::NotSqlite)
        }
    }
}

/// The database to copy into: a `postgres:`/`postgresql:` URL. Its `Debug` hides it (it
/// may hold a password).
#[derive(Clone)]
pub struct TargetUrl(String);

impl TargetUrl {
    pub fn parse(s: &str) -> Result<Self, UrlError> {
        if s.starts_with("postgres:") || s.starts_with("postgresql:") {
            Ok(Self(s.to_owned()))
        } else {
            Err(UrlError::NotPostgres)
        }
    }

    /// The URL itself, to open the copy once it is made.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for TargetUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TargetUrl(…)")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlError {
    #[error("expected a SQLite URL, like sqlite://data/callsnare.db")]
    NotSqlite,
    #[error("expected a PostgreSQL URL, like postgres://user@host:5432/callsnare")]
    NotPostgres,
}

#[derive(Debug, thiserror::Error)]
pub enum CopyError {
    #[error("could not open the source database")]
    OpenSource(#[source] sqlx::Error),
    #[error(
        "the source is not a CallSnare database or was never migrated: run `callsnare migrate` \
         with DATABASE_URL set to it first"
    )]
    SourceNotMigrated,
    #[error(
        "the source lacks {missing} of this CallSnare's migrations (from {first} on): run \
         `callsnare migrate` with DATABASE_URL set to it first"
    )]
    SourceBehind { missing: usize, first: i64 },
    #[error(
        "the source has migrations this CallSnare does not know ({0}): copy it with the CallSnare \
         version that last ran on it"
    )]
    SourceAhead(String),
    #[error("could not connect to the target database")]
    OpenTarget(#[source] sqlx::Error),
    #[error("could not bring the target's schema up to date")]
    MigrateTarget(#[source] sqlx::migrate::MigrateError),
    #[error("the target already holds data (in {0}): copy into a new, empty database")]
    TargetNotEmpty(String),
    #[error("the source and the PostgreSQL schema disagree: {0}")]
    SchemaMismatch(String),
    #[error("the foreign keys of {0} form a cycle: they cannot be copied parents first")]
    ForeignKeyCycle(String),
    #[error("{table}.{column} is of type {ty} in PostgreSQL, which db copy does not fill")]
    UnsupportedType { table: String, column: String, ty: String },
    #[error("the row counts do not match after the copy ({0})")]
    CountMismatch(String),
    #[error("reading {0} from the source failed")]
    Read(String, #[source] sqlx::Error),
    #[error("writing {0} into the target failed")]
    Write(String, #[source] sqlx::Error),
    #[error("the source database failed")]
    Source(#[source] sqlx::Error),
    #[error("the target database failed")]
    Target(#[source] sqlx::Error),
}

/// What a copy did: each table copied with its rows, parents first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyReport {
    pub tables: Vec<TableCopied>,
    /// Tables of the PostgreSQL schema the source does not have (left empty).
    pub not_in_source: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableCopied {
    pub name: String,
    pub rows: i64,
}

/// Copies every table of `from` into `to`, which must hold no data yet. `to`'s schema is
/// first brought up to date with the PostgreSQL migrations. Refuses, before writing
/// anything, a source that is not at exactly this CallSnare's SQLite migrations.
pub async fn copy(from: &SourceUrl, to: &TargetUrl) -> Result<CopyReport, CopyError> {
    let source = open_source(from).await?;
    check_source_migrations(&source).await?;
    let target = PgPoolOptions::new()
        .max_connections(2)
        .acquire_timeout(Duration::from_secs(30))
        .connect(&to.0)
        .await
        .map_err(CopyError::OpenTarget)?;
    // Before migrating: a database that holds anything is not ours to change.
    {
        let mut conn = target.acquire().await.map_err(CopyError::Target)?;
        let tables = target_tables(&mut conn).await?;
        refuse_data(&mut conn, &tables).await?;
    }
    MIGRATOR_POSTGRES.run(&target).await.map_err(CopyError::MigrateTarget)?;
    let copied = copy_all(&source, &target).await;
    source.close().await;
    target.close().await;
    copied
}

/// Read-only: a copy never changes its source, and a missing file is an error, not a new
/// empty database.
async fn open_source(from: &SourceUrl) -> Result<SqlitePool, CopyError> {
    let options = SqliteConnectOptions::from_str(&from.0)
        .map_err(CopyError::OpenSource)?
        .read_only(true)
        .create_if_missing(false)
        .busy_timeout(Duration::from_secs(5));
    SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await
        .map_err(CopyError::OpenSource)
}

/// The source must be exactly at this CallSnare's SQLite migrations, as the PostgreSQL
/// schema is at the same point of the same history.
async fn check_source_migrations(source: &SqlitePool) -> Result<(), CopyError> {
    let tracked: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'")
            .fetch_one(source)
            .await
            .map_err(CopyError::OpenSource)?;
    if tracked == 0 {
        return Err(CopyError::SourceNotMigrated);
    }
    let applied: BTreeSet<i64> =
        sqlx::query_scalar::<_, i64>("SELECT version FROM _sqlx_migrations WHERE success = TRUE")
            .fetch_all(source)
            .await
            .map_err(CopyError::Source)?
            .into_iter()
            .collect();
    let embedded: BTreeSet<i64> = MIGRATOR_SQLITE
        .iter()
        .filter(|m| !m.migration_type.is_down_migration())
        .map(|m| m.version)
        .collect();
    if applied.is_empty() {
        return Err(CopyError::SourceNotMigrated);
    }
    let missing: Vec<i64> = embedded.difference(&applied).copied().collect();
    if let Some(first) = missing.first() {
        return Err(CopyError::SourceBehind {
            missing: missing.len(),
            first: *first,
        });
    }
    let unknown: Vec<String> = applied.difference(&embedded).map(i64::to_string).collect();
    if !unknown.is_empty() {
        return Err(CopyError::SourceAhead(unknown.join(", ")));
    }
    Ok(())
}

/// The copy proper, once both sides are at the same schema.
async fn copy_all(source: &SqlitePool, target: &PgPool) -> Result<CopyReport, CopyError> {
    // One read transaction: every table and every count from the same snapshot.
    let mut snapshot = source.begin().await.map_err(CopyError::Source)?;
    let tables = source_tables(&mut snapshot).await?;
    let order = copy_order(&mut snapshot, &tables).await?;

    let mut tx = target.begin().await.map_err(CopyError::Target)?;
    let in_target = target_tables(&mut tx).await?;
    let absent: Vec<&str> = tables
        .iter()
        .filter(|t| !in_target.contains(*t))
        .map(String::as_str)
        .collect();
    if !absent.is_empty() {
        return Err(CopyError::SchemaMismatch(format!(
            "PostgreSQL has no table {}",
            absent.join(", ")
        )));
    }
    // No one else writes these tables until the copy commits, and they are still empty now.
    let all: Vec<String> = in_target.iter().map(|t| ident(t)).collect();
    if !all.is_empty() {
        sqlx::query(&format!("LOCK TABLE {} IN EXCLUSIVE MODE", all.join(", ")))
            .execute(&mut *tx)
            .await
            .map_err(CopyError::Target)?;
    }
    refuse_data(&mut tx, &in_target).await?;

    let mut copied = Vec::with_capacity(order.len());
    for table in &order {
        let columns = target_columns(&mut tx, table).await?;
        check_columns(&mut snapshot, table, &columns).await?;
        let rows = copy_table(&mut snapshot, &mut tx, table, &columns).await?;
        reset_sequences(&mut tx, table, &columns).await?;
        copied.push(TableCopied {
            name: table.clone(),
            rows,
        });
    }

    let mut mismatched = Vec::new();
    for t in &copied {
        let count = format!("SELECT COUNT(*) FROM {}", ident(&t.name));
        let in_source: i64 = sqlx::query_scalar(&count)
            .fetch_one(&mut *snapshot)
            .await
            .map_err(|e| CopyError::Read(t.name.clone(), e))?;
        let in_copy: i64 = sqlx::query_scalar(&count)
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| CopyError::Write(t.name.clone(), e))?;
        if in_source != t.rows || in_copy != t.rows {
            mismatched.push(format!(
                "{}: {in_source} in the source, {} copied, {in_copy} in the target",
                t.name, t.rows
            ));
        }
    }
    if !mismatched.is_empty() {
        // Dropping `tx` rolls the whole copy back.
        return Err(CopyError::CountMismatch(mismatched.join("; ")));
    }
    tx.commit().await.map_err(CopyError::Target)?;
    // The snapshot only read; ending it changes nothing.
    snapshot.rollback().await.map_err(CopyError::Source)?;

    let not_in_source = in_target.into_iter().filter(|t| !tables.contains(t)).collect();
    Ok(CopyReport {
        tables: copied,
        not_in_source,
    })
}

/// The source's application tables.
async fn source_tables(src: &mut SqliteConnection) -> Result<BTreeSet<String>, CopyError> {
    let names: Vec<String> = sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table'")
        .fetch_all(&mut *src)
        .await
        .map_err(CopyError::Source)?;
    Ok(names
        .into_iter()
        .filter(|n| !n.starts_with("sqlite_") && !NOT_COPIED.contains(&n.as_str()))
        .collect())
}

/// The target's application tables (in the schema the connection works in).
async fn target_tables(dst: &mut PgConnection) -> Result<BTreeSet<String>, CopyError> {
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables \
         WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'",
    )
    .fetch_all(&mut *dst)
    .await
    .map_err(CopyError::Target)?;
    Ok(names
        .into_iter()
        .filter(|n| !NOT_COPIED.contains(&n.as_str()))
        .collect())
}

/// Refuses when any of `tables` holds a row.
async fn refuse_data(dst: &mut PgConnection, tables: &BTreeSet<String>) -> Result<(), CopyError> {
    let mut holding = Vec::new();
    for table in tables {
        let any: bool = sqlx::query_scalar(&format!("SELECT EXISTS (SELECT 1 FROM {})", ident(table)))
            .fetch_one(&mut *dst)
            .await
            .map_err(CopyError::Target)?;
        if any {
            holding.push(table.as_str());
        }
    }
    if holding.is_empty() {
        Ok(())
    } else {
        Err(CopyError::TargetNotEmpty(holding.join(", ")))
    }
}

/// The tables in an order where every table comes after the tables its foreign keys
/// reference. A table referencing itself would also need its own rows in order; none does.
async fn copy_order(src: &mut SqliteConnection, tables: &BTreeSet<String>) -> Result<Vec<String>, CopyError> {
    let mut parents = BTreeMap::new();
    for table in tables {
        let referenced: Vec<String> = sqlx::query_scalar(r#"SELECT DISTINCT "table" FROM pragma_foreign_key_list($1)"#)
            .bind(table)
            .fetch_all(&mut *src)
            .await
            .map_err(CopyError::Source)?;
        let referenced: BTreeSet<String> = referenced
            .into_iter()
            .filter(|p| p != table && tables.contains(p))
            .collect();
        parents.insert(table.clone(), referenced);
    }
    parents_first(parents).map_err(|stuck| CopyError::ForeignKeyCycle(stuck.join(", ")))
}

/// Kahn's topological sort over `table → tables it references`. Tables ready at the same
/// time go alphabetically, so the order is the same on every run. `Err` holds the tables
/// left on a cycle.
fn parents_first(mut parents: BTreeMap<String, BTreeSet<String>>) -> Result<Vec<String>, Vec<String>> {
    let mut order = Vec::with_capacity(parents.len());
    loop {
        let ready: Vec<String> = parents
            .iter()
            .filter(|(_, p)| p.is_empty())
            .map(|(t, _)| t.clone())
            .collect();
        if ready.is_empty() {
            break;
        }
        for table in &ready {
            parents.remove(table);
        }
        for waiting in parents.values_mut() {
            for table in &ready {
                waiting.remove(table);
            }
        }
        order.extend(ready);
    }
    if parents.is_empty() {
        Ok(order)
    } else {
        Err(parents.into_keys().collect())
    }
}

/// How a value is read from SQLite and bound for PostgreSQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Int,
    Bool,
    Text,
    Bytes,
    Float,
}

impl Kind {
    /// By the PostgreSQL column's type (`information_schema.columns.data_type`). Narrower
    /// integer and float columns take the wide value by PostgreSQL's assignment cast.
    fn of(data_type: &str) -> Option<Self> {
        Some(match data_type {
            "bigint" | "integer" | "smallint" => Kind::Int,
            "boolean" => Kind::Bool,
            "text" | "character varying" | "character" => Kind::Text,
            "bytea" => Kind::Bytes,
            "double precision" | "real" => Kind::Float,
            _ => return None,
        })
    }
}

/// A target column the copy fills.
#[derive(Debug, Clone)]
struct Column {
    name: String,
    kind: Kind,
    /// `GENERATED ALWAYS AS IDENTITY`: the insert must say it brings its own values.
    always_identity: bool,
}

/// The target table's columns in order (generated ones excluded: PostgreSQL computes them).
async fn target_columns(dst: &mut PgConnection, table: &str) -> Result<Vec<Column>, CopyError> {
    let rows: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT column_name::text, data_type::text, COALESCE(identity_generation::text, '') \
         FROM information_schema.columns \
         WHERE table_schema = current_schema() AND table_name = $1 AND is_generated = 'NEVER' \
         ORDER BY ordinal_position",
    )
    .bind(table)
    .fetch_all(&mut *dst)
    .await
    .map_err(CopyError::Target)?;
    rows.into_iter()
        .map(|(name, ty, identity)| match Kind::of(&ty) {
            Some(kind) => Ok(Column {
                name,
                kind,
                always_identity: identity == "ALWAYS",
            }),
            None => Err(CopyError::UnsupportedType {
                table: table.to_owned(),
                column: name,
                ty,
            }),
        })
        .collect()
}

/// Both sides must have the same columns: one the target lacks would be lost, one the
/// source lacks would be filled with a default the source never had.
async fn check_columns(src: &mut SqliteConnection, table: &str, columns: &[Column]) -> Result<(), CopyError> {
    let in_source: BTreeSet<String> = sqlx::query_scalar::<_, String>("SELECT name FROM pragma_table_info($1)")
        .bind(table)
        .fetch_all(&mut *src)
        .await
        .map_err(CopyError::Source)?
        .into_iter()
        .collect();
    let in_target: BTreeSet<String> = columns.iter().map(|c| c.name.clone()).collect();
    let mut problems = Vec::new();
    let lost: Vec<&str> = in_source.difference(&in_target).map(String::as_str).collect();
    if !lost.is_empty() {
        problems.push(format!("{table} has {} only in SQLite", lost.join(", ")));
    }
    let unfilled: Vec<&str> = in_target.difference(&in_source).map(String::as_str).collect();
    if !unfilled.is_empty() {
        problems.push(format!("{table} has {} only in PostgreSQL", unfilled.join(", ")));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(CopyError::SchemaMismatch(problems.join("; ")))
    }
}

/// One value on its way, typed as its target column.
enum Value {
    Int(Option<i64>),
    Bool(Option<bool>),
    Text(Option<String>),
    Bytes(Option<Vec<u8>>),
    Float(Option<f64>),
}

/// Streams the table's rows from the snapshot into the transaction, a batch per INSERT;
/// the number of rows copied.
async fn copy_table(
    src: &mut SqliteConnection,
    dst: &mut PgConnection,
    table: &str,
    columns: &[Column],
) -> Result<i64, CopyError> {
    if columns.is_empty() {
        return Ok(0);
    }
    let list = columns.iter().map(|c| ident(&c.name)).collect::<Vec<_>>().join(", ");
    let select = format!("SELECT {list} FROM {}", ident(table));
    let overriding = if columns.iter().any(|c| c.always_identity) {
        " OVERRIDING SYSTEM VALUE"
    } else {
        ""
    };
    let insert = format!("INSERT INTO {} ({list}){overriding} ", ident(table));
    let per_batch = (MAX_BINDS / columns.len()).clamp(1, MAX_ROWS);

    let mut copied = 0i64;
    let mut batch: Vec<Vec<Value>> = Vec::with_capacity(per_batch);
    let mut rows = sqlx::query(&select).fetch(&mut *src);
    while let Some(row) = rows
        .try_next()
        .await
        .map_err(|e| CopyError::Read(table.to_owned(), e))?
    {
        batch.push(read_row(&row, columns).map_err(|e| CopyError::Read(table.to_owned(), e))?);
        if batch.len() == per_batch {
            copied += insert_batch(dst, &insert, &mut batch)
                .await
                .map_err(|e| CopyError::Write(table.to_owned(), e))?;
        }
    }
    if !batch.is_empty() {
        copied += insert_batch(dst, &insert, &mut batch)
            .await
            .map_err(|e| CopyError::Write(table.to_owned(), e))?;
    }
    Ok(copied)
}

/// A source row read column by column as the target types them. SQLite checks the stored
/// value against the type asked for, so a text where the target wants a number is an error
/// rather than a silent 0; a REAL column may hold an integer (SQLite's affinity), which
/// widens.
fn read_row(row: &SqliteRow, columns: &[Column]) -> Result<Vec<Value>, sqlx::Error> {
    columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            Ok(match c.kind {
                Kind::Int => Value::Int(row.try_get(i)?),
                Kind::Bool => Value::Bool(row.try_get(i)?),
                Kind::Text => Value::Text(row.try_get(i)?),
                Kind::Bytes => Value::Bytes(row.try_get(i)?),
                Kind::Float => Value::Float(match row.try_get::<Option<f64>, _>(i) {
                    Ok(v) => v,
                    Err(_) => row.try_get::<Option<i64>, _>(i)?.map(|n| n as f64),
                }),
            })
        })
        .collect()
}

/// One multi-row INSERT of `batch` (emptied); the rows it inserted.
async fn insert_batch(dst: &mut PgConnection, insert: &str, batch: &mut Vec<Vec<Value>>) -> Result<i64, sqlx::Error> {
    let mut query = QueryBuilder::<Postgres>::new(insert);
    query.push_values(batch.drain(..), |mut tuple, row| {
        for value in row {
            match value {
                Value::Int(v) => tuple.push_bind(v),
                Value::Bool(v) => tuple.push_bind(v),
                Value::Text(v) => tuple.push_bind(v),
                Value::Bytes(v) => tuple.push_bind(v),
                Value::Float(v) => tuple.push_bind(v),
            };
        }
    });
    let done = query.build().execute(&mut *dst).await?;
    Ok(i64::try_from(done.rows_affected()).unwrap_or(i64::MAX))
}

/// A column fed by a sequence (serial or identity) continues after the copied values,
/// not from 1. CallSnare's ids are text, so this is for tables to come.
async fn reset_sequences(dst: &mut PgConnection, table: &str, columns: &[Column]) -> Result<(), CopyError> {
    for column in columns.iter().filter(|c| c.kind == Kind::Int) {
        let sequence: Option<String> = sqlx::query_scalar("SELECT pg_get_serial_sequence($1, $2)")
            .bind(ident(table))
            .bind(&column.name)
            .fetch_one(&mut *dst)
            .await
            .map_err(CopyError::Target)?;
        if let Some(sequence) = sequence {
            sqlx::query(&format!(
                "SELECT setval($1::regclass, COALESCE((SELECT MAX({}) FROM {}), 0) + 1, false)",
                ident(&column.name),
                ident(table)
            ))
            .bind(sequence)
            .execute(&mut *dst)
            .await
            .map_err(CopyError::Target)?;
        }
    }
    Ok(())
}

/// A quoted identifier (the names come from the databases' catalogs, never from input).
fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(edges: &[(&str, &[&str])]) -> BTreeMap<String, BTreeSet<String>> {
        edges
            .iter()
            .map(|(t, ps)| ((*t).to_owned(), ps.iter().map(|p| (*p).to_owned()).collect()))
            .collect()
    }

    #[test]
    fn parents_come_before_the_tables_that_reference_them() {
        let order = parents_first(graph(&[
            ("sms_outbox", &["messages", "orgs"]),
            ("messages", &["leads", "orgs"]),
            ("leads", &["orgs", "users"]),
            ("orgs", &[]),
            ("users", &[]),
            ("api_idempotency", &["api_keys"]),
            ("api_keys", &["orgs"]),
        ]))
        .unwrap();
        assert_eq!(
            order,
            [
                "orgs",
                "users",
                "api_keys",
                "leads",
                "api_idempotency",
                "messages",
                "sms_outbox"
            ]
        );
    }

    #[test]
    fn a_cycle_names_the_tables_on_it() {
        let stuck = parents_first(graph(&[("a", &["b"]), ("b", &["a"]), ("c", &[]), ("d", &["a"])])).unwrap_err();
        assert_eq!(stuck, ["a", "b", "d"]);
    }

    #[test]
    fn urls_are_told_apart_by_scheme() {
        assert!(SourceUrl::parse("sqlite://data/callsnare.db").is_ok());
        assert_eq!(SourceUrl::parse("data/callsnare.db").unwrap_err(), UrlError::NotSqlite);
        assert!(TargetUrl::parse("postgres://u@h/db").is_ok());
        assert!(TargetUrl::parse("postgresql://u@h/db").is_ok());
        assert_eq!(TargetUrl::parse("sqlite://x.db").unwrap_err(), UrlError::NotPostgres);
        assert_eq!(
            format!("{:?}", TargetUrl::parse("postgres://u:secret@h/db").unwrap()),
            "TargetUrl(…)"
        );
    }

    #[test]
    fn values_are_bound_by_the_target_columns_type() {
        assert_eq!(Kind::of("bigint"), Some(Kind::Int));
        assert_eq!(Kind::of("boolean"), Some(Kind::Bool));
        assert_eq!(Kind::of("text"), Some(Kind::Text));
        assert_eq!(Kind::of("bytea"), Some(Kind::Bytes));
        assert_eq!(Kind::of("double precision"), Some(Kind::Float));
        assert_eq!(Kind::of("jsonb"), None);
    }

    #[test]
    fn identifiers_are_quoted() {
        assert_eq!(ident("calls"), "\"calls\"");
        assert_eq!(ident("a\"b"), "\"a\"\"b\"");
    }
}
