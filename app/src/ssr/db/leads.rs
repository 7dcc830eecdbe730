use super::pipeline::Stmt;
use super::Conn;
use crate::domain::{ids::LeadId, E164Phone, LeadSource, LeadStatus};

/// Returns the open lead for (org, caller), opening one with `source` if there is none,
/// and whether it was just opened. The partial unique index makes "one open lead per
/// caller" a database fact; one statement either inserts or touches the existing lead.
pub async fn open_for_caller(
    conn: &mut Conn,
    org_id: &str,
    caller: &E164Phone,
    source: LeadSource,
    caller_timezone: Option<&str>,
    escalation_due_at: Option<i64>,
    now: i64,
) -> Result<(LeadId, bool), sqlx::Error> {
    let fresh = LeadId::new();
    let id: LeadId = crate::ssr::db::query_scalar(
        "INSERT INTO leads (id, org_id, caller_number, source, caller_timezone, escalation_due_at, last_activity_at, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $7) \
         ON CONFLICT (org_id, caller_number) WHERE is_open = TRUE \
         DO UPDATE SET last_activity_at = excluded.last_activity_at, updated_at = excluded.updated_at, \
                       caller_timezone = COALESCE(excluded.caller_timezone, leads.caller_timezone) \
         RETURNING id",
    )
    .bind(&fresh)
    .bind(org_id)
    .bind(caller.as_str())
    .bind(source)
    .bind(caller_timezone)
    .bind(escalation_due_at)
    .bind(now)
    .fetch_one(conn)
    .await?;
    // A fresh UUIDv7 id comes back only if this statement inserted the row.
    let created = id == fresh;
    Ok((id, created))
}

/// Records a message on the lead for the inbox row: preview, and who spoke last (the row
/// marks our own texts "You: ").
pub async fn note_message(
    conn: &mut Conn,
    org_id: &str,
    lead_id: &LeadId,
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
pub fn note_message_stmt(org_id: &str, lead_id: &LeadId, body: &str, direction: MessageSide, now: i64) -> Stmt {
    let preview: String = body.chars().take(140).collect();
    let sql = match direction {
        MessageSide::Customer => {
            "UPDATE leads SET last_message_preview = $3, last_message_side = 'customer', last_inbound_at = $4, last_activity_at = $4, updated_at = $4 \
             WHERE org_id = $1 AND id = $2"
        }
        MessageSide::Staff => {
            "UPDATE leads SET last_message_preview = $3, last_message_side = 'staff', last_staff_reply_at = $4, first_staff_response_at = COALESCE(first_staff_response_at, $4), \
             last_activity_at = $4, updated_at = $4 WHERE org_id = $1 AND id = $2"
        }
        MessageSide::Automatic => {
            "UPDATE leads SET last_message_preview = $3, last_message_side = 'automatic', last_activity_at = $4, updated_at = $4 \
             WHERE org_id = $1 AND id = $2"
        }
    };
    Stmt::new(sql)
        .bind(org_id)
        .bind(lead_id.as_str())
        .bind(preview)
        .bind(now)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageSide {
    Customer,
    Staff,
    Automatic,
}

/// What replying to, editing or booking a lead needs to know about it and its org.
#[derive(Debug, sqlx::FromRow)]
pub struct ReplyContextRow {
    pub caller_number: String,
    pub status: LeadStatus,
    pub name: String,
    pub timezone: String,
    pub caller_timezone: Option<String>,
    pub send_window_start_minute: i64,
    pub send_window_end_minute: i64,
}

pub async fn find_reply_context(
    conn: &mut Conn,
    org_id: &str,
    lead_id: &LeadId,
) -> Result<Option<ReplyContextRow>, sqlx::Error> {
    crate::ssr::db::query_as(
        "SELECT l.caller_number, l.status, o.name, o.timezone, l.caller_timezone, r.send_window_start_minute, r.send_window_end_minute \
         FROM leads l JOIN orgs o ON o.id = l.org_id JOIN routing_settings r ON r.org_id = l.org_id WHERE l.org_id = $1 AND l.id = $2",
    )
    .bind(org_id)
    .bind(lead_id)
    .fetch_optional(conn)
    .await
}

/// The tracked number the customer last reached (by a call or an inbound text), if any,
/// among the numbers the org still tracks (a removed number is no longer ours to send from).
pub async fn last_reached_number(
    conn: &mut Conn,
    org_id: &str,
    lead_id: &LeadId,
) -> Result<Option<String>, sqlx::Error> {
    crate::ssr::db::query_scalar(
        "SELECT r.to_number FROM (SELECT to_number, started_at AS at FROM calls WHERE org_id = $1 AND lead_id = $2 \
         UNION ALL SELECT to_number, created_at AS at FROM messages WHERE org_id = $1 AND lead_id = $2 AND direction = 'inbound') r \
         WHERE EXISTS (SELECT 1 FROM tracked_numbers t WHERE t.org_id = $1 AND t.e164 = r.to_number AND t.removed_at IS NULL) \
         ORDER BY r.at DESC LIMIT 1",
    )
    .bind(org_id)
    .bind(lead_id)
    .fetch_optional(conn)
    .await
}

/// Sets the status; `lost` and `spam` close the lead ([`LeadStatus::is_open`]). Any status change is a staff response.
pub async fn set_status(
    conn: &mut Conn,
    org_id: &str,
    lead_id: &LeadId,
    status: LeadStatus,
    now: i64,
) -> Result<(), sqlx::Error> {
    crate::ssr::db::query(
        "UPDATE leads SET status = $3, is_open = $4, first_staff_response_at = COALESCE(first_staff_response_at, $5), updated_at = $5 \
         WHERE org_id = $1 AND id = $2",
    )
    .bind(org_id)
    .bind(lead_id)
    .bind(status)
    .bind(status.is_open())
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// The lead's editable details: (name, address, notes).
pub async fn get_details(
    conn: &mut Conn,
    org_id: &str,
    lead_id: &LeadId,
) -> Result<(String, String, String), sqlx::Error> {
    crate::ssr::db::query_as("SELECT name, address, notes FROM leads WHERE org_id = $1 AND id = $2")
        .bind(org_id)
        .bind(lead_id)
        .fetch_one(conn)
        .await
}

pub async fn update_details(
    conn: &mut Conn,
    org_id: &str,
    lead_id: &LeadId,
    (name, address, notes): (&str, &str, &str),
    now: i64,
) -> Result<(), sqlx::Error> {
    crate::ssr::db::query(
        "UPDATE leads SET name = $3, address = $4, notes = $5, updated_at = $6 WHERE org_id = $1 AND id = $2",
    )
    .bind(org_id)
    .bind(lead_id)
    .bind(name)
    .bind(address)
    .bind(notes)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn get_assignee(conn: &mut Conn, org_id: &str, lead_id: &LeadId) -> Result<Option<String>, sqlx::Error> {
    crate::ssr::db::query_scalar("SELECT assigned_user_id FROM leads WHERE org_id = $1 AND id = $2")
        .bind(org_id)
        .bind(lead_id)
        .fetch_one(conn)
        .await
}

/// `None` unassigns.
pub async fn update_assignee(
    conn: &mut Conn,
    org_id: &str,
    lead_id: &LeadId,
    user_id: Option<&str>,
    now: i64,
) -> Result<(), sqlx::Error> {
    crate::ssr::db::query("UPDATE leads SET assigned_user_id = $3, updated_at = $4 WHERE org_id = $1 AND id = $2")
        .bind(org_id)
        .bind(lead_id)
        .bind(user_id)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

/// A new lead nobody has answered whose escalation is due, with what escalating it needs.
#[derive(Debug, sqlx::FromRow)]
pub struct EscalationDueRow {
    pub lead_id: LeadId,
    pub org_id: String,
    pub caller_number: String,
    pub escalation_minutes: i64,
    pub escalation_number: Option<String>,
    pub timezone: String,
    pub business_hours: Option<String>,
    /// The org's first tracked number: escalation texts are sent from it.
    pub from_number: Option<String>,
    /// The org's billing, which may pause its escalation texts.
    #[sqlx(flatten)]
    pub billing: super::org_billing::BillingFacts,
}

/// Up to `limit` leads due for escalation at `now`, oldest due first.
pub async fn list_escalation_due(conn: &mut Conn, now: i64, limit: i64) -> Result<Vec<EscalationDueRow>, sqlx::Error> {
    crate::ssr::db::query_as(&format!(
        "SELECT l.id AS lead_id, l.org_id, l.caller_number, r.escalation_minutes, r.escalation_number, o.timezone, r.business_hours, \
                (SELECT e164 FROM tracked_numbers t WHERE t.org_id = l.org_id AND t.removed_at IS NULL ORDER BY t.created_at LIMIT 1) AS from_number, \
                {} \
         FROM leads l JOIN routing_settings r ON r.org_id = l.org_id JOIN orgs o ON o.id = l.org_id \
         LEFT JOIN org_billing b ON b.org_id = l.org_id \
         WHERE l.escalated_at IS NULL AND l.first_staff_response_at IS NULL AND l.status = 'new' \
           AND l.escalation_due_at <= $1 \
         ORDER BY l.escalation_due_at LIMIT $2",
        super::org_billing::FACTS_COLUMNS
    ))
    .bind(now)
    .bind(limit)
    .fetch_all(conn)
    .await
}

/// Moves the lead's escalation to `due_at` (`None` drops it from the scan).
pub async fn update_escalation_due(
    conn: &mut Conn,
    org_id: &str,
    lead_id: &LeadId,
    due_at: Option<i64>,
) -> Result<(), sqlx::Error> {
    crate::ssr::db::query("UPDATE leads SET escalation_due_at = $3 WHERE org_id = $1 AND id = $2")
        .bind(org_id)
        .bind(lead_id)
        .bind(due_at)
        .execute(conn)
        .await?;
    Ok(())
}

/// Marks the lead escalated; false if it already was (escalation happens once).
pub async fn claim_escalation(conn: &mut Conn, org_id: &str, lead_id: &LeadId, now: i64) -> Result<bool, sqlx::Error> {
    let claimed = crate::ssr::db::query(
        "UPDATE leads SET escalated_at = $3 WHERE org_id = $1 AND id = $2 AND escalated_at IS NULL",
    )
    .bind(org_id)
    .bind(lead_id)
    .bind(now)
    .execute(conn)
    .await?
    .rows_affected();
    Ok(claimed == 1)
}
