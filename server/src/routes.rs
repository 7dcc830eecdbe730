//! The router. Layers, outermost first: request id (set, then propagated to the response),
//! trace span per request carrying that id, then the route groups.

pub mod health;
pub mod pages;

use std::sync::Arc;

use app::ssr::state::AppState;
use axum::{http::Request, routing::get, Router};
use tower::ServiceBuilder;
use tower_http::{
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, RequestId, SetRequestIdLayer},
    trace::TraceLayer,
};

use crate::{
    middleware::rate_limit::Limits,
    webhooks::{self, WebhookState},
};

pub fn router(state: AppState, hooks: Arc<WebhookState>, limits: &Limits) -> Router {
    let request_tracing = ServiceBuilder::new()
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
            let request_id = req
                .extensions()
                .get::<RequestId>()
                .and_then(|id| id.header_value().to_str().ok())
                .unwrap_or("-");
            tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %request_id)
        }))
        .layer(PropagateRequestIdLayer::x_request_id());

    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .merge(webhooks::router(hooks, limits))
        .merge(pages::router(&state))
        .with_state(state)
        .layer(request_tracing)
}
