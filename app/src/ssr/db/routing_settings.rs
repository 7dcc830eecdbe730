use super::Conn;
use crate::domain::ids::OrgId;

/// Default text-back; `{business}` is replaced with the org's name when sent.
pub const DEFAULT_TEXT_BACK: &str =
    "Hi, this is {business}. Sorry we missed your call! How can we help? Reply here and we'll get right back to you. Reply STOP to opt out.";
pub const DEFAULT_AFTER_HOURS_GREETING: &str =
    "Thanks for calling {business}. We're closed right now, but we'll text you back in a moment.";

/// Every org starts with routing settings; business hours stay unset (always forward).
pub async fn insert_defaults(conn: &mut Conn, org_id: &OrgId, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO routing_settings (org_id, text_back_template, after_hours_greeting, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $4)",
    )
    .bind(org_id.as_str())
    .bind(DEFAULT_TEXT_BACK)
    .bind(DEFAULT_AFTER_HOURS_GREETING)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Who is texted when a new lead waits `minutes` with no staff response (0 turns it off).
pub async fn update_escalation(
    conn: &mut Conn,
    org_id: &OrgId,
    number: Option<&str>,
    minutes: i64,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE routing_settings SET escalation_number = $2, escalation_minutes = $3, updated_at = $4 WHERE org_id = $1",
    )
    .bind(org_id.as_str())
    .bind(number)
    .bind(minutes)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}
