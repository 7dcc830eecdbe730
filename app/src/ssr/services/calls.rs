//! Voice callbacks: the inbound call, the `<Dial>` result and call status. A call's outcome
//! is set once (answered, missed, abandoned, after_hours) and never regresses; a missed
//! outcome attaches the call to the caller's open lead and queues one text-back.

use serde_json::json;

use crate::ssr::db::Conn;
use crate::{
    domain::{ids::LeadId, ActorKind, CallOutcome, CallStatus, Caller, DialCallStatus, E164Phone},
    ssr::{
        db::{calls, lead_events, leads, pipeline::Deferred},
        live::{Effects, LiveKind},
        services::{
            routing::{Routing, RoutingCache},
            text_back::{self, TextBackDecision, TextBackFor},
        },
    },
};

/// The parameters every voice callback shares.
#[derive(Debug, Clone)]
pub struct CallParams {
    pub call_sid: String,
    pub from: Caller,
    /// The number called; `None` when Twilio sent something that is not a dialable E.164
    /// number, which can be none of ours.
    pub to: Option<E164Phone>,
    /// Set on child-leg (`<Dial>`ed) callbacks.
    pub parent_call_sid: Option<String>,
    /// The caller's own timezone, from Twilio's geo parameters when present.
    pub from_timezone: Option<&'static str>,
    /// Twilio's STIR/SHAKEN verdict on the caller ID (inbound webhook only).
    pub stir_verstat: Option<String>,
}

#[derive(Debug, Clone)]
pub struct DialResult {
    pub dial_call_status: DialCallStatus,
    pub dial_call_duration: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct StatusUpdate {
    pub call_status: CallStatus,
    pub sequence: Option<i64>,
}

/// What the caller hears, decided by the service and rendered as TwiML by the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VoiceAnswer {
    /// The number is not tracked: a polite message, then hang up.
    NotInService,
    Forward {
        forward_to: Vec<String>,
        ring_timeout_secs: i64,
    },
    /// Closed: say the greeting and hang up; the text-back is on its way.
    AfterHours {
        greeting: String,
    },
    /// Nobody picked up.
    Missed,
    Hangup,
}

#[derive(Debug, Clone)]
pub struct VoiceOutcome {
    pub org_id: Option<String>,
    pub answer: VoiceAnswer,
    /// Short machine-readable summary stored with the webhook evidence.
    pub outcome: String,
    pub effects: Effects,
}

impl VoiceOutcome {
    fn unknown_number() -> Self {
        Self {
            org_id: None,
            answer: VoiceAnswer::NotInService,
            outcome: "unknown_number".into(),
            effects: Effects::default(),
        }
    }
}

/// The routing of the number called, or `None` when it is not one of ours.
async fn routing_for(
    conn: &mut Conn,
    cache: &RoutingCache,
    p: &CallParams,
) -> Result<Option<std::sync::Arc<Routing>>, sqlx::Error> {
    match &p.to {
        Some(to) => cache.get(conn, to.as_str()).await,
        None => Ok(None),
    }
}

async fn upsert_call(
    conn: &mut Conn,
    routing: &Routing,
    p: &CallParams,
    status: &CallStatus,
    now: i64,
) -> Result<calls::CallRow, sqlx::Error> {
    calls::upsert(
        conn,
        calls::NewCall {
            org_id: &routing.row.org_id,
            tracked_number_id: &routing.row.tracked_number_id,
            call_sid: &p.call_sid,
            from_number: p.from.as_str(),
            // The tracked number itself: routing was found by it.
            to_number: &routing.row.e164,
            status,
            stir_verstat: p.stir_verstat.as_deref(),
        },
        now,
    )
    .await
}

pub async fn on_inbound(
    conn: &mut Conn,
    pending: &mut Deferred,
    cache: &RoutingCache,
    p: &CallParams,
    now: i64,
) -> Result<VoiceOutcome, sqlx::Error> {
    let Some(routing) = routing_for(conn, cache, p).await? else {
        return Ok(VoiceOutcome::unknown_number());
    };
    let call = upsert_call(conn, &routing, p, &CallStatus::Ringing, now).await?;
    let mut effects = Effects::default();
    effects.push(
        &routing.row.org_id,
        call.lead_id.as_ref().map(LeadId::as_str),
        LiveKind::CallUpdated,
    );
    if routing.is_open(now) && !routing.forward_to.is_empty() {
        return Ok(VoiceOutcome {
            org_id: Some(routing.row.org_id.clone()),
            answer: VoiceAnswer::Forward {
                forward_to: routing.forward_to.clone(),
                ring_timeout_secs: routing.row.ring_timeout_secs,
            },
            outcome: "forwarded".into(),
            effects,
        });
    }
    let decision = settle_missed(
        conn,
        pending,
        &routing,
        &call,
        p,
        CallOutcome::AfterHours,
        None,
        &mut effects,
        now,
    )
    .await?;
    Ok(VoiceOutcome {
        org_id: Some(routing.row.org_id.clone()),
        answer: VoiceAnswer::AfterHours {
            greeting: routing.render(&routing.row.after_hours_greeting),
        },
        outcome: format!(
            "after_hours; text_back={}",
            decision.map_or("not_applicable", TextBackDecision::as_str)
        ),
        effects,
    })
}

pub async fn on_dial_complete(
    conn: &mut Conn,
    pending: &mut Deferred,
    cache: &RoutingCache,
    p: &CallParams,
    dial: &DialResult,
    now: i64,
) -> Result<VoiceOutcome, sqlx::Error> {
    let Some(routing) = routing_for(conn, cache, p).await? else {
        return Ok(VoiceOutcome::unknown_number());
    };
    let call = upsert_call(conn, &routing, p, &CallStatus::InProgress, now).await?;
    let mut effects = Effects::default();
    let org_id = Some(routing.row.org_id.clone());
    if dial.dial_call_status.answered() {
        calls::set_outcome_once(
            conn,
            &call.id,
            CallOutcome::Answered,
            Some(&dial.dial_call_status),
            dial.dial_call_duration,
            now,
        )
        .await?;
        effects.push(
            &routing.row.org_id,
            call.lead_id.as_ref().map(LeadId::as_str),
            LiveKind::CallUpdated,
        );
        return Ok(VoiceOutcome {
            org_id,
            answer: VoiceAnswer::Hangup,
            outcome: "answered".into(),
            effects,
        });
    }
    let decision = settle_missed(
        conn,
        pending,
        &routing,
        &call,
        p,
        CallOutcome::Missed,
        Some(dial),
        &mut effects,
        now,
    )
    .await?;
    Ok(VoiceOutcome {
        org_id,
        answer: VoiceAnswer::Missed,
        outcome: format!(
            "missed ({}); text_back={}",
            dial.dial_call_status,
            decision.map_or("not_applicable", TextBackDecision::as_str)
        ),
        effects,
    })
}

pub async fn on_status(
    conn: &mut Conn,
    pending: &mut Deferred,
    cache: &RoutingCache,
    p: &CallParams,
    s: &StatusUpdate,
    now: i64,
) -> Result<VoiceOutcome, sqlx::Error> {
    let Some(routing) = routing_for(conn, cache, p).await? else {
        return Ok(VoiceOutcome::unknown_number());
    };
    let org_id = Some(routing.row.org_id.clone());
    if p.parent_call_sid.is_some() {
        // Child legs (the office phones ringing) are evidence only; the parent decides.
        return Ok(VoiceOutcome {
            org_id,
            answer: VoiceAnswer::Hangup,
            outcome: "child_leg".into(),
            effects: Effects::default(),
        });
    }
    let call = upsert_call(conn, &routing, p, &s.call_status, now).await?;
    let terminal = s.call_status.is_terminal();
    let applied = calls::update_status(conn, &call.id, &s.call_status, s.sequence, terminal, now).await?;
    let mut effects = Effects::default();
    effects.push(
        &routing.row.org_id,
        call.lead_id.as_ref().map(LeadId::as_str),
        LiveKind::CallUpdated,
    );
    let mut outcome = if applied {
        format!("status {}", s.call_status)
    } else {
        format!("stale status {}", s.call_status)
    };
    // The caller hung up before any Dial result: that is a missed call too.
    if terminal && call.outcome.is_none() {
        let decision = settle_missed(
            conn,
            pending,
            &routing,
            &call,
            p,
            CallOutcome::Abandoned,
            None,
            &mut effects,
            now,
        )
        .await?;
        if let Some(d) = decision {
            outcome = format!("{outcome}; abandoned; text_back={}", d.as_str());
        }
    }
    Ok(VoiceOutcome {
        org_id,
        answer: VoiceAnswer::Hangup,
        outcome,
        effects,
    })
}

/// Sets the missed outcome (once) and, for a textable caller, attaches the call to their
/// open lead and queues the text-back. `None` when the outcome was already settled.
#[allow(clippy::too_many_arguments)]
async fn settle_missed(
    conn: &mut Conn,
    pending: &mut Deferred,
    routing: &Routing,
    call: &calls::CallRow,
    p: &CallParams,
    outcome: CallOutcome,
    dial: Option<&DialResult>,
    effects: &mut Effects,
    now: i64,
) -> Result<Option<TextBackDecision>, sqlx::Error> {
    let newly_set = calls::set_outcome_once(
        conn,
        &call.id,
        outcome,
        dial.map(|d| &d.dial_call_status),
        dial.and_then(|d| d.dial_call_duration),
        now,
    )
    .await?;
    if !newly_set {
        return Ok(None);
    }
    let org_id = routing.row.org_id.as_str();
    let Caller::Number(caller) = &p.from else {
        // A withheld number cannot be texted or grouped into a lead; the call row keeps it.
        return Ok(None);
    };
    let (lead_id, created) = leads::open_for_caller(
        conn,
        org_id,
        caller,
        outcome.lead_source(),
        p.from_timezone,
        routing.escalation_due_at(now),
        now,
    )
    .await?;
    pending.push(calls::set_lead(&call.id, &lead_id));
    pending.push(lead_events::insert_stmt(
        org_id,
        &lead_id,
        &format!("call.{}", outcome.as_str()),
        ActorKind::Webhook,
        json!({
            "call_sid": p.call_sid,
            "to": routing.row.e164,
            "dial_call_status": dial.map(|d| d.dial_call_status.as_str()),
            "ring_seconds": dial.and_then(|d| d.dial_call_duration),
        }),
        now,
    ));
    effects.push(
        org_id,
        Some(lead_id.as_str()),
        if created {
            LiveKind::LeadCreated
        } else {
            LiveKind::CallUpdated
        },
    );
    let decision = text_back::queue(
        conn,
        pending,
        routing,
        TextBackFor {
            lead_id: &lead_id,
            call_id: &call.id,
            call_sid: &p.call_sid,
            caller,
            caller_timezone: p.from_timezone,
            caller_id_failed: call.caller_id_failed(),
        },
        effects,
        now,
    )
    .await?;
    Ok(Some(decision))
}
