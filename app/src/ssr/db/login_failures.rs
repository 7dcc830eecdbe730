use sqlx::SqliteConnection;

use crate::domain::ids::AuditEventId;

pub async fn record(conn: &mut SqliteConnection, email: &str, ip: Option<&str>, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO login_failures (id, email, ip, occurred_at) VALUES ($1, $2, $3, $4)")
        .bind(AuditEventId::new().as_str().replacen("aud_", "lfl_", 1))
        .bind(email)
        .bind(ip)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn count_since(conn: &mut SqliteConnection, email: &str, since: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM login_failures WHERE email = $1 AND occurred_at >= $2")
        .bind(email)
        .bind(since)
        .fetch_one(conn)
        .await
}

pub async fn clear(conn: &mut SqliteConnection, email: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM login_failures WHERE email = $1")
        .bind(email)
        .execute(conn)
        .await?;
    Ok(())
}
