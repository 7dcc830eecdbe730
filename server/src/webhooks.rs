//! Provider callbacks. Each follows the same steps in the same order: size limit → decode →
//! verify signature → parse → (evidence + apply, one transaction) → publish → answer.

pub mod rejections;
pub mod twilio;

use std::sync::Arc;

use app::ssr::{live::LiveFeed, writer::Writer};
use axum::{extract::DefaultBodyLimit, routing::post, Router};
use secrecy::SecretString;
use tokio::sync::Notify;

use self::twilio::Route;
use crate::middleware::rate_limit;

/// Provider bodies are small; anything bigger is not from a provider.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

pub struct WebhookState {
    pub writer: Writer,
    pub live: LiveFeed,
    pub outbox_wake: Arc<Notify>,
    /// Tokens a Twilio signature may be made with (primary, then the secondary during a
    /// rotation); empty in sandbox without credentials.
    pub twilio_signing_tokens: Vec<SecretString>,
    /// Signatures are mandatory (live mode), not just checked when a token is set.
    pub require_signatures: bool,
    pub public_base: String,
    pub rejections: rejections::Rejections,
    /// Tracked-number routing, read through the writer's connection at most once a second.
    pub routing: Arc<app::ssr::services::routing::RoutingCache>,
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
