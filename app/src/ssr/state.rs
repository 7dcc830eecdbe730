//! Shared application state handed to axum routes and, as Leptos context, to server functions.

use axum::extract::FromRef;
use leptos::config::LeptosOptions;

use crate::ssr::{db::Db, live::LiveFeed, writer::Writer};

#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub db: Db,
    /// The single writer that group-commits webhook and outbox writes.
    #[from_ref(skip)]
    pub writer: Writer,
    #[from_ref(skip)]
    pub live: LiveFeed,
    /// Live integration mode: provider signatures are mandatory.
    #[from_ref(skip)]
    pub live_mode: bool,
}
