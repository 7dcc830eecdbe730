use super::Conn;
use crate::domain::{
    ids::{OrgId, TrackedNumberId},
    E164Phone,
};

/// Short enough that the office phones' carrier voicemail (typically 20–25 s) never picks
/// up first; Twilio adds ~5 s to the `<Dial>` timeout.
pub const DEFAULT_RING_TIMEOUT_SECS: i64 = 12;

pub struct NewTrackedNumber<'a> {
    pub id: &'a TrackedNumberId,
    pub org_id: &'a OrgId,
    pub e164: &'a E164Phone,
    pub label: &'a str,
    pub forward_to: &'a [E164Phone],
    pub ring_timeout_secs: i64,
}

pub async fn insert(conn: &mut Conn, n: NewTrackedNumber<'_>, now: i64) -> Result<(), sqlx::Error> {
    let forward_to = serde_json::to_string(n.forward_to).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    sqlx::query(
        "INSERT INTO tracked_numbers (id, org_id, e164, label, forward_to, ring_timeout_secs, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
    )
    .bind(n.id.as_str())
    .bind(n.org_id.as_str())
    .bind(n.e164.as_str())
    .bind(n.label)
    .bind(forward_to)
    .bind(n.ring_timeout_secs)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Everything a callback needs to route a call to a tracked number, in one indexed read.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct NumberRouting {
    pub tracked_number_id: String,
    pub e164: String,
    pub org_id: String,
    pub org_name: String,
    pub timezone: String,
    /// JSON array of E.164 strings
    pub forward_to: String,
    pub ring_timeout_secs: i64,
    pub business_hours: Option<String>,
    /// JSON array of `YYYY-MM-DD` local dates the office is closed all day.
    pub closure_dates: String,
    pub text_back_template: String,
    pub after_hours_greeting: String,
    pub cooldown_minutes: i64,
    pub send_window_start_minute: i64,
    pub send_window_end_minute: i64,
    pub hold_text_backs_in_quiet_hours: bool,
    pub escalation_minutes: i64,
}

pub async fn find_routing(conn: &mut Conn, e164: &str) -> Result<Option<NumberRouting>, sqlx::Error> {
    sqlx::query_as(
        "SELECT t.id AS tracked_number_id, t.e164, t.org_id, o.name AS org_name, o.timezone, t.forward_to, \
                t.ring_timeout_secs, r.business_hours, r.closure_dates, r.text_back_template, r.after_hours_greeting, \
                r.cooldown_minutes, r.send_window_start_minute, r.send_window_end_minute, \
                r.hold_text_backs_in_quiet_hours, r.escalation_minutes \
         FROM tracked_numbers t \
         JOIN orgs o ON o.id = t.org_id \
         JOIN routing_settings r ON r.org_id = t.org_id \
         WHERE t.e164 = $1",
    )
    .bind(e164)
    .fetch_optional(conn)
    .await
}

/// The org's first tracked number (texts not tied to a number the customer reached go from it).
pub async fn find_first_for_org(conn: &mut Conn, org_id: &str) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT e164 FROM tracked_numbers WHERE org_id = $1 ORDER BY created_at LIMIT 1")
        .bind(org_id)
        .fetch_optional(conn)
        .await
}
