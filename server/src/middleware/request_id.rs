//! Inbound request ids. A client's (or proxy's) `x-request-id` is kept only when it is
//! short and plain (`app::domain::request_id`); otherwise it is dropped here, before the
//! request-id layer, which then mints a fresh UUID. So logs, audit records and the echoed
//! response header never carry 20 KB or control characters a client chose.

use app::domain::request_id;
use axum::{extract::Request, http::HeaderMap, middleware::Next, response::Response};

pub const X_REQUEST_ID: &str = "x-request-id";

pub async fn drop_unacceptable(mut req: Request, next: Next) -> Response {
    if !acceptable(req.headers()) {
        req.headers_mut().remove(X_REQUEST_ID);
    }
    next.run(req).await
}

/// No id at all, or exactly one acceptable id.
fn acceptable(headers: &HeaderMap) -> bool {
    let mut ids = headers.get_all(X_REQUEST_ID).iter();
    match (ids.next(), ids.next()) {
        (None, _) => true,
        (Some(id), None) => id.to_str().is_ok_and(request_id::is_acceptable),
        (Some(_), Some(_)) => false,
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn with(ids: &[&[u8]]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for id in ids {
            h.append(X_REQUEST_ID, HeaderValue::from_bytes(id).unwrap());
        }
        h
    }

    #[test]
    fn only_one_short_plain_id_is_kept() {
        let huge = vec![b'x'; 20_000];
        assert!(acceptable(&with(&[])));
        assert!(acceptable(&with(&[&b"0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"[..]])));
        assert!(!acceptable(&with(&[&b"a"[..], &b"b"[..]])));
        assert!(!acceptable(&with(&[huge.as_slice()])));
        assert!(!acceptable(&with(&[&b"with space"[..]])));
        assert!(!acceptable(&with(&[&b"tab\there"[..]])));
        assert!(!acceptable(&with(&["caf\u{e9}".as_bytes()])));
    }
}
