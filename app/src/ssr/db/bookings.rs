//! Booked jobs: an arrival window on a lead, written by staff from the inbox.

use super::Conn;
use crate::domain::{
    ids::{BookingId, LeadId},
    JobType,
};

pub struct NewBooking<'a> {
    pub id: &'a BookingId,
    pub org_id: &'a str,
    pub lead_id: &'a LeadId,
    pub window_start: i64,
    pub window_end: i64,
    pub job_type: JobType,
    pub address: &'a str,
    pub notes: &'a str,
    pub job_value_cents: Option<i64>,
    pub created_by: &'a str,
}

pub async fn insert(conn: &mut Conn, b: NewBooking<'_>, now: i64) -> Result<(), sqlx::Error> {
    crate::ssr::db::query(
        "INSERT INTO bookings (id, org_id, lead_id, window_start, window_end, job_type, address, notes, job_value_cents, created_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)",
    )
    .bind(b.id)
    .bind(b.org_id)
    .bind(b.lead_id)
    .bind(b.window_start)
    .bind(b.window_end)
    .bind(b.job_type)
    .bind(b.address)
    .bind(b.notes)
    .bind(b.job_value_cents)
    .bind(b.created_by)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// A booking as stored, for the lead page and for moving or cancelling it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct BookingRow {
    pub id: BookingId,
    pub lead_id: LeadId,
    pub window_start: i64,
    pub window_end: i64,
    pub job_type: JobType,
    /// `booked` or `cancelled` (the schema's `bookings_status_check`).
    pub status: String,
    pub job_value_cents: Option<i64>,
    pub updated_at: i64,
}

impl BookingRow {
    pub fn is_cancelled(&self) -> bool {
        self.status == CANCELLED
    }
}

const CANCELLED: &str = "cancelled";

/// The org's booking `id`, if there is one.
pub async fn find(conn: &mut Conn, org_id: &str, id: &BookingId) -> Result<Option<BookingRow>, sqlx::Error> {
    crate::ssr::db::query_as(
        "SELECT id, lead_id, window_start, window_end, job_type, status, job_value_cents, updated_at \
         FROM bookings WHERE org_id = $1 AND id = $2",
    )
    .bind(org_id)
    .bind(id)
    .fetch_optional(conn)
    .await
}

/// The lead's bookings, cancelled ones too, newest first.
pub async fn list_for_lead(conn: &mut Conn, org_id: &str, lead_id: &str) -> Result<Vec<BookingRow>, sqlx::Error> {
    crate::ssr::db::query_as(
        "SELECT id, lead_id, window_start, window_end, job_type, status, job_value_cents, updated_at \
         FROM bookings WHERE org_id = $1 AND lead_id = $2 ORDER BY created_at DESC, id DESC",
    )
    .bind(org_id)
    .bind(lead_id)
    .fetch_all(conn)
    .await
}

/// Moves a booked (not cancelled) booking to a new window; `false` if it was not booked.
pub async fn reschedule(
    conn: &mut Conn,
    org_id: &str,
    id: &BookingId,
    (window_start, window_end): (i64, i64),
    now: i64,
) -> Result<bool, sqlx::Error> {
    let n = crate::ssr::db::query(
        "UPDATE bookings SET window_start = $3, window_end = $4, rescheduled_at = $5, updated_at = $5 \
         WHERE org_id = $1 AND id = $2 AND status = 'booked'",
    )
    .bind(org_id)
    .bind(id)
    .bind(window_start)
    .bind(window_end)
    .bind(now)
    .execute(conn)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// Cancels a booked booking; `false` if it was not booked.
pub async fn cancel(conn: &mut Conn, org_id: &str, id: &BookingId, now: i64) -> Result<bool, sqlx::Error> {
    let n = crate::ssr::db::query(
        "UPDATE bookings SET status = 'cancelled', cancelled_at = $3, updated_at = $3 \
         WHERE org_id = $1 AND id = $2 AND status = 'booked'",
    )
    .bind(org_id)
    .bind(id)
    .bind(now)
    .execute(conn)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// How many of the lead's bookings are still booked.
pub async fn count_active_for_lead(conn: &mut Conn, org_id: &str, lead_id: &LeadId) -> Result<i64, sqlx::Error> {
    crate::ssr::db::query_scalar(
        "SELECT COUNT(*) FROM bookings WHERE org_id = $1 AND lead_id = $2 AND status = 'booked'",
    )
    .bind(org_id)
    .bind(lead_id)
    .fetch_one(conn)
    .await
}
