//! PLACEHOLDER written by the API helper so its code reads coherently before the merge: the
//! KEYS helper owns this file (the `/api/v1` router: 64 KiB body limit, JSON 404 fallback,
//! per-key rate limit). On merge keep KEYS' version, with these three lines in it:
//! `pub mod openapi;` (the docs read `server::api::openapi::document()`), `mod v1;` and
//! `.merge(v1::routes())`.

pub mod auth;
pub mod error;
pub mod openapi;
mod v1;

use app::ssr::state::AppState;
use axum::Router;

/// The `/api/v1` routes, nested at `/api/v1` where the router is assembled.
pub fn router() -> Router<AppState> {
    Router::new().merge(v1::routes())
}
