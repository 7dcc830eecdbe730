//! The Leptos app: server-rendered pages, server functions and static files from the site root.
//! Every render uses the CSP nonce of its response (`security_headers`).

use app::{
    shell,
    ssr::{context::PrincipalCache, state::AppState},
    App,
};
use axum::Router;
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, LeptosRoutes};

use crate::middleware::security_headers::provide_request_nonce;

pub fn router(state: &AppState) -> Router<AppState> {
    let routes = generate_route_list(App);
    let context_state = state.clone();
    let options = state.leptos_options.clone();
    Router::new()
        .route("/app/events", axum::routing::get(super::live::events))
        .route("/app/audit.csv", axum::routing::get(super::audit_csv::export))
        .leptos_routes_with_context(
            state,
            routes,
            move || {
                provide_context(context_state.clone());
                provide_context(PrincipalCache::default());
                provide_context(app::server_fns::api_keys::RevealCache::default());
                provide_request_nonce();
            },
            move || shell(options.clone()),
        )
        .fallback(leptos_axum::file_and_error_handler_with_context::<AppState, _>(
            || {
                provide_context(PrincipalCache::default());
                provide_request_nonce();
            },
            shell,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::middleware::app_sign_in::require_sign_in,
        ))
}
