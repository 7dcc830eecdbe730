use sqlx::SqliteConnection;

pub struct NewToken<'a> {
    pub id: &'a str,
    pub user_id: &'a str,
    pub org_id: &'a str,
    pub token_hash: &'a str,
    pub expires_at: i64,
    pub created_by: Option<&'a str>,
}

pub async fn insert(conn: &mut SqliteConnection, t: NewToken<'_>, now: i64) -> Result<(), sqlx::Error> {
    let NewToken {
        id,
        user_id,
        org_id,
        token_hash,
        expires_at,
        created_by,
    } = t;
    // A new link replaces any earlier unused one.
    sqlx::query("UPDATE password_tokens SET used_at = $2 WHERE user_id = $1 AND used_at IS NULL")
        .bind(user_id)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO password_tokens (id, user_id, org_id, token_hash, expires_at, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(id)
    .bind(user_id)
    .bind(org_id)
    .bind(token_hash)
    .bind(expires_at)
    .bind(created_by)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Marks the token used and returns (user_id, org_id) if it was valid, unused and unexpired.
pub async fn consume(
    conn: &mut SqliteConnection,
    token_hash: &str,
    now: i64,
) -> Result<Option<(String, String)>, sqlx::Error> {
    sqlx::query_as(
        "UPDATE password_tokens SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2 RETURNING user_id, org_id",
    )
    .bind(token_hash)
    .bind(now)
    .fetch_optional(conn)
    .await
}

pub async fn is_usable(conn: &mut SqliteConnection, token_hash: &str, now: i64) -> Result<bool, sqlx::Error> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM password_tokens WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2",
    )
    .bind(token_hash)
    .bind(now)
    .fetch_one(conn)
    .await?;
    Ok(n == 1)
}
