//! Authenticated pages and server-function answers must never be cached, so the back
//! button after sign-out cannot show protected content.

use axum::{
    extract::Request,
    http::{header, HeaderValue},
    middleware::Next,
    response::Response,
};

pub async fn private_no_store(req: Request, next: Next) -> Response {
    let private = {
        let p = req.uri().path();
        p == "/app"
            || p.starts_with("/app/")
            || p.starts_with("/rpc/")
            || p == "/setup"
            || p == "/set-password"
            || p == "/invite"
            // its `next` may carry an invitation link
            || p == "/login"
    };
    let mut resp = next.run(req).await;
    if private {
        resp.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    }
    resp
}
