//! The words of a lead's timeline: what the store's call, text and event rows say to office
//! staff, including what a provider's delivery error code means. The store returns data
//! only ([`TimelineFacts`]); this is the one place its English lives.

use crate::{
    domain::{evidence::is_provider_sid, CallOutcome},
    models::TimelineItem,
    ssr::db::inbox::{TimelineCall, TimelineEvent, TimelineFacts, TimelineMessage},
};

/// Every item of the timeline, oldest first (`at_label` is left for the caller, which knows
/// the org's timezone).
pub fn items(facts: TimelineFacts) -> Vec<TimelineItem> {
    let mut items: Vec<TimelineItem> = facts
        .calls
        .into_iter()
        .map(call)
        .chain(facts.messages.into_iter().map(message))
        .chain(facts.events.into_iter().map(event))
        .collect();
    items.sort_by_key(|i| i.at);
    items
}

fn call(c: TimelineCall) -> TimelineItem {
    let outcome = c.outcome.unwrap_or_else(|| "in progress".into());
    let title = CallOutcome::parse(&outcome).map_or("Call", CallOutcome::label);
    let body = match (c.dial_call_status, c.dial_call_duration) {
        (Some(d), Some(s)) => format!("Office phones: {d}, rang {s} s"),
        (Some(d), None) => format!("Office phones: {d}"),
        _ => String::new(),
    };
    TimelineItem {
        at: c.started_at,
        at_label: String::new(),
        kind: "call".into(),
        title: title.into(),
        body,
        status: outcome,
        actor: "caller".into(),
        evidence_href: evidence_href(Some(c.call_sid.as_str())),
    }
}

/// A failed delivery in words: the Twilio error codes staff meet most, else the code.
pub fn delivery_status(status: String, error_code: Option<&str>) -> String {
    match error_code {
        Some("21610") => "failed: the customer opted out (STOP)".to_owned(),
        Some("30003") => "failed: unreachable handset".to_owned(),
        Some("30006") => "failed: landline or unreachable carrier".to_owned(),
        Some(code) => format!("{status} (error {code})"),
        None => status,
    }
}

/// The evidence viewer filtered to the callbacks of one call or text.
fn evidence_href(sid: Option<&str>) -> Option<String> {
    sid.filter(|s| is_provider_sid(s))
        .map(|s| format!("/app/evidence?sid={s}"))
}

fn message(m: TimelineMessage) -> TimelineItem {
    let evidence_href = evidence_href(m.provider_sid.as_deref());
    let inbound = m.direction == "inbound";
    let title = match (inbound, m.purpose.as_str()) {
        (true, _) => "Customer texted",
        (false, "text_back") => "Automatic text-back",
        (false, "keyword_reply") => "Automatic reply",
        (false, "confirmation") => "Booking confirmation",
        _ => "Staff reply",
    };
    TimelineItem {
        at: m.created_at,
        at_label: String::new(),
        kind: if inbound {
            "message_in".into()
        } else {
            "message_out".into()
        },
        title: title.into(),
        body: m.body,
        status: delivery_status(m.status, m.error_code.as_deref()),
        actor: if inbound {
            "customer".into()
        } else if m.purpose == "reply" {
            "staff".into()
        } else {
            "CallSnare".into()
        },
        evidence_href,
    }
}

fn event(e: TimelineEvent) -> TimelineItem {
    let d: serde_json::Value = serde_json::from_str(&e.detail).unwrap_or_default();
    let s = |k: &str| d.get(k).and_then(|v| v.as_str()).unwrap_or_default().to_owned();
    let (title, body) = match e.kind.as_str() {
        "status.changed" => ("Status changed".to_owned(), format!("{} → {}", s("before"), s("after"))),
        "lead.edited" => ("Details updated".to_owned(), s("fields")),
        "lead.assigned" => ("Assigned".to_owned(), s("to")),
        "lead.escalated" => ("Escalated: nobody responded in time".to_owned(), s("summary")),
        "booking.created" => ("Job booked".to_owned(), s("summary")),
        "contact.opted_out" => ("Customer opted out of texts".to_owned(), String::new()),
        "contact.opted_in" => ("Customer opted back in".to_owned(), String::new()),
        "text_back.skipped" => ("Text-back not sent".to_owned(), s("decision").replace('_', " ")),
        "sms.failed" => ("Text failed".to_owned(), s("error")),
        other => (other.replace(['.', '_'], " "), String::new()),
    };
    let by = s("by");
    TimelineItem {
        at: e.occurred_at,
        at_label: String::new(),
        kind: "event".into(),
        title,
        body,
        status: String::new(),
        actor: if by.is_empty() { e.actor_kind } else { by },
        evidence_href: None,
    }
}
