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
    /// Wakes the outbox worker when a text is queued.
    #[from_ref(skip)]
    pub outbox_wake: std::sync::Arc<tokio::sync::Notify>,
    /// Wakes the mail worker when a mail is queued (invitations, set-password links).
    #[from_ref(skip)]
    pub mail_wake: std::sync::Arc<tokio::sync::Notify>,
    /// Live integration mode: provider signatures are mandatory.
    #[from_ref(skip)]
    pub live_mode: bool,
    /// Sessions end this long after sign-in, however active.
    #[from_ref(skip)]
    pub session_absolute_ms: i64,
    /// The public base URL (links in invitation and set-password mails).
    #[from_ref(skip)]
    pub public_base: String,
    /// Printed at start-up while no org exists; claims the first-run setup page.
    #[from_ref(skip)]
    pub setup_token: std::sync::Arc<std::sync::Mutex<Option<String>>>,
}

/// The client address as resolved by the rate limiter's rules (trusted proxies only),
/// inserted into request extensions for audit records.
#[derive(Debug, Clone, Copy)]
pub struct ClientAddr(pub std::net::IpAddr);
