//! Where each account has signed in successfully (by source: an address, an IPv6 /64).

use super::Conn;

pub async fn remember(conn: &mut Conn, user_id: &str, source: &str, now: i64) -> Result<(), sqlx::Error> {
    crate::ssr::db::query(
        "INSERT INTO sign_in_sources (user_id, source, last_success_at) VALUES ($1, $2, $3) \
         ON CONFLICT (user_id, source) DO UPDATE SET last_success_at = excluded.last_success_at",
    )
    .bind(user_id)
    .bind(source)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Whether the account signed in successfully from `source` since `since`.
pub async fn is_known(conn: &mut Conn, user_id: &str, source: &str, since: i64) -> Result<bool, sqlx::Error> {
    let n: i64 = crate::ssr::db::query_scalar(
        "SELECT COUNT(*) FROM sign_in_sources WHERE user_id = $1 AND source = $2 AND last_success_at >= $3",
    )
    .bind(user_id)
    .bind(source)
    .bind(since)
    .fetch_one(conn)
    .await?;
    Ok(n > 0)
}
