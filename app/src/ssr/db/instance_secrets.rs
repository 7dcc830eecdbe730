//! Secrets this instance generated for itself and keeps across restarts, shared by every
//! instance on the same database: the session signing key (sandbox only, when
//! `CALLSNARE_SESSION_SECRET` is not set), the API key hash key and the key that seals new
//! API key secrets while they wait for their one-time display.

use super::Conn;

/// The secret named `name`, storing `candidate` first if there is none yet. Concurrent
/// first starts agree: whichever insert lands first is the one both read back.
pub async fn get_or_insert(conn: &mut Conn, name: &str, candidate: &str, now: i64) -> Result<String, sqlx::Error> {
    crate::ssr::db::query(
        "INSERT INTO instance_secrets (name, value, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING",
    )
    .bind(name)
    .bind(candidate)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    crate::ssr::db::query_scalar("SELECT value FROM instance_secrets WHERE name = $1")
        .bind(name)
        .fetch_one(conn)
        .await
}
