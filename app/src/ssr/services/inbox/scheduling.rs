//! Bookings: booking a job on a lead, moving it to another window, cancelling it. Each is
//! one write with its timeline entry and audit record, and at most one text to the
//! customer (only when asked, and never to a customer who opted out: asking for one then is
//! refused, and nothing is written). A booking is the org's alone: another org's booking id
//! is "not found", exactly like an unknown one.

use serde_json::json;

use super::{
    booking::{cancelled_text, rescheduled_text, ArrivalWindow, NewBooking},
    claim_form, forms, lead_ctx, queue_text, record_action, set_status, InboxError, LeadCtx,
};
use crate::{
    domain::{
        form_token::FormToken,
        ids::{BookingId, LeadId},
        LeadStatus,
    },
    ssr::{
        actor::LeadActor,
        audit::AuditAction,
        db::{
            bookings::{self, BookingRow},
            leads, Conn,
        },
        live::{Effects, LiveKind},
    },
};

/// Books the job from the lead page's form (once per form token), marks the lead booked,
/// and (if asked) texts the customer a confirmation. A window in the past (in the
/// business's timezone) is refused.
pub async fn book(
    conn: &mut Conn,
    a: &impl LeadActor,
    lead_id: &str,
    b: NewBooking,
    token: &FormToken,
    now: i64,
) -> Result<Effects, InboxError> {
    book_job(conn, a, lead_id, b, Some(token), now)
        .await
        .map(|(_, effects)| effects)
}

/// [`book`] for any actor, with the form token optional (an API request has none; its
/// repeats are caught by `Idempotency-Key`): the new booking's id.
pub async fn book_job(
    conn: &mut Conn,
    a: &impl LeadActor,
    lead_id: &str,
    b: NewBooking,
    token: Option<&FormToken>,
    now: i64,
) -> Result<(BookingId, Effects), InboxError> {
    claim_form(conn, a, token, forms::BOOK, now).await?;
    let lead = lead_ctx(conn, a.org(), lead_id).await?;
    let window = b.window.instants(lead.tz, now)?;
    let booking_id = insert_booking(conn, a, &lead.id, &b, window, now).await?;
    if lead.status != LeadStatus::Booked {
        set_status(conn, a, &lead.id, lead.status, LeadStatus::Booked, now).await?;
    }
    let mut effects = Effects::default();
    if b.send_confirmation {
        let text = b.confirmation(&lead.org_name);
        text_customer(conn, a, &lead, &text, "confirmation", now, &mut effects).await?;
    }
    effects.push(a.org(), Some(lead.id.as_str()), LiveKind::CallUpdated);
    Ok((booking_id, effects))
}

/// The booking row over `(window_start, window_end)`, with its timeline entry and audit
/// record; its id.
async fn insert_booking(
    conn: &mut Conn,
    a: &impl LeadActor,
    lead_id: &LeadId,
    b: &NewBooking,
    (window_start, window_end): (i64, i64),
    now: i64,
) -> Result<BookingId, sqlx::Error> {
    let id = BookingId::new();
    bookings::insert(
        conn,
        bookings::NewBooking {
            id: &id,
            org_id: a.org(),
            lead_id,
            window_start,
            window_end,
            job_type: b.job_type,
            address: &b.address,
            notes: &b.notes,
            job_value_cents: b.job_value_cents,
            created_by: a.creator_id(),
        },
        now,
    )
    .await?;
    record_action(
        conn,
        a,
        lead_id,
        "booking.created",
        json!({ "summary": b.summary(), "by": a.by(), "booking_id": id.as_str() }),
        AuditAction::LeadBooked,
        json!({ "booking_id": id.as_str(), "job_value_cents": b.job_value_cents }),
        now,
    )
    .await?;
    Ok(id)
}

/// Moves a booked job to `to` (not in the past) and, if asked, texts the customer the new
/// time. The lead's status stays as it is.
pub async fn reschedule_booking(
    conn: &mut Conn,
    a: &impl LeadActor,
    booking_id: &str,
    to: ArrivalWindow,
    notify_customer: bool,
    token: &FormToken,
    now: i64,
) -> Result<Effects, InboxError> {
    claim_form(conn, a, Some(token), forms::RESCHEDULE, now).await?;
    let (booking, lead) = active_booking(conn, a, booking_id).await?;
    let window = to.instants(lead.tz, now)?;
    if !bookings::reschedule(conn, a.org(), &booking.id, window, now).await? {
        return Err(InboxError::BookingCancelled);
    }
    let before = words(&booking, lead.tz);
    record_action(
        conn,
        a,
        &lead.id,
        "booking.rescheduled",
        json!({
            "summary": format!("{}: {before} → {}", booking.job_type.words(), to.short()),
            "by": a.by(),
            "booking_id": booking.id.as_str(),
        }),
        AuditAction::BookingRescheduled,
        json!({
            "booking_id": booking.id.as_str(),
            "before": { "window_start": booking.window_start, "window_end": booking.window_end },
            "after": { "window_start": window.0, "window_end": window.1 },
        }),
        now,
    )
    .await?;
    let mut effects = Effects::default();
    if notify_customer {
        let text = rescheduled_text(&lead.org_name, &to);
        text_customer(conn, a, &lead, &text, "booking_update", now, &mut effects).await?;
    }
    effects.push(a.org(), Some(lead.id.as_str()), LiveKind::CallUpdated);
    Ok(effects)
}

/// Cancels a booked job and, if asked, texts the customer that it is cancelled. A booked
/// lead with no other booking left goes back to "contacted" (it no longer counts as
/// booked in the recovery figures either, which count active bookings only).
pub async fn cancel_booking(
    conn: &mut Conn,
    a: &impl LeadActor,
    booking_id: &str,
    notify_customer: bool,
    token: &FormToken,
    now: i64,
) -> Result<Effects, InboxError> {
    claim_form(conn, a, Some(token), forms::CANCEL, now).await?;
    let (booking, lead) = active_booking(conn, a, booking_id).await?;
    if !bookings::cancel(conn, a.org(), &booking.id, now).await? {
        return Err(InboxError::BookingCancelled);
    }
    record_action(
        conn,
        a,
        &lead.id,
        "booking.cancelled",
        json!({
            "summary": format!("{}: {}", booking.job_type.words(), words(&booking, lead.tz)),
            "by": a.by(),
            "booking_id": booking.id.as_str(),
        }),
        AuditAction::BookingCancelled,
        json!({ "booking_id": booking.id.as_str(), "job_value_cents": booking.job_value_cents }),
        now,
    )
    .await?;
    if lead.status == LeadStatus::Booked && bookings::count_active_for_lead(conn, a.org(), &lead.id).await? == 0 {
        set_status(conn, a, &lead.id, lead.status, LeadStatus::Contacted, now).await?;
    }
    let mut effects = Effects::default();
    if notify_customer {
        if let Some(was) = ArrivalWindow::from_instants(lead.tz, booking.window_start, booking.window_end) {
            let text = cancelled_text(&lead.org_name, &was);
            text_customer(conn, a, &lead, &text, "booking_update", now, &mut effects).await?;
        }
    }
    effects.push(a.org(), Some(lead.id.as_str()), LiveKind::CallUpdated);
    Ok(effects)
}

/// The org's booking `booking_id` (any other id, another org's included, is "not found"),
/// still booked, with its lead.
async fn active_booking(
    conn: &mut Conn,
    a: &impl LeadActor,
    booking_id: &str,
) -> Result<(BookingRow, LeadCtx), InboxError> {
    let id = BookingId::parse(booking_id).map_err(|_| InboxError::NotFound)?;
    let booking = bookings::find(conn, a.org(), &id).await?.ok_or(InboxError::NotFound)?;
    if booking.is_cancelled() {
        return Err(InboxError::BookingCancelled);
    }
    let lead = lead_ctx(conn, a.org(), booking.lead_id.as_str()).await?;
    Ok((booking, lead))
}

/// The booking's window as the business reads it ("Thu Dec 10, 8:00 am–10:00 am").
fn words(b: &BookingRow, tz: chrono_tz::Tz) -> String {
    ArrivalWindow::from_instants(tz, b.window_start, b.window_end)
        .map(|w| w.short())
        .unwrap_or_default()
}

/// Queues `text` to the customer (refused if they opted out) and notes it on the lead.
async fn text_customer(
    conn: &mut Conn,
    a: &impl LeadActor,
    lead: &LeadCtx,
    text: &str,
    purpose: &str,
    now: i64,
    effects: &mut Effects,
) -> Result<(), InboxError> {
    queue_text(conn, a, lead, text, purpose, now, now).await?;
    leads::note_message(conn, a.org(), &lead.id, text, leads::MessageSide::Staff, now).await?;
    effects.text_queued = true;
    Ok(())
}
