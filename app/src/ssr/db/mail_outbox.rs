//! The durable mail outbox. A row is written in the same transaction as the token its link
//! carries; a worker delivers it over SMTP when one is configured, otherwise it waits for
//! the operator (`callsnare mail list`). Claiming pushes `next_attempt_at` out (a lease),
//! so a worker that dies mid-send leaves the row to be retried. A delivered row keeps its
//! envelope but loses its body, so the link does not linger.

use super::Conn;

use crate::domain::ids::MailId;

pub struct NewMail<'a> {
    pub to_address: &'a str,
    pub kind: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
    pub token_hash: &'a str,
    pub expires_at: i64,
}

pub async fn insert(conn: &mut Conn, m: NewMail<'_>, now: i64) -> Result<MailId, sqlx::Error> {
    let id = MailId::new();
    crate::ssr::db::query(
        "INSERT INTO mail_outbox (id, to_address, kind, subject, body, token_hash, expires_at, next_attempt_at, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $8)",
    )
    .bind(id.as_str())
    .bind(m.to_address)
    .bind(m.kind)
    .bind(m.subject)
    .bind(m.body)
    .bind(m.token_hash)
    .bind(m.expires_at)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(id)
}

/// The mail's link still works: its token is an unused, unrevoked, unexpired set-password
/// link or pending invitation. `$1` is now.
macro_rules! link_alive {
    () => {
        "(mail_outbox.expires_at > $1 AND (\
           EXISTS (SELECT 1 FROM password_tokens t WHERE t.token_hash = mail_outbox.token_hash \
                   AND t.used_at IS NULL AND t.revoked_at IS NULL AND t.expires_at > $1) \
           OR EXISTS (SELECT 1 FROM invitations i WHERE i.token_hash = mail_outbox.token_hash \
                   AND i.accepted_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > $1)))"
    };
}

/// Blanks the body of every held mail whose link no longer works (used, revoked, replaced
/// or expired), so the store keeps no live link it does not need. Returns how many.
pub async fn blank_dead(conn: &mut Conn, now: i64) -> Result<u64, sqlx::Error> {
    Ok(crate::ssr::db::query(concat!(
        "UPDATE mail_outbox SET body = '', updated_at = $1 WHERE body <> '' AND NOT ",
        link_alive!()
    ))
    .bind(now)
    .execute(conn)
    .await?
    .rows_affected())
}

/// A mail to deliver. Not `Debug`: its body holds a one-time link.
#[derive(Clone, sqlx::FromRow)]
pub struct DueMail {
    pub id: String,
    pub to_address: String,
    pub subject: String,
    pub body: String,
    /// Attempts before this one.
    pub attempts: i64,
}

/// Claims up to `limit` due mails by pushing their `next_attempt_at` out by `lease_ms` and
/// counting the attempt. Runs inside a write transaction, so a row is claimed once.
pub async fn claim_due(conn: &mut Conn, now: i64, lease_ms: i64, limit: i64) -> Result<Vec<DueMail>, sqlx::Error> {
    let due: Vec<DueMail> = crate::ssr::db::query_as(concat!(
        "SELECT id, to_address, subject, body, attempts FROM mail_outbox \
             WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= $1 AND body <> '' AND ",
        link_alive!(),
        " ORDER BY next_attempt_at, id LIMIT $2"
    ))
    .bind(now)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    for mail in &due {
        crate::ssr::db::query(
            "UPDATE mail_outbox SET next_attempt_at = $2, attempts = attempts + 1, updated_at = $3 WHERE id = $1",
        )
        .bind(&mail.id)
        .bind(now + lease_ms)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    }
    Ok(due)
}

/// Delivered: records when, and blanks the body so the link is gone from the store.
pub async fn mark_sent(conn: &mut Conn, id: &str, now: i64) -> Result<(), sqlx::Error> {
    crate::ssr::db::query(
        "UPDATE mail_outbox SET sent_at = $2, body = '', last_error = NULL, updated_at = $2 WHERE id = $1",
    )
    .bind(id)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Not delivered this time; try again at `next_attempt_at`.
pub async fn schedule_retry(
    conn: &mut Conn,
    id: &str,
    next_attempt_at: i64,
    error: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    crate::ssr::db::query(
        "UPDATE mail_outbox SET next_attempt_at = $2, last_error = $3, updated_at = $4 WHERE id = $1",
    )
    .bind(id)
    .bind(next_attempt_at)
    .bind(error)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Given up (refused for good, or too many attempts). The body stays, so the operator can
/// still pass the link on (`callsnare mail list`).
pub async fn mark_failed(conn: &mut Conn, id: &str, error: &str, now: i64) -> Result<(), sqlx::Error> {
    crate::ssr::db::query("UPDATE mail_outbox SET failed_at = $2, last_error = $3, updated_at = $2 WHERE id = $1")
        .bind(id)
        .bind(now)
        .bind(error)
        .execute(conn)
        .await?;
    Ok(())
}

/// A mail not delivered (yet), as the operator sees it. Not `Debug`: its body holds a link.
#[derive(Clone, sqlx::FromRow)]
pub struct HeldMail {
    pub created_at: i64,
    pub to_address: String,
    pub subject: String,
    pub body: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub failed_at: Option<i64>,
}

/// Every mail not delivered whose link still works, oldest first, optionally only those
/// to `to_address`.
pub async fn list_held(conn: &mut Conn, to_address: Option<&str>, now: i64) -> Result<Vec<HeldMail>, sqlx::Error> {
    crate::ssr::db::query_as(concat!(
        "SELECT created_at, to_address, subject, body, attempts, last_error, failed_at FROM mail_outbox \
         WHERE sent_at IS NULL AND body <> '' AND ($2 IS NULL OR to_address = $2) AND ",
        link_alive!(),
        " ORDER BY created_at, id"
    ))
    .bind(now)
    .bind(to_address)
    .fetch_all(conn)
    .await
}

/// Mails of `kind` queued to `to_address` since `since` (delivered or not).
pub async fn count_since(conn: &mut Conn, to_address: &str, kind: &str, since: i64) -> Result<i64, sqlx::Error> {
    crate::ssr::db::query_scalar(
        "SELECT COUNT(*) FROM mail_outbox WHERE to_address = $1 AND kind = $2 AND created_at >= $3",
    )
    .bind(to_address)
    .bind(kind)
    .bind(since)
    .fetch_one(conn)
    .await
}
