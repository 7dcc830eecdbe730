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
    sqlx::query(
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
