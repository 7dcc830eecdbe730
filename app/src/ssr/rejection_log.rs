//! The bounded in-memory log of provider callbacks refused before anything was stored (bad
//! signature, too large, malformed, rate-limited, or not storable right now): reason, route
//! and time only, never the body or headers. Refusals happen before a callback is routed
//! to an org, so the log is the server's, not an org's; it keeps the newest
//! [`RejectionLog::CAPACITY`] and forgets everything at restart.

use std::{collections::VecDeque, sync::Mutex};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RejectionReason {
    BadSignature,
    TooLarge,
    Malformed,
    RateLimited,
    /// Could not be stored (answered 503, so the provider retries).
    Unavailable,
}

impl RejectionReason {
    pub fn as_str(self) -> &'static str {
        match self {
            RejectionReason::BadSignature => "bad_signature",
            RejectionReason::TooLarge => "too_large",
            RejectionReason::Malformed => "malformed",
            RejectionReason::RateLimited => "rate_limited",
            RejectionReason::Unavailable => "unavailable",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            RejectionReason::BadSignature => "Bad or missing signature",
            RejectionReason::TooLarge => "Too large",
            RejectionReason::Malformed => "Malformed",
            RejectionReason::RateLimited => "Rate-limited",
            RejectionReason::Unavailable => "Not stored (server busy; the provider retries)",
        }
    }
}

/// One refused callback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectedCallback {
    pub at: i64,
    pub provider: &'static str,
    /// The path it was posted to (one of the webhook routes).
    pub route: String,
    pub reason: RejectionReason,
}

#[derive(Debug, Default)]
pub struct RejectionLog {
    entries: Mutex<VecDeque<RejectedCallback>>,
}

impl RejectionLog {
    /// How many refusals are kept (the oldest go first).
    pub const CAPACITY: usize = 200;
    /// Longer paths are cut (only the webhook routes reach the log anyway).
    const ROUTE_MAX: usize = 100;

    pub fn record(&self, reason: RejectionReason, provider: &'static str, route: &str, at: i64) {
        let mut route = route.to_owned();
        if route.len() > Self::ROUTE_MAX {
            let mut cut = Self::ROUTE_MAX;
            while !route.is_char_boundary(cut) {
                cut -= 1;
            }
            route.truncate(cut);
        }
        let entry = RejectedCallback {
            at,
            provider,
            route,
            reason,
        };
        // A poisoned lock only means another thread panicked mid-push: the queue is intact.
        let mut entries = self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if entries.len() == Self::CAPACITY {
            entries.pop_front();
        }
        entries.push_back(entry);
    }

    /// Everything kept, newest first.
    pub fn recent(&self) -> Vec<RejectedCallback> {
        let entries = self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        entries.iter().rev().cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_newest_first_and_no_more_than_its_capacity() {
        let log = RejectionLog::default();
        for at in 0..(RejectionLog::CAPACITY as i64 + 5) {
            log.record(RejectionReason::BadSignature, "twilio", "/api/twilio/sms/inbound", at);
        }
        let recent = log.recent();
        assert_eq!(recent.len(), RejectionLog::CAPACITY);
        assert_eq!(recent[0].at, RejectionLog::CAPACITY as i64 + 4);
        assert_eq!(recent.last().unwrap().at, 5);
        log.record(RejectionReason::RateLimited, "twilio", &"/x".repeat(200), 9_999);
        assert_eq!(log.recent()[0].route.len(), 100);
    }
}
