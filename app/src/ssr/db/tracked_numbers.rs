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
    crate::ssr::db::query(
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
/// A removed number has none: its calls get the unknown-number answer.
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
    /// The org's billing, which may pause its automated texts.
    #[sqlx(flatten)]
    pub billing: super::org_billing::BillingFacts,
}

pub async fn find_routing(conn: &mut Conn, e164: &str) -> Result<Option<NumberRouting>, sqlx::Error> {
    crate::ssr::db::query_as(&format!(
        "SELECT t.id AS tracked_number_id, t.e164, t.org_id, o.name AS org_name, o.timezone, t.forward_to, \
                t.ring_timeout_secs, r.business_hours, r.closure_dates, r.text_back_template, r.after_hours_greeting, \
                r.cooldown_minutes, r.send_window_start_minute, r.send_window_end_minute, \
                r.hold_text_backs_in_quiet_hours, r.escalation_minutes, {} \
         FROM tracked_numbers t \
         JOIN orgs o ON o.id = t.org_id \
         JOIN routing_settings r ON r.org_id = t.org_id \
         LEFT JOIN org_billing b ON b.org_id = t.org_id \
         WHERE t.e164 = $1 AND t.removed_at IS NULL",
        super::org_billing::FACTS_COLUMNS
    ))
    .bind(e164)
    .fetch_optional(conn)
    .await
}

/// The org's first tracked number (texts not tied to a number the customer reached go from it).
pub async fn find_first_for_org(conn: &mut Conn, org_id: &str) -> Result<Option<String>, sqlx::Error> {
    crate::ssr::db::query_scalar(
        "SELECT e164 FROM tracked_numbers WHERE org_id = $1 AND removed_at IS NULL ORDER BY created_at LIMIT 1",
    )
    .bind(org_id)
    .fetch_optional(conn)
    .await
}

/// A tracked number as the numbers page shows it, with its last call (if any).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TrackedNumberRow {
    pub id: TrackedNumberId,
    pub e164: String,
    pub label: String,
    /// JSON array of E.164 strings
    pub forward_to: String,
    pub ring_timeout_secs: i64,
    pub created_at: i64,
    pub last_call_at: Option<i64>,
    pub last_call_from: Option<String>,
    pub last_call_outcome: Option<String>,
}

const COLUMNS_AND_JOINS: &str = "t.id, t.e164, t.label, t.forward_to, t.ring_timeout_secs, t.created_at, \
     lc.started_at AS last_call_at, lc.from_number AS last_call_from, lc.outcome AS last_call_outcome \
     FROM tracked_numbers t \
     LEFT JOIN calls lc ON lc.id = (SELECT c.id FROM calls c WHERE c.tracked_number_id = t.id \
                                    ORDER BY c.started_at DESC, c.id DESC LIMIT 1)";

/// The org's tracked numbers (not the removed ones), oldest first.
pub async fn list_for_org(conn: &mut Conn, org_id: &OrgId) -> Result<Vec<TrackedNumberRow>, sqlx::Error> {
    let rows = crate::ssr::db::query_as(&format!(
        "SELECT {COLUMNS_AND_JOINS} WHERE t.org_id = $1 AND t.removed_at IS NULL ORDER BY t.created_at, t.id"
    ))
    .bind(org_id.as_str())
    .fetch_all(conn)
    .await?;
    Ok(rows)
}

/// The org's tracked number `id`; `None` for another org's number or a removed one.
pub async fn find_for_org(
    conn: &mut Conn,
    org_id: &OrgId,
    id: &TrackedNumberId,
) -> Result<Option<TrackedNumberRow>, sqlx::Error> {
    let row = crate::ssr::db::query_as(&format!(
        "SELECT {COLUMNS_AND_JOINS} WHERE t.org_id = $1 AND t.id = $2 AND t.removed_at IS NULL"
    ))
    .bind(org_id.as_str())
    .bind(id.as_str())
    .fetch_optional(conn)
    .await?;
    Ok(row)
}

/// Whether `e164` is tracked (not removed) by any org: a number routes to one org only.
pub async fn is_tracked(conn: &mut Conn, e164: &E164Phone) -> Result<bool, sqlx::Error> {
    crate::ssr::db::query_scalar("SELECT EXISTS (SELECT 1 FROM tracked_numbers WHERE e164 = $1 AND removed_at IS NULL)")
        .bind(e164.as_str())
        .fetch_one(conn)
        .await
}

/// What the numbers page changes on a tracked number.
pub struct NumberUpdate<'a> {
    pub label: &'a str,
    pub forward_to: &'a [E164Phone],
    pub ring_timeout_secs: i64,
}

/// Updates the org's number `id`; false when there is no such active number in the org.
pub async fn update(
    conn: &mut Conn,
    org_id: &OrgId,
    id: &TrackedNumberId,
    u: NumberUpdate<'_>,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let forward_to = serde_json::to_string(u.forward_to).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    let done = crate::ssr::db::query(
        "UPDATE tracked_numbers SET label = $3, forward_to = $4, ring_timeout_secs = $5, updated_at = $6 \
         WHERE org_id = $1 AND id = $2 AND removed_at IS NULL",
    )
    .bind(org_id.as_str())
    .bind(id.as_str())
    .bind(u.label)
    .bind(forward_to)
    .bind(u.ring_timeout_secs)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Marks the org's number `id` removed (its calls and leads keep pointing at it); false when
/// there is no such active number in the org.
pub async fn mark_removed(
    conn: &mut Conn,
    org_id: &OrgId,
    id: &TrackedNumberId,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let done = crate::ssr::db::query(
        "UPDATE tracked_numbers SET removed_at = $3, updated_at = $3 \
         WHERE org_id = $1 AND id = $2 AND removed_at IS NULL",
    )
    .bind(org_id.as_str())
    .bind(id.as_str())
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use crate::ssr::db;

    const REMOVAL_MIGRATION: i64 = 20261201000006;

    /// The removal migration rebuilds the table that calls reference (foreign keys on): a
    /// database with calls comes through it with every call still pointing at its number,
    /// and afterwards a number is unique among the active ones only.
    #[tokio::test]
    async fn the_removal_migration_keeps_every_call_and_frees_removed_numbers() {
        let dir = tempfile::tempdir().unwrap();
        let pool = db::connect(&format!("sqlite://{}", dir.path().join("m.db").display()))
            .await
            .unwrap();
        let db::Db::Sqlite(sqlite) = &pool else { unreachable!() };
        let earlier = sqlx::migrate::Migrator {
            migrations: Cow::Owned(
                db::MIGRATOR_SQLITE
                    .iter()
                    .filter(|m| m.version < REMOVAL_MIGRATION)
                    .cloned()
                    .collect(),
            ),
            ignore_missing: false,
            locking: true,
            no_tx: false,
        };
        earlier.run(sqlite).await.unwrap();
        sqlx::raw_sql(
            "INSERT INTO orgs (id, slug, name, timezone, created_at, updated_at) \
               VALUES ('org_1', 'acme', 'Acme', 'America/Chicago', 0, 0); \
             INSERT INTO tracked_numbers (id, org_id, e164, label, forward_to, ring_timeout_secs, created_at, updated_at) \
               VALUES ('num_1', 'org_1', '+14155550100', 'Main', '[\"+14155550101\"]', 20, 1, 2); \
             INSERT INTO calls (id, org_id, tracked_number_id, call_sid, from_number, to_number, status, started_at, created_at, updated_at) \
               VALUES ('call_1', 'org_1', 'num_1', 'CA1', '+14155552671', '+14155550100', 'completed', 5, 5, 5), \
                      ('call_2', 'org_1', 'num_1', 'CA2', '+14155552672', '+14155550100', 'completed', 6, 6, 6);",
        )
        .execute(sqlite)
        .await
        .unwrap();

        db::MIGRATOR_SQLITE.run(sqlite).await.unwrap();

        assert!(sqlx::query("PRAGMA foreign_key_check")
            .fetch_all(sqlite)
            .await
            .unwrap()
            .is_empty());
        let kept: (String, String, i64, i64, i64, Option<i64>) = crate::ssr::db::query_as(
            "SELECT e164, forward_to, ring_timeout_secs, created_at, updated_at, removed_at FROM tracked_numbers WHERE id = 'num_1'",
        )
        .fetch_one(&pool)
        .await
        .unwrap();
        assert_eq!(
            kept,
            (
                "+14155550100".to_owned(),
                "[\"+14155550101\"]".to_owned(),
                20,
                1,
                2,
                None
            )
        );
        let calls: i64 = crate::ssr::db::query_scalar("SELECT COUNT(*) FROM calls WHERE tracked_number_id = 'num_1'")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(calls, 2);

        let again = "INSERT INTO tracked_numbers (id, org_id, e164, forward_to, created_at, updated_at) \
                     VALUES ('num_2', 'org_1', '+14155550100', '[]', 3, 3)";
        let refused = crate::ssr::db::query(again).execute(&pool).await.unwrap_err();
        assert!(db::is_unique_violation(&refused), "{refused:?}");
        crate::ssr::db::query("UPDATE tracked_numbers SET removed_at = 3 WHERE id = 'num_1'")
            .execute(&pool)
            .await
            .unwrap();
        crate::ssr::db::query(again).execute(&pool).await.unwrap();
    }
}
