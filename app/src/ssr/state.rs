//! Shared application state handed to axum routes and, as Leptos context, to server functions.

use axum::extract::FromRef;
use leptos::config::LeptosOptions;

use crate::ssr::{core::Core, db::Db};

#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    /// The pool (the same as `core.db`; kept here for `State<Db>` and the many readers).
    pub db: Db,
    /// The writer, live feed, outbox wake-up and routing cache, shared with the webhooks
    /// and workers; writes commit through it so their effects follow the commit.
    #[from_ref(skip)]
    pub core: Core,
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
    /// Whether `public_base` came from CALLSNARE_PUBLIC_URL (else it is the listen address).
    #[from_ref(skip)]
    pub public_url_set: bool,
    /// Printed at start-up while no org exists; claims the first-run setup page.
    #[from_ref(skip)]
    pub setup_token: std::sync::Arc<std::sync::Mutex<Option<String>>>,
    /// API keys: the keyed hash, the key check's cache, last-use marks and the seal of one-time
    /// reveals (which wait in the database).
    #[from_ref(skip)]
    pub api_keys: std::sync::Arc<crate::ssr::services::api_keys::Keyring>,
    /// Stripe's API for the billing page (Checkout, Billing Portal); `None` without
    /// `STRIPE_SECRET_KEY`, and the page says billing is not configured.
    #[from_ref(skip)]
    pub stripe: Option<std::sync::Arc<dyn crate::ssr::services::billing::StripeApi>>,
}

/// The client address as resolved by the rate limiter's rules (trusted proxies only),
/// inserted into request extensions for audit records.
#[derive(Debug, Clone, Copy)]
pub struct ClientAddr(pub std::net::IpAddr);
