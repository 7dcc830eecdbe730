use sqlx::SqliteConnection;

use super::pipeline::Stmt;
use crate::domain::ids::LeadId;

/// Returns the open lead for (org, caller), opening one with `source` if there is none,
/// and whether it was just opened. The partial unique index makes "one open lead per
/// caller" a database fact; one statement either inserts or touches the existing lead.
pub async fn open_for_caller(
    conn: &mut SqliteConnection,
    org_id: &str,
    caller: &str,
    source: &str,
    caller_timezone: Option<&str>,
    escalation_due_at: Option<i64>,
    now: i64,
) -> Result<(String, bool), sqlx::Error> {
    let fresh = LeadId::new();
    let id: String = sqlx::query_scalar(
        "INSERT INTO leads (id, org_id, caller_number, source, caller_timezone, escalation_due_at, last_activity_at, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $7) \
         ON CONFLICT (org_id, caller_number) WHERE is_open = TRUE \
         DO UPDATE SET last_activity_at = excluded.last_activity_at, updated_at = excluded.updated_at, \
                       caller_timezone = COALESCE(excluded.caller_timezone, leads.caller_timezone) \
         RETURNING id",
    )
    .bind(fresh.as_str())
    .bind(org_id)
    .bind(caller)
    .bind(source)
    .bind(caller_timezone)
    .bind(escalation_due_at)
    .bind(now)
    .fetch_one(conn)
    .await?;
    // A fresh UUIDv7 id comes back only if this statement inserted the row.
    let created = id == fresh.as_str();
    Ok((id, created))
}

/// Records a message on the lead for the inbox row: preview, and who spoke last.
pub async fn note_message(
    conn: &mut SqliteConnection,
    org_id: &str,
    lead_id: &str,
    body: &str,
    direction: MessageSide,
    now: i64,
) -> Result<(), sqlx::Error> {
    note_message_stmt(org_id, lead_id, body, direction, now)
        .execute(conn)
        .await
        .map(|_| ())
}

/// [`note_message`] as a statement that can wait for the next round trip.
pub fn note_message_stmt(org_id: &str, lead_id: &str, body: &str, direction: MessageSide, now: i64) -> Stmt {
    let preview: String = body.chars().take(140).collect();
    let sql = match direction {
        MessageSide::Customer => {
            "UPDATE leads SET last_message_preview = $3, last_inbound_at = $4, last_activity_at = $4, updated_at = $4 WHERE org_id = $1 AND id = $2"
        }
        MessageSide::Staff => {
            "UPDATE leads SET last_message_preview = $3, last_staff_reply_at = $4, first_staff_response_at = COALESCE(first_staff_response_at, $4), \
             last_activity_at = $4, updated_at = $4 WHERE org_id = $1 AND id = $2"
        }
        MessageSide::Automatic => {
            "UPDATE leads SET last_message_preview = $3, last_activity_at = $4, updated_at = $4 WHERE org_id = $1 AND id = $2"
        }
    };
    Stmt::new(sql).bind(org_id).bind(lead_id).bind(preview).bind(now)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageSide {
    Customer,
    Staff,
    Automatic,
}
