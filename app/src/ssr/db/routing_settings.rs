use super::Conn;
use crate::domain::ids::OrgId;

/// Default text-back; `{business}` is replaced with the org's name when sent.
pub const DEFAULT_TEXT_BACK: &str =
    "Hi, this is {business}. Sorry we missed your call! How can we help? Reply here and we'll get right back to you. Reply STOP to opt out.";
pub const DEFAULT_AFTER_HOURS_GREETING: &str =
    "Thanks for calling {business}. We're closed right now, but we'll text you back in a moment.";

/// Every org starts with routing settings; business hours stay unset (always forward).
pub async fn insert_defaults(conn: &mut Conn, org_id: &OrgId, now: i64) -> Result<(), sqlx::Error> {
    crate::ssr::db::query(
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
    crate::ssr::db::query(
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

/// The org's routing settings as stored, with the org's name and timezone (the settings
/// page shows and edits them together).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RoutingSettingsRow {
    pub org_name: String,
    pub timezone: String,
    /// JSON weekly schedule; `None`: always open.
    pub business_hours: Option<String>,
    /// JSON array of `YYYY-MM-DD`.
    pub closure_dates: String,
    pub after_hours_greeting: String,
    pub text_back_template: String,
    pub cooldown_minutes: i64,
    pub send_window_start_minute: i64,
    pub send_window_end_minute: i64,
    pub hold_text_backs_in_quiet_hours: bool,
    pub escalation_number: Option<String>,
    pub escalation_minutes: i64,
}

pub async fn find(conn: &mut Conn, org_id: &OrgId) -> Result<Option<RoutingSettingsRow>, sqlx::Error> {
    crate::ssr::db::query_as(
        "SELECT o.name AS org_name, o.timezone, r.business_hours, r.closure_dates, r.after_hours_greeting, \
                r.text_back_template, r.cooldown_minutes, r.send_window_start_minute, r.send_window_end_minute, \
                r.hold_text_backs_in_quiet_hours, r.escalation_number, r.escalation_minutes \
         FROM routing_settings r JOIN orgs o ON o.id = r.org_id \
         WHERE r.org_id = $1",
    )
    .bind(org_id.as_str())
    .fetch_optional(conn)
    .await
}

/// Replaces every routing setting of the org (the timezone is the org's: see
/// `orgs::update_timezone`).
pub async fn update(
    conn: &mut Conn,
    org_id: &OrgId,
    s: &crate::domain::routing_form::RoutingSettings,
    now: i64,
) -> Result<(), sqlx::Error> {
    let hours = s
        .hours
        .as_ref()
        .map(serde_json::to_string)
        .transpose()
        .map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    crate::ssr::db::query(
        "UPDATE routing_settings SET business_hours = $2, closure_dates = $3, after_hours_greeting = $4, \
                text_back_template = $5, cooldown_minutes = $6, send_window_start_minute = $7, \
                send_window_end_minute = $8, hold_text_backs_in_quiet_hours = $9, escalation_number = $10, \
                escalation_minutes = $11, updated_at = $12 \
         WHERE org_id = $1",
    )
    .bind(org_id.as_str())
    .bind(hours)
    .bind(s.closures.to_json())
    .bind(&s.after_hours_greeting)
    .bind(&s.text_back_template)
    .bind(i64::from(s.cooldown_minutes))
    .bind(i64::from(s.send_window.start_minute))
    .bind(i64::from(s.send_window.end_minute))
    .bind(s.hold_text_backs)
    .bind(s.escalation_number.as_ref().map(|n| n.as_str()))
    .bind(i64::from(s.escalation_minutes))
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}
