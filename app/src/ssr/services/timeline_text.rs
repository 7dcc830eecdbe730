//! The words of a lead's timeline: what the store's call, text and event rows say to office
//! staff, including what a provider's delivery error code means. The store returns data
//! only ([`TimelineFacts`]); this is the one place its English lives. Plain words only:
//! no stored codes (`skipped_cooldown`, `no-answer`, `after_hours`) reach the page.

use crate::{
    domain::{evidence::is_provider_sid, CallOutcome, LeadStatus},
    models::TimelineItem,
    ssr::db::inbox::{TimelineCall, TimelineEvent, TimelineFacts, TimelineMessage},
};

/// Every item of the timeline, newest first (`at_label` is left for the caller, which
/// knows the org's timezone). Calls and texts are the conversation with the customer;
/// everything else is marked internal.
pub fn items(facts: TimelineFacts) -> Vec<TimelineItem> {
    // When the automatic text-backs went out, for "we texted this number 12 minutes ago".
    let mut text_backs: Vec<i64> = facts
        .messages
        .iter()
        .filter(|m| m.direction == "outbound" && m.purpose == "text_back")
        .map(|m| m.created_at)
        .collect();
    text_backs.sort_unstable();
    let mut items: Vec<TimelineItem> = facts
        .calls
        .into_iter()
        .map(call)
        .chain(facts.messages.into_iter().map(message))
        .chain(facts.events.into_iter().map(|e| event(e, &text_backs)))
        .collect();
    // Stable: what happened at the same millisecond keeps the store's order.
    items.sort_by_key(|i| std::cmp::Reverse(i.at));
    items
}

fn call(c: TimelineCall) -> TimelineItem {
    let outcome = c.outcome.as_deref().and_then(CallOutcome::parse);
    let title = outcome.map_or("Call in progress", CallOutcome::label);
    let body = match (c.dial_call_status.as_deref().map(office_phones), c.dial_call_duration) {
        (Some(d), Some(s)) => format!("Office phones: {d} (rang {s} s)"),
        (Some(d), None) => format!("Office phones: {d}"),
        _ => String::new(),
    };
    TimelineItem {
        at: c.started_at,
        at_label: String::new(),
        kind: "call".into(),
        title: title.into(),
        body,
        status: String::new(),
        actor: "caller".into(),
        evidence_href: evidence_href(Some(c.call_sid.as_str())),
        internal: false,
    }
}

/// What the forwarded office phones did, from Twilio's `DialCallStatus`.
fn office_phones(status: &str) -> String {
    match status {
        "no-answer" => "nobody answered".into(),
        "busy" => "busy".into(),
        "completed" | "answered" => "answered".into(),
        "failed" => "could not be reached".into(),
        "canceled" => "the caller hung up first".into(),
        other => other.replace('-', " "),
    }
}

/// A text's delivery state in words: the Twilio error codes staff meet most, else the code.
pub fn delivery_status(status: String, error_code: Option<&str>) -> String {
    let words = match status.as_str() {
        "queued" | "accepted" | "scheduled" => "waiting to send",
        "sending" => "sending",
        "sent" => "sent",
        "delivered" => "delivered",
        "undelivered" => "not delivered",
        "failed" => "failed",
        "canceled" => "not sent (cancelled)",
        "received" | "receiving" | "read" => "",
        _ => status.as_str(),
    };
    match error_code {
        Some("21610") => "failed: the customer opted out (STOP)".to_owned(),
        Some("30003") => "failed: unreachable handset".to_owned(),
        Some("30006") => "failed: landline or unreachable carrier".to_owned(),
        Some(code) => format!("{words} (carrier error {code})"),
        None => words.to_owned(),
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
        (false, "booking_update") => "Booking update",
        (false, "escalation") => "Escalation text",
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
        internal: false,
    }
}

/// A stored status code as the status select shows it ("contacted" → "Contacted").
fn status_words(code: &str) -> String {
    match LeadStatus::parse(code) {
        Some(s) => {
            let code = s.as_str();
            code[..1].to_uppercase() + &code[1..]
        }
        None => code.to_owned(),
    }
}

/// Why an automatic text-back did not go out, in the words of whoever reads the timeline.
fn text_back_skipped(decision: &str, at: i64, text_backs: &[i64]) -> String {
    match decision {
        "skipped_cooldown" => {
            let last = text_backs.iter().rev().find(|t| **t <= at);
            match last.map(|t| (at - t) / 60_000) {
                Some(0) => "Not texted: we texted this number less than a minute ago".to_owned(),
                Some(1) => "Not texted: we texted this number 1 minute ago".to_owned(),
                Some(m) => format!("Not texted: we texted this number {m} minutes ago"),
                None => "Not texted: we texted this number a little earlier".to_owned(),
            }
        }
        "skipped_opted_out" => "Not texted: the customer opted out of texts".to_owned(),
        "skipped_own_number" => "Not texted: the call came from one of your own numbers".to_owned(),
        "skipped_duplicate" => "Not texted: this call was already texted back".to_owned(),
        "skipped_billing" => "Not texted: billing is paused".to_owned(),
        "skipped_failed_caller_id" => {
            "Not texted: the caller ID could not be verified, so the text could reach someone else".to_owned()
        }
        _ => "Not texted".to_owned(),
    }
}

fn event(e: TimelineEvent, text_backs: &[i64]) -> TimelineItem {
    let d: serde_json::Value = serde_json::from_str(&e.detail).unwrap_or_default();
    let s = |k: &str| d.get(k).and_then(|v| v.as_str()).unwrap_or_default().to_owned();
    // The customer's own doing belongs with the conversation; the rest is the office's.
    let mut internal = true;
    let (title, body) = match e.kind.as_str() {
        "status.changed" => (
            format!("Status: {} → {}", status_words(&s("before")), status_words(&s("after"))),
            String::new(),
        ),
        "lead.edited" => ("Details updated".to_owned(), s("fields")),
        "lead.assigned" => match s("to").as_str() {
            "" | "nobody" => ("Unassigned".to_owned(), String::new()),
            to => (format!("Assigned to {to}"), String::new()),
        },
        "lead.escalated" if s("skipped") == "billing" => (
            "Escalated: nobody responded in time".to_owned(),
            match s("summary").as_str() {
                "" => "Not texted: billing is paused".to_owned(),
                summary => format!("{summary}. Not texted: billing is paused"),
            },
        ),
        "lead.escalated" => ("Escalated: nobody responded in time".to_owned(), s("summary")),
        "booking.created" => ("Job booked".to_owned(), s("summary")),
        "booking.rescheduled" => ("Booking moved".to_owned(), s("summary")),
        "booking.cancelled" => ("Booking cancelled".to_owned(), s("summary")),
        "contact.opted_out" => {
            internal = false;
            ("Customer opted out of texts".to_owned(), String::new())
        }
        "contact.opted_in" => {
            internal = false;
            ("Customer opted back in".to_owned(), String::new())
        }
        "text_back.skipped" => (
            text_back_skipped(&s("decision"), e.occurred_at, text_backs),
            String::new(),
        ),
        "sms.failed" => ("A text could not be sent".to_owned(), s("error")),
        "escalation.text_skipped" => ("Escalation text not sent: billing is paused".to_owned(), String::new()),
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
        internal,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn skipped(at: i64) -> TimelineEvent {
        TimelineEvent {
            occurred_at: at,
            kind: "text_back.skipped".into(),
            actor_kind: "system".into(),
            detail: r#"{"decision":"skipped_cooldown"}"#.into(),
        }
    }

    fn text_back(at: i64) -> TimelineMessage {
        TimelineMessage {
            created_at: at,
            direction: "outbound".into(),
            purpose: "text_back".into(),
            body: "Sorry we missed your call".into(),
            status: "delivered".into(),
            error_code: None,
            provider_sid: None,
        }
    }

    #[test]
    fn a_cooldown_skip_says_when_we_last_texted_in_plain_words() {
        let facts = TimelineFacts {
            calls: vec![],
            messages: vec![text_back(1_000_000)],
            events: vec![skipped(1_000_000 + 12 * 60_000 + 5_000)],
        };
        let items = items(facts);
        assert_eq!(items[0].title, "Not texted: we texted this number 12 minutes ago");
        assert!(items[0].internal);
        assert_eq!(items[1].title, "Automatic text-back");
        assert_eq!(items[1].status, "delivered");
        assert!(!items[1].internal, "newest first; texts are the conversation");
    }

    #[test]
    fn a_text_skipped_for_billing_says_so_in_plain_words() {
        let skipped = event(
            TimelineEvent {
                occurred_at: 5,
                kind: "text_back.skipped".into(),
                actor_kind: "system".into(),
                detail: r#"{"decision":"skipped_billing"}"#.into(),
            },
            &[],
        );
        assert_eq!(skipped.title, "Not texted: billing is paused");
        let escalated = event(
            TimelineEvent {
                occurred_at: 6,
                kind: "lead.escalated".into(),
                actor_kind: "system".into(),
                detail: r#"{"summary":"No staff response within 10 minutes","texted":false,"skipped":"billing"}"#
                    .into(),
            },
            &[],
        );
        assert_eq!(escalated.title, "Escalated: nobody responded in time");
        assert_eq!(
            escalated.body,
            "No staff response within 10 minutes. Not texted: billing is paused"
        );
    }

    #[test]
    fn no_stored_code_reaches_the_page() {
        let c = call(TimelineCall {
            started_at: 1,
            call_sid: "CA00000000000000000000000000000001".into(),
            outcome: Some("after_hours".into()),
            dial_call_status: Some("no-answer".into()),
            dial_call_duration: Some(17),
        });
        assert_eq!(c.title, "Call after hours");
        assert_eq!(c.body, "Office phones: nobody answered (rang 17 s)");
        assert_eq!(c.status, "");
        let status = event(
            TimelineEvent {
                occurred_at: 2,
                kind: "status.changed".into(),
                actor_kind: "user".into(),
                detail: r#"{"before":"new","after":"contacted"}"#.into(),
            },
            &[],
        );
        assert_eq!(status.title, "Status: New → Contacted");
        let assigned = event(
            TimelineEvent {
                occurred_at: 3,
                kind: "lead.assigned".into(),
                actor_kind: "user".into(),
                detail: r#"{"to":"tech@acme.test"}"#.into(),
            },
            &[],
        );
        assert_eq!(assigned.title, "Assigned to tech@acme.test");
        assert_eq!(
            delivery_status("undelivered".into(), Some("30005")),
            "not delivered (carrier error 30005)"
        );
    }
}
