//! Provider callbacks (Twilio's voice and messaging routes, Stripe's billing events). Each
//! follows the same steps in the same order (see [`pipeline`]):
//! size limit → decode → verify signature → parse → (evidence + apply, one transaction) →
//! publish → answer.

pub mod pipeline;
pub mod rejections;
pub mod stripe;
pub mod twilio;

use std::sync::Arc;

use app::ssr::core::Core;
use axum::{
    extract::{DefaultBodyLimit, Request, State},
    http::StatusCode,
    middleware::Next,
    response::Response,
    routing::post,
    Router,
};

use self::{
    pipeline::Provider,
    rejections::Rejection,
    stripe::Stripe,
    twilio::{Route, Twilio},
};
use crate::middleware::rate_limit;

/// Twilio's bodies are small; anything bigger is not from Twilio. (Stripe's limit is
/// [`stripe::MAX_BODY_BYTES`].)
pub const MAX_BODY_BYTES: usize = 64 * 1024;

pub struct WebhookState {
    /// The writer callbacks are applied in, the live feed and outbox wake-up their effects
    /// go to after the commit, and the tracked-number routing cache.
    pub core: Core,
    /// Twilio's signing tokens and whether signatures are required.
    pub twilio: Twilio,
    /// Stripe's webhook secrets and whether signatures are required.
    pub stripe: Stripe,
    /// The configured external base URL: signatures are checked over it, never the Host header.
    pub public_base: String,
    pub rejections: rejections::Rejections,
}

pub fn router<S: Clone + Send + Sync + 'static>(state: Arc<WebhookState>, limits: &rate_limit::Limits) -> Router<S> {
    let twilio_routes = Route::ALL
        .into_iter()
        .fold(Router::new(), |r, route| {
            r.route(route.path(), post(twilio::handler(route)))
        })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES));
    let stripe_routes = Router::new()
        .route(stripe::PATH, post(stripe::handler))
        .layer(DefaultBodyLimit::max(stripe::MAX_BODY_BYTES));
    twilio_routes
        .merge(stripe_routes)
        .layer(rate_limit::layer(limits))
        .layer(axum::middleware::from_fn_with_state(state.clone(), note_rate_limited))
        .with_state(state)
}

/// Keeps a callback the rate limiter refused in the rejection log, like any other refusal
/// (the limiter answers before the pipeline sees it).
async fn note_rate_limited(State(state): State<Arc<WebhookState>>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    let resp = next.run(req).await;
    if resp.status() == StatusCode::TOO_MANY_REQUESTS {
        let provider = if path.starts_with("/api/stripe/") {
            Stripe::NAME
        } else {
            Twilio::NAME
        };
        state
            .rejections
            .record(Rejection::RateLimited, provider, &path, "rate limited");
    }
    resp
}
