use sqlx::SqliteConnection;

use crate::domain::{
    ids::{OrgId, UserId},
    Role,
};

pub async fn insert(
    conn: &mut SqliteConnection,
    org_id: &OrgId,
    user_id: &UserId,
    role: Role,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO memberships (org_id, user_id, role, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)")
        .bind(org_id.as_str())
        .bind(user_id.as_str())
        .bind(role.as_str())
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}
