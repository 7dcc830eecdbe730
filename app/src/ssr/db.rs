//! The store: pool construction, migrations and one module per table.
//!
//! SQL here is kept portable to PostgreSQL: `$n` placeholders (sqlx's SQLite driver numbers
//! them the same way), `ON CONFLICT`, BIGINT millisecond instants, no SQLite-only functions.

pub mod api_idempotency;
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

use std::{path::Path, str::FromStr, time::Duration};

use sqlx::{
    migrate::Migrator,
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous},
    Sqlite, Transaction,
};

/// The pool every layer shares. PostgreSQL deployments swap this alias behind a feature.
pub type Db = sqlx::SqlitePool;
pub type Tx<'a> = Transaction<'a, Sqlite>;
/// The connection every repo function, service and writer job takes (`&mut Conn`). This is
/// the seam PostgreSQL will use: a `postgres` build points it at `sqlx::PgConnection`, and
/// nothing above the store names the driver.
pub type Conn = sqlx::SqliteConnection;
/// A connection checked out of the [`Db`] pool (reads outside the writer).
pub type PooledConn = sqlx::pool::PoolConnection<Sqlite>;

pub static MIGRATOR: Migrator = sqlx::migrate!("../migrations");

#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("DATABASE_URL is not a valid sqlite URL")]
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

/// Opens (creating if missing) the database with the durability settings CallSnare relies
/// on: WAL, `synchronous=FULL` (a 2xx to a provider means the evidence survives power loss),
/// foreign keys on, and a busy timeout so short lock waits do not surface as errors.
pub async fn connect(url: &str) -> Result<Db, ConnectError> {
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

/// Opens the database and brings it up to date: the migrations, then the part of the audit
/// chain's migration SQL cannot do (hashing older records, [`audit_events::chain_backfill`]),
/// before anything can append to a chain. Serving, every CLI command and the tests open the
/// store through here.
pub async fn connect_and_migrate(url: &str) -> Result<Db, ConnectError> {
    let db = connect(url).await?;
    MIGRATOR.run(&db).await.map_err(ConnectError::Migrate)?;
    audit_events::chain_backfill(&db)
        .await
        .map_err(ConnectError::ChainBackfill)?;
    Ok(db)
}

/// A write transaction that takes the write lock up front. Plain `BEGIN` upgrades lazily
/// and fails with "database is locked" under concurrent writers instead of waiting.
pub async fn begin_write(db: &Db) -> Result<Tx<'static>, sqlx::Error> {
    db.begin_with("BEGIN IMMEDIATE").await
}

/// True when every embedded migration has been applied successfully.
pub async fn migrations_current(db: &Db) -> Result<bool, sqlx::Error> {
    let applied: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations WHERE success = TRUE")
        .fetch_one(db)
        .await?;
    Ok(applied as usize >= MIGRATOR.iter().count())
}

/// Whether a sqlx error is a unique-constraint violation (portable: uses the driver's kind,
/// never the message text).
pub fn is_unique_violation(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(db) if db.is_unique_violation())
}
