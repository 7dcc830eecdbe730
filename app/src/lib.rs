//! CallSnare's isomorphic crate: everything the browser and the server share.
//!
//! Read in this order:
//! - [`domain`]: pure types that parse their input once (ids, phone numbers, roles, slugs) and
//!   the codes the store keeps (lead status and source, job type, call outcome, audit action).
//! - [`app`]: the router and HTML shell; [`pages`] and [`components`] hold the UI.
//!   Islands mode: pages are server-rendered `#[component]`s; only the `#[island]`s
//!   (the live inbox, the lead's forms, team actions, the password form) reach the wasm.
//! - [`ssr`] (server only): database, repositories and services used by server functions,
//!   the webhooks and the command line alike, so there is one store layer.

#![cfg_attr(not(test), deny(clippy::unwrap_used))]

pub mod app;
pub mod components;
pub mod domain;
pub mod error;
pub mod models;
pub mod pages;
pub mod server_fns;

#[cfg(feature = "ssr")]
pub mod ssr;

pub use app::{shell, App};

/// The browser entry (`frontend`): hydrates the `#[island]`s on the page. Nothing else of
/// the app runs in the browser, so nothing else is compiled into the wasm.
#[cfg(feature = "hydrate")]
pub fn hydrate_islands() {
    leptos::mount::hydrate_islands();
}
