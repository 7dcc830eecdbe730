//! Reads of tower-sessions' own table (the store creates and writes it; see
//! `server/src/sessions.rs`). Only what long-lived connections need to notice a session
//! that ended while they stayed open.

use super::Conn;

/// Whether the session row still exists (sign-out deletes it, and so does the hourly
/// expired-session sweep).
pub async fn exists(conn: &mut Conn, session_id: &str) -> Result<bool, sqlx::Error> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM tower_sessions WHERE id = $1")
        .bind(session_id)
        .fetch_one(conn)
        .await?;
    Ok(n > 0)
}
