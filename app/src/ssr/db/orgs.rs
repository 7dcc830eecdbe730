use super::Conn;
use crate::domain::{ids::OrgId, OrgSlug, OrgTimezone};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OrgRow {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub timezone: String,
}

pub async fn insert(
    conn: &mut Conn,
    id: &OrgId,
    slug: &OrgSlug,
    name: &str,
    timezone: &OrgTimezone,
    now: i64,
) -> Result<(), sqlx::Error> {
    crate::ssr::db::query(
        "INSERT INTO orgs (id, slug, name, timezone, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)",
    )
    .bind(id.as_str())
    .bind(slug.as_str())
    .bind(name)
    .bind(timezone.as_str())
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn find_by_slug(conn: &mut Conn, slug: &OrgSlug) -> Result<Option<OrgRow>, sqlx::Error> {
    crate::ssr::db::query_as("SELECT id, slug, name, timezone FROM orgs WHERE slug = $1")
        .bind(slug.as_str())
        .fetch_optional(conn)
        .await
}

pub async fn count(conn: &mut Conn) -> Result<i64, sqlx::Error> {
    crate::ssr::db::query_scalar("SELECT COUNT(*) FROM orgs")
        .fetch_one(conn)
        .await
}

/// The org's slug and timezone (billing names the org to Stripe by its slug).
pub async fn get_slug_and_timezone(conn: &mut Conn, org_id: &str) -> Result<(String, String), sqlx::Error> {
    crate::ssr::db::query_as("SELECT slug, timezone FROM orgs WHERE id = $1")
        .bind(org_id)
        .fetch_one(conn)
        .await
}

/// The org's IANA timezone name as stored.
pub async fn get_timezone(conn: &mut Conn, org_id: &str) -> Result<String, sqlx::Error> {
    crate::ssr::db::query_scalar("SELECT timezone FROM orgs WHERE id = $1")
        .bind(org_id)
        .fetch_one(conn)
        .await
}

/// How many days the org keeps stored callbacks' payloads (the evidence viewer's setting).
pub async fn evidence_retention_days(conn: &mut Conn, org_id: &OrgId) -> Result<i64, sqlx::Error> {
    crate::ssr::db::query_scalar("SELECT evidence_retention_days FROM orgs WHERE id = $1")
        .bind(org_id.as_str())
        .fetch_one(conn)
        .await
}

pub async fn set_evidence_retention_days(
    conn: &mut Conn,
    org_id: &OrgId,
    days: i64,
    now: i64,
) -> Result<(), sqlx::Error> {
    crate::ssr::db::query("UPDATE orgs SET evidence_retention_days = $2, updated_at = $3 WHERE id = $1")
        .bind(org_id.as_str())
        .bind(days)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

/// Every org's id with its evidence retention in days (for the housekeeping pass).
pub async fn evidence_retentions(conn: &mut Conn) -> Result<Vec<(String, i64)>, sqlx::Error> {
    crate::ssr::db::query_as("SELECT id, evidence_retention_days FROM orgs ORDER BY id")
        .fetch_all(conn)
        .await
}

/// Every org, by slug.
pub async fn list(conn: &mut Conn) -> Result<Vec<OrgRow>, sqlx::Error> {
    crate::ssr::db::query_as("SELECT id, slug, name, timezone FROM orgs ORDER BY slug")
        .fetch_all(conn)
        .await
}

pub async fn update_timezone(
    conn: &mut Conn,
    org_id: &OrgId,
    timezone: &OrgTimezone,
    now: i64,
) -> Result<(), sqlx::Error> {
    crate::ssr::db::query("UPDATE orgs SET timezone = $2, updated_at = $3 WHERE id = $1")
        .bind(org_id.as_str())
        .bind(timezone.as_str())
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}
