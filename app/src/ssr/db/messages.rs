use super::pipeline::{Deferred, Stmt};
use super::Conn;
use crate::domain::ids::{CallId, LeadId, MessageId};

pub struct NewMessage<'a> {
    pub org_id: &'a str,
    pub lead_id: &'a LeadId,
    pub direction: &'a str,
    pub purpose: &'a str,
    pub from_number: &'a str,
    pub to_number: &'a str,
    pub body: &'a str,
    pub status: &'a str,
    pub provider_sid: Option<&'a str>,
    pub dedupe_key: Option<&'a str>,
    pub call_id: Option<&'a CallId>,
}

/// Inserts a message; `None` when its provider SID or dedupe key already exists.
pub async fn insert(conn: &mut Conn, m: NewMessage<'_>, now: i64) -> Result<Option<MessageId>, sqlx::Error> {
    let (id, stmt) = insert_stmt(m, now);
    let n = stmt.execute(conn).await?;
    Ok((n == 1).then_some(id))
}

/// [`insert`] as a statement that can wait for the next round trip, when nobody needs to
/// know whether it was a duplicate.
pub fn insert_stmt(m: NewMessage<'_>, now: i64) -> (MessageId, Stmt) {
    let id = MessageId::new();
    let stmt = Stmt::new(
        "INSERT INTO messages (id, org_id, lead_id, direction, purpose, from_number, to_number, body, status, provider_sid, dedupe_key, call_id, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13) ON CONFLICT DO NOTHING",
    )
    .bind(id.as_str())
    .bind(m.org_id)
    .bind(m.lead_id.as_str())
    .bind(m.direction)
    .bind(m.purpose)
    .bind(m.from_number)
    .bind(m.to_number)
    .bind(m.body)
    .bind(m.status)
    .bind(m.provider_sid)
    .bind(m.dedupe_key)
    .bind(m.call_id.map(CallId::as_str))
    .bind(now);
    (id, stmt)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SentMessage {
    pub id: MessageId,
    pub org_id: String,
    pub lead_id: LeadId,
    pub to_number: String,
    pub status: String,
}

pub async fn find_by_provider_sid(conn: &mut Conn, sid: &str) -> Result<Option<SentMessage>, sqlx::Error> {
    crate::ssr::db::query_as("SELECT id, org_id, lead_id, to_number, status FROM messages WHERE provider_sid = $1")
        .bind(sid)
        .fetch_optional(conn)
        .await
}

/// A delivery-state change; it can wait for the next round trip.
pub fn set_status(
    org_id: &str,
    id: &MessageId,
    status: &str,
    provider_sid: Option<&str>,
    error_code: Option<&str>,
    now: i64,
) -> Stmt {
    Stmt::new(
        "UPDATE messages SET status = $3, provider_sid = COALESCE($4, provider_sid), error_code = COALESCE($5, error_code), updated_at = $6 \
         WHERE org_id = $1 AND id = $2",
    )
    .bind(org_id)
    .bind(id.as_str())
    .bind(status)
    .bind(provider_sid)
    .bind(error_code)
    .bind(now)
}

/// What decides a text-back to `phone`, in one query: is it one of the org's own numbers
/// (tracked or forward-to), has it opted out, and when did it last get a text-back.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TextBackFacts {
    pub own_number: bool,
    pub opted_out: bool,
    pub last_text_back_at: Option<i64>,
}

pub async fn text_back_facts(
    conn: &mut Conn,
    pending: &mut Deferred,
    org_id: &str,
    phone: &str,
) -> Result<TextBackFacts, sqlx::Error> {
    let facts = Stmt::new(
        "SELECT \
           EXISTS (SELECT 1 FROM tracked_numbers WHERE org_id = $1 AND (e164 = $2 OR forward_to LIKE '%\"' || $2 || '\"%')) AS own_number, \
           COALESCE((SELECT opted_out FROM opt_outs WHERE org_id = $1 AND phone = $2), FALSE) AS opted_out, \
           (SELECT MAX(created_at) FROM messages WHERE org_id = $1 AND to_number = $2 AND purpose = 'text_back' AND status <> 'canceled') AS last_text_back_at",
    )
    .bind(org_id)
    .bind(phone);
    // Earlier writes of the same job (the call's lead, its timeline) travel with this read.
    pending.fetch_one(conn, facts).await
}

/// Whether staff queued exactly `body` to this lead since `since`: a form posted again
/// from a page reloaded by the back button carries a fresh token, so the text itself is
/// what tells a repeat from a new message.
pub async fn staff_sent_same_since(
    conn: &mut Conn,
    org_id: &str,
    lead_id: &LeadId,
    body: &str,
    since: i64,
) -> Result<bool, sqlx::Error> {
    crate::ssr::db::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM messages WHERE org_id = $1 AND lead_id = $2 AND direction = 'outbound' \
         AND purpose = 'reply' AND created_at >= $3 AND body = $4 AND status <> 'canceled')",
    )
    .bind(org_id)
    .bind(lead_id.as_str())
    .bind(since)
    .bind(body)
    .fetch_one(conn)
    .await
}
