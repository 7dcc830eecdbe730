//! Working leads: replies through the outbox, status and detail edits, and bookings
//! (`scheduling`: book, move, cancel). Each is one write (through the single writer) with
//! its timeline entry and audit record. The lead page's forms carry a one-use token
//! (`domain::form_token`) that each use-case claims first, in that same write: the second
//! submission of the same form is refused and changes nothing, and a refused submission
//! gives its token back with everything else it wrote.
//!
//! Whoever acts is a [`LeadActor`]: a member at the lead page
//! ([`StaffActor`](crate::ssr::actor::StaffActor)) or an API
//! key (`/api/v1`). The rules are the same for both; what differs is how they are named
//! (timeline, audit trail) and that a key is nobody, so a reply sent with one assigns the
//! lead to no one. API requests carry no form token ([`send_reply`] and [`book_job`] take
//! it as an `Option`): their repeats are caught by `Idempotency-Key` instead, claimed in
//! the same writer job as the use-case (server `api::v1::idempotency`).

mod booking;
mod scheduling;

use serde_json::json;

pub use self::{
    booking::{ArrivalWindow, BookingForm, NewBooking, IN_THE_PAST},
    scheduling::{book, book_job, cancel_booking, reschedule_booking},
};
use crate::{
    domain::{
        business_hours::SendWindow,
        form_token::{FormToken, FormTokenError},
        ids::{LeadId, MessageId},
        limits::{self, ADDRESS_MAX, LEAD_NAME_MAX, NOTES_MAX, REPLY_BODY_MAX},
        LeadStatus, OrgTimezone,
    },
    ssr::{
        actor::LeadActor,
        audit::{self, AuditAction, Target},
        db::{form_submissions, lead_events, leads, memberships, messages, opt_outs, outbox, tracked_numbers, Conn},
        live::{Effects, LiveKind},
        services::routing::local_clock,
    },
};

/// The forms whose tokens are claimed: each server function's endpoint (after `/rpc/`),
/// which is also what a form posted without JavaScript is named by (`form_for`, `form_done`).
pub mod forms {
    pub const REPLY: &str = "leads/reply";
    pub const BOOK: &str = "leads/book";
    pub const RESCHEDULE: &str = "bookings/reschedule";
    pub const CANCEL: &str = "bookings/cancel";
}

#[derive(Debug, thiserror::Error)]
pub enum InboxError {
    #[error("not found")]
    NotFound,
    #[error("This customer opted out of texts (STOP). They must text START before you can message them.")]
    OptedOut,
    #[error("{1}")]
    Invalid(&'static str, String),
    /// The form's one-use token was claimed before: this submission is a repeat.
    #[error("Already sent — this form was submitted twice.")]
    AlreadySubmitted,
    /// Moving or cancelling a booking someone already cancelled.
    #[error("This booking was cancelled. Book a new job instead.")]
    BookingCancelled,
    /// Sending now was asked for ([`QuietHours::Refuse`]) outside the customer's send window.
    #[error("It's outside texting hours in this customer's local time. Ask to schedule the text for when the send window opens.")]
    QuietHours,
    #[error("database error")]
    Db(#[from] sqlx::Error),
}

impl From<limits::TooLong> for InboxError {
    fn from(e: limits::TooLong) -> Self {
        InboxError::Invalid(e.field, e.to_string())
    }
}

/// The lead being worked on, with what replying to, editing or booking it needs.
struct LeadCtx {
    id: LeadId,
    caller: String,
    status: LeadStatus,
    org_name: String,
    /// The business's timezone: booking windows are in it.
    tz: chrono_tz::Tz,
    /// The customer's timezone (the business's when unknown): quiet hours are in it.
    recipient_tz: chrono_tz::Tz,
    window: SendWindow,
    from_number: Option<String>,
}

/// The org's lead `lead_id`; anything else (another org's lead, or not a lead id at all) is
/// "not found".
async fn lead_ctx(conn: &mut Conn, org_id: &str, lead_id: &str) -> Result<LeadCtx, InboxError> {
    let id = LeadId::parse(lead_id).map_err(|_| InboxError::NotFound)?;
    let row = leads::find_reply_context(conn, org_id, &id)
        .await?
        .ok_or(InboxError::NotFound)?;
    let tz = OrgTimezone::parse_or_utc(&row.timezone);
    let recipient_tz = row.caller_timezone.and_then(|z| z.parse().ok()).unwrap_or(tz);
    // Reply from the number the customer reached; else the org's first tracked number.
    let reached = leads::last_reached_number(conn, org_id, &id).await?;
    let from_number = match reached {
        Some(n) => Some(n),
        None => tracked_numbers::find_first_for_org(conn, org_id).await?,
    };
    Ok(LeadCtx {
        id,
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

/// Claims the form's one-use token first thing in the use-case's write: a token used
/// before means this is the same submission again, and nothing is done twice. No token
/// (an API request, whose repeats `Idempotency-Key` catches): nothing to claim.
async fn claim_form(
    conn: &mut Conn,
    a: &impl LeadActor,
    token: Option<&FormToken>,
    form: &str,
    now: i64,
) -> Result<(), InboxError> {
    let Some(token) = token else {
        return Ok(());
    };
    // A token older than the claims kept could have lost its claim to pruning already.
    if token.expired_at(now) {
        return Err(InboxError::Invalid("form_token", FormTokenError::Expired.to_string()));
    }
    if form_submissions::claim(conn, a.org(), token, form, now).await? {
        Ok(())
    } else {
        Err(InboxError::AlreadySubmitted)
    }
}

/// An action on a lead lands on its timeline and in the audit trail together.
#[allow(clippy::too_many_arguments)]
async fn record_action(
    conn: &mut Conn,
    a: &impl LeadActor,
    lead_id: &LeadId,
    kind: &str,
    detail: serde_json::Value,
    action: AuditAction,
    metadata: serde_json::Value,
    now: i64,
) -> Result<(), sqlx::Error> {
    lead_events::insert(conn, a.org(), lead_id, kind, a.actor_kind(), detail, now).await?;
    audit::record(conn, &a.acting(), action, Target::Lead(lead_id.as_str()), metadata, now).await?;
    Ok(())
}

/// Queues a text to the lead's customer (refused if they opted out); its id.
async fn queue_text(
    conn: &mut Conn,
    a: &impl LeadActor,
    lead: &LeadCtx,
    body: &str,
    purpose: &str,
    send_at: i64,
    now: i64,
) -> Result<MessageId, InboxError> {
    if opt_outs::is_opted_out(conn, a.org(), &lead.caller).await? {
        return Err(InboxError::OptedOut);
    }
    let from = lead.from_number.clone().ok_or(InboxError::Invalid(
        "body",
        "This organisation has no tracked number to text from.".into(),
    ))?;
    let id = messages::insert(
        conn,
        messages::NewMessage {
            org_id: a.org(),
            lead_id: &lead.id,
            direction: "outbound",
            purpose,
            from_number: &from,
            to_number: &lead.caller,
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
    outbox::insert(conn, a.org(), &id, send_at, now).await?;
    Ok(id)
}

/// A reply as the form posts it.
#[derive(Debug, Clone, Copy)]
pub struct NewReply<'a> {
    pub body: &'a str,
    /// Queue it for when the customer's send window opens instead of now.
    pub hold_until_morning: bool,
}

/// What a reply does outside the customer's send window (quiet hours).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuietHours {
    /// Send now anyway (the reply box with "hold until the morning" unticked).
    SendAnyway,
    /// Hold it until the send window opens (sent now when it is open).
    Hold,
    /// Refuse it ([`InboxError::QuietHours`]): an API request that did not ask to schedule.
    Refuse,
}

/// A queued reply: the text's id and when the outbox sends it (`now`, or when the
/// customer's send window opens).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedReply {
    pub message_id: MessageId,
    pub send_at: i64,
}

/// How long the same reply to the same lead counts as a repeat of the first (a form resent
/// after the back button, or from a second tab) rather than a new message.
const SAME_REPLY_WINDOW_MS: i64 = 10 * 60_000;

/// A reply from the lead page, queued (or held until the customer's send window opens). A
/// reply to a lead nobody has is also a claim on it: the lead is assigned to whoever
/// replied.
pub async fn reply(
    conn: &mut Conn,
    a: &impl LeadActor,
    lead_id: &str,
    r: NewReply<'_>,
    token: &FormToken,
    now: i64,
) -> Result<Effects, InboxError> {
    let quiet = if r.hold_until_morning {
        QuietHours::Hold
    } else {
        QuietHours::SendAnyway
    };
    send_reply(conn, a, lead_id, r.body, quiet, Some(token), now)
        .await
        .map(|(_, effects)| effects)
}

/// A reply to the lead's customer through the outbox, under the reply box's rules: 1 to
/// [`REPLY_BODY_MAX`] characters (trimmed), never to a customer who opted out, held or
/// refused outside their send window as `quiet` says. A member replying to a lead nobody
/// has takes it; an API key takes nobody's name. With a form token (the lead page), the
/// token is claimed first and the same text resent within ten minutes is refused as a
/// repeat; without one (an API request) neither applies: `Idempotency-Key` is how an API
/// client makes a retry safe, and a client sending the same words twice meant to.
pub async fn send_reply(
    conn: &mut Conn,
    a: &impl LeadActor,
    lead_id: &str,
    body: &str,
    quiet: QuietHours,
    token: Option<&FormToken>,
    now: i64,
) -> Result<(QueuedReply, Effects), InboxError> {
    let body = body.trim();
    if body.is_empty() || body.chars().count() > REPLY_BODY_MAX {
        return Err(InboxError::Invalid(
            "body",
            format!("A reply must be 1 to {REPLY_BODY_MAX} characters."),
        ));
    }
    claim_form(conn, a, token, forms::REPLY, now).await?;
    let lead = lead_ctx(conn, a.org(), lead_id).await?;
    if token.is_some()
        && messages::staff_sent_same_since(conn, a.org(), &lead.id, body, now - SAME_REPLY_WINDOW_MS).await?
    {
        return Err(InboxError::AlreadySubmitted);
    }
    let (_, minute) = local_clock(lead.recipient_tz, now);
    let send_at = match quiet {
        QuietHours::SendAnyway => now,
        QuietHours::Hold => now + i64::from(lead.window.minutes_until_open(minute)) * 60_000,
        QuietHours::Refuse => {
            // An opted-out customer is refused as such, whatever the hour: scheduling
            // would not help.
            if opt_outs::is_opted_out(conn, a.org(), &lead.caller).await? {
                return Err(InboxError::OptedOut);
            }
            if !lead.window.contains(minute) {
                return Err(InboxError::QuietHours);
            }
            now
        }
    };
    let message_id = queue_text(conn, a, &lead, body, "reply", send_at, now).await?;
    leads::note_message(conn, a.org(), &lead.id, body, leads::MessageSide::Staff, now).await?;
    if lead.status == LeadStatus::New {
        set_status(conn, a, &lead.id, lead.status, LeadStatus::Contacted, now).await?;
    }
    if let Some(user_id) = a.user_id() {
        if leads::get_assignee(conn, a.org(), &lead.id).await?.is_none() {
            assign(conn, a, &lead.id, user_id, now).await?;
        }
    }
    record_action(
        conn,
        a,
        &lead.id,
        "reply.queued",
        json!({ "by": a.by(), "scheduled": send_at > now }),
        AuditAction::LeadReplied,
        json!({ "scheduled_for": (send_at > now).then_some(send_at), "message_id": message_id.as_str() }),
        now,
    )
    .await?;
    let mut effects = Effects {
        text_queued: send_at <= now,
        ..Effects::default()
    };
    effects.push(a.org(), Some(lead.id.as_str()), LiveKind::MessageQueued);
    Ok((QueuedReply { message_id, send_at }, effects))
}

async fn set_status(
    conn: &mut Conn,
    a: &impl LeadActor,
    lead_id: &LeadId,
    before: LeadStatus,
    after: LeadStatus,
    now: i64,
) -> Result<(), sqlx::Error> {
    leads::set_status(conn, a.org(), lead_id, after, now).await?;
    record_action(
        conn,
        a,
        lead_id,
        "status.changed",
        json!({ "before": before, "after": after, "by": a.by() }),
        AuditAction::LeadStatusChanged,
        json!({ "before": before, "after": after }),
        now,
    )
    .await
}

/// A lead's edit form, as posted.
pub struct LeadEdit<'a> {
    /// A [`LeadStatus`] code; [`update`] refuses any other.
    pub status: &'a str,
    pub name: &'a str,
    pub address: &'a str,
    pub notes: &'a str,
    /// `Some("")` unassigns; `None` leaves the assignment alone.
    pub assigned_user_id: Option<&'a str>,
}

/// Saves a lead's edit: its details (name, address, notes), its assignee when given, and
/// its status, each change with its timeline entry and audit record (nothing for what did
/// not change).
pub async fn update(
    conn: &mut Conn,
    a: &impl LeadActor,
    lead_id: &str,
    e: LeadEdit<'_>,
    now: i64,
) -> Result<Effects, InboxError> {
    let status = LeadStatus::parse(e.status).ok_or_else(|| InboxError::Invalid("status", "Unknown status.".into()))?;
    limits::check("name", "Name", e.name, LEAD_NAME_MAX)
        .and_then(|()| limits::check("address", "Address", e.address, ADDRESS_MAX))
        .and_then(|()| limits::check("notes", "Notes", e.notes, NOTES_MAX))?;
    let lead = lead_ctx(conn, a.org(), lead_id).await?;
    edit_details(conn, a, &lead.id, (e.name, e.address, e.notes), now).await?;
    if let Some(assignee) = e.assigned_user_id {
        assign(conn, a, &lead.id, assignee, now).await?;
    }
    if lead.status != status {
        set_status(conn, a, &lead.id, lead.status, status, now).await?;
    }
    let mut effects = Effects::default();
    effects.push(a.org(), Some(lead.id.as_str()), LiveKind::CallUpdated);
    Ok(effects)
}

/// Saves the name, address and notes (trimmed) if any of them changed.
async fn edit_details(
    conn: &mut Conn,
    a: &impl LeadActor,
    lead_id: &LeadId,
    (name, address, notes): (&str, &str, &str),
    now: i64,
) -> Result<(), InboxError> {
    let (name_before, address_before, notes_before) = leads::get_details(conn, a.org(), lead_id).await?;
    let changed: Vec<&str> = [
        ("name", &name_before, name),
        ("address", &address_before, address),
        ("notes", &notes_before, notes),
    ]
    .into_iter()
    .filter(|(_, before, after)| before.as_str() != after.trim())
    .map(|(field, _, _)| field)
    .collect();
    if changed.is_empty() {
        return Ok(());
    }
    let details = (name.trim(), address.trim(), notes.trim());
    leads::update_details(conn, a.org(), lead_id, details, now).await?;
    record_action(
        conn,
        a,
        lead_id,
        "lead.edited",
        json!({ "fields": changed.join(", "), "by": a.by() }),
        AuditAction::LeadEdited,
        json!({ "fields": changed }),
        now,
    )
    .await?;
    Ok(())
}

/// Assigns the lead to `assignee` (a member of this org; "" for nobody) if that changes it.
async fn assign(
    conn: &mut Conn,
    a: &impl LeadActor,
    lead_id: &LeadId,
    assignee: &str,
    now: i64,
) -> Result<(), InboxError> {
    let current = leads::get_assignee(conn, a.org(), lead_id).await?;
    let wanted = (!assignee.is_empty()).then_some(assignee);
    if current.as_deref() == wanted {
        return Ok(());
    }
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
    let to = email.unwrap_or_else(|| "nobody".into());
    record_action(
        conn,
        a,
        lead_id,
        "lead.assigned",
        json!({ "to": to, "by": a.by() }),
        AuditAction::LeadAssigned,
        json!({ "assigned_user_id": wanted }),
        now,
    )
    .await?;
    Ok(())
}
