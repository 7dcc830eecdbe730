//! The in-process live feed: lead, call and message changes, per org, published after the
//! commit that made them. The inbox subscribes and filters by its own org. On PostgreSQL
//! the events also travel to the other instances ([`crate::ssr::cluster`]), which publish
//! them into their own feed.

use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;

// Deserialize: other instances' events arrive as JSON (`cluster::batch`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LiveKind {
    LeadCreated,
    CallUpdated,
    MessageReceived,
    MessageQueued,
    MessageStatus,
    OptOutChanged,
    /// Not a change: events may have been missed (the cross-instance listener was
    /// disconnected), so every open stream, whatever its org, tells its page to refetch.
    Resync,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct LiveEvent {
    pub org_id: String,
    pub lead_id: Option<String>,
    pub kind: LiveKind,
}

impl LiveEvent {
    /// "Refetch, you may have missed something", to every stream of every org.
    pub fn resync() -> Self {
        Self {
            org_id: String::new(),
            lead_id: None,
            kind: LiveKind::Resync,
        }
    }
}

#[derive(Clone)]
pub struct LiveFeed {
    tx: broadcast::Sender<LiveEvent>,
}

impl Default for LiveFeed {
    fn default() -> Self {
        Self::new()
    }
}

impl LiveFeed {
    pub fn new() -> Self {
        // Slow subscribers lag and re-sync from the database; publishers never block.
        let (tx, _) = broadcast::channel(4096);
        Self { tx }
    }

    pub fn publish(&self, events: impl IntoIterator<Item = LiveEvent>) {
        for ev in events {
            let _ = self.tx.send(ev);
        }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<LiveEvent> {
        self.tx.subscribe()
    }
}

/// What a committed write should make happen next.
#[derive(Debug, Default, Clone)]
pub struct Effects {
    pub live: Vec<LiveEvent>,
    /// An outbound text was queued: wake the outbox worker.
    pub text_queued: bool,
    /// Routing (numbers, hours, templates) changed: the routing cache forgets what it
    /// remembered, so the next call reads the committed state.
    pub routing_changed: bool,
}

impl Effects {
    /// Only "routing changed", when `changed` (a no-op save keeps the cache).
    pub fn routing(changed: bool) -> Self {
        Self {
            routing_changed: changed,
            ..Self::default()
        }
    }

    pub fn push(&mut self, org_id: &str, lead_id: Option<&str>, kind: LiveKind) {
        self.live.push(LiveEvent {
            org_id: org_id.to_owned(),
            lead_id: lead_id.map(str::to_owned),
            kind,
        });
    }
}
