//! What the webhook evidence viewer shows (`/app/evidence`, owner and admin). Customer text
//! in here (payload fields, headers, answers) is data: the page renders it as text only.

use serde::{Deserialize, Serialize};

/// One stored provider callback, as a row of the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvidenceRowView {
    pub id: String,
    pub provider: String,
    pub route: String,
    pub route_label: String,
    pub received_at: i64,
    /// `received_at` in the org's timezone.
    pub received_label: String,
    /// `valid` | `not_checked`
    pub signature_verdict: String,
    /// What applying it did (e.g. `missed (no-answer); text_back=queued`).
    pub outcome: String,
    /// How many retries of it arrived after the first delivery (each got the stored answer).
    pub duplicate_count: i64,
    pub idempotency_key: String,
    /// The call's or text's id (CallSid, MessageSid) the key names, if any.
    pub sid: Option<String>,
    /// The lead the call or text belongs to, once it has one.
    pub lead_id: Option<String>,
    /// The payload and headers were blanked by the retention job.
    pub pruned: bool,
}

/// A page of the list, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvidenceListView {
    pub rows: Vec<EvidenceRowView>,
    /// Pass back as `cursor` for the next (older) page; `None` at the end.
    pub next_cursor: Option<String>,
    /// Payloads older than this many days are blanked.
    pub retention_days: i64,
    /// The org's timezone, which the dates in the filters and labels are in.
    pub timezone: String,
}

/// How a stored payload is shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum PayloadView {
    /// Form fields, in the order received, decoded.
    Form(Vec<(String, String)>),
    /// JSON, pretty-printed.
    Json(String),
    /// Anything else, as received.
    Text(String),
    /// Blanked by the retention job.
    Pruned,
    Empty,
}

/// One stored callback in full.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvidenceDetailView {
    pub row: EvidenceRowView,
    /// The headers kept with it (never credentials), by name.
    pub headers: Vec<(String, String)>,
    pub payload: PayloadView,
    /// The exact answer given (TwiML), which its retries got too.
    pub answer: String,
    /// When the retention job blanked the payload, in the org's timezone.
    pub pruned_label: Option<String>,
}

/// A callback refused before anything was stored, from this server's bounded in-memory
/// rejection log. Never its payload: refused callbacks are untrusted and belong to no org.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RejectedCallbackView {
    pub at: i64,
    /// `at` in the viewer's org's timezone.
    pub at_label: String,
    pub provider: String,
    pub route: String,
    /// `bad_signature` | `too_large` | `malformed` | `rate_limited` | `unavailable`
    pub reason: String,
    pub reason_label: String,
}
