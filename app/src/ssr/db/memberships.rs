use super::Conn;
use crate::domain::{
    ids::{OrgId, UserId},
    Role,
};

pub async fn insert(
    conn: &mut Conn,
    org_id: &OrgId,
    user_id: &UserId,
    role: Role,
    now: i64,
) -> Result<(), sqlx::Error> {
    crate::ssr::db::query(
        "INSERT INTO memberships (org_id, user_id, role, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)",
    )
    .bind(org_id.as_str())
    .bind(user_id.as_str())
    .bind(role.as_str())
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MembershipRow {
    pub org_id: String,
    pub org_name: String,
    pub role: String,
}

/// The user's orgs, by name, for the org switcher and the default org.
pub async fn list_for_user(conn: &mut Conn, user_id: &str) -> Result<Vec<MembershipRow>, sqlx::Error> {
    crate::ssr::db::query_as(
        "SELECT m.org_id, o.name AS org_name, m.role FROM memberships m JOIN orgs o ON o.id = m.org_id \
         WHERE m.user_id = $1 ORDER BY o.name, m.org_id",
    )
    .bind(user_id)
    .fetch_all(conn)
    .await
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MemberRow {
    pub user_id: String,
    pub email: String,
    pub name: String,
    pub role: String,
    pub created_at: i64,
    /// The member has a usable password (set it through their link, or had one already).
    pub active: bool,
}

pub async fn list_for_org(conn: &mut Conn, org_id: &str) -> Result<Vec<MemberRow>, sqlx::Error> {
    crate::ssr::db::query_as(
        "SELECT m.user_id, u.email, u.name, m.role, m.created_at, (u.password_hash LIKE '$argon2%') AS active \
         FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.org_id = $1 ORDER BY m.created_at, u.email",
    )
    .bind(org_id)
    .fetch_all(conn)
    .await
}

pub async fn find_role(conn: &mut Conn, org_id: &str, user_id: &str) -> Result<Option<String>, sqlx::Error> {
    crate::ssr::db::query_scalar("SELECT role FROM memberships WHERE org_id = $1 AND user_id = $2")
        .bind(org_id)
        .bind(user_id)
        .fetch_optional(conn)
        .await
}

pub async fn count_owners(conn: &mut Conn, org_id: &str) -> Result<i64, sqlx::Error> {
    crate::ssr::db::query_scalar("SELECT COUNT(*) FROM memberships WHERE org_id = $1 AND role = 'owner'")
        .bind(org_id)
        .fetch_one(conn)
        .await
}

pub async fn set_role(conn: &mut Conn, org_id: &str, user_id: &str, role: Role, now: i64) -> Result<(), sqlx::Error> {
    crate::ssr::db::query("UPDATE memberships SET role = $3, updated_at = $4 WHERE org_id = $1 AND user_id = $2")
        .bind(org_id)
        .bind(user_id)
        .bind(role.as_str())
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn delete(conn: &mut Conn, org_id: &str, user_id: &str) -> Result<(), sqlx::Error> {
    crate::ssr::db::query("DELETE FROM memberships WHERE org_id = $1 AND user_id = $2")
        .bind(org_id)
        .bind(user_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Everyone a lead of the org can be assigned to: (user id, email), by email.
pub async fn assignees(conn: &mut Conn, org_id: &str) -> Result<Vec<(String, String)>, sqlx::Error> {
    crate::ssr::db::query_as(
        "SELECT u.id, u.email FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.org_id = $1 ORDER BY u.email",
    )
    .bind(org_id)
    .fetch_all(conn)
    .await
}

/// The email of a member of this org; `None` for anyone who is not one.
pub async fn find_member_email(conn: &mut Conn, org_id: &str, user_id: &str) -> Result<Option<String>, sqlx::Error> {
    crate::ssr::db::query_scalar(
        "SELECT u.email FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.org_id = $1 AND m.user_id = $2",
    )
    .bind(org_id)
    .bind(user_id)
    .fetch_optional(conn)
    .await
}
