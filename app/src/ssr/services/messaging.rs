//! Texts: inbound customer messages (with STOP/START/HELP), delivery status callbacks, and
//! the outcomes of the outbox worker's sends.

use serde_json::json;

use crate::ssr::db::Conn;
use crate::{
    domain::{Caller, SmsKeyword},
    ssr::{
        db::{lead_events, leads, messages, opt_outs, outbox, pipeline::Deferred},
        live::{Effects, LiveKind},
        services::routing::RoutingCache,
    },
};

/// Twilio error: the recipient replied STOP; nothing can be sent until they reply START.
pub const ERROR_UNSUBSCRIBED: &str = "21610";

#[derive(Debug, Clone)]
pub struct InboundSms {
    pub message_sid: String,
    pub from: Caller,
    pub to: String,
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

/// An inbound SMS. The common case (no keyword) ends with writes that wait in `pending` for
/// the caller's next round trip.
pub async fn on_inbound(
    conn: &mut Conn,
    pending: &mut Deferred,
    cache: &RoutingCache,
    sms: &InboundSms,
    now: i64,
) -> Result<SmsOutcome, sqlx::Error> {
    let Some(routing) = cache.get(conn, &sms.to).await? else {
        return Ok(SmsOutcome {
            org_id: None,
            reply: None,
            outcome: "unknown_number".into(),
            effects: Effects::default(),
        });
    };
    let org_id = routing.row.org_id.clone();
    let Caller::Number(from) = &sms.from else {
        return Ok(SmsOutcome {
            org_id: Some(org_id),
            reply: None,
            outcome: "withheld_sender".into(),
            effects: Effects::default(),
        });
    };
    let from = from.as_str();
    let keyword = sms
        .opt_out_type
        .as_deref()
        .and_then(SmsKeyword::from_twilio_opt_out_type)
        .or_else(|| SmsKeyword::classify(&sms.body));

    let mut effects = Effects::default();
    let (lead_id, created) = leads::open_for_caller(
        conn,
        &org_id,
        from,
        "text_first",
        sms.from_timezone,
        routing.escalation_due_at(now),
        now,
    )
    .await?;
    // A repeated MessageSid never gets here (the evidence key stops it first), so whether
    // this insert was new is not needed and it can wait for the next round trip.
    let (_, received) = messages::insert_stmt(
        messages::NewMessage {
            org_id: &org_id,
            lead_id: &lead_id,
            direction: "inbound",
            purpose: "customer",
            from_number: from,
            to_number: &sms.to,
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
        &org_id,
        &lead_id,
        "sms.received",
        "webhook",
        json!({ "message_sid": sms.message_sid }),
        now,
    ));
    pending.push(leads::note_message_stmt(
        &org_id,
        &lead_id,
        &sms.body,
        leads::MessageSide::Customer,
        now,
    ));
    effects.push(
        &org_id,
        Some(&lead_id),
        if created {
            LiveKind::LeadCreated
        } else {
            LiveKind::MessageReceived
        },
    );

    if keyword.is_some() {
        // Keywords read and write the opt-out ledger directly: everything before goes first.
        pending.flush(conn).await?;
    }
    let (reply, outcome) = match keyword {
        Some(SmsKeyword::OptOut { standard }) => {
            opt_outs::set(conn, &org_id, from, true, "sms_keyword", now).await?;
            let canceled = outbox::cancel_pending_to(conn, &org_id, from, now).await?;
            lead_events::insert(
                conn,
                &org_id,
                &lead_id,
                "contact.opted_out",
                "webhook",
                json!({ "canceled_texts": canceled }),
                now,
            )
            .await?;
            effects.push(&org_id, Some(&lead_id), LiveKind::OptOutChanged);
            // Twilio and the carriers confirm standard keywords themselves; for a plain
            // phrasing we send the one confirmation the FCC rule allows.
            let reply = (!standard).then(|| {
                routing
                    .render("You're unsubscribed from {business} texts and won't get more. Reply START to resubscribe.")
            });
            (reply, "opted_out")
        }
        Some(SmsKeyword::OptIn { standard }) => {
            let was_out = opt_outs::is_opted_out(conn, &org_id, from).await?;
            opt_outs::set(conn, &org_id, from, false, "sms_keyword", now).await?;
            if was_out {
                lead_events::insert(conn, &org_id, &lead_id, "contact.opted_in", "webhook", json!({}), now).await?;
                effects.push(&org_id, Some(&lead_id), LiveKind::OptOutChanged);
            }
            let reply = (!standard && was_out).then(|| routing.render("You're resubscribed to {business} texts."));
            (reply, if was_out { "opted_in" } else { "opt_in_noop" })
        }
        Some(SmsKeyword::Help) => (
            Some(routing.render(&format!(
                "{{business}}: reply here and our team will get back to you, or call {}. Reply STOP to opt out.",
                routing.row.e164
            ))),
            "help",
        ),
        None => (None, "message"),
    };
    if let Some(text) = &reply {
        messages::insert(
            conn,
            messages::NewMessage {
                org_id: &org_id,
                lead_id: &lead_id,
                direction: "outbound",
                purpose: "keyword_reply",
                from_number: &sms.to,
                to_number: from,
                body: text,
                status: "sent",
                provider_sid: None,
                dedupe_key: None,
                call_id: None,
            },
            now,
        )
        .await?;
    }
    Ok(SmsOutcome {
        org_id: Some(org_id),
        reply,
        outcome: outcome.into(),
        effects,
    })
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
        effects.push(&msg.org_id, Some(&msg.lead_id), LiveKind::MessageStatus);
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
    lead_id: &str,
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
        "system",
        json!({ "source": "twilio_21610" }),
        now,
    )
    .await?;
    effects.push(org_id, Some(lead_id), LiveKind::OptOutChanged);
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
            "system",
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
                "system",
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
    effects.push(&due.org_id, Some(&due.lead_id), LiveKind::MessageStatus);
    Ok(effects)
}

/// A STOP landed after the text was queued (the claim saw it): cancel instead of sending.
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
