//! The append-only audit table: inserts only, and no update. The only delete is of org-less
//! records of one action past their retention (failed sign-ins; see `ssr::audit`).

use super::Conn;
use crate::domain::ids::{AuditEventId, OrgId};

pub struct NewAuditEvent<'a> {
    pub id: &'a AuditEventId,
    pub org_id: Option<&'a OrgId>,
    pub actor_kind: &'a str,
    pub actor_id: Option<&'a str>,
    pub action: &'a str,
    pub target_kind: Option<&'a str>,
    pub target_id: Option<&'a str>,
    pub request_id: Option<&'a str>,
    pub ip: Option<&'a str>,
    /// JSON text.
    pub metadata: &'a str,
}

pub async fn insert(conn: &mut Conn, e: NewAuditEvent<'_>, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO audit_events (id, org_id, occurred_at, actor_kind, actor_id, action, target_kind, target_id, request_id, ip, metadata) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(e.id.as_str())
    .bind(e.org_id.map(OrgId::as_str))
    .bind(now)
    .bind(e.actor_kind)
    .bind(e.actor_id)
    .bind(e.action)
    .bind(e.target_kind)
    .bind(e.target_id)
    .bind(e.request_id)
    .bind(e.ip)
    .bind(e.metadata)
    .execute(conn)
    .await?;
    Ok(())
}

/// Deletes up to `limit` org-less records of `action` older than `before`.
pub async fn delete_orgless_before(conn: &mut Conn, action: &str, before: i64, limit: i64) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query(
        "DELETE FROM audit_events WHERE id IN (SELECT id FROM audit_events \
         WHERE org_id IS NULL AND action = $1 AND occurred_at < $2 LIMIT $3)",
    )
    .bind(action)
    .bind(before)
    .bind(limit)
    .execute(conn)
    .await?
    .rows_affected())
}
