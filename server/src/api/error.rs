//! PLACEHOLDER written by the API helper with exactly the contract's names (KEYS owns this
//! file: keep KEYS' version on merge). One error shape for every `/api/v1` answer:
//! `{"error": {"code": "…", "message": "…"}}`.

use app::domain::scope::Scope;
use axum::{
    http::{header, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use serde_json::json;

#[derive(Debug)]
pub enum ApiError {
    Unauthorized,
    InsufficientScope(Scope),
    NotFound,
    Invalid {
        field: &'static str,
        message: String,
    },
    /// A business refusal (409/422), e.g. `opted_out`.
    Refused {
        code: &'static str,
        message: String,
    },
    PayloadTooLarge,
    RateLimited {
        retry_after_secs: u64,
    },
    Internal,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code, message) = match &self {
            ApiError::Unauthorized => (
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "A valid API key is required.".to_owned(),
            ),
            ApiError::InsufficientScope(scope) => (
                StatusCode::FORBIDDEN,
                "insufficient_scope",
                format!("This key lacks the {scope} scope."),
            ),
            ApiError::NotFound => (StatusCode::NOT_FOUND, "not_found", "Not found.".to_owned()),
            ApiError::Invalid { field, message } => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid",
                format!("{field}: {message}"),
            ),
            ApiError::Refused { code, message } => (StatusCode::UNPROCESSABLE_ENTITY, *code, message.clone()),
            ApiError::PayloadTooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "Bodies are at most 64 KiB.".to_owned(),
            ),
            ApiError::RateLimited { .. } => (
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                "Too many requests.".to_owned(),
            ),
            ApiError::Internal => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "Something went wrong.".to_owned(),
            ),
        };
        let mut resp = (status, Json(json!({ "error": { "code": code, "message": message } }))).into_response();
        match self {
            ApiError::Unauthorized => {
                resp.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    header::HeaderValue::from_static("Bearer realm=\"callsnare\""),
                );
            }
            ApiError::RateLimited { retry_after_secs } => {
                resp.headers_mut()
                    .insert(header::RETRY_AFTER, header::HeaderValue::from(retry_after_secs));
            }
            _ => {}
        }
        resp
    }
}
