//! Per-IP throttle in front of everything that hashes a password (sign-in, set-password,
//! setup, accepting an invitation), so a flood is refused before it reaches argon2 (~20 ms
//! of CPU per attempt), and in front of "Forgot password?", which sends mail.
//! Keyed like the other per-IP limits: IPv6 by its /64.

use std::{net::IpAddr, num::NonZeroU32, sync::Arc, time::Duration};

use app::ssr::state::ClientAddr;
use axum::{
    extract::{Request, State},
    http::{header, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};
use governor::{clock::Clock, DefaultKeyedRateLimiter, Quota, RateLimiter};

pub const THROTTLED_PATHS: &[&str] = &[
    "/rpc/auth/login",
    "/rpc/auth/set_password",
    "/rpc/setup/complete",
    "/rpc/auth/change_password",
    // Mails a link to any address typed in: throttled so it cannot flood mailboxes.
    "/rpc/auth/forgot_password",
    // Creates an account (hashes its password) for a new invitee.
    "/rpc/invite/accept",
];

pub struct SignInThrottle {
    limiter: DefaultKeyedRateLimiter<IpAddr>,
}

impl SignInThrottle {
    /// `burst` attempts at once, then one every `per`.
    pub fn new(burst: u32, per: Duration) -> Arc<Self> {
        let quota = Quota::with_period(per)
            .expect("non-zero period")
            .allow_burst(NonZeroU32::new(burst.max(1)).expect("non-zero"));
        let this = Arc::new(Self {
            limiter: RateLimiter::keyed(quota),
        });
        let weak = Arc::downgrade(&this);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(60));
            loop {
                tick.tick().await;
                let Some(t) = weak.upgrade() else { break };
                t.limiter.retain_recent();
            }
        });
        this
    }
}

pub async fn throttle(State(t): State<Arc<SignInThrottle>>, req: Request, next: Next) -> Response {
    if !THROTTLED_PATHS.contains(&req.uri().path()) {
        return next.run(req).await;
    }
    let Some(ClientAddr(ip)) = req.extensions().get::<ClientAddr>().copied() else {
        return next.run(req).await;
    };
    match t.limiter.check_key(&super::rate_limit::limit_key(ip)) {
        Ok(()) => next.run(req).await,
        Err(not_until) => {
            let wait = not_until
                .wait_time_from(governor::clock::DefaultClock::default().now())
                .as_secs()
                .max(1);
            tracing::warn!(%ip, path = req.uri().path(), "sign-in attempts throttled");
            (
                StatusCode::TOO_MANY_REQUESTS,
                [(header::RETRY_AFTER, wait.to_string())],
                "Too many attempts. Please wait a moment and try again.",
            )
                .into_response()
        }
    }
}
