//! Texts: inbound customer messages (with STOP/START/HELP), delivery status callbacks, and
//! the outcomes of the outbox worker's sends.

use serde_json::json;

use crate::ssr::db::Conn;
use crate::{
    domain::{ids::LeadId, ActorKind, Caller, E164Phone, LeadSource, SmsKeyword},
    ssr::{
        db::{lead_events, leads, messages, opt_outs, outbox, pipeline::Deferred},
        live::{Effects, LiveKind},
        services::routing::{Routing, RoutingCache},
    },
};

/// Twilio error: the recipient replied STOP; nothing can be sent until they reply START.
pub const ERROR_UNSUBSCRIBED: &str = "21610";

#[derive(Debug, Clone)]
pub struct InboundSms {
    pub message_sid: String,
    pub from: Caller,
    /// The number texted; `None` when Twilio sent something that is not a dialable E.164
    /// number, which can be none of ours.
    pub to: Option<E164Phone>,
    pub body: String,
    pub opt_out_type: Option<String>,
    /// The sender's own timezone, from Twilio's geo parameters when present.
    pub from_timezone: Option<&'static str>,
}

#[derive(Debug, Clone)]
pub struct SmsOutcome {
    pub org_id: Option<String>,
    /// A reply to send back in the TwiML answer.
    pub reply: Option<String>,
    pub outcome: String,
    pub effects: Effects,
}

impl SmsOutcome {
    /// Nothing to apply: the callback is kept as evidence only.
    fn ignored(org_id: Option<String>, outcome: &str) -> Self {
        Self {
            org_id,
            reply: None,
            outcome: outcome.into(),
            effects: Effects::default(),
        }
    }
}

/// An inbound SMS: recorded on the sender's open lead, then any keyword (STOP, START, HELP)
/// applied and answered. The common case (no keyword) ends with writes that wait in
/// `pending` for the caller's next round trip.
pub async fn on_inbound(
    conn: &mut Conn,
    pending: &mut Deferred,
    cache: &RoutingCache,
    sms: &InboundSms,
    now: i64,
) -> Result<SmsOutcome, sqlx::Error> {
    let routing = match &sms.to {
        Some(to) => cache.get(conn, to.as_str()).await?,
        None => None,
    };
    let Some(routing) = routing else {
        return Ok(SmsOutcome::ignored(None, "unknown_number"));
    };
    let org_id = routing.row.org_id.clone();
    let Caller::Number(from) = &sms.from else {
        return Ok(SmsOutcome::ignored(Some(org_id), "withheld_sender"));
    };
    let keyword = sms
        .opt_out_type
        .as_deref()
        .and_then(SmsKeyword::from_twilio_opt_out_type)
        .or_else(|| SmsKeyword::classify(&sms.body));

    let mut effects = Effects::default();
    let lead_id = record_received(conn, pending, &routing, sms, from, &mut effects, now).await?;
    if keyword.is_some() {
        // Keywords read and write the opt-out ledger directly: everything before goes first.
        pending.flush(conn).await?;
    }
    let contact = Contact {
        org_id: &org_id,
        lead_id: &lead_id,
        phone: from.as_str(),
    };
    let (reply, outcome) = match keyword {
        Some(SmsKeyword::OptOut { standard }) => opt_out(conn, &routing, &contact, standard, &mut effects, now).await?,
        Some(SmsKeyword::OptIn { standard }) => opt_in(conn, &routing, &contact, standard, &mut effects, now).await?,
        Some(SmsKeyword::Help) => (Some(help_text(&routing)), "help"),
        None => (None, "message"),
    };
    if let Some(text) = &reply {
        record_keyword_reply(conn, &contact, &routing.row.e164, text, now).await?;
    }
    Ok(SmsOutcome {
        org_id: Some(org_id),
        reply,
        outcome: outcome.into(),
        effects,
    })
}

/// Who texted, on which of their org's leads.
struct Contact<'a> {
    org_id: &'a str,
    lead_id: &'a LeadId,
    phone: &'a str,
}

/// Opens (or finds) the sender's open lead and records the text on it; returns the lead.
/// The writes wait in `pending`.
async fn record_received(
    conn: &mut Conn,
    pending: &mut Deferred,
    routing: &Routing,
    sms: &InboundSms,
    from: &E164Phone,
    effects: &mut Effects,
    now: i64,
) -> Result<LeadId, sqlx::Error> {
    let org_id = routing.row.org_id.as_str();
    let (lead_id, created) = leads::open_for_caller(
        conn,
        org_id,
        from,
        LeadSource::TextFirst,
        sms.from_timezone,
        routing.escalation_due_at(now),
        now,
    )
    .await?;
    let contact = Contact {
        org_id,
        lead_id: &lead_id,
        phone: from.as_str(),
    };
    note_received(pending, &contact, &routing.row.e164, sms, now);
    effects.push(
        org_id,
        Some(lead_id.as_str()),
        if created {
            LiveKind::LeadCreated
        } else {
            LiveKind::MessageReceived
        },
    );
    Ok(lead_id)
}

/// The text (to `our_number`) on the lead's record, timeline and inbox row; every write
/// waits in `pending`.
fn note_received(pending: &mut Deferred, c: &Contact<'_>, our_number: &str, sms: &InboundSms, now: i64) {
    // A repeated MessageSid never gets here (the evidence key stops it first), so whether
    // this insert was new is not needed and it can wait for the next round trip.
    let (_, received) = messages::insert_stmt(
        messages::NewMessage {
            org_id: c.org_id,
            lead_id: c.lead_id,
            direction: "inbound",
            purpose: "customer",
            from_number: c.phone,
            to_number: our_number,
            body: &sms.body,
            status: "received",
            provider_sid: Some(&sms.message_sid),
            dedupe_key: None,
            call_id: None,
        },
        now,
    );
    pending.push(received);
    pending.push(lead_events::insert_stmt(
        c.org_id,
        c.lead_id,
        "sms.received",
        ActorKind::Webhook,
        json!({ "message_sid": sms.message_sid }),
        now,
    ));
    pending.push(leads::note_message_stmt(
        c.org_id,
        c.lead_id,
        &sms.body,
        leads::MessageSide::Customer,
        now,
    ));
}

/// STOP (or a plain phrasing of it): opted out, and every text still waiting for them
/// canceled. Returns the confirmation to send, if any, and the outcome.
async fn opt_out(
    conn: &mut Conn,
    routing: &Routing,
    c: &Contact<'_>,
    standard: bool,
    effects: &mut Effects,
    now: i64,
) -> Result<(Option<String>, &'static str), sqlx::Error> {
    opt_outs::set(conn, c.org_id, c.phone, true, "sms_keyword", now).await?;
    let canceled = outbox::cancel_pending_to(conn, c.org_id, c.phone, now).await?;
    lead_events::insert(
        conn,
        c.org_id,
        c.lead_id,
        "contact.opted_out",
        ActorKind::Webhook,
        json!({ "canceled_texts": canceled }),
        now,
    )
    .await?;
    effects.push(c.org_id, Some(c.lead_id.as_str()), LiveKind::OptOutChanged);
    // Twilio and the carriers confirm standard keywords themselves; for a plain phrasing we
    // send the one confirmation the FCC rule allows.
    let reply = (!standard).then(|| {
        routing.render("You're unsubscribed from {business} texts and won't get more. Reply START to resubscribe.")
    });
    Ok((reply, "opted_out"))
}

/// START: opted back in. Only a change of mind is recorded (and confirmed, for a
/// non-standard keyword); START from someone never opted out changes nothing.
async fn opt_in(
    conn: &mut Conn,
    routing: &Routing,
    c: &Contact<'_>,
    standard: bool,
    effects: &mut Effects,
    now: i64,
) -> Result<(Option<String>, &'static str), sqlx::Error> {
    let was_out = opt_outs::is_opted_out(conn, c.org_id, c.phone).await?;
    opt_outs::set(conn, c.org_id, c.phone, false, "sms_keyword", now).await?;
    if was_out {
        lead_events::insert(
            conn,
            c.org_id,
            c.lead_id,
            "contact.opted_in",
            ActorKind::Webhook,
            json!({}),
            now,
        )
        .await?;
        effects.push(c.org_id, Some(c.lead_id.as_str()), LiveKind::OptOutChanged);
    }
    let reply = (!standard && was_out).then(|| routing.render("You're resubscribed to {business} texts."));
    Ok((reply, if was_out { "opted_in" } else { "opt_in_noop" }))
}

/// HELP: who this is, how to reach them, how to stop.
fn help_text(routing: &Routing) -> String {
    routing.render(&format!(
        "{{business}}: reply here and our team will get back to you, or call {}. Reply STOP to opt out.",
        routing.row.e164
    ))
}

/// The keyword answer goes back in the TwiML reply (already sent, as far as we are
/// concerned); it is kept on the lead's record.
async fn record_keyword_reply(
    conn: &mut Conn,
    c: &Contact<'_>,
    our_number: &str,
    text: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    messages::insert(
        conn,
        messages::NewMessage {
            org_id: c.org_id,
            lead_id: c.lead_id,
            direction: "outbound",
            purpose: "keyword_reply",
            from_number: our_number,
            to_number: c.phone,
            body: text,
            status: "sent",
            provider_sid: None,
            dedupe_key: None,
            call_id: None,
        },
        now,
    )
    .await?;
    Ok(())
}

#[derive(Debug, Clone)]
pub struct StatusCallback {
    pub message_sid: String,
    pub status: String,
    pub error_code: Option<String>,
}

/// Later states outrank earlier ones, so a late "sent" never overwrites "delivered".
fn status_rank(status: &str) -> u8 {
    match status {
        "accepted" | "scheduled" | "queued" => 1,
        "sending" => 2,
        "sent" => 3,
        "failed" | "undelivered" | "canceled" => 4,
        "delivered" => 5,
        "read" => 6,
        _ => 0,
    }
}

/// A delivery-status callback for a text we sent. The status change waits in `pending`.
pub async fn on_status(
    conn: &mut Conn,
    pending: &mut Deferred,
    cb: &StatusCallback,
    now: i64,
) -> Result<SmsOutcome, sqlx::Error> {
    let Some(msg) = messages::find_by_provider_sid(conn, &cb.message_sid).await? else {
        return Ok(SmsOutcome {
            org_id: None,
            reply: None,
            outcome: "unknown_message".into(),
            effects: Effects::default(),
        });
    };
    let mut effects = Effects::default();
    let advances = status_rank(&cb.status) > status_rank(&msg.status);
    if advances {
        pending.push(messages::set_status(
            &msg.org_id,
            &msg.id,
            &cb.status,
            None,
            cb.error_code.as_deref(),
            now,
        ));
        effects.push(&msg.org_id, Some(msg.lead_id.as_str()), LiveKind::MessageStatus);
    }
    if cb.error_code.as_deref() == Some(ERROR_UNSUBSCRIBED) {
        pending.flush(conn).await?;
        mark_unsubscribed(conn, &msg.org_id, &msg.lead_id, &msg.to_number, &mut effects, now).await?;
    }
    let outcome = if advances {
        format!("status {}", cb.status)
    } else {
        format!("stale status {}", cb.status)
    };
    Ok(SmsOutcome {
        org_id: Some(msg.org_id),
        reply: None,
        outcome,
        effects,
    })
}

/// Twilio's 21610 is authoritative: the number is opted out whatever our ledger said.
async fn mark_unsubscribed(
    conn: &mut Conn,
    org_id: &str,
    lead_id: &LeadId,
    phone: &str,
    effects: &mut Effects,
    now: i64,
) -> Result<(), sqlx::Error> {
    opt_outs::set(conn, org_id, phone, true, "twilio_21610", now).await?;
    outbox::cancel_pending_to(conn, org_id, phone, now).await?;
    lead_events::insert(
        conn,
        org_id,
        lead_id,
        "contact.opted_out",
        ActorKind::System,
        json!({ "source": "twilio_21610" }),
        now,
    )
    .await?;
    effects.push(org_id, Some(lead_id.as_str()), LiveKind::OptOutChanged);
    Ok(())
}

/// What happened when the worker handed a text to the provider.
#[derive(Debug, Clone)]
pub enum SendResult {
    Accepted {
        provider_sid: String,
        status: String,
    },
    /// Worth retrying (network, 429, 5xx) at `retry_at`; `None` when attempts are used up.
    Transient {
        error: String,
        retry_at: Option<i64>,
    },
    Rejected {
        code: Option<String>,
        error: String,
    },
}

/// Records what the provider said about a send. Its writes wait in `pending`, to travel with
/// the writer's next savepoint boundary.
pub async fn record_send(
    conn: &mut Conn,
    pending: &mut Deferred,
    due: &outbox::DueText,
    result: &SendResult,
    now: i64,
) -> Result<Effects, sqlx::Error> {
    let mut effects = Effects::default();
    let failed = |pending: &mut Deferred, code: Option<&str>, error: &str, detail: serde_json::Value| {
        pending.push(messages::set_status(
            &due.org_id,
            &due.message_id,
            "failed",
            None,
            code,
            now,
        ));
        pending.push(outbox::set_state(&due.outbox_id, "failed", None, Some(error), now));
        pending.push(lead_events::insert_stmt(
            &due.org_id,
            &due.lead_id,
            "sms.failed",
            ActorKind::System,
            detail,
            now,
        ));
    };
    match result {
        SendResult::Accepted { provider_sid, status } => {
            pending.push(messages::set_status(
                &due.org_id,
                &due.message_id,
                status,
                Some(provider_sid),
                None,
                now,
            ));
            pending.push(outbox::set_state(&due.outbox_id, "sent", None, None, now));
            pending.push(lead_events::insert_stmt(
                &due.org_id,
                &due.lead_id,
                "sms.sent",
                ActorKind::System,
                json!({ "message_sid": provider_sid }),
                now,
            ));
        }
        SendResult::Transient {
            error,
            retry_at: Some(at),
        } => {
            pending.push(outbox::set_state(
                &due.outbox_id,
                "pending",
                Some(*at),
                Some(error),
                now,
            ));
        }
        SendResult::Transient { error, retry_at: None } => {
            failed(pending, None, error, json!({ "error": error }));
        }
        SendResult::Rejected { code, error } => {
            failed(
                pending,
                code.as_deref(),
                error,
                json!({ "error_code": code, "error": error }),
            );
            if code.as_deref() == Some(ERROR_UNSUBSCRIBED) {
                pending.flush(conn).await?;
                mark_unsubscribed(conn, &due.org_id, &due.lead_id, &due.to_number, &mut effects, now).await?;
            }
        }
    }
    effects.push(&due.org_id, Some(due.lead_id.as_str()), LiveKind::MessageStatus);
    Ok(effects)
}

/// A STOP landed after the text was queued (the claim saw it): cancel instead of sending.
/// An automated text whose org's texts are paused for billing when it falls due: cancelled,
/// and the lead says so (it is not retried; the next call after billing resumes gets its
/// own text-back).
pub fn cancel_for_billing(pending: &mut Deferred, due: &outbox::DueText, now: i64) {
    pending.push(messages::set_status(
        &due.org_id,
        &due.message_id,
        "canceled",
        None,
        None,
        now,
    ));
    pending.push(outbox::set_state(
        &due.outbox_id,
        "canceled",
        None,
        Some("billing_paused"),
        now,
    ));
    let (kind, detail) = if due.purpose == "text_back" {
        (
            "text_back.skipped",
            json!({ "decision": crate::domain::billing::SKIPPED_FOR_BILLING }),
        )
    } else {
        ("escalation.text_skipped", json!({ "reason": "billing" }))
    };
    pending.push(lead_events::insert_stmt(
        &due.org_id,
        &due.lead_id,
        kind,
        ActorKind::System,
        detail,
        now,
    ));
}

pub fn cancel_opted_out(pending: &mut Deferred, due: &outbox::DueText, now: i64) {
    pending.push(messages::set_status(
        &due.org_id,
        &due.message_id,
        "canceled",
        None,
        None,
        now,
    ));
    pending.push(outbox::set_state(
        &due.outbox_id,
        "canceled",
        None,
        Some("opted_out"),
        now,
    ));
}
