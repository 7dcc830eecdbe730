use super::Conn;
/// Records the latest opt-out state for (org, phone); `source` says what caused it.
pub async fn set(
    conn: &mut Conn,
    org_id: &str,
    phone: &str,
    opted_out: bool,
    source: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    crate::ssr::db::query(
        "INSERT INTO opt_outs (org_id, phone, opted_out, source, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5) \
         ON CONFLICT (org_id, phone) DO UPDATE SET opted_out = excluded.opted_out, source = excluded.source, updated_at = excluded.updated_at",
    )
    .bind(org_id)
    .bind(phone)
    .bind(opted_out)
    .bind(source)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn is_opted_out(conn: &mut Conn, org_id: &str, phone: &str) -> Result<bool, sqlx::Error> {
    let v: Option<bool> =
        crate::ssr::db::query_scalar("SELECT opted_out FROM opt_outs WHERE org_id = $1 AND phone = $2")
            .bind(org_id)
            .bind(phone)
            .fetch_optional(conn)
            .await?;
    Ok(v.unwrap_or(false))
}
