//! `Idempotency-Key` claims of `/api/v1` writes (migration 20261206000030_api_idempotency):
//! per API key, the hash of the request a key was first used with and the response it got.
//! Read and written inside the write's own writer job, so two requests with one key are
//! carried out one after the other and the second finds the first's row.

use super::Conn;

/// How long a stored response answers repeats of its request.
pub const RETENTION_MS: i64 = 24 * 3_600_000;

/// A stored response.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StoredResponse {
    pub request_hash: String,
    pub status: i64,
    pub response_body: String,
}

/// The response stored for `idem_key` of the key `api_key_id` within the last
/// [`RETENTION_MS`] before `now`, if any.
pub async fn find(
    conn: &mut Conn,
    api_key_id: &str,
    idem_key: &str,
    now: i64,
) -> Result<Option<StoredResponse>, sqlx::Error> {
    crate::ssr::db::query_as(
        "SELECT request_hash, status, response_body FROM api_idempotency \
         WHERE api_key_id = $1 AND idem_key = $2 AND created_at > $3",
    )
    .bind(api_key_id)
    .bind(idem_key)
    .bind(now - RETENTION_MS)
    .fetch_optional(conn)
    .await
}

/// What [`store`] keeps.
pub struct NewResponse<'a> {
    pub api_key_id: &'a str,
    pub idem_key: &'a str,
    pub request_hash: &'a str,
    pub status: u16,
    pub response_body: &'a str,
}

/// Stores the response of the first request with this key. A row older than
/// [`RETENTION_MS`] that pruning has not reached yet is replaced ([`find`] no longer sees
/// it, so the key is free again).
pub async fn store(conn: &mut Conn, r: NewResponse<'_>, now: i64) -> Result<(), sqlx::Error> {
    crate::ssr::db::query(
        "INSERT INTO api_idempotency (api_key_id, idem_key, request_hash, status, response_body, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (api_key_id, idem_key) DO UPDATE SET request_hash = excluded.request_hash, \
         status = excluded.status, response_body = excluded.response_body, created_at = excluded.created_at",
    )
    .bind(r.api_key_id)
    .bind(r.idem_key)
    .bind(r.request_hash)
    .bind(i64::from(r.status))
    .bind(r.response_body)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Deletes up to `limit` stored responses made before `before`; returns how many.
pub async fn prune_before(conn: &mut Conn, before: i64, limit: i64) -> Result<u64, sqlx::Error> {
    Ok(crate::ssr::db::query(
        "DELETE FROM api_idempotency WHERE (api_key_id, idem_key) IN \
         (SELECT api_key_id, idem_key FROM api_idempotency WHERE created_at < $1 LIMIT $2)",
    )
    .bind(before)
    .bind(limit)
    .execute(conn)
    .await?
    .rows_affected())
}
