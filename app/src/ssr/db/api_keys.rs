//! API keys. No row read here for a list or a page carries a hash; the one read that does
//! ([`find_by_hash`]) serves only the key check. Keys are never deleted: a revoked key keeps
//! its row, so the audit trail can still name it.

use super::Conn;
use crate::domain::{
    api_key::KeyMode,
    ids::{ApiKeyId, OrgId},
    scope::Scope,
};

/// The stored form of a scope list: stable codes, space-separated.
pub fn scopes_to_stored(scopes: &[Scope]) -> String {
    scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" ")
}

/// A stored scope list back as scopes (a code this build does not know is dropped, so a key
/// can only ever do less than it says).
pub fn scopes_from_stored(stored: &str) -> Vec<Scope> {
    let mut scopes: Vec<Scope> = stored.split_whitespace().filter_map(Scope::parse).collect();
    scopes.sort();
    scopes.dedup();
    scopes
}

pub struct NewApiKey<'a> {
    pub id: &'a ApiKeyId,
    pub org_id: &'a OrgId,
    pub name: &'a str,
    /// HMAC-SHA256 of the whole key, hex.
    pub secret_hash: &'a str,
    /// The key's first 12 characters.
    pub prefix: &'a str,
    pub mode: KeyMode,
    pub scopes: &'a [Scope],
    /// The member who created it (`None` from the command line).
    pub created_by: Option<&'a str>,
    pub expires_at: Option<i64>,
}

/// Stores a new key. A name already used by one of the org's keys that is not revoked is a
/// unique violation (`api_keys_org_id_name_key`).
pub async fn insert(conn: &mut Conn, k: NewApiKey<'_>, now: i64) -> Result<(), sqlx::Error> {
    crate::ssr::db::query(
        "INSERT INTO api_keys (id, org_id, name, secret_hash, prefix, mode, scopes, created_by, created_at, \
                               expires_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $9)",
    )
    .bind(k.id.as_str())
    .bind(k.org_id.as_str())
    .bind(k.name)
    .bind(k.secret_hash)
    .bind(k.prefix)
    .bind(k.mode.as_str())
    .bind(scopes_to_stored(k.scopes))
    .bind(k.created_by)
    .bind(now)
    .bind(k.expires_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// A key as the key page and `callsnare api-key list` show it (no hashes).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ApiKeyRow {
    pub id: ApiKeyId,
    pub name: String,
    pub prefix: String,
    pub mode: String,
    /// Stable codes, space-separated ([`scopes_from_stored`]).
    pub scopes: String,
    /// The creator's email (`None` when made at the command line, or the account is gone).
    pub created_by_email: Option<String>,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub expires_at: Option<i64>,
    pub revoked_at: Option<i64>,
    pub previous_prefix: Option<String>,
    /// Until when the secret before the last rotation works (`None`: no grace).
    pub previous_expires_at: Option<i64>,
    pub rotated_at: Option<i64>,
}

const ROW_COLUMNS: &str = "k.id, k.name, k.prefix, k.mode, k.scopes, u.email AS created_by_email, k.created_at, \
     k.last_used_at, k.expires_at, k.revoked_at, k.previous_prefix, k.previous_expires_at, k.rotated_at \
     FROM api_keys k LEFT JOIN users u ON u.id = k.created_by";

/// The org's keys, revoked ones too, newest first.
pub async fn list_for_org(conn: &mut Conn, org_id: &OrgId) -> Result<Vec<ApiKeyRow>, sqlx::Error> {
    let sql = format!("SELECT {ROW_COLUMNS} WHERE k.org_id = $1 ORDER BY k.created_at DESC, k.id DESC");
    let rows = crate::ssr::db::query_as(&sql)
        .bind(org_id.as_str())
        .fetch_all(conn)
        .await?;
    Ok(rows)
}

/// The org's key `id`; `None` for another org's key or one that does not exist.
pub async fn find_for_org(conn: &mut Conn, org_id: &OrgId, id: &ApiKeyId) -> Result<Option<ApiKeyRow>, sqlx::Error> {
    let sql = format!("SELECT {ROW_COLUMNS} WHERE k.org_id = $1 AND k.id = $2");
    let row = crate::ssr::db::query_as(&sql)
        .bind(org_id.as_str())
        .bind(id.as_str())
        .fetch_optional(conn)
        .await?;
    Ok(row)
}

/// What checking a presented key needs: the key whose current or earlier secret hashes to
/// the presented key's hash.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct KeyAuthRow {
    pub id: String,
    pub org_id: String,
    pub name: String,
    pub scopes: String,
    pub secret_hash: String,
    pub expires_at: Option<i64>,
    pub revoked_at: Option<i64>,
    pub previous_secret_hash: Option<String>,
    pub previous_expires_at: Option<i64>,
}

/// The key with either secret hashing to `hash` (one indexed lookup on each column).
pub async fn find_by_hash(conn: &mut Conn, hash: &str) -> Result<Option<KeyAuthRow>, sqlx::Error> {
    const COLUMNS: &str = "id, org_id, name, scopes, secret_hash, expires_at, revoked_at, previous_secret_hash, \
                           previous_expires_at";
    let sql = format!(
        "SELECT {COLUMNS} FROM api_keys WHERE secret_hash = $1 \
         UNION ALL \
         SELECT {COLUMNS} FROM api_keys WHERE previous_secret_hash = $1 \
         LIMIT 1"
    );
    let row = crate::ssr::db::query_as(&sql).bind(hash).fetch_optional(conn).await?;
    Ok(row)
}

/// A rotation's new secret.
pub struct NewSecret<'a> {
    pub secret_hash: &'a str,
    pub prefix: &'a str,
    pub mode: KeyMode,
    /// Until when the current secret keeps working; `None` (or not after `now`): it stops
    /// at once.
    pub previous_until: Option<i64>,
}

/// Gives the org's key `id` (not revoked) a new secret; the current one becomes the earlier
/// secret, working until `previous_until`, and any earlier one before it stops at once.
/// `false` when there is no such key.
pub async fn rotate(
    conn: &mut Conn,
    org_id: &OrgId,
    id: &ApiKeyId,
    s: NewSecret<'_>,
    now: i64,
) -> Result<bool, sqlx::Error> {
    // Every right-hand side reads the row as it was before this update.
    let grace = s.previous_until.filter(|until| *until > now);
    let done = crate::ssr::db::query(
        "UPDATE api_keys SET \
           previous_secret_hash = CASE WHEN $3 IS NOT NULL THEN secret_hash END, \
           previous_prefix = CASE WHEN $3 IS NOT NULL THEN prefix END, \
           previous_expires_at = $3, \
           secret_hash = $4, prefix = $5, mode = $6, rotated_at = $7, updated_at = $7 \
         WHERE org_id = $1 AND id = $2 AND revoked_at IS NULL",
    )
    .bind(org_id.as_str())
    .bind(id.as_str())
    .bind(grace)
    .bind(s.secret_hash)
    .bind(s.prefix)
    .bind(s.mode.as_str())
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Revokes the org's key `id`: both its secrets are refused from now on. `false` when there
/// is no such key or it was revoked already.
pub async fn revoke(conn: &mut Conn, org_id: &OrgId, id: &ApiKeyId, now: i64) -> Result<bool, sqlx::Error> {
    let done = crate::ssr::db::query(
        "UPDATE api_keys SET revoked_at = $3, previous_expires_at = NULL, updated_at = $3 \
         WHERE org_id = $1 AND id = $2 AND revoked_at IS NULL",
    )
    .bind(org_id.as_str())
    .bind(id.as_str())
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Records that the org's key `id` was last used at `at`, unless a later use is recorded.
pub async fn touch_last_used(conn: &mut Conn, org_id: &str, id: &str, at: i64) -> Result<(), sqlx::Error> {
    crate::ssr::db::query(
        "UPDATE api_keys SET last_used_at = $3 \
         WHERE org_id = $1 AND id = $2 AND (last_used_at IS NULL OR last_used_at < $3)",
    )
    .bind(org_id)
    .bind(id)
    .bind(at)
    .execute(conn)
    .await?;
    Ok(())
}
