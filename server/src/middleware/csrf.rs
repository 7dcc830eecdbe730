//! Cross-site request forgery guard for cookie-authenticated requests. Leptos server
//! functions have no CSRF protection of their own and SameSite=Lax still lets top-level
//! cross-site form posts through, so every state-changing browser request must come from
//! our own origin. Provider webhooks (signed) and Bearer-token API routes are exempt.

use std::sync::Arc;

use axum::{
    extract::{Request, State},
    http::{header, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};

#[derive(Debug, Clone)]
pub struct CsrfConfig {
    /// The configured public origin (scheme://host[:port]); `None` in sandbox without one,
    /// where the request's own Host decides.
    pub public_origin: Option<String>,
}

const EXEMPT_PREFIXES: &[&str] = &["/api/twilio/", "/api/stripe/", "/api/v1/"];

pub async fn guard(State(cfg): State<Arc<CsrfConfig>>, req: Request, next: Next) -> Response {
    let safe = matches!(
        *req.method(),
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    );
    let path = req.uri().path();
    if safe || EXEMPT_PREFIXES.iter().any(|p| path.starts_with(p)) {
        return next.run(req).await;
    }
    let headers = req.headers();
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
    let allowed = match origin {
        Some(origin) => match &cfg.public_origin {
            Some(public) => origin.eq_ignore_ascii_case(public),
            None => headers
                .get(header::HOST)
                .and_then(|h| h.to_str().ok())
                .is_some_and(|host| {
                    origin.eq_ignore_ascii_case(&format!("http://{host}"))
                        || origin.eq_ignore_ascii_case(&format!("https://{host}"))
                }),
        },
        // Browsers send Origin on every cross-site POST; without it, accept only what the
        // browser itself labels same-origin.
        None => headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) == Some("same-origin"),
    };
    if allowed {
        next.run(req).await
    } else {
        tracing::warn!(path, origin = origin.unwrap_or("-"), "cross-site request refused");
        (StatusCode::FORBIDDEN, "cross-site request refused").into_response()
    }
}
