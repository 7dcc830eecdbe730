//! The payload of a [`LIVE_CHANNEL`](super::LIVE_CHANNEL) notification: the live events of
//! one or more commits on one instance, as compact JSON
//! (`{"from":"<instance>","events":[{"org_id":…,"lead_id":…,"kind":…},…]}`), split so that
//! no payload reaches PostgreSQL's limit.

use std::collections::HashSet;

use serde::Deserialize;

use crate::ssr::live::LiveEvent;

/// PostgreSQL refuses a NOTIFY payload of 8000 bytes or more (the default build).
pub const PAYLOAD_MAX: usize = 7_999;

#[derive(Debug, Deserialize)]
pub struct Batch {
    /// The instance that committed the events (it published them locally already).
    pub from: String,
    pub events: Vec<LiveEvent>,
}

/// The payloads that carry `events` from `instance`, in order, each at most [`PAYLOAD_MAX`]
/// bytes. An event repeated in the batch (same org, lead and kind) is sent once: a page
/// refetches on an event and counts distinct leads, so a repeat adds nothing.
pub fn encode(instance: &str, events: &[LiveEvent]) -> Vec<String> {
    const TAIL: &str = "]}";
    let head = format!(r#"{{"from":{},"events":["#, serde_json::Value::from(instance));
    let mut payloads = Vec::new();
    let mut current = head.clone();
    let mut seen = HashSet::new();
    for event in events {
        if !seen.insert(event) {
            continue;
        }
        let Ok(item) = serde_json::to_string(event) else {
            continue;
        };
        if head.len() + item.len() + TAIL.len() > PAYLOAD_MAX {
            // Ids are short; an event this large would be a bug, not a reason to fail others.
            tracing::warn!(bytes = item.len(), "live event too large to relay; dropped");
            continue;
        }
        let empty = current.len() == head.len();
        let comma = usize::from(!empty);
        if current.len() + comma + item.len() + TAIL.len() > PAYLOAD_MAX {
            current.push_str(TAIL);
            payloads.push(std::mem::replace(&mut current, head.clone()));
        } else if !empty {
            current.push(',');
        }
        current.push_str(&item);
    }
    if current.len() > head.len() {
        current.push_str(TAIL);
        payloads.push(current);
    }
    payloads
}

pub fn decode(payload: &str) -> Result<Batch, serde_json::Error> {
    serde_json::from_str(payload)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ssr::live::LiveKind;

    fn event(org: &str, lead: Option<&str>, kind: LiveKind) -> LiveEvent {
        LiveEvent {
            org_id: org.into(),
            lead_id: lead.map(str::to_owned),
            kind,
        }
    }

    #[test]
    fn a_batch_round_trips_with_its_sender_and_drops_repeats() {
        let events = [
            event("org_1", Some("lead_1"), LiveKind::MessageReceived),
            event("org_1", Some("lead_1"), LiveKind::MessageReceived),
            event("org_2", None, LiveKind::OptOutChanged),
        ];
        let payloads = encode("inst\"a", &events);
        assert_eq!(payloads.len(), 1);
        let batch = decode(&payloads[0]).unwrap();
        assert_eq!(batch.from, "inst\"a");
        assert_eq!(batch.events, [events[0].clone(), events[2].clone()]);
        assert!(encode("a", &[]).is_empty());
    }

    #[test]
    fn a_large_batch_is_split_under_the_limit_in_order() {
        let events: Vec<LiveEvent> = (0..500)
            .map(|i| {
                event(
                    "org_0193f0c2a1b2",
                    Some(&format!("lead_0193f0c2a1b2c3d4e5f6_{i}")),
                    LiveKind::CallUpdated,
                )
            })
            .collect();
        let payloads = encode("0123456789abcdef", &events);
        assert!(payloads.len() > 1);
        let mut back = Vec::new();
        for p in &payloads {
            assert!(p.len() <= PAYLOAD_MAX, "{}", p.len());
            back.extend(decode(p).unwrap().events);
        }
        assert_eq!(back, events);
    }
}
