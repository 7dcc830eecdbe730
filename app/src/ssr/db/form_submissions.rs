//! Claims of one-use form tokens (`domain::form_token`): a lead-page form's submission is
//! carried out by the first claim of its token, in the same transaction as its effects.

use super::Conn;
use crate::domain::form_token::FormToken;

/// Claims `token` for `form` (the server function's endpoint): `true` if this is its first
/// use, `false` if it was used before (the form was submitted twice). Run it inside the
/// use-case's write, so a refused submission gives the token back with everything else.
pub async fn claim(
    conn: &mut Conn,
    org_id: &str,
    token: &FormToken,
    form: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let inserted = crate::ssr::db::query(
        "INSERT INTO form_submissions (org_id, token, form, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (org_id, token) DO NOTHING",
    )
    .bind(org_id)
    .bind(token.as_str())
    .bind(form)
    .bind(now)
    .execute(conn)
    .await?
    .rows_affected();
    Ok(inserted == 1)
}

/// Deletes up to `limit` claims made before `before` (their tokens are refused as expired
/// by then, so they can never be claimed again); returns how many.
pub async fn prune_before(conn: &mut Conn, before: i64, limit: i64) -> Result<u64, sqlx::Error> {
    Ok(crate::ssr::db::query(
        "DELETE FROM form_submissions WHERE (org_id, token) IN \
         (SELECT org_id, token FROM form_submissions WHERE created_at < $1 LIMIT $2)",
    )
    .bind(before)
    .bind(limit)
    .execute(conn)
    .await?
    .rows_affected())
}
