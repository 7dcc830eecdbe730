use sqlx::SqliteConnection;

use crate::domain::{ids::UserId, EmailAddress};

pub async fn insert(
    conn: &mut SqliteConnection,
    id: &UserId,
    email: &EmailAddress,
    password_hash: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO users (id, email, password_hash, password_changed_at, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $4, $4)",
    )
    .bind(id.as_str())
    .bind(email.as_str())
    .bind(password_hash)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn find_id_by_email(
    conn: &mut SqliteConnection,
    email: &EmailAddress,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(email.as_str())
        .fetch_optional(conn)
        .await
}
