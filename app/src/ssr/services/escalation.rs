//! Escalation: a new lead that no staff member has responded to within the org's window
//! (default 10 minutes of open business time) raises one escalation — an event on the lead,
//! a highlighted inbox row, and a text to the org's escalation number through the outbox.
//! Each lead carries its due instant from intake; `escalated_at` is set once, so a lead is
//! never escalated twice.

use serde_json::json;

use crate::{
    domain::{billing::BillingPolicy, business_hours::BusinessHours, ids::OrgId, ActorKind},
    ssr::{
        actor::Acting,
        audit::{self, AuditAction, Target},
        db::{lead_events, leads, messages, outbox, Conn},
        live::{Effects, LiveKind},
        services::routing::{due_after_open_minutes, open_at},
    },
};

/// Leads checked per scan; the due index hands them over oldest first.
const SCAN_LIMIT: i64 = 100;

/// Escalates the leads due at `now`. An org whose automated texts are paused for billing
/// (`billing` with its record) is still escalated (the event, the highlighted row), but
/// nobody is texted, and the lead says why.
pub async fn run_due(conn: &mut Conn, billing: BillingPolicy, now: i64) -> Result<Effects, sqlx::Error> {
    let due = leads::list_escalation_due(conn, now, SCAN_LIMIT).await?;
    let mut effects = Effects::default();
    for d in due {
        let tz = crate::domain::OrgTimezone::parse_or_utc(&d.timezone);
        let hours = d
            .business_hours
            .as_deref()
            .and_then(|h| BusinessHours::parse_json(h).ok());
        let open = open_at(hours.as_ref(), tz, now);
        if d.escalation_minutes <= 0 || !open {
            // Escalation was switched off, or the hours changed since intake: drop the lead
            // from the scan, or wait for the next open minute.
            let next = if d.escalation_minutes <= 0 {
                None
            } else {
                due_after_open_minutes(now, 1, hours.as_ref(), tz)
            };
            leads::update_escalation_due(conn, &d.org_id, &d.lead_id, next).await?;
            continue;
        }
        if !leads::claim_escalation(conn, &d.org_id, &d.lead_id, now).await? {
            continue;
        }
        let summary = format!("No staff response within {} minutes", d.escalation_minutes);
        let mut texted = false;
        let paused = d.escalation_number.is_some() && d.billing.texting_paused(now, billing);
        if let (Some(to), Some(from), false) = (&d.escalation_number, &d.from_number, paused) {
            let body = format!(
                "CallSnare: a new lead from {} has waited {}+ minutes with no response. Open the inbox to follow up.",
                d.caller_number, d.escalation_minutes
            );
            let key = format!("escalation:{}", d.lead_id);
            if let Some(id) = messages::insert(
                conn,
                messages::NewMessage {
                    org_id: &d.org_id,
                    lead_id: &d.lead_id,
                    direction: "outbound",
                    purpose: "escalation",
                    from_number: from,
                    to_number: to,
                    body: &body,
                    status: "queued",
                    provider_sid: None,
                    dedupe_key: Some(&key),
                    call_id: None,
                },
                now,
            )
            .await?
            {
                outbox::insert(conn, &d.org_id, &id, now, now).await?;
                texted = true;
                effects.text_queued = true;
            }
        }
        lead_events::insert(
            conn,
            &d.org_id,
            &d.lead_id,
            "lead.escalated",
            ActorKind::System,
            if paused {
                json!({ "summary": summary, "texted": texted, "skipped": "billing" })
            } else {
                json!({ "summary": summary, "texted": texted })
            },
            now,
        )
        .await?;
        let org = OrgId::parse(&d.org_id).map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
        audit::record(
            conn,
            &Acting::system(org),
            AuditAction::LeadEscalated,
            Target::Lead(d.lead_id.as_str()),
            json!({ "minutes": d.escalation_minutes, "texted": texted }),
            now,
        )
        .await?;
        effects.push(&d.org_id, Some(d.lead_id.as_str()), LiveKind::CallUpdated);
    }
    Ok(effects)
}
