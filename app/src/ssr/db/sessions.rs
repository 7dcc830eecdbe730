//! Reads of tower-sessions' own table (the store creates and writes it; see
//! `server/src/sessions.rs`). Only what long-lived connections need to notice a session
//! that ended while they stayed open.
//!
//! The two engines' stores keep sessions differently, so each statement has two texts:
//! SQLite's `tower_sessions` (`data` BLOB, `expiry_date` an integer the store writes) and
//! PostgreSQL's `tower_sessions.session` (`data` BYTEA, `expiry_date` TIMESTAMPTZ).

use super::{query, query_scalar, sql, Conn};

/// Whether the session row still exists and has not expired (sign-out deletes it; idle
/// expiry is the store's `expiry_date`, compared the way the store itself does).
pub async fn exists(conn: &mut Conn, session_id: &str) -> Result<bool, sqlx::Error> {
    let n: i64 = query_scalar::<i64>(sql(
        conn.engine(),
        "SELECT COUNT(*) FROM tower_sessions WHERE id = $1 AND datetime(expiry_date) > datetime('now')",
        r#"SELECT COUNT(*) FROM "tower_sessions"."session" WHERE id = $1 AND expiry_date > now()"#,
    ))
    .bind(session_id)
    .fetch_one(conn)
    .await?;
    Ok(n > 0)
}

/// Deletes sessions written before the session auth hash became a derived value: their
/// data holds a user's argon2 hash. They could no longer be used anyway (the hash no longer
/// matches), so this only removes what should not be stored. Idempotent (every instance
/// runs it at start-up).
pub async fn purge_legacy(conn: &mut Conn) -> Result<u64, sqlx::Error> {
    Ok(query(sql(
        conn.engine(),
        "DELETE FROM tower_sessions WHERE instr(data, CAST('$argon2' AS BLOB)) > 0",
        r#"DELETE FROM "tower_sessions"."session" WHERE position(convert_to('$argon2', 'UTF8') IN data) > 0"#,
    ))
    .execute(conn)
    .await?
    .rows_affected())
}
