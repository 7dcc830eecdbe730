//! Resolves the client address once per request (peer IP, or the trusted proxy's
//! `X-Forwarded-For` entry) and stores it for audit records and sign-in throttling.

use std::sync::Arc;

use app::ssr::state::ClientAddr;
use axum::{
    extract::{Request, State},
    middleware::Next,
    response::Response,
};

use super::rate_limit::ClientIp;

pub async fn resolve(State(resolver): State<Arc<ClientIp>>, mut req: Request, next: Next) -> Response {
    if let Some(ip) = resolver.resolve(&req) {
        req.extensions_mut().insert(ClientAddr(ip));
    }
    next.run(req).await
}
