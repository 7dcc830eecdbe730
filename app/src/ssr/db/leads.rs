use sqlx::SqliteConnection;

use crate::domain::ids::LeadId;

/// Returns the open lead for (org, caller), opening one with `source` if there is none.
/// The partial unique index makes "one open lead per caller" a database fact.
pub async fn open_for_caller(
    conn: &mut SqliteConnection,
    org_id: &str,
    caller: &str,
    source: &str,
    now: i64,
) -> Result<(String, bool), sqlx::Error> {
    let created = sqlx::query(
        "INSERT INTO leads (id, org_id, caller_number, source, last_activity_at, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $5, $5) ON CONFLICT (org_id, caller_number) WHERE is_open = TRUE DO NOTHING",
    )
    .bind(LeadId::new().as_str())
    .bind(org_id)
    .bind(caller)
    .bind(source)
    .bind(now)
    .execute(&mut *conn)
    .await?
    .rows_affected()
        == 1;
    let id: String =
        sqlx::query_scalar("SELECT id FROM leads WHERE org_id = $1 AND caller_number = $2 AND is_open = TRUE")
            .bind(org_id)
            .bind(caller)
            .fetch_one(&mut *conn)
            .await?;
    if !created {
        touch(conn, org_id, &id, now).await?;
    }
    Ok((id, created))
}

pub async fn touch(conn: &mut SqliteConnection, org_id: &str, lead_id: &str, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE leads SET last_activity_at = $3, updated_at = $3 WHERE org_id = $1 AND id = $2")
        .bind(org_id)
        .bind(lead_id)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}
