//! Server-function requests are small forms. A body over `RPC_BODY_MAX_BYTES` (64 KiB) is
//! answered 413 here — by its declared length before anything is read, else once reading
//! passes the limit — instead of being buffered (axum's default allows 2 MB) and failing
//! later as a server error.
//!
//! A body carrying a NUL character (raw, `%00` in a form, `\u0000` in JSON) is answered 400
//! here too: no field of ours means one, and PostgreSQL refuses to store NUL in text, so
//! letting it through would turn bad input into a server error on one engine.

use app::domain::limits::RPC_BODY_MAX_BYTES;
use axum::{
    body::Body,
    extract::Request,
    http::{header, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};

pub async fn limit(req: Request, next: Next) -> Response {
    if !req.uri().path().starts_with("/rpc/") {
        return next.run(req).await;
    }
    if declared_too_large(req.headers()) {
        return too_large();
    }
    let (parts, body) = req.into_parts();
    match axum::body::to_bytes(body, RPC_BODY_MAX_BYTES).await {
        Ok(bytes) if holds_nul(&bytes) => {
            (StatusCode::BAD_REQUEST, "Text may not contain NUL characters.").into_response()
        }
        Ok(bytes) => next.run(Request::from_parts(parts, Body::from(bytes))).await,
        Err(_) => too_large(),
    }
}

fn declared_too_large(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .is_some_and(|n| n > RPC_BODY_MAX_BYTES as u64)
}

fn holds_nul(body: &[u8]) -> bool {
    body.contains(&0)
        || body.windows(3).any(|w| w == b"%00")
        || body.windows(6).any(|w| w.eq_ignore_ascii_case(b"\\u0000"))
}

fn too_large() -> Response {
    (StatusCode::PAYLOAD_TOO_LARGE, "The request is too large.").into_response()
}

#[cfg(test)]
mod tests {
    use axum::http::{HeaderMap, HeaderValue};

    use super::*;

    #[test]
    fn nul_characters_are_found_however_they_are_encoded() {
        assert!(holds_nul(b"body=a\0b"));
        assert!(holds_nul(b"body=a%00b"));
        assert!(holds_nul(br#"{"body":"a\u0000"}"#));
        assert!(!holds_nul(b"body=100%25+done&n=1000"));
    }

    #[test]
    fn declared_lengths_over_the_limit_are_refused_up_front() {
        let mut h = HeaderMap::new();
        assert!(!declared_too_large(&h));
        h.insert(header::CONTENT_LENGTH, HeaderValue::from(RPC_BODY_MAX_BYTES));
        assert!(!declared_too_large(&h));
        h.insert(header::CONTENT_LENGTH, HeaderValue::from(RPC_BODY_MAX_BYTES + 1));
        assert!(declared_too_large(&h));
        h.insert(header::CONTENT_LENGTH, HeaderValue::from(2_500_000u64));
        assert!(declared_too_large(&h));
    }
}
