use super::Conn;
use crate::domain::{ids::UserId, EmailAddress};

pub async fn insert(
    conn: &mut Conn,
    id: &UserId,
    email: &EmailAddress,
    password_hash: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    crate::ssr::db::query(
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

pub async fn find_id_by_email(conn: &mut Conn, email: &EmailAddress) -> Result<Option<String>, sqlx::Error> {
    crate::ssr::db::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(email.as_str())
        .fetch_optional(conn)
        .await
}

/// A user as the sign-in path needs it. Never serialised: it holds the password hash.
#[derive(Clone, sqlx::FromRow)]
pub struct UserRow {
    pub id: String,
    pub email: String,
    pub password_hash: String,
}

impl std::fmt::Debug for UserRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserRow")
            .field("id", &self.id)
            .field("email", &self.email)
            .finish_non_exhaustive()
    }
}

pub async fn find_by_email(conn: &mut Conn, email: &str) -> Result<Option<UserRow>, sqlx::Error> {
    crate::ssr::db::query_as("SELECT id, email, password_hash FROM users WHERE email = $1")
        .bind(email)
        .fetch_optional(conn)
        .await
}

pub async fn find(conn: &mut Conn, id: &str) -> Result<Option<UserRow>, sqlx::Error> {
    crate::ssr::db::query_as("SELECT id, email, password_hash FROM users WHERE id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// Replaces the password hash. The session auth hash changes with it, which ends every
/// other session of this user.
pub async fn set_password_hash(conn: &mut Conn, id: &str, hash: &str, now: i64) -> Result<(), sqlx::Error> {
    crate::ssr::db::query(
        "UPDATE users SET password_hash = $2, password_changed_at = $3, updated_at = $3 WHERE id = $1",
    )
    .bind(id)
    .bind(hash)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}
