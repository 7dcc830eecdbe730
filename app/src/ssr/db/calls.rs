use super::pipeline::Stmt;
use super::Conn;
use crate::domain::{
    ids::{CallId, LeadId},
    CallOutcome, CallStatus, DialCallStatus,
};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CallRow {
    pub id: CallId,
    pub org_id: String,
    pub from_number: String,
    pub to_number: String,
    pub status: CallStatus,
    pub outcome: Option<CallOutcome>,
    pub last_sequence: Option<i64>,
    pub lead_id: Option<LeadId>,
    pub stir_verstat: Option<String>,
}

impl CallRow {
    /// The caller ID failed STIR/SHAKEN verification (`TN-Validation-Failed…`): likely
    /// spoofed, so the real owner of that number never called. Unverified is not failed.
    pub fn caller_id_failed(&self) -> bool {
        self.stir_verstat
            .as_deref()
            .is_some_and(|v| v.starts_with("TN-Validation-Failed"))
    }
}

pub struct NewCall<'a> {
    pub org_id: &'a str,
    pub tracked_number_id: &'a str,
    pub call_sid: &'a str,
    pub from_number: &'a str,
    pub to_number: &'a str,
    pub status: &'a CallStatus,
    pub stir_verstat: Option<&'a str>,
}

/// Inserts the call unless its CallSid is already known in this org; returns the stored row
/// either way. Another org's call with the same CallSid is never matched.
/// One statement: the update on conflict (which only fills a missing STIR verdict) makes
/// `RETURNING` yield the existing row.
pub async fn upsert(conn: &mut Conn, c: NewCall<'_>, now: i64) -> Result<CallRow, sqlx::Error> {
    crate::ssr::db::query_as(
        "INSERT INTO calls (id, org_id, tracked_number_id, call_sid, from_number, to_number, status, stir_verstat, started_at, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $9) \
         ON CONFLICT (org_id, call_sid) DO UPDATE SET stir_verstat = COALESCE(calls.stir_verstat, excluded.stir_verstat) \
         RETURNING id, org_id, from_number, to_number, status, outcome, last_sequence, lead_id, stir_verstat",
    )
    .bind(CallId::new())
    .bind(c.org_id)
    .bind(c.tracked_number_id)
    .bind(c.call_sid)
    .bind(c.from_number)
    .bind(c.to_number)
    .bind(c.status)
    .bind(c.stir_verstat)
    .bind(now)
    .fetch_one(conn)
    .await
}

/// Sets the outcome only if none is set yet: late, repeated or out-of-order callbacks can
/// never turn a missed call into an answered one or the reverse. True when this call set it.
pub async fn set_outcome_once(
    conn: &mut Conn,
    call_id: &CallId,
    outcome: CallOutcome,
    dial_call_status: Option<&DialCallStatus>,
    dial_call_duration: Option<i64>,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let n = crate::ssr::db::query(
        "UPDATE calls SET outcome = $2, dial_call_status = COALESCE($3, dial_call_status), \
         dial_call_duration = COALESCE($4, dial_call_duration), updated_at = $5 \
         WHERE id = $1 AND outcome IS NULL",
    )
    .bind(call_id)
    .bind(outcome)
    .bind(dial_call_status)
    .bind(dial_call_duration)
    .bind(now)
    .execute(conn)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// Applies a status callback only when it is newer than the last one applied.
pub async fn update_status(
    conn: &mut Conn,
    call_id: &CallId,
    status: &CallStatus,
    sequence: Option<i64>,
    ended: bool,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let n = crate::ssr::db::query(
        "UPDATE calls SET status = $2, last_sequence = COALESCE($3, last_sequence), \
         ended_at = CASE WHEN $4 THEN COALESCE(ended_at, $5) ELSE ended_at END, updated_at = $5 \
         WHERE id = $1 AND ($3 IS NULL OR last_sequence IS NULL OR last_sequence < $3)",
    )
    .bind(call_id)
    .bind(status)
    .bind(sequence)
    .bind(ended)
    .bind(now)
    .execute(conn)
    .await?
    .rows_affected();
    Ok(n == 1)
}

pub fn set_lead(call_id: &CallId, lead_id: &LeadId) -> Stmt {
    Stmt::new("UPDATE calls SET lead_id = $2 WHERE id = $1")
        .bind(call_id.as_str())
        .bind(lead_id.as_str())
}
