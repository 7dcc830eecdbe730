//! The text-back decision. Exactly one per missed call (a unique dedupe key per CallSid),
//! at most one per (org, caller) per cooldown window, never to withheld numbers, opted-out
//! numbers or the org's own phones. The intent is written to the outbox in the caller's
//! transaction, so it commits together with the missed outcome or not at all.

use serde_json::json;

use crate::domain::{
    ids::{CallId, LeadId},
    ActorKind, E164Phone,
};
use crate::ssr::db::Conn;
use crate::ssr::{
    db::{lead_events, leads, messages, outbox, pipeline::Deferred},
    live::{Effects, LiveKind},
    services::routing::{local_clock, Routing},
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextBackDecision {
    Queued,
    SkippedOptedOut,
    SkippedOwnNumber,
    SkippedCooldown,
    SkippedDuplicate,
    SkippedFailedCallerId,
    /// The org's automated texts are paused for billing (see `domain::billing`).
    SkippedBilling,
}

impl TextBackDecision {
    pub fn as_str(self) -> &'static str {
        match self {
            TextBackDecision::Queued => "queued",
            TextBackDecision::SkippedOptedOut => "skipped_opted_out",
            TextBackDecision::SkippedOwnNumber => "skipped_own_number",
            TextBackDecision::SkippedCooldown => "skipped_cooldown",
            TextBackDecision::SkippedDuplicate => "skipped_duplicate",
            TextBackDecision::SkippedFailedCallerId => "skipped_failed_caller_id",
            TextBackDecision::SkippedBilling => crate::domain::billing::SKIPPED_FOR_BILLING,
        }
    }
}

pub struct TextBackFor<'a> {
    pub lead_id: &'a LeadId,
    pub call_id: &'a CallId,
    pub call_sid: &'a str,
    pub caller: &'a E164Phone,
    /// The caller's timezone if known; quiet hours are theirs, not the business's.
    pub caller_timezone: Option<&'a str>,
    /// STIR/SHAKEN said the caller ID is not the caller's: texting it would reach a stranger.
    pub caller_id_failed: bool,
}

/// Decides and, if it is to go, queues the text-back. The writes it ends with wait in
/// `pending` for the caller's next round trip.
pub async fn queue(
    conn: &mut Conn,
    pending: &mut Deferred,
    routing: &Routing,
    t: TextBackFor<'_>,
    effects: &mut Effects,
    now: i64,
) -> Result<TextBackDecision, sqlx::Error> {
    let org_id = routing.row.org_id.as_str();
    let decision = decide(conn, pending, routing, &t, now).await?;
    if decision == TextBackDecision::Queued {
        let body = routing.render(&routing.row.text_back_template);
        // Scoped by org: a callback naming another org's CallSid can never make that org's
        // own text-back look like a duplicate.
        let dedupe_key = format!("text_back:{org_id}:{}", t.call_sid);
        // The dedupe key's verdict is needed now, so this one goes at once.
        pending.flush(conn).await?;
        let inserted = messages::insert(
            conn,
            messages::NewMessage {
                org_id,
                lead_id: t.lead_id,
                direction: "outbound",
                purpose: "text_back",
                from_number: &routing.row.e164,
                to_number: t.caller.as_str(),
                body: &body,
                status: "queued",
                provider_sid: None,
                dedupe_key: Some(&dedupe_key),
                call_id: Some(t.call_id),
            },
            now,
        )
        .await?;
        let Some(message_id) = inserted else {
            record(pending, org_id, t.lead_id, TextBackDecision::SkippedDuplicate, now);
            return Ok(TextBackDecision::SkippedDuplicate);
        };
        // The text-back answers the caller's own call, so it goes out now, night or day,
        // unless the org chose to hold text-backs outside the send window too.
        let send_at = if routing.row.hold_text_backs_in_quiet_hours {
            let tz = t.caller_timezone.and_then(|z| z.parse().ok()).unwrap_or(routing.tz);
            let (_, minute) = local_clock(tz, now);
            now + i64::from(routing.send_window().minutes_until_open(minute)) * 60_000
        } else {
            now
        };
        pending.push(outbox::insert_stmt(org_id, &message_id, send_at, now));
        pending.push(leads::note_message_stmt(
            org_id,
            t.lead_id,
            &body,
            leads::MessageSide::Automatic,
            now,
        ));
        effects.text_queued = true;
        effects.push(org_id, Some(t.lead_id.as_str()), LiveKind::MessageQueued);
    }
    record(pending, org_id, t.lead_id, decision, now);
    Ok(decision)
}

async fn decide(
    conn: &mut Conn,
    pending: &mut Deferred,
    routing: &Routing,
    t: &TextBackFor<'_>,
    now: i64,
) -> Result<TextBackDecision, sqlx::Error> {
    if t.caller_id_failed {
        return Ok(TextBackDecision::SkippedFailedCallerId);
    }
    // The lead is still opened and the call recorded; only the automated text waits for
    // billing (it resumes with the next event that makes the subscription active).
    if routing.texting_paused(now) {
        return Ok(TextBackDecision::SkippedBilling);
    }
    let org_id = routing.row.org_id.as_str();
    // Runs inside the single writer's BEGIN IMMEDIATE transaction, so this read and the
    // insert that follows cannot interleave with another text-back decision.
    let facts = messages::text_back_facts(conn, pending, org_id, t.caller.as_str()).await?;
    if facts.own_number {
        return Ok(TextBackDecision::SkippedOwnNumber);
    }
    if facts.opted_out {
        return Ok(TextBackDecision::SkippedOptedOut);
    }

    let cooldown_ms = routing.row.cooldown_minutes.max(0) * 60_000;
    if facts.last_text_back_at.is_some_and(|last| now - last < cooldown_ms) {
        return Ok(TextBackDecision::SkippedCooldown);
    }
    Ok(TextBackDecision::Queued)
}

fn record(pending: &mut Deferred, org_id: &str, lead_id: &LeadId, decision: TextBackDecision, now: i64) {
    let kind = if decision == TextBackDecision::Queued {
        "text_back.queued"
    } else {
        "text_back.skipped"
    };
    pending.push(lead_events::insert_stmt(
        org_id,
        lead_id,
        kind,
        ActorKind::System,
        json!({ "decision": decision.as_str() }),
        now,
    ));
}
