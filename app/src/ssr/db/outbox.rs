//! The durable SMS outbox. A row is written in the same transaction as the decision to
//! text; a worker sends it. Claiming sets a lease (`next_attempt_at` in the future), so a
//! worker that dies mid-send leaves a row that is retried when the lease runs out.

use crate::ssr::db::QueryBuilder;

use super::pipeline::Stmt;
use super::Conn;
use crate::domain::ids::{LeadId, MessageId, OutboxId};

pub async fn insert(
    conn: &mut Conn,
    org_id: &str,
    message_id: &MessageId,
    next_attempt_at: i64,
    now: i64,
) -> Result<(), sqlx::Error> {
    insert_stmt(org_id, message_id, next_attempt_at, now)
        .execute(conn)
        .await
        .map(|_| ())
}

/// [`insert`] as a statement that can wait for the next round trip.
pub fn insert_stmt(org_id: &str, message_id: &MessageId, next_attempt_at: i64, now: i64) -> Stmt {
    Stmt::new(
        "INSERT INTO sms_outbox (id, org_id, message_id, next_attempt_at, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)",
    )
    .bind(OutboxId::new().as_str())
    .bind(org_id)
    .bind(message_id.as_str())
    .bind(next_attempt_at)
    .bind(now)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DueText {
    pub outbox_id: OutboxId,
    pub org_id: String,
    pub message_id: MessageId,
    pub lead_id: LeadId,
    /// Attempts before this one.
    pub attempts: i64,
    /// When the text was queued: a provider message older than this is not this text.
    pub queued_at: i64,
    pub from_number: String,
    pub to_number: String,
    pub body: String,
    /// The recipient opted out after the text was queued: cancel instead of sending.
    pub opted_out: bool,
    /// Why the text was written (`text_back`, `escalation`, a staff reply …).
    pub purpose: String,
    /// The org's billing: an automated text whose org is paused for billing when it falls
    /// due (a text-back held for the morning) is cancelled instead of sent.
    #[sqlx(flatten)]
    pub billing: super::org_billing::BillingFacts,
}

impl DueText {
    /// Written by CallSnare itself (a text-back, an escalation text), not by a person:
    /// what billing may pause.
    pub fn is_automated(&self) -> bool {
        matches!(self.purpose.as_str(), "text_back" | "escalation")
    }
}

/// Claims up to `limit` due rows by pushing their `next_attempt_at` out by `lease_ms` and
/// counting the attempt. Runs inside a write transaction, so two workers never claim the
/// same row; two statements per batch whatever its size.
pub async fn claim_due(conn: &mut Conn, now: i64, lease_ms: i64, limit: i64) -> Result<Vec<DueText>, sqlx::Error> {
    let due: Vec<DueText> = crate::ssr::db::query_as(&format!(
        "SELECT o.id AS outbox_id, o.org_id, o.message_id, m.lead_id, o.attempts, o.created_at AS queued_at, m.from_number, m.to_number, m.body, \
                COALESCE(x.opted_out, FALSE) AS opted_out, m.purpose, {} \
         FROM sms_outbox o JOIN messages m ON m.id = o.message_id \
         LEFT JOIN opt_outs x ON x.org_id = o.org_id AND x.phone = m.to_number \
         LEFT JOIN org_billing b ON b.org_id = o.org_id \
         WHERE o.state = 'pending' AND o.next_attempt_at <= $1 ORDER BY o.next_attempt_at LIMIT $2",
        super::org_billing::FACTS_COLUMNS
    ))
    .bind(now)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    if due.is_empty() {
        return Ok(due);
    }
    let mut b: crate::ssr::db::QueryBuilder<'_> = QueryBuilder::new("UPDATE sms_outbox SET next_attempt_at = ");
    b.push_bind(now + lease_ms)
        .push(", attempts = attempts + 1, updated_at = ")
        .push_bind(now)
        .push(" WHERE id IN (");
    let mut ids = b.separated(", ");
    for row in &due {
        ids.push_bind(row.outbox_id.clone());
    }
    b.push(")");
    b.build().execute(conn).await?;
    Ok(due)
}

pub fn set_state(
    outbox_id: &OutboxId,
    state: &str,
    next_attempt_at: Option<i64>,
    last_error: Option<&str>,
    now: i64,
) -> Stmt {
    Stmt::new(
        "UPDATE sms_outbox SET state = $2, next_attempt_at = COALESCE($3, next_attempt_at), last_error = $4, updated_at = $5 WHERE id = $1",
    )
    .bind(outbox_id.as_str())
    .bind(state)
    .bind(next_attempt_at)
    .bind(last_error)
    .bind(now)
}

/// Cancels every unsent text to a number that just opted out.
pub async fn cancel_pending_to(conn: &mut Conn, org_id: &str, phone: &str, now: i64) -> Result<u64, sqlx::Error> {
    crate::ssr::db::query(
        "UPDATE messages SET status = 'canceled', updated_at = $3 WHERE org_id = $1 AND to_number = $2 AND id IN \
         (SELECT message_id FROM sms_outbox WHERE org_id = $1 AND state = 'pending')",
    )
    .bind(org_id)
    .bind(phone)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(crate::ssr::db::query(
        "UPDATE sms_outbox SET state = 'canceled', last_error = 'opted_out', updated_at = $3 WHERE org_id = $1 AND state = 'pending' \
         AND message_id IN (SELECT id FROM messages WHERE org_id = $1 AND to_number = $2)",
    )
    .bind(org_id)
    .bind(phone)
    .bind(now)
    .execute(conn)
    .await?
    .rows_affected())
}
