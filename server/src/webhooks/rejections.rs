//! Counts rejected callbacks and logs them without letting a flood flood the log: the first
//! few of each kind, then every thousandth.

use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Debug, Default)]
pub struct Rejections {
    pub bad_signature: AtomicU64,
    pub malformed: AtomicU64,
    pub too_large: AtomicU64,
    pub unavailable: AtomicU64,
}

#[derive(Debug, Clone, Copy)]
pub enum Rejection {
    BadSignature,
    Malformed,
    TooLarge,
    Unavailable,
}

impl Rejections {
    /// Counts and (rate-limited) logs one rejected callback of `provider` on `route`.
    pub fn record(&self, kind: Rejection, provider: &str, route: &str, detail: &str) {
        let counter = match kind {
            Rejection::BadSignature => &self.bad_signature,
            Rejection::Malformed => &self.malformed,
            Rejection::TooLarge => &self.too_large,
            Rejection::Unavailable => &self.unavailable,
        };
        let n = counter.fetch_add(1, Ordering::Relaxed) + 1;
        if n <= 20 || n % 1000 == 0 {
            tracing::warn!(provider, route, rejection = ?kind, total = n, detail, "callback rejected");
        }
    }
}
