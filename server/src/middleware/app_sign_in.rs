//! Every page under `/app` needs a signed-in member: a visitor without one is sent to
//! `/login?next=…` here, before Leptos renders anything. The app frame redirects too, but
//! the routed page renders beside the frame's session `<Suspense>` (see
//! `app::components::app_chrome::AppFrame`), so without this a signed-out request would run
//! the page's own server functions and answer with their 401 instead of the redirect.

use app::domain::redirect::encode_path;
use axum::{
    extract::{FromRequestParts, Request, State},
    http::{header, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};

use crate::extract::{can, RequireStaff};
use app::ssr::state::AppState;

/// Routes under `/app` that are not pages: they answer 401 themselves.
const NOT_PAGES: [&str; 2] = ["/app/events", "/app/audit.csv"];

pub async fn require_sign_in(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path();
    let page =
        req.method() == Method::GET && (path == "/app" || path.starts_with("/app/")) && !NOT_PAGES.contains(&path);
    if !page {
        return next.run(req).await;
    }
    let (mut parts, body) = req.into_parts();
    match RequireStaff::<can::ViewInbox>::from_request_parts(&mut parts, &state).await {
        Err(refused) if refused.status() == StatusCode::UNAUTHORIZED => {
            let to = format!("/login?next={}", encode_path(parts.uri.path()));
            (StatusCode::FOUND, [(header::LOCATION, to)]).into_response()
        }
        _ => next.run(Request::from_parts(parts, body)).await,
    }
}
