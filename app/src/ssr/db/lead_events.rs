use serde_json::Value;

use super::pipeline::Stmt;
use super::Conn;
use crate::domain::{
    ids::{LeadEventId, LeadId},
    ActorKind,
};

/// Appends one fact to a lead's timeline.
pub async fn insert(
    conn: &mut Conn,
    org_id: &str,
    lead_id: &LeadId,
    kind: &str,
    actor_kind: ActorKind,
    detail: Value,
    now: i64,
) -> Result<(), sqlx::Error> {
    insert_stmt(org_id, lead_id, kind, actor_kind, detail, now)
        .execute(conn)
        .await
        .map(|_| ())
}

/// [`insert`] as a statement that can wait for the next round trip.
pub fn insert_stmt(org_id: &str, lead_id: &LeadId, kind: &str, actor_kind: ActorKind, detail: Value, now: i64) -> Stmt {
    Stmt::new(
        "INSERT INTO lead_events (id, org_id, lead_id, kind, actor_kind, detail, occurred_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(LeadEventId::new().as_str())
    .bind(org_id)
    .bind(lead_id.as_str())
    .bind(kind)
    .bind(actor_kind.as_str())
    .bind(detail.to_string())
    .bind(now)
}
