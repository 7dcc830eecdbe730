//! The two engines' schemas in step. migrations/sqlite/ is the history existing installs went
//! through; migrations/postgres/ starts from its folded result. Nothing else notices when a
//! change lands in one directory and not the other, so both are applied to fresh databases,
//! each schema is described as a set of facts in one vocabulary, and the sets must be equal:
//!
//! ```text
//! table leads
//! column leads.is_open: boolean not null default true
//! primary key leads (id)
//! unique calls (org_id, call_sid) by constraint
//! unique leads (org_id, caller_number) partial by index leads_open_caller_key
//! index leads.leads_org_last4_idx (org_id, <expression>)
//! foreign key calls (lead_id) -> leads (id) on delete NO ACTION on update NO ACTION
//! constraint leads.leads_status_check: check
//! ```
//!
//! Types compare as integer, text, boolean, blob or real. SQLite has no boolean type, but
//! its migrations declare every flag BOOLEAN (stored 0/1), so the declared type decides and
//! no list of flag columns is needed: a flag declared INTEGER there would read `integer`
//! against PostgreSQL's `boolean` and fail here. On PostgreSQL only BIGINT reads `integer`
//! (the Rust side decodes i64, which sqlx refuses from an INT4 column), so an INTEGER column
//! shows up as `postgres integer`.
//!
//! Not compared: column order (a SQLite table rebuild may put a new column in the middle,
//! where PostgreSQL's ADD COLUMN appends; no query depends on it), the text of CHECK
//! expressions and partial-index predicates (each engine prints its own; names and
//! partial-ness are compared), and the data backfills of the SQLite history.
//!
//! Needs a PostgreSQL cluster: `CALLSNARE_TEST_POSTGRES` holds an admin URL
//! (`postgres://user@127.0.0.1:PORT/postgres`); the test creates its own database there and
//! drops it. Without the variable it says it was skipped and passes.

use std::{collections::BTreeSet, str::FromStr};

use sqlx::{
    migrate::Migrator,
    postgres::{PgConnectOptions, PgPoolOptions},
    sqlite::{SqliteConnectOptions, SqlitePoolOptions},
    Connection, PgConnection,
};

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("../migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("../migrations/postgres");

#[tokio::test]
async fn sqlite_and_postgres_migrations_leave_the_same_schema() {
    let Some(admin_url) = std::env::var("CALLSNARE_TEST_POSTGRES").ok().filter(|u| !u.is_empty()) else {
        println!("schema_parity skipped: CALLSNARE_TEST_POSTGRES is not set");
        return;
    };
    let sqlite = sqlite_schema().await;
    let postgres = postgres_schema(&admin_url).await;

    // Both descriptions really read a schema (an empty pair would compare equal).
    let sentinel = "column leads.is_open: boolean not null default true";
    assert!(sqlite.contains(sentinel), "SQLite schema not read: {sqlite:#?}");
    assert!(postgres.contains(sentinel), "PostgreSQL schema not read: {postgres:#?}");

    let only_sqlite: Vec<&String> = sqlite.difference(&postgres).collect();
    let only_postgres: Vec<&String> = postgres.difference(&sqlite).collect();
    assert!(
        only_sqlite.is_empty() && only_postgres.is_empty(),
        "migrations/sqlite and migrations/postgres leave different schemas\n\
         only after the SQLite migrations:\n{}\n\
         only after the PostgreSQL migrations:\n{}",
        listing(&only_sqlite),
        listing(&only_postgres),
    );
}

fn listing(facts: &[&String]) -> String {
    if facts.is_empty() {
        return "  (nothing)".to_owned();
    }
    facts.iter().map(|f| format!("  {f}")).collect::<Vec<_>>().join("\n")
}

/// The SQLite migrations applied to a temp file, described.
async fn sqlite_schema() -> BTreeSet<String> {
    let dir = tempfile::tempdir().unwrap();
    let options = SqliteConnectOptions::new()
        .filename(dir.path().join("parity.db"))
        .create_if_missing(true)
        .foreign_keys(true);
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await
        .unwrap();
    SQLITE_MIGRATIONS.run(&pool).await.unwrap();

    let mut facts: BTreeSet<String> = sqlx::query_scalar::<_, String>(SQLITE_FACTS)
        .fetch_all(&pool)
        .await
        .unwrap()
        .into_iter()
        .collect();
    let tables: Vec<(String, String)> = sqlx::query_as(
        r#"SELECT name, sql FROM sqlite_master
           WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\'
             AND name NOT IN ('_sqlx_migrations', 'tower_sessions')"#,
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    for (table, sql) in &tables {
        facts.extend(named_constraints(table, sql));
    }
    pool.close().await;
    facts
}

/// The PostgreSQL migrations applied to a database of their own, described. The database is
/// dropped before anything is asserted, so a failing comparison leaves nothing behind.
async fn postgres_schema(admin_url: &str) -> BTreeSet<String> {
    let admin = PgConnectOptions::from_str(admin_url).expect("CALLSNARE_TEST_POSTGRES is a postgres:// URL");
    let name = format!("callsnare_parity_{}", uuid::Uuid::now_v7().simple());
    let mut conn = PgConnection::connect_with(&admin)
        .await
        .expect("connect to CALLSNARE_TEST_POSTGRES");
    // Simple-query protocol: CREATE/DROP DATABASE refuse to run in a transaction block.
    sqlx::raw_sql(&format!("CREATE DATABASE \"{name}\""))
        .execute(&mut conn)
        .await
        .unwrap();

    let described = describe_postgres(admin.clone().database(&name)).await;

    sqlx::raw_sql(&format!("DROP DATABASE \"{name}\" WITH (FORCE)"))
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.ok();
    described.unwrap()
}

async fn describe_postgres(options: PgConnectOptions) -> anyhow::Result<BTreeSet<String>> {
    let pool = PgPoolOptions::new().max_connections(1).connect_with(options).await?;
    let described = async {
        POSTGRES_MIGRATIONS.run(&pool).await?;
        let facts: Vec<String> = sqlx::query_scalar(POSTGRES_FACTS).fetch_all(&pool).await?;
        anyhow::Ok(facts.into_iter().collect::<BTreeSet<String>>())
    }
    .await;
    pool.close().await;
    described
}

/// SQLite keeps no catalogue of constraint names, only each table's CREATE TABLE text (with
/// every later ADD COLUMN folded in), so the names are read from it: `CONSTRAINT <name>
/// <kind>`. An unnamed constraint has no name here while PostgreSQL generates one, so every
/// constraint is named, the same in both.
fn named_constraints(table: &str, create_sql: &str) -> Vec<String> {
    let tokens: Vec<&str> = create_sql
        .lines()
        .map(|line| line.split("--").next().unwrap_or_default())
        .flat_map(|line| line.split(|c: char| c.is_whitespace() || matches!(c, '(' | ')' | ',')))
        .filter(|token| !token.is_empty())
        .map(|token| token.trim_matches(|c: char| matches!(c, '"' | '`' | '[' | ']')))
        .collect();
    tokens
        .windows(3)
        .filter(|w| w[0].eq_ignore_ascii_case("CONSTRAINT"))
        .map(|w| {
            let kind = match w[2].to_ascii_uppercase().as_str() {
                "PRIMARY" => "primary key".to_owned(),
                "UNIQUE" => "unique".to_owned(),
                "FOREIGN" => "foreign key".to_owned(),
                "CHECK" => "check".to_owned(),
                other => other.to_ascii_lowercase(),
            };
            format!("constraint {table}.{}: {kind}", w[1])
        })
        .collect()
}

/// Every fact about the SQLite schema but the constraint names. The declared type decides
/// the kind of a column by SQLite's own affinity rules, BOOLEAN first. (`group_concat(…
/// ORDER BY …)` needs SQLite 3.44; sqlx bundles 3.46.)
const SQLITE_FACTS: &str = r#"
WITH t AS (
    SELECT name FROM sqlite_master
    WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\'
      AND name NOT IN ('_sqlx_migrations', 'tower_sessions')
)
SELECT 'table ' || t.name FROM t
UNION ALL
SELECT 'column ' || t.name || '.' || c.name || ': '
    || CASE
         WHEN upper(c.type) = 'BOOLEAN' THEN 'boolean'
         WHEN instr(upper(c.type), 'INT') > 0 THEN 'integer'
         WHEN instr(upper(c.type), 'CHAR') > 0 OR instr(upper(c.type), 'CLOB') > 0
              OR instr(upper(c.type), 'TEXT') > 0 THEN 'text'
         WHEN c.type = '' OR instr(upper(c.type), 'BLOB') > 0 THEN 'blob'
         WHEN instr(upper(c.type), 'REAL') > 0 OR instr(upper(c.type), 'FLOA') > 0
              OR instr(upper(c.type), 'DOUB') > 0 THEN 'real'
         ELSE 'sqlite ' || c.type
       END
    || CASE WHEN c."notnull" THEN ' not null' ELSE ' null' END
    || CASE
         WHEN c.dflt_value IS NULL THEN ''
         WHEN upper(c.dflt_value) IN ('TRUE', 'FALSE') THEN ' default ' || lower(c.dflt_value)
         ELSE ' default ' || c.dflt_value
       END
FROM t, pragma_table_info(t.name) c
UNION ALL
SELECT 'primary key ' || t.name || ' (' || group_concat(c.name, ', ' ORDER BY c.pk) || ')'
FROM t, pragma_table_info(t.name) c
WHERE c.pk > 0
GROUP BY t.name
UNION ALL
SELECT CASE
         WHEN il.origin = 'u' THEN 'unique ' || il.tname || ' (' || il.cols || ') by constraint'
         WHEN il."unique" THEN 'unique ' || il.tname || ' (' || il.cols || ')'
              || CASE WHEN il.partial THEN ' partial' ELSE '' END || ' by index ' || il.name
         ELSE 'index ' || il.tname || '.' || il.name || ' (' || il.cols || ')'
              || CASE WHEN il.partial THEN ' partial' ELSE '' END
       END
FROM (
    SELECT t.name AS tname, il.name, il."unique", il.origin, il.partial,
           (SELECT group_concat(coalesce(ii.name, '<expression>'), ', ' ORDER BY ii.seqno)
            FROM pragma_index_info(il.name) ii) AS cols
    FROM t, pragma_index_list(t.name) il
    WHERE il.origin <> 'pk'
) il
UNION ALL
SELECT 'foreign key ' || t.name || ' (' || group_concat(f."from", ', ' ORDER BY f.seq) || ') -> '
    || f."table" || ' (' || group_concat(coalesce(f."to", '<primary key>'), ', ' ORDER BY f.seq) || ')'
    || ' on delete ' || f.on_delete || ' on update ' || f.on_update
FROM t, pragma_foreign_key_list(t.name) f
GROUP BY t.name, f.id
UNION ALL
SELECT type || ' ' || CASE WHEN type = 'trigger' THEN tbl_name || '.' ELSE '' END || name
FROM sqlite_master
WHERE type IN ('trigger', 'view')
"#;

/// The same facts read from PostgreSQL's catalogue, in the same words. Defaults lose their
/// type cast (`'new'::text` reads `'new'`).
const POSTGRES_FACTS: &str = r#"
WITH t AS (
    SELECT c.oid, c.relname::text AS name
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')
      AND c.relname NOT IN ('_sqlx_migrations', 'tower_sessions')
),
action(code, name) AS (
    VALUES ('a', 'NO ACTION'), ('r', 'RESTRICT'), ('c', 'CASCADE'), ('n', 'SET NULL'), ('d', 'SET DEFAULT')
)
SELECT 'table ' || t.name FROM t
UNION ALL
SELECT 'column ' || t.name || '.' || a.attname || ': '
    || CASE format_type(a.atttypid, a.atttypmod)
         WHEN 'bigint' THEN 'integer'
         WHEN 'boolean' THEN 'boolean'
         WHEN 'text' THEN 'text'
         WHEN 'bytea' THEN 'blob'
         WHEN 'double precision' THEN 'real'
         ELSE 'postgres ' || format_type(a.atttypid, a.atttypmod)
       END
    || CASE WHEN a.attnotnull THEN ' not null' ELSE ' null' END
    || COALESCE(' default ' || regexp_replace(pg_get_expr(d.adbin, d.adrelid), '::[a-z ]+$', ''), '')
FROM t
JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum > 0 AND NOT a.attisdropped
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
UNION ALL
SELECT CASE
         WHEN ix.indisprimary THEN 'primary key ' || t.name || ' (' || cols.list || ')'
         WHEN con.contype = 'u' THEN 'unique ' || t.name || ' (' || cols.list || ') by constraint'
         WHEN ix.indisunique THEN 'unique ' || t.name || ' (' || cols.list || ')'
              || CASE WHEN ix.indpred IS NOT NULL THEN ' partial' ELSE '' END || ' by index ' || i.relname
         ELSE 'index ' || t.name || '.' || i.relname || ' (' || cols.list || ')'
              || CASE WHEN ix.indpred IS NOT NULL THEN ' partial' ELSE '' END
       END
FROM t
JOIN pg_index ix ON ix.indrelid = t.oid
JOIN pg_class i ON i.oid = ix.indexrelid
LEFT JOIN pg_constraint con
       ON con.conindid = ix.indexrelid AND con.conrelid = t.oid AND con.contype IN ('p', 'u')
CROSS JOIN LATERAL (
    SELECT string_agg(COALESCE(a.attname::text, '<expression>'), ', ' ORDER BY k.ord) AS list
    FROM unnest(ix.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
    LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
    WHERE k.ord <= ix.indnkeyatts
) cols
UNION ALL
SELECT 'foreign key ' || t.name || ' (' || src.list || ') -> ' || rt.relname || ' (' || dst.list || ')'
    || ' on delete ' || del.name || ' on update ' || upd.name
FROM t
JOIN pg_constraint con ON con.conrelid = t.oid AND con.contype = 'f'
JOIN pg_class rt ON rt.oid = con.confrelid
JOIN action del ON del.code = con.confdeltype::text
JOIN action upd ON upd.code = con.confupdtype::text
CROSS JOIN LATERAL (
    SELECT string_agg(a.attname::text, ', ' ORDER BY k.ord) AS list
    FROM unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord)
    JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum
) src
CROSS JOIN LATERAL (
    SELECT string_agg(a.attname::text, ', ' ORDER BY k.ord) AS list
    FROM unnest(con.confkey) WITH ORDINALITY AS k(attnum, ord)
    JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum
) dst
UNION ALL
SELECT 'constraint ' || t.name || '.' || con.conname || ': '
    || CASE con.contype WHEN 'p' THEN 'primary key' WHEN 'u' THEN 'unique' WHEN 'f' THEN 'foreign key' ELSE 'check' END
FROM t
JOIN pg_constraint con ON con.conrelid = t.oid AND con.contype IN ('p', 'u', 'f', 'c')
UNION ALL
SELECT 'trigger ' || t.name || '.' || tg.tgname
FROM t
JOIN pg_trigger tg ON tg.tgrelid = t.oid AND NOT tg.tgisinternal
UNION ALL
SELECT 'view ' || c.relname
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = current_schema() AND c.relkind IN ('v', 'm')
"#;
