use sqlx::SqliteConnection;

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

pub async fn insert(conn: &mut SqliteConnection, n: NewTrackedNumber<'_>, now: i64) -> Result<(), sqlx::Error> {
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
