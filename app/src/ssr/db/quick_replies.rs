//! The org's own quick replies, when it saved some (a JSON array of strings); no row means
//! the defaults (`domain::quick_replies`).

use super::Conn;

/// The org's saved replies, if it ever saved any.
pub async fn find(conn: &mut Conn, org_id: &str) -> Result<Option<Vec<String>>, sqlx::Error> {
    let stored: Option<String> = crate::ssr::db::query_scalar("SELECT replies FROM quick_replies WHERE org_id = $1")
        .bind(org_id)
        .fetch_optional(conn)
        .await?;
    stored
        .map(|json| serde_json::from_str(&json).map_err(|e| sqlx::Error::Decode(Box::new(e))))
        .transpose()
}

/// Saves `replies` as the org's quick replies (replacing any saved before).
pub async fn upsert(conn: &mut Conn, org_id: &str, replies: &[String], now: i64) -> Result<(), sqlx::Error> {
    let json = serde_json::to_string(replies).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    crate::ssr::db::query(
        "INSERT INTO quick_replies (org_id, replies, created_at, updated_at) VALUES ($1, $2, $3, $3) \
         ON CONFLICT (org_id) DO UPDATE SET replies = excluded.replies, updated_at = excluded.updated_at",
    )
    .bind(org_id)
    .bind(json)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}
