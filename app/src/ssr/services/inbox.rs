//! Working leads: staff replies through the outbox, status and detail edits, bookings.
//! Each is one write (through the single writer) with its timeline entry and audit record.

use chrono::{NaiveDate, NaiveTime, TimeZone};
use serde_json::json;

use crate::{
    domain::{
        business_hours::SendWindow,
        ids::BookingId,
        limits::{self, ADDRESS_MAX, LEAD_NAME_MAX, NOTES_MAX, REPLY_BODY_MAX},
    },
    ssr::{
        actor::StaffActor,
        audit::{self, AuditAction, Target},
        db::{bookings, lead_events, leads, memberships, messages, opt_outs, outbox, tracked_numbers, Conn},
        live::{Effects, LiveKind},
        services::routing::local_clock,
    },
};

pub const STATUSES: [&str; 5] = ["new", "contacted", "booked", "lost", "spam"];
pub const JOB_TYPES: [&str; 5] = ["no_heat", "no_cool", "maintenance", "install_estimate", "other"];

#[derive(Debug, thiserror::Error)]
pub enum InboxError {
    #[error("not found")]
    NotFound,
    #[error("This customer opted out of texts (STOP). They must text START before you can message them.")]
    OptedOut,
    #[error("{1}")]
    Invalid(&'static str, String),
    #[error("database error")]
    Db(#[from] sqlx::Error),
}

impl From<limits::TooLong> for InboxError {
    fn from(e: limits::TooLong) -> Self {
        InboxError::Invalid(e.field, e.to_string())
    }
}

struct LeadCtx {
    caller: String,
    status: String,
    org_name: String,
    /// The business's timezone: booking windows are in it.
    tz: chrono_tz::Tz,
    /// The customer's timezone (the business's when unknown): quiet hours are in it.
    recipient_tz: chrono_tz::Tz,
    window: SendWindow,
    from_number: Option<String>,
}

async fn lead_ctx(conn: &mut Conn, org_id: &str, lead_id: &str) -> Result<LeadCtx, InboxError> {
    let row = leads::find_reply_context(conn, org_id, lead_id)
        .await?
        .ok_or(InboxError::NotFound)?;
    let tz = row.timezone.parse().unwrap_or(chrono_tz::UTC);
    let recipient_tz = row.caller_timezone.and_then(|z| z.parse().ok()).unwrap_or(tz);
    // Reply from the number the customer reached; else the org's first tracked number.
    let reached = leads::last_reached_number(conn, org_id, lead_id).await?;
    let from_number = match reached {
        Some(n) => Some(n),
        None => tracked_numbers::find_first_for_org(conn, org_id).await?,
    };
    Ok(LeadCtx {
        caller: row.caller_number,
        status: row.status,
        org_name: row.name,
        tz,
        recipient_tz,
        window: SendWindow {
            start_minute: row.send_window_start_minute.clamp(0, 1440) as u16,
            end_minute: row.send_window_end_minute.clamp(0, 1440) as u16,
        },
        from_number,
    })
}

/// Whether it is outside the send window in the customer's local time now (the business's
/// timezone stands in when Twilio did not say where the number is from).
pub async fn in_quiet_hours(conn: &mut Conn, org_id: &str, lead_id: &str, now: i64) -> Result<bool, InboxError> {
    let ctx = lead_ctx(conn, org_id, lead_id).await?;
    let (_, minute) = local_clock(ctx.recipient_tz, now);
    Ok(!ctx.window.contains(minute))
}

/// A staff action on a lead lands on its timeline and in the audit trail together.
#[allow(clippy::too_many_arguments)]
async fn record_action(
    conn: &mut Conn,
    a: &StaffActor,
    lead_id: &str,
    kind: &str,
    detail: serde_json::Value,
    action: AuditAction,
    metadata: serde_json::Value,
    now: i64,
) -> Result<(), sqlx::Error> {
    lead_events::insert(conn, a.org(), lead_id, kind, "user", detail, now).await?;
    audit::record(conn, &a.acting(), action, Target::Lead(lead_id), metadata, now).await?;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn queue_text(
    conn: &mut Conn,
    a: &StaffActor,
    lead_id: &str,
    ctx: &LeadCtx,
    body: &str,
    purpose: &str,
    send_at: i64,
    now: i64,
) -> Result<(), InboxError> {
    if opt_outs::is_opted_out(conn, a.org(), &ctx.caller).await? {
        return Err(InboxError::OptedOut);
    }
    let from = ctx.from_number.clone().ok_or(InboxError::Invalid(
        "body",
        "This organisation has no tracked number to text from.".into(),
    ))?;
    let id = messages::insert(
        conn,
        messages::NewMessage {
            org_id: a.org(),
            lead_id,
            direction: "outbound",
            purpose,
            from_number: &from,
            to_number: &ctx.caller,
            body,
            status: "queued",
            provider_sid: None,
            dedupe_key: None,
            call_id: None,
        },
        now,
    )
    .await?
    .ok_or(InboxError::Invalid("body", "Duplicate message.".into()))?;
    outbox::insert(conn, a.org(), id.as_str(), send_at, now).await?;
    Ok(())
}

pub async fn reply(
    conn: &mut Conn,
    a: &StaffActor,
    lead_id: &str,
    body: &str,
    hold_until_morning: bool,
    now: i64,
) -> Result<Effects, InboxError> {
    let body = body.trim();
    if body.is_empty() || body.chars().count() > REPLY_BODY_MAX {
        return Err(InboxError::Invalid(
            "body",
            format!("A reply must be 1 to {REPLY_BODY_MAX} characters."),
        ));
    }
    let ctx = lead_ctx(conn, a.org(), lead_id).await?;
    let (_, minute) = local_clock(ctx.recipient_tz, now);
    let send_at = if hold_until_morning {
        now + i64::from(ctx.window.minutes_until_open(minute)) * 60_000
    } else {
        now
    };
    queue_text(conn, a, lead_id, &ctx, body, "reply", send_at, now).await?;
    leads::note_message(conn, a.org(), lead_id, body, leads::MessageSide::Staff, now).await?;
    if ctx.status == "new" {
        set_status(conn, a, lead_id, &ctx.status, "contacted", now).await?;
    }
    record_action(
        conn,
        a,
        lead_id,
        "reply.queued",
        json!({ "by": a.user_id, "scheduled": send_at > now }),
        AuditAction::LeadReplied,
        json!({ "scheduled_for": (send_at > now).then_some(send_at) }),
        now,
    )
    .await?;
    let mut effects = Effects {
        text_queued: send_at <= now,
        ..Effects::default()
    };
    effects.push(a.org(), Some(lead_id), LiveKind::MessageQueued);
    Ok(effects)
}

async fn set_status(
    conn: &mut Conn,
    a: &StaffActor,
    lead_id: &str,
    before: &str,
    after: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    let open = !matches!(after, "lost" | "spam");
    leads::set_status(conn, a.org(), lead_id, after, open, now).await?;
    record_action(
        conn,
        a,
        lead_id,
        "status.changed",
        json!({ "before": before, "after": after, "by": a.user_id }),
        AuditAction::LeadStatusChanged,
        json!({ "before": before, "after": after }),
        now,
    )
    .await
}

pub struct LeadEdit<'a> {
    pub status: &'a str,
    pub name: &'a str,
    pub address: &'a str,
    pub notes: &'a str,
    /// `Some("")` unassigns; `None` leaves the assignment alone.
    pub assigned_user_id: Option<&'a str>,
}

pub async fn update(
    conn: &mut Conn,
    a: &StaffActor,
    lead_id: &str,
    e: LeadEdit<'_>,
    now: i64,
) -> Result<Effects, InboxError> {
    if !STATUSES.contains(&e.status) {
        return Err(InboxError::Invalid("status", "Unknown status.".into()));
    }
    limits::check("name", "Name", e.name, LEAD_NAME_MAX)
        .and_then(|()| limits::check("address", "Address", e.address, ADDRESS_MAX))
        .and_then(|()| limits::check("notes", "Notes", e.notes, NOTES_MAX))?;
    let ctx = lead_ctx(conn, a.org(), lead_id).await?;
    let (name_before, address_before, notes_before) = leads::get_details(conn, a.org(), lead_id).await?;
    let mut changed = Vec::new();
    for (field, before, after) in [
        ("name", &name_before, e.name),
        ("address", &address_before, e.address),
        ("notes", &notes_before, e.notes),
    ] {
        if before.as_str() != after.trim() {
            changed.push(field);
        }
    }
    if !changed.is_empty() {
        let details = (e.name.trim(), e.address.trim(), e.notes.trim());
        leads::update_details(conn, a.org(), lead_id, details, now).await?;
        record_action(
            conn,
            a,
            lead_id,
            "lead.edited",
            json!({ "fields": changed.join(", "), "by": a.user_id }),
            AuditAction::LeadEdited,
            json!({ "fields": changed }),
            now,
        )
        .await?;
    }
    if let Some(assignee) = e.assigned_user_id {
        let current = leads::get_assignee(conn, a.org(), lead_id).await?;
        let wanted = (!assignee.is_empty()).then_some(assignee);
        if current.as_deref() != wanted {
            let email: Option<String> = match wanted {
                None => None,
                // Only a member of this org can be assigned; anyone else is "not found".
                Some(uid) => Some(
                    memberships::find_member_email(conn, a.org(), uid)
                        .await?
                        .ok_or(InboxError::NotFound)?,
                ),
            };
            leads::update_assignee(conn, a.org(), lead_id, wanted, now).await?;
            let to = email.clone().unwrap_or_else(|| "nobody".into());
            record_action(
                conn,
                a,
                lead_id,
                "lead.assigned",
                json!({ "to": to, "by": a.user_id }),
                AuditAction::LeadAssigned,
                json!({ "assigned_user_id": wanted }),
                now,
            )
            .await?;
        }
    }
    if ctx.status != e.status {
        set_status(conn, a, lead_id, &ctx.status, e.status, now).await?;
    }
    let mut effects = Effects::default();
    effects.push(a.org(), Some(lead_id), LiveKind::CallUpdated);
    Ok(effects)
}

pub struct NewBooking<'a> {
    pub date: &'a str,
    pub arrival_start: &'a str,
    pub arrival_end: &'a str,
    pub job_type: &'a str,
    pub address: &'a str,
    pub notes: &'a str,
    pub job_value_dollars: Option<f64>,
    pub send_confirmation: bool,
}

fn local_ms(tz: chrono_tz::Tz, date: NaiveDate, time: NaiveTime) -> Option<i64> {
    tz.from_local_datetime(&date.and_time(time))
        .earliest()
        .map(|t| t.timestamp_millis())
}

pub async fn book(
    conn: &mut Conn,
    a: &StaffActor,
    lead_id: &str,
    b: NewBooking<'_>,
    now: i64,
) -> Result<Effects, InboxError> {
    limits::check("address", "Address", b.address, ADDRESS_MAX)
        .and_then(|()| limits::check("notes", "Notes", b.notes, NOTES_MAX))?;
    let date = NaiveDate::parse_from_str(b.date.trim(), "%Y-%m-%d")
        .map_err(|_| InboxError::Invalid("date", "Pick a date.".into()))?;
    let start_t = NaiveTime::parse_from_str(b.arrival_start.trim(), "%H:%M")
        .map_err(|_| InboxError::Invalid("arrival_start", "Pick an arrival window start.".into()))?;
    let end_t = NaiveTime::parse_from_str(b.arrival_end.trim(), "%H:%M")
        .map_err(|_| InboxError::Invalid("arrival_end", "Pick an arrival window end.".into()))?;
    if !JOB_TYPES.contains(&b.job_type) {
        return Err(InboxError::Invalid("job_type", "Pick a job type.".into()));
    }
    let value_cents = match b.job_value_dollars {
        Some(v) if !(0.0..=1_000_000.0).contains(&v) || !v.is_finite() => {
            return Err(InboxError::Invalid(
                "job_value",
                "Job value must be between $0 and $1,000,000.".into(),
            ))
        }
        Some(v) => Some((v * 100.0).round() as i64),
        None => None,
    };
    let ctx = lead_ctx(conn, a.org(), lead_id).await?;
    let (Some(start), Some(end)) = (local_ms(ctx.tz, date, start_t), local_ms(ctx.tz, date, end_t)) else {
        return Err(InboxError::Invalid(
            "date",
            "That time does not exist in your timezone.".into(),
        ));
    };
    if end <= start {
        return Err(InboxError::Invalid(
            "arrival_end",
            "The arrival window must end after it starts.".into(),
        ));
    }
    let id = BookingId::new();
    bookings::insert(
        conn,
        bookings::NewBooking {
            id: &id,
            org_id: a.org(),
            lead_id,
            window_start: start,
            window_end: end,
            job_type: b.job_type,
            address: b.address.trim(),
            notes: b.notes.trim(),
            job_value_cents: value_cents,
            created_by: &a.user_id,
        },
        now,
    )
    .await?;
    let summary = format!(
        "{} on {}, arriving {}–{}{}",
        b.job_type.replace('_', " "),
        date.format("%a %b %-d"),
        start_t.format("%-I:%M %P"),
        end_t.format("%-I:%M %P"),
        value_cents
            .map(|c| format!(", ${:.2}", c as f64 / 100.0))
            .unwrap_or_default()
    );
    record_action(
        conn,
        a,
        lead_id,
        "booking.created",
        json!({ "summary": summary, "by": a.user_id, "booking_id": id.as_str() }),
        AuditAction::LeadBooked,
        json!({ "booking_id": id.as_str(), "job_value_cents": value_cents }),
        now,
    )
    .await?;
    if ctx.status != "booked" {
        set_status(conn, a, lead_id, &ctx.status, "booked", now).await?;
    }
    let mut effects = Effects::default();
    if b.send_confirmation {
        let text = format!(
            "{}: you're booked for {} between {} and {}. Reply here if anything changes.",
            ctx.org_name,
            date.format("%A %B %-d"),
            start_t.format("%-I:%M %P"),
            end_t.format("%-I:%M %P")
        );
        queue_text(conn, a, lead_id, &ctx, &text, "confirmation", now, now).await?;
        leads::note_message(conn, a.org(), lead_id, &text, leads::MessageSide::Staff, now).await?;
        effects.text_queued = true;
    }
    effects.push(a.org(), Some(lead_id), LiveKind::CallUpdated);
    Ok(effects)
}
