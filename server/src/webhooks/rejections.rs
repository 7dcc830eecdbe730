//! Counts rejected callbacks and logs them without letting a flood flood the log: the first
//! few of each kind, then every thousandth. Each is also kept (reason, route, time; never
//! the body) in the core's bounded [`RejectionLog`], which the evidence viewer lists.

use std::sync::{
    atomic::{AtomicU64, Ordering},
    Arc,
};

use app::ssr::{
    clock::now_ms,
    rejection_log::{RejectionLog, RejectionReason},
};

#[derive(Debug, Default)]
pub struct Rejections {
    pub bad_signature: AtomicU64,
    pub malformed: AtomicU64,
    pub too_large: AtomicU64,
    pub rate_limited: AtomicU64,
    pub unavailable: AtomicU64,
    /// The bounded log the evidence viewer reads (shared with [`app::ssr::core::Core`]).
    pub log: Arc<RejectionLog>,
}

#[derive(Debug, Clone, Copy)]
pub enum Rejection {
    BadSignature,
    Malformed,
    TooLarge,
    RateLimited,
    Unavailable,
}

impl Rejection {
    fn reason(self) -> RejectionReason {
        match self {
            Rejection::BadSignature => RejectionReason::BadSignature,
            Rejection::Malformed => RejectionReason::Malformed,
            Rejection::TooLarge => RejectionReason::TooLarge,
            Rejection::RateLimited => RejectionReason::RateLimited,
            Rejection::Unavailable => RejectionReason::Unavailable,
        }
    }
}

impl Rejections {
    /// Counters at zero, keeping refusals in `log`.
    pub fn new(log: Arc<RejectionLog>) -> Self {
        Self { log, ..Self::default() }
    }

    /// Counts, keeps and (rate-limited) logs one rejected callback of `provider` on `route`.
    pub fn record(&self, kind: Rejection, provider: &'static str, route: &str, detail: &str) {
        let counter = match kind {
            Rejection::BadSignature => &self.bad_signature,
            Rejection::Malformed => &self.malformed,
            Rejection::TooLarge => &self.too_large,
            Rejection::RateLimited => &self.rate_limited,
            Rejection::Unavailable => &self.unavailable,
        };
        self.log.record(kind.reason(), provider, route, now_ms());
        let n = counter.fetch_add(1, Ordering::Relaxed) + 1;
        if n <= 20 || n % 1000 == 0 {
            tracing::warn!(provider, route, rejection = ?kind, total = n, detail, "callback rejected");
        }
    }
}
