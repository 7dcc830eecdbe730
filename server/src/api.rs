//! The REST API, nested at `/api/v1`: JSON in and out, one error shape ([`ApiError`]),
//! every resource route behind an API key ([`ApiKeyAuth`]) and its scope.
//!
//! Layers, outermost first: `Cache-Control: no-store` (answers are one org's data) →
//! the per-key rate limiter put where [`ApiKeyAuth`] finds it → the 64 KiB body limit
//! (413 by the declared length before anything is read, else once reading passes it) →
//! [`error::uniform`] (axum's own rejections get the API's error shape) → the routes, and
//! a JSON 404 for any other path under `/api/v1`.
//!
//! The routes themselves are in [`v1`], the OpenAPI description in [`openapi`].

pub mod auth;
pub mod error;
pub mod openapi;
pub mod v1;

use app::ssr::state::AppState;
use axum::{
    body::Body,
    extract::{DefaultBodyLimit, Request},
    http::{header, HeaderValue},
    middleware::Next,
    response::{IntoResponse, Response},
    Extension, Router,
};
use tower_http::set_header::SetResponseHeaderLayer;

pub use self::{
    auth::{ApiKeyAuth, ApiRateLimiter},
    error::ApiError,
};
use crate::middleware::rate_limit::Limits;

/// The largest request body the API reads.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// The `/api/v1` router (nest it at `/api/v1`). Starts the rate limiter's cleanup task.
pub fn router(limits: &Limits) -> Router<AppState> {
    let limiter = ApiRateLimiter::new(limits.api_per_second, limits.api_burst);
    limiter.spawn_cleanup();
    Router::new()
        .merge(v1::routes())
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn(error::uniform))
        .layer(axum::middleware::from_fn(limit_body))
        .layer(Extension(limiter))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
}

async fn not_found() -> ApiError {
    ApiError::NotFound
}

/// 413 in the API's shape for a body over [`MAX_BODY_BYTES`]: by its declared length before
/// anything is read, else once reading passes the limit.
async fn limit_body(req: Request, next: Next) -> Response {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
        return ApiError::PayloadTooLarge.into_response();
    }
    let (parts, body) = req.into_parts();
    match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
        Ok(bytes) => next.run(Request::from_parts(parts, Body::from(bytes))).await,
        Err(_) => ApiError::PayloadTooLarge.into_response(),
    }
}
