//! Reads of tower-sessions' own table (the store creates and writes it; see
//! `server/src/sessions.rs`). Only what long-lived connections need to notice a session
//! that ended while they stayed open.

use super::Conn;

/// Whether the session row still exists and has not expired (sign-out deletes it; idle
/// expiry is the store's `expiry_date`, compared the way the store itself does).
pub async fn exists(conn: &mut Conn, session_id: &str) -> Result<bool, sqlx::Error> {
    let n: i64 = crate::ssr::db::query_scalar(
        "SELECT COUNT(*) FROM tower_sessions WHERE id = $1 AND datetime(expiry_date) > datetime('now')",
    )
    .bind(session_id)
    .fetch_one(conn)
    .await?;
    Ok(n > 0)
}

/// Deletes sessions written before the session auth hash became a derived value: their
/// data holds a user's argon2 hash. They could no longer be used anyway (the hash no longer
/// matches), so this only removes what should not be stored. Idempotent.
pub async fn purge_legacy(conn: &mut Conn) -> Result<u64, sqlx::Error> {
    Ok(
        crate::ssr::db::query("DELETE FROM tower_sessions WHERE instr(data, CAST('$argon2' AS BLOB)) > 0")
            .execute(conn)
            .await?
            .rows_affected(),
    )
}
