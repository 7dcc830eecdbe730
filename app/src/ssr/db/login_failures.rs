//! Failed sign-ins: throttling evidence, kept for a day (see [`prune_before`]).

use super::Conn;

use crate::domain::ids::AuditEventId;

/// `source` is the client address failures are counted by (an IPv6 /64 as a whole).
pub async fn record(conn: &mut Conn, email: &str, source: &str, now: i64) -> Result<(), sqlx::Error> {
    crate::ssr::db::query("INSERT INTO login_failures (id, email, ip, occurred_at) VALUES ($1, $2, $3, $4)")
        .bind(AuditEventId::new().as_str().replacen("aud_", "lfl_", 1))
        .bind(email)
        .bind(source)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

/// Failures for `email` from anywhere since `since`.
pub async fn count_since(conn: &mut Conn, email: &str, since: i64) -> Result<i64, sqlx::Error> {
    crate::ssr::db::query_scalar("SELECT COUNT(*) FROM login_failures WHERE email = $1 AND occurred_at >= $2")
        .bind(email)
        .bind(since)
        .fetch_one(conn)
        .await
}

/// Failures for `email` from one source since `since`.
pub async fn count_from_since(conn: &mut Conn, email: &str, source: &str, since: i64) -> Result<i64, sqlx::Error> {
    crate::ssr::db::query_scalar(
        "SELECT COUNT(*) FROM login_failures WHERE email = $1 AND ip = $2 AND occurred_at >= $3",
    )
    .bind(email)
    .bind(source)
    .bind(since)
    .fetch_one(conn)
    .await
}

/// After a successful sign-in from `source`: that source's failures for the email are
/// forgiven; other sources' stay (they may be an attacker's).
pub async fn clear(conn: &mut Conn, email: &str, source: &str) -> Result<(), sqlx::Error> {
    crate::ssr::db::query("DELETE FROM login_failures WHERE email = $1 AND ip = $2")
        .bind(email)
        .bind(source)
        .execute(conn)
        .await?;
    Ok(())
}

/// Deletes up to `limit` failures older than `before` (they no longer count for anything);
/// the caller loops, so no single statement holds the write lock for long.
pub async fn prune_before(conn: &mut Conn, before: i64, limit: i64) -> Result<u64, sqlx::Error> {
    Ok(crate::ssr::db::query(
        "DELETE FROM login_failures WHERE id IN (SELECT id FROM login_failures WHERE occurred_at < $1 LIMIT $2)",
    )
    .bind(before)
    .bind(limit)
    .execute(conn)
    .await?
    .rows_affected())
}
