//! The store: pool construction, migrations and one module per table.
//!
//! SQL here is kept portable to PostgreSQL: `$n` placeholders (sqlx's SQLite driver numbers
//! them the same way), `ON CONFLICT`, BIGINT millisecond instants, no SQLite-only functions.

pub mod api_idempotency;
pub mod api_key_reveals;
pub mod api_keys;
pub mod api_reads;
pub mod audit_events;
pub mod bookings;
pub mod calls;
pub mod copy;
pub mod form_submissions;
pub mod inbox;
pub mod instance_secrets;
pub mod invitations;
pub mod lead_events;
pub mod leads;
pub mod login_failures;
pub mod mail_outbox;
pub mod memberships;
pub mod messages;
pub mod opt_outs;
pub mod org_billing;
pub mod orgs;
pub mod outbox;
pub mod password_tokens;
pub mod pipeline;
pub mod quick_replies;
pub mod routing_settings;
pub mod sessions;
pub mod sign_in_sources;
pub mod tracked_numbers;
pub mod users;
pub mod webhook_events;

mod engine;
mod query;

use std::{path::Path, str::FromStr, time::Duration};

use sqlx::{
    migrate::Migrator,
    postgres::{PgConnectOptions, PgPoolOptions},
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous},
};

pub use engine::{
    begin_write, begin_write_sql, sql, Conn, ConnRef, Db, Engine, Executor, ReadTx, Target, Tx, WRITE_LOCK,
};
pub use query::{query, query_as, query_scalar, Arg, Done, Query, QueryAs, QueryBuilder, QueryScalar, Row};

/// A connection checked out of the [`Db`] pool (reads outside the writer).
pub type PooledConn = Conn;

pub static MIGRATOR_SQLITE: Migrator = sqlx::migrate!("../migrations/sqlite");
pub static MIGRATOR_POSTGRES: Migrator = sqlx::migrate!("../migrations/postgres");

/// The migrations of `engine`, embedded into the binary.
pub fn migrator(engine: Engine) -> &'static Migrator {
    match engine {
        Engine::Sqlite => &MIGRATOR_SQLITE,
        Engine::Postgres => &MIGRATOR_POSTGRES,
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("DATABASE_URL must start with sqlite: or postgres:")]
    UnknownScheme,
    #[error("DATABASE_URL is not a valid database URL")]
    BadUrl(#[source] sqlx::Error),
    #[error("could not create the database directory {0}")]
    CreateDir(String, #[source] std::io::Error),
    #[error("could not open the database")]
    Open(#[source] sqlx::Error),
    #[error("could not apply migrations")]
    Migrate(#[source] sqlx::migrate::MigrateError),
    #[error("could not hash the audit records written before the audit chain")]
    ChainBackfill(#[source] sqlx::Error),
}

/// Opens the database `url` names, by its scheme: `sqlite:` (the embedded default) or
/// `postgres:`/`postgresql:`.
pub async fn connect(url: &str) -> Result<Db, ConnectError> {
    match Engine::of_url(url) {
        Some(Engine::Sqlite) => connect_sqlite(url).await.map(Db::Sqlite),
        Some(Engine::Postgres) => connect_postgres(url).await.map(Db::Postgres),
        None => Err(ConnectError::UnknownScheme),
    }
}

/// Opens (creating if missing) the SQLite database with the durability settings CallSnare
/// relies on: WAL, `synchronous=FULL` (a 2xx to a provider means the evidence survives power
/// loss), foreign keys on, and a busy timeout so short lock waits do not surface as errors.
async fn connect_sqlite(url: &str) -> Result<sqlx::SqlitePool, ConnectError> {
    let options = SqliteConnectOptions::from_str(url)
        .map_err(ConnectError::BadUrl)?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(5));
    let file = options.get_filename();
    if let Some(dir) = file
        .parent()
        .filter(|d| !d.as_os_str().is_empty() && file != Path::new(":memory:"))
    {
        std::fs::create_dir_all(dir).map_err(|e| ConnectError::CreateDir(dir.display().to_string(), e))?;
    }
    SqlitePoolOptions::new()
        .max_connections(8)
        .min_connections(1)
        .connect_with(options)
        .await
        .map_err(ConnectError::Open)
}

/// Opens a PostgreSQL pool. Durability is the server's: CallSnare expects the default
/// `synchronous_commit=on`, so a 2xx to a provider still means the evidence is on disk.
/// `DATABASE_MAX_CONNECTIONS` sizes the pool (default 16 per instance).
async fn connect_postgres(url: &str) -> Result<sqlx::PgPool, ConnectError> {
    let options = PgConnectOptions::from_str(url).map_err(ConnectError::BadUrl)?;
    let max = std::env::var("DATABASE_MAX_CONNECTIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(16);
    PgPoolOptions::new()
        .max_connections(max)
        .min_connections(1)
        .acquire_timeout(Duration::from_secs(10))
        .connect_with(options)
        .await
        .map_err(ConnectError::Open)
}

/// Opens the database and brings it up to date: the migrations, then the part of the audit
/// chain's migration SQL cannot do (hashing older records, [`audit_events::chain_backfill`]),
/// before anything can append to a chain. Serving, every CLI command and the tests open the
/// store through here.
pub async fn connect_and_migrate(url: &str) -> Result<Db, ConnectError> {
    let db = connect(url).await?;
    migrate(&db).await?;
    Ok(db)
}

/// Applies the engine's migrations and the audit chain backfill.
pub async fn migrate(db: &Db) -> Result<(), ConnectError> {
    match db {
        Db::Sqlite(p) => MIGRATOR_SQLITE.run(p).await,
        Db::Postgres(p) => MIGRATOR_POSTGRES.run(p).await,
    }
    .map_err(ConnectError::Migrate)?;
    audit_events::chain_backfill(db)
        .await
        .map_err(ConnectError::ChainBackfill)?;
    Ok(())
}

/// True when every embedded migration has been applied successfully.
pub async fn migrations_current(db: &Db) -> Result<bool, sqlx::Error> {
    let applied: i64 = query_scalar("SELECT COUNT(*) FROM _sqlx_migrations WHERE success = TRUE")
        .fetch_one(db)
        .await?;
    Ok(applied as usize >= migrator(db.engine()).iter().count())
}

/// Whether a sqlx error is a unique-constraint violation (portable: uses the driver's kind,
/// never the message text).
pub fn is_unique_violation(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(db) if db.is_unique_violation())
}
