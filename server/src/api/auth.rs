//! PLACEHOLDER written by the API helper with exactly the contract's names (KEYS owns this
//! file: keep KEYS' version on merge). This stand-in refuses every request, so nothing is
//! open before the real key check is merged.

use app::{domain::scope::Scope, ssr::state::AppState};
use axum::{
    extract::{FromRef, FromRequestParts},
    http::request::Parts,
};

use super::error::ApiError;

/// The key a request was made with, once verified.
pub struct ApiKeyAuth {
    pub org_id: String,
    pub key_id: String,
    pub key_name: String,
    pub scopes: Vec<Scope>,
}

impl ApiKeyAuth {
    /// `Err(InsufficientScope)` unless the key carries `scope`.
    pub fn require(&self, scope: Scope) -> Result<(), ApiError> {
        if self.scopes.contains(&scope) {
            Ok(())
        } else {
            Err(ApiError::InsufficientScope(scope))
        }
    }
}

impl<S> FromRequestParts<S> for ApiKeyAuth
where
    S: Send + Sync,
    AppState: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(_parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Err(ApiError::Unauthorized)
    }
}
