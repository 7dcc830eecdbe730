//! The API's one error shape: `{"error": {"code": "…", "message": "…"}}`, with a stable
//! snake_case `code` clients branch on and a sentence for people. The variant decides the
//! status; 5xx bodies say nothing about the cause (it is logged once, here). 401 carries
//! `WWW-Authenticate: Bearer realm="callsnare"` (with `error="invalid_token"` when a key
//! was presented), 403 names the scope the request needed, 429 carries `Retry-After`.
//!
//! Responses the handlers did not make (axum's own rejections: an unreadable body, a
//! missing content type, a wrong method) are put into the same shape by [`uniform`].

use app::domain::scope::Scope;
use axum::{
    body::Body,
    extract::Request,
    http::{header, HeaderValue, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
    Json,
};
use serde_json::{json, Value};

/// The realm every challenge names.
const REALM: &str = "callsnare";

#[derive(Debug)]
pub enum ApiError {
    /// No key was presented (no `Authorization: Bearer …`).
    Unauthorized,
    /// A key was presented and is malformed, unknown, of the other mode (live/test),
    /// expired or revoked: all answered alike.
    InvalidToken,
    /// The key lacks the scope this request needs.
    InsufficientScope(Scope),
    /// Not found, and so are another org's ids (indistinguishably).
    NotFound,
    /// Bad input, naming the field (422).
    Invalid { field: &'static str, message: String },
    /// A business refusal that conflicts with the current state (409), e.g. `opted_out`.
    Refused { code: &'static str, message: String },
    /// A business refusal of a request that is well-formed but cannot be done as asked
    /// (422), e.g. an `Idempotency-Key` reused with another body.
    Unprocessable { code: &'static str, message: String },
    /// The body is over 64 KiB (413).
    PayloadTooLarge,
    /// A request body that is not sent as JSON (415).
    UnsupportedMediaType,
    /// The key made too many requests; retry after this many seconds (429).
    RateLimited { retry_after_secs: u64 },
    /// Something failed on our side (500); see [`ApiError::internal`].
    Internal,
}

impl ApiError {
    /// Logs `err` (once, here) and answers an opaque 500.
    pub fn internal(err: impl std::fmt::Display) -> Self {
        tracing::error!(error.message = %err, "API request failed");
        ApiError::Internal
    }

    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        ApiError::Invalid {
            field,
            message: message.into(),
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Unauthorized | ApiError::InvalidToken => StatusCode::UNAUTHORIZED,
            ApiError::InsufficientScope(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::Invalid { .. } | ApiError::Unprocessable { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Refused { .. } => StatusCode::CONFLICT,
            ApiError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The stable code clients branch on.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::Unauthorized | ApiError::InvalidToken => "unauthorized",
            ApiError::InsufficientScope(_) => "insufficient_scope",
            ApiError::NotFound => "not_found",
            ApiError::Invalid { .. } => "invalid",
            ApiError::Refused { code, .. } | ApiError::Unprocessable { code, .. } => code,
            ApiError::PayloadTooLarge => "payload_too_large",
            ApiError::UnsupportedMediaType => "unsupported_media_type",
            ApiError::RateLimited { .. } => "rate_limited",
            ApiError::Internal => "internal",
        }
    }

    pub fn message(&self) -> String {
        match self {
            ApiError::Unauthorized => "An API key is required: send it as Authorization: Bearer <key>.".to_owned(),
            ApiError::InvalidToken => "The API key is malformed, unknown, expired or revoked.".to_owned(),
            ApiError::InsufficientScope(scope) => format!("This API key lacks the {scope} scope this request needs."),
            ApiError::NotFound => "Not found.".to_owned(),
            ApiError::Invalid { message, .. }
            | ApiError::Refused { message, .. }
            | ApiError::Unprocessable { message, .. } => message.clone(),
            ApiError::PayloadTooLarge => "The request body is larger than 64 KiB.".to_owned(),
            ApiError::UnsupportedMediaType => "Send the body as JSON (Content-Type: application/json).".to_owned(),
            ApiError::RateLimited { retry_after_secs } => {
                format!("Too many requests with this API key: retry after {retry_after_secs} s.")
            }
            ApiError::Internal => "Something went wrong on our side. Please try again.".to_owned(),
        }
    }

    /// The JSON body.
    pub fn body(&self) -> Value {
        let mut error = json!({ "code": self.code(), "message": self.message() });
        match self {
            ApiError::Invalid { field, .. } => error["field"] = json!(field),
            ApiError::InsufficientScope(scope) => error["scope"] = json!(scope.as_str()),
            _ => {}
        }
        json!({ "error": error })
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code(), self.message())
    }
}

impl std::error::Error for ApiError {}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut resp = (self.status(), Json(self.body())).into_response();
        let headers = resp.headers_mut();
        let challenge = match &self {
            ApiError::Unauthorized => Some(format!("Bearer realm=\"{REALM}\"")),
            ApiError::InvalidToken => Some(format!("Bearer realm=\"{REALM}\", error=\"invalid_token\"")),
            ApiError::InsufficientScope(scope) => Some(format!(
                "Bearer realm=\"{REALM}\", error=\"insufficient_scope\", scope=\"{}\"",
                scope.as_str()
            )),
            _ => None,
        };
        if let Some(value) = challenge.and_then(|c| HeaderValue::from_str(&c).ok()) {
            headers.insert(header::WWW_AUTHENTICATE, value);
        }
        if let ApiError::RateLimited { retry_after_secs } = &self {
            headers.insert(header::RETRY_AFTER, HeaderValue::from((*retry_after_secs).max(1)));
        }
        resp
    }
}

/// The code and message for an error response of `status` that no handler shaped.
fn generic(status: StatusCode) -> (&'static str, &'static str) {
    match status.as_u16() {
        400 => ("invalid", "The request could not be read."),
        401 => (
            "unauthorized",
            "An API key is required: send it as Authorization: Bearer <key>.",
        ),
        403 => ("forbidden", "This request is not allowed."),
        404 => ("not_found", "Not found."),
        405 => ("method_not_allowed", "This method is not allowed here."),
        406 => ("not_acceptable", "This resource is only available as JSON."),
        408 => ("timeout", "The request took too long."),
        413 => ("payload_too_large", "The request body is larger than 64 KiB."),
        415 => ("unsupported_media_type", "Send the body as application/json."),
        422 => ("invalid", "The request body does not match what this endpoint takes."),
        429 => ("rate_limited", "Too many requests with this API key."),
        s if s >= 500 => ("internal", "Something went wrong on our side. Please try again."),
        _ => ("invalid", "The request could not be handled."),
    }
}

/// Middleware: an error response that is not already JSON (axum's rejections, a wrong
/// method) gets the API's error shape, keeping its status and headers (`Allow`,
/// `Retry-After`). For a 4xx, axum's own sentence (which names what was wrong, e.g. a
/// missing field) is kept as the message; a 5xx says nothing about its cause.
pub async fn uniform(req: Request, next: Next) -> Response {
    let resp = next.run(req).await;
    let status = resp.status();
    if !(status.is_client_error() || status.is_server_error()) || is_json(&resp) {
        return resp;
    }
    let (mut parts, body) = resp.into_parts();
    let (code, fallback) = generic(status);
    let said = if status.is_client_error() {
        axum::body::to_bytes(body, 2048)
            .await
            .ok()
            .and_then(|b| String::from_utf8(b.to_vec()).ok())
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty() && !s.contains('\n'))
    } else {
        None
    };
    let message = said.unwrap_or_else(|| fallback.to_owned());
    parts.headers.remove(header::CONTENT_LENGTH);
    parts
        .headers
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    let body = json!({ "error": { "code": code, "message": message } }).to_string();
    Response::from_parts(parts, Body::from(body))
}

fn is_json(resp: &Response) -> bool {
    resp.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/json") || ct.contains("+json"))
}

#[cfg(test)]
mod tests {
    use axum::{routing::get, Router};
    use tower::ServiceExt;

    use super::*;

    async fn body_of(resp: Response) -> Value {
        let bytes = axum::body::to_bytes(resp.into_body(), 1 << 16).await.unwrap();
        serde_json::from_slice(&bytes).unwrap()
    }

    #[tokio::test]
    async fn each_error_has_its_status_code_and_challenge() {
        let cases = [
            (ApiError::Unauthorized, 401, "unauthorized"),
            (ApiError::InvalidToken, 401, "unauthorized"),
            (
                ApiError::InsufficientScope(Scope::MessagesSend),
                403,
                "insufficient_scope",
            ),
            (ApiError::NotFound, 404, "not_found"),
            (ApiError::invalid("body", "Say something."), 422, "invalid"),
            (
                ApiError::Refused {
                    code: "opted_out",
                    message: "The customer opted out of texts.".into(),
                },
                409,
                "opted_out",
            ),
            (ApiError::PayloadTooLarge, 413, "payload_too_large"),
            (ApiError::RateLimited { retry_after_secs: 3 }, 429, "rate_limited"),
            (ApiError::Internal, 500, "internal"),
        ];
        for (err, status, code) in cases {
            let resp = err.into_response();
            assert_eq!(resp.status().as_u16(), status, "{code}");
            let challenge = resp
                .headers()
                .get(header::WWW_AUTHENTICATE)
                .map(|v| v.to_str().unwrap().to_owned());
            let retry = resp
                .headers()
                .get(header::RETRY_AFTER)
                .map(|v| v.to_str().unwrap().to_owned());
            let body = body_of(resp).await;
            assert_eq!(body["error"]["code"], code);
            assert!(!body["error"]["message"].as_str().unwrap().is_empty());
            match (status, code) {
                (401, _) => assert!(challenge.unwrap().starts_with("Bearer realm=\"callsnare\"")),
                (403, _) => {
                    assert_eq!(body["error"]["scope"], "messages:send");
                    assert!(body["error"]["message"].as_str().unwrap().contains("messages:send"));
                    assert!(challenge.unwrap().contains("scope=\"messages:send\""));
                }
                (422, _) => assert_eq!(body["error"]["field"], "body"),
                (429, _) => assert_eq!(retry.as_deref(), Some("3")),
                _ => assert!(challenge.is_none()),
            }
        }
        let given = ApiError::InvalidToken.into_response();
        assert!(given.headers()[header::WWW_AUTHENTICATE]
            .to_str()
            .unwrap()
            .contains("error=\"invalid_token\""));
        let none = ApiError::Unauthorized.into_response();
        assert!(!none.headers()[header::WWW_AUTHENTICATE]
            .to_str()
            .unwrap()
            .contains("error="));
    }

    #[tokio::test]
    async fn responses_no_handler_shaped_get_the_same_shape() {
        let app = Router::new()
            .route("/thing", get(|| async { "ok" }))
            .route(
                "/plain",
                get(|| async { (StatusCode::BAD_REQUEST, "Failed to deserialize query string") }),
            )
            .route(
                "/boom",
                get(|| async { (StatusCode::INTERNAL_SERVER_ERROR, "db password=hunter2") }),
            )
            .layer(axum::middleware::from_fn(uniform));
        let call = |method: &str, uri: &str| {
            axum::http::Request::builder()
                .method(method)
                .uri(uri)
                .body(Body::empty())
                .unwrap()
        };
        let ok = app.clone().oneshot(call("GET", "/thing")).await.unwrap();
        assert_eq!(ok.status(), 200);
        let wrong_method = app.clone().oneshot(call("DELETE", "/thing")).await.unwrap();
        assert_eq!(wrong_method.status(), 405);
        assert!(wrong_method.headers().contains_key(header::ALLOW));
        assert_eq!(body_of(wrong_method).await["error"]["code"], "method_not_allowed");
        let plain = body_of(app.clone().oneshot(call("GET", "/plain")).await.unwrap()).await;
        assert_eq!(plain["error"]["code"], "invalid");
        assert_eq!(plain["error"]["message"], "Failed to deserialize query string");
        let boom = app.oneshot(call("GET", "/boom")).await.unwrap();
        assert_eq!(boom.status(), 500);
        let boom = body_of(boom).await;
        assert_eq!(boom["error"]["code"], "internal");
        assert!(!boom.to_string().contains("hunter2"));
    }
}
