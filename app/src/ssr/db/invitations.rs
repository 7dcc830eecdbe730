//! Invitations to join an org. A row is a promise of a membership that the invitee must
//! accept through the link mailed to them; only a SHA-256 of the link's token is stored.
//! "Pending" means not accepted, not revoked and not expired.

use super::Conn;
use crate::domain::{
    ids::{InvitationId, OrgId},
    EmailAddress, Role,
};

pub struct NewInvitation<'a> {
    pub id: &'a InvitationId,
    pub email: &'a EmailAddress,
    pub role: Role,
    pub token_hash: &'a str,
    pub expires_at: i64,
    pub created_by: Option<&'a str>,
}

pub async fn insert(conn: &mut Conn, org_id: &OrgId, inv: NewInvitation<'_>, now: i64) -> Result<(), sqlx::Error> {
    crate::ssr::db::query(
        "INSERT INTO invitations (id, org_id, email, role, token_hash, expires_at, created_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
    )
    .bind(inv.id.as_str())
    .bind(org_id.as_str())
    .bind(inv.email.as_str())
    .bind(inv.role.as_str())
    .bind(inv.token_hash)
    .bind(inv.expires_at)
    .bind(inv.created_by)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Revokes the org's pending invitations for `email` (a newer one replaces them, or the
/// person was removed). Returns how many were revoked.
pub async fn revoke_pending_for_email(
    conn: &mut Conn,
    org_id: &str,
    email: &str,
    now: i64,
) -> Result<u64, sqlx::Error> {
    Ok(crate::ssr::db::query(
        "UPDATE invitations SET revoked_at = $3, updated_at = $3 \
         WHERE org_id = $1 AND email = $2 AND accepted_at IS NULL AND revoked_at IS NULL",
    )
    .bind(org_id)
    .bind(email)
    .bind(now)
    .execute(conn)
    .await?
    .rows_affected())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct InvitationRow {
    pub id: String,
    pub email: String,
    pub role: String,
    pub expires_at: i64,
    pub created_at: i64,
}

/// The org's pending invitations, oldest first.
pub async fn list_pending_for_org(conn: &mut Conn, org_id: &str, now: i64) -> Result<Vec<InvitationRow>, sqlx::Error> {
    crate::ssr::db::query_as(
        "SELECT id, email, role, expires_at, created_at FROM invitations \
         WHERE org_id = $1 AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > $2 \
         ORDER BY created_at, id",
    )
    .bind(org_id)
    .bind(now)
    .fetch_all(conn)
    .await
}

/// One of the org's pending invitations; another org's id is simply not found.
pub async fn find_pending(
    conn: &mut Conn,
    org_id: &str,
    id: &str,
    now: i64,
) -> Result<Option<InvitationRow>, sqlx::Error> {
    crate::ssr::db::query_as(
        "SELECT id, email, role, expires_at, created_at FROM invitations \
         WHERE org_id = $1 AND id = $2 AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > $3",
    )
    .bind(org_id)
    .bind(id)
    .bind(now)
    .fetch_optional(conn)
    .await
}

/// Revokes one of the org's invitations if it is still pending.
pub async fn revoke(conn: &mut Conn, org_id: &str, id: &str, now: i64) -> Result<u64, sqlx::Error> {
    Ok(crate::ssr::db::query(
        "UPDATE invitations SET revoked_at = $3, updated_at = $3 \
         WHERE org_id = $1 AND id = $2 AND accepted_at IS NULL AND revoked_at IS NULL",
    )
    .bind(org_id)
    .bind(id)
    .bind(now)
    .execute(conn)
    .await?
    .rows_affected())
}

/// A pending invitation as its link's holder sees it (looked up by the token's hash).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct InvitationByToken {
    pub id: String,
    pub org_id: String,
    pub org_name: String,
    pub email: String,
    pub role: String,
    pub created_by: Option<String>,
}

/// The pending invitation a token opens, if any.
pub async fn find_pending_by_token(
    conn: &mut Conn,
    token_hash: &str,
    now: i64,
) -> Result<Option<InvitationByToken>, sqlx::Error> {
    crate::ssr::db::query_as(
        "SELECT i.id, i.org_id, o.name AS org_name, i.email, i.role, i.created_by \
         FROM invitations i JOIN orgs o ON o.id = i.org_id \
         WHERE i.token_hash = $1 AND i.accepted_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > $2",
    )
    .bind(token_hash)
    .bind(now)
    .fetch_optional(conn)
    .await
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AcceptedInvitation {
    pub id: String,
    pub org_id: String,
    pub email: String,
    pub role: String,
    pub created_by: Option<String>,
}

/// Marks the invitation accepted if it is still pending, in one statement, so a link can
/// be used once however many tabs race for it.
pub async fn consume(conn: &mut Conn, token_hash: &str, now: i64) -> Result<Option<AcceptedInvitation>, sqlx::Error> {
    crate::ssr::db::query_as(
        "UPDATE invitations SET accepted_at = $2, updated_at = $2 \
         WHERE token_hash = $1 AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > $2 \
         RETURNING id, org_id, email, role, created_by",
    )
    .bind(token_hash)
    .bind(now)
    .fetch_optional(conn)
    .await
}

/// Invitations the org created since `since`, to one address or to anyone.
pub async fn count_created_since(
    conn: &mut Conn,
    org_id: &str,
    email: Option<&str>,
    since: i64,
) -> Result<i64, sqlx::Error> {
    crate::ssr::db::query_scalar(
        "SELECT COUNT(*) FROM invitations WHERE org_id = $1 AND ($2 IS NULL OR email = $2) AND created_at >= $3",
    )
    .bind(org_id)
    .bind(email)
    .bind(since)
    .fetch_one(conn)
    .await
}
