//! One-time set-password links. Only a SHA-256 of each token is stored. A link issued by
//! an org's admin (`org_id` set) works only while its user is still a member of that org;
//! one the account holder asked for ("Forgot password?") belongs to no org.

use super::Conn;

/// A usable link (`$2` is now): unused, not revoked, unexpired and, when an org issued it,
/// its user is still a member of that org. Shared by [`consume`] and [`is_usable`] so the
/// page's check and the use never disagree.
macro_rules! usable {
    () => {
        "used_at IS NULL AND revoked_at IS NULL AND expires_at > $2 \
         AND (org_id IS NULL OR EXISTS (SELECT 1 FROM memberships m \
              WHERE m.org_id = password_tokens.org_id AND m.user_id = password_tokens.user_id))"
    };
}

pub struct NewToken<'a> {
    pub id: &'a str,
    pub user_id: &'a str,
    /// The issuing admin's org; `None` for a link the account holder asked for.
    pub org_id: Option<&'a str>,
    pub token_hash: &'a str,
    pub expires_at: i64,
    pub created_by: Option<&'a str>,
}

pub async fn insert(conn: &mut Conn, t: NewToken<'_>, now: i64) -> Result<(), sqlx::Error> {
    let NewToken {
        id,
        user_id,
        org_id,
        token_hash,
        expires_at,
        created_by,
    } = t;
    // A new link replaces any earlier unused one.
    crate::ssr::db::query(
        "UPDATE password_tokens SET revoked_at = $2 WHERE user_id = $1 AND used_at IS NULL AND revoked_at IS NULL",
    )
    .bind(user_id)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    crate::ssr::db::query(
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

/// Marks the token used and returns (user_id, org_id) if it was usable (see `usable!`).
/// One statement, so two concurrent uses of one link cannot both succeed.
pub async fn consume(
    conn: &mut Conn,
    token_hash: &str,
    now: i64,
) -> Result<Option<(String, Option<String>)>, sqlx::Error> {
    crate::ssr::db::query_as(concat!(
        "UPDATE password_tokens SET used_at = $2 WHERE token_hash = $1 AND ",
        usable!(),
        " RETURNING user_id, org_id"
    ))
    .bind(token_hash)
    .bind(now)
    .fetch_optional(conn)
    .await
}

pub async fn is_usable(conn: &mut Conn, token_hash: &str, now: i64) -> Result<bool, sqlx::Error> {
    let n: i64 = crate::ssr::db::query_scalar(concat!(
        "SELECT COUNT(*) FROM password_tokens WHERE token_hash = $1 AND ",
        usable!()
    ))
    .bind(token_hash)
    .bind(now)
    .fetch_one(conn)
    .await?;
    Ok(n == 1)
}

/// Revokes every outstanding link `org_id` issued for `user_id` (the member was removed or
/// their role changed). Links the user asked for themselves, or another org issued, stay.
pub async fn revoke_for_user_in_org(
    conn: &mut Conn,
    org_id: &str,
    user_id: &str,
    now: i64,
) -> Result<u64, sqlx::Error> {
    Ok(crate::ssr::db::query(
        "UPDATE password_tokens SET revoked_at = $3 WHERE org_id = $1 AND user_id = $2 AND used_at IS NULL AND revoked_at IS NULL",
    )
    .bind(org_id)
    .bind(user_id)
    .bind(now)
    .execute(conn)
    .await?
    .rows_affected())
}
