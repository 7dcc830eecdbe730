use sqlx::SqliteConnection;

use crate::domain::ids::OrgId;

/// Default text-back; `{business}` is replaced with the org's name when sent.
pub const DEFAULT_TEXT_BACK: &str =
    "Hi, this is {business}. Sorry we missed your call! How can we help? Reply here and we'll get right back to you. Reply STOP to opt out.";
pub const DEFAULT_AFTER_HOURS_GREETING: &str =
    "Thanks for calling {business}. We're closed right now, but we'll text you back in a moment.";

/// Every org starts with routing settings; business hours stay unset (always forward).
pub async fn insert_defaults(conn: &mut SqliteConnection, org_id: &OrgId, now: i64) -> Result<(), sqlx::Error> {
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
