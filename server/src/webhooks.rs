//! Provider callbacks. Each follows the same steps in the same order (see [`pipeline`]):
//! size limit → decode → verify signature → parse → (evidence + apply, one transaction) →
//! publish → answer.

pub mod pipeline;
pub mod rejections;
pub mod twilio;

use std::sync::Arc;

use app::ssr::core::Core;
use axum::{extract::DefaultBodyLimit, routing::post, Router};

use self::twilio::{Route, Twilio};
use crate::middleware::rate_limit;

/// Provider bodies are small; anything bigger is not from a provider.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

pub struct WebhookState {
    /// The writer callbacks are applied in, the live feed and outbox wake-up their effects
    /// go to after the commit, and the tracked-number routing cache.
    pub core: Core,
    /// Twilio's signing tokens and whether signatures are required.
    pub twilio: Twilio,
    /// The configured external base URL: signatures are checked over it, never the Host header.
    pub public_base: String,
    pub rejections: rejections::Rejections,
}

pub fn router<S: Clone + Send + Sync + 'static>(state: Arc<WebhookState>, limits: &rate_limit::Limits) -> Router<S> {
    Route::ALL
        .into_iter()
        .fold(Router::new(), |r, route| {
            r.route(route.path(), post(twilio::handler(route)))
        })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(rate_limit::layer(limits))
        .with_state(state)
}
