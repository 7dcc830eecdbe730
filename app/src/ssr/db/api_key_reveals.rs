//! One-time reveals of new API key secrets (migration 20261207000010_api_key_reveals): a
//! secret made on the key page waits here, sealed, for the one page view that shows it, so
//! whichever instance answers that view can show it. Rows are keyed by the SHA-256 (hex) of
//! the token the redirect names, never the token; the secret is only ever stored sealed
//! (see `services::api_keys::keyring` for the seal). Taking one deletes it in the same
//! statement, so it is handed out at most once, even to two instances at the same moment.

use super::Conn;

/// A reveal to store.
pub struct NewReveal<'a> {
    /// SHA-256 (hex) of the token the redirect names.
    pub id: &'a str,
    pub org_id: &'a str,
    /// The member who may see it.
    pub user_id: &'a str,
    pub key_id: &'a str,
    pub name: &'a str,
    pub prefix: &'a str,
    pub rotated: bool,
    pub previous_until: Option<i64>,
    /// Nonce, ciphertext and tag of the secret.
    pub sealed_secret: Vec<u8>,
    pub expires_at: i64,
}

/// A reveal taken out of the store.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct TakenReveal {
    pub key_id: String,
    pub name: String,
    pub prefix: String,
    pub rotated: bool,
    pub previous_until: Option<i64>,
    pub sealed_secret: Vec<u8>,
}

/// Stores a reveal (inside the write that made the key).
pub async fn insert(conn: &mut Conn, r: NewReveal<'_>, now: i64) -> Result<(), sqlx::Error> {
    crate::ssr::db::query(
        "INSERT INTO api_key_reveals \
         (id, org_id, user_id, key_id, name, prefix, rotated, previous_until, sealed_secret, expires_at, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(r.id)
    .bind(r.org_id)
    .bind(r.user_id)
    .bind(r.key_id)
    .bind(r.name)
    .bind(r.prefix)
    .bind(r.rotated)
    .bind(r.previous_until)
    .bind(r.sealed_secret)
    .bind(r.expires_at)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Deletes and answers the reveal `id` of the member `user_id` in `org_id` if it has not
/// expired at `now`: one statement, so of two takes of the same reveal only one gets it.
/// Anyone else's reveal (another member, another org) is left where it is.
pub async fn take(
    conn: &mut Conn,
    id: &str,
    org_id: &str,
    user_id: &str,
    now: i64,
) -> Result<Option<TakenReveal>, sqlx::Error> {
    crate::ssr::db::query_as(
        "DELETE FROM api_key_reveals WHERE id = $1 AND org_id = $2 AND user_id = $3 AND expires_at > $4 \
         RETURNING key_id, name, prefix, rotated, previous_until, sealed_secret",
    )
    .bind(id)
    .bind(org_id)
    .bind(user_id)
    .bind(now)
    .fetch_optional(conn)
    .await
}

/// Deletes up to `limit` reveals expired at `now` (never shown); returns how many.
pub async fn prune_expired(conn: &mut Conn, now: i64, limit: i64) -> Result<u64, sqlx::Error> {
    Ok(crate::ssr::db::query(
        "DELETE FROM api_key_reveals WHERE id IN \
         (SELECT id FROM api_key_reveals WHERE expires_at <= $1 LIMIT $2)",
    )
    .bind(now)
    .bind(limit)
    .execute(conn)
    .await?
    .rows_affected())
}
