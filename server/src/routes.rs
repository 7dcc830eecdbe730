//! The router. Layers, outermost first: inbound request ids screened, request id (set,
//! then propagated to the response), trace span per request carrying that id, browser
//! security headers, then the route groups.

pub mod audit_csv;
pub mod discovery;
pub mod health;
pub mod live;
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
    middleware::{
        client_addr,
        csrf::{self, CsrfConfig},
        form_return, no_store,
        rate_limit::{ClientIp, Limits},
        request_id, rpc_body_limit,
        security_headers::{self, SecurityHeaders},
        sign_in_throttle::{self, SignInThrottle},
    },
    sessions::AuthLayer,
    webhooks::{self, WebhookState},
};

/// Layers, outermost first: request-id screening → request id → trace span → security
/// headers → client address → (webhooks: body limit + rate limit) | (app: server-function
/// body limit → stale no-JS error parameters dropped from the Referer → no-store → CSRF →
/// sign-in throttle → sessions/auth).
pub fn router(
    state: AppState,
    hooks: Arc<WebhookState>,
    limits: &Limits,
    auth: AuthLayer,
    csrf_cfg: CsrfConfig,
    billing_form_targets: Vec<String>,
) -> Router {
    let request_tracing = ServiceBuilder::new()
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
            let request_id = req
                .extensions()
                .get::<RequestId>()
                .and_then(|id| id.header_value().to_str().ok())
                .unwrap_or("-");
            tracing::info_span!(
                "request",
                method = %req.method(),
                path = %req.uri().path(),
                request_id = %request_id,
                // filled in by the API key check (`api::auth`)
                org_id = tracing::field::Empty,
                api_key_id = tracing::field::Empty
            )
        }))
        .layer(PropagateRequestIdLayer::x_request_id());

    let throttle = SignInThrottle::new(10, std::time::Duration::from_secs(6));
    let app = pages::router(&state)
        .layer(auth)
        .layer(axum::middleware::from_fn_with_state(
            throttle,
            sign_in_throttle::throttle,
        ))
        .layer(axum::middleware::from_fn_with_state(Arc::new(csrf_cfg), csrf::guard))
        .layer(axum::middleware::from_fn(no_store::private_no_store))
        .layer(axum::middleware::from_fn(form_return::strip_stale_form_params))
        .layer(axum::middleware::from_fn(rpc_body_limit::limit));
    let headers = Arc::new(SecurityHeaders::new(&state.public_base).with_billing_form_targets(&billing_form_targets));
    let resolver = Arc::new(ClientIp::new(limits.trusted_proxies.clone()));
    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .merge(webhooks::router(hooks, limits))
        .nest("/api/v1", crate::api::router(limits))
        .merge(discovery::router())
        .merge(app)
        .with_state(state)
        .layer(axum::middleware::from_fn(discovery::service_desc_link))
        .layer(axum::middleware::from_fn_with_state(resolver, client_addr::resolve))
        .layer(axum::middleware::from_fn_with_state(headers, security_headers::apply))
        .layer(request_tracing)
        .layer(axum::middleware::from_fn(request_id::drop_unacceptable))
}
