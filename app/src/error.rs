//! The error type of server functions: only what the UI may show. Infrastructure details
//! are logged on the server and become `Internal`.

use leptos::server_fn::{codec::JsonEncoding, error::FromServerFnError, ServerFnError};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("Please sign in to continue.")]
    Unauthorized,
    #[error("You don't have permission to do that.")]
    Forbidden,
    #[error("Not found.")]
    NotFound,
    #[error("{message}")]
    Validation { field: String, message: String },
    #[error("{0}")]
    Conflict(String),
    /// The same form was posted again (its one-use token was already used): what it does
    /// was done once, by the first submission.
    #[error("Already sent — this form was submitted twice.")]
    AlreadySubmitted,
    #[error("Too many attempts. Please wait a moment and try again.")]
    RateLimited,
    /// The request itself was malformed (missing or unreadable arguments): a client bug or
    /// a hand-made request, never something a form can produce.
    #[error("The request was not understood. Please reload the page and try again.")]
    BadRequest,
    #[error("Something went wrong. Please try again.")]
    Internal,
}

impl AppError {
    pub fn validation(field: &str, message: impl Into<String>) -> Self {
        AppError::Validation {
            field: field.to_owned(),
            message: message.into(),
        }
    }

    /// A stable code for URLs (the no-JavaScript error round trip); never free text.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Unauthorized => "unauthorized",
            AppError::Forbidden => "forbidden",
            AppError::NotFound => "not_found",
            AppError::Validation { .. } => "invalid",
            AppError::Conflict(_) => "conflict",
            AppError::AlreadySubmitted => "already_submitted",
            AppError::RateLimited => "rate_limited",
            AppError::BadRequest => "bad_request",
            AppError::Internal => "internal",
        }
    }

    /// The fixed message for a code from a URL.
    pub fn message_for_code(code: &str) -> Option<&'static str> {
        Some(match code {
            "unauthorized" => "Please sign in to continue.",
            "forbidden" => "You don't have permission to do that.",
            "not_found" => "That item was not found.",
            "invalid" => "Some fields are missing or invalid. Please check them and try again.",
            "conflict" => {
                "That could not be done (for example, the customer opted out of texts). Please check and try again."
            }
            "already_submitted" => "Already sent — this form was submitted twice.",
            "rate_limited" => "Too many attempts. Please wait a moment and try again.",
            "bad_request" => "The request was not understood. Please reload the page and try again.",
            "internal" => "Something went wrong. Please try again.",
            _ => return None,
        })
    }

    pub fn status(&self) -> u16 {
        match self {
            AppError::Unauthorized => 401,
            AppError::Forbidden => 403,
            AppError::NotFound => 404,
            AppError::Validation { .. } => 422,
            AppError::Conflict(_) | AppError::AlreadySubmitted => 409,
            AppError::RateLimited => 429,
            AppError::BadRequest => 400,
            AppError::Internal => 500,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    /// On the server this is reached before the function body runs, when the request
    /// cannot be read into arguments: that is the client's fault, so it is answered 400
    /// (server_fn would otherwise answer every error 500).
    fn from_server_fn_error(value: leptos::server_fn::error::ServerFnErrorErr) -> Self {
        use leptos::server_fn::error::ServerFnErrorErr as E;
        match value {
            E::Args(_) | E::MissingArg(_) => bad_request(),
            // On the server: the request body could not be read. (In the browser it would
            // mean the server's answer was unreadable, which is not the user's doing.)
            #[cfg(feature = "ssr")]
            E::Deserialization(_) => bad_request(),
            _ => AppError::Internal,
        }
    }
}

/// Sets the response status (or, for a plain form post, the redirect back) on the way out.
#[cfg(feature = "ssr")]
fn bad_request() -> AppError {
    crate::ssr::context::fail(AppError::BadRequest)
}

#[cfg(not(feature = "ssr"))]
fn bad_request() -> AppError {
    AppError::BadRequest
}

impl From<crate::domain::limits::TooLong> for AppError {
    fn from(e: crate::domain::limits::TooLong) -> Self {
        AppError::validation(e.field, e.to_string())
    }
}

impl From<ServerFnError> for AppError {
    fn from(_: ServerFnError) -> Self {
        AppError::Internal
    }
}
