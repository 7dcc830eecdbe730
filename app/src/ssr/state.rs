//! Shared application state handed to axum routes and, as Leptos context, to server functions.

use axum::extract::FromRef;
use leptos::config::LeptosOptions;

use crate::ssr::db::Db;

#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub db: Db,
    /// Live integration mode: provider signatures are mandatory.
    #[from_ref(skip)]
    pub live: bool,
}
