//! Provider callback evidence. One row per distinct delivery key; retries bump a counter and
//! get the stored answer back.

use super::pipeline::Stmt;
use super::Conn;
use crate::domain::ids::WebhookEventId;

pub struct NewEvidence {
    pub id: WebhookEventId,
    pub provider: &'static str,
    pub route: &'static str,
    pub idempotency_key: String,
    pub signature_verdict: &'static str,
    /// JSON object of the headers that matter (never credentials)
    pub headers: String,
    pub payload: String,
    pub received_at: i64,
}

/// Inserts the evidence row. `None` means it is new and the caller should apply it;
/// `Some(response)` means this key was seen before: the stored answer is returned and the
/// duplicate counted. The unique key decides, so two identical deliveries at the same
/// instant cannot both be new.
pub async fn claim(conn: &mut Conn, ev: &NewEvidence) -> Result<Option<String>, sqlx::Error> {
    let inserted = sqlx::query(
        "INSERT INTO webhook_events (id, provider, route, idempotency_key, signature_verdict, headers, payload, received_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (provider, idempotency_key) DO NOTHING",
    )
    .bind(ev.id.as_str())
    .bind(ev.provider)
    .bind(ev.route)
    .bind(&ev.idempotency_key)
    .bind(ev.signature_verdict)
    .bind(&ev.headers)
    .bind(&ev.payload)
    .bind(ev.received_at)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if inserted == 1 {
        return Ok(None);
    }
    let response: Option<String> = sqlx::query_scalar(
        "UPDATE webhook_events SET duplicate_count = duplicate_count + 1 \
         WHERE provider = $1 AND idempotency_key = $2 RETURNING response",
    )
    .bind(ev.provider)
    .bind(&ev.idempotency_key)
    .fetch_optional(conn)
    .await?;
    Ok(Some(response.unwrap_or_default()))
}

/// Records what the callback did and the answer given, for replay to its retries.
pub fn finish(id: &WebhookEventId, org_id: Option<&str>, outcome: &str, response: &str) -> Stmt {
    Stmt::new("UPDATE webhook_events SET org_id = $2, outcome = $3, response = $4 WHERE id = $1")
        .bind(id.as_str())
        .bind(org_id)
        .bind(outcome)
        .bind(response)
}
