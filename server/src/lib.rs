//! The `callsnare` server: configuration, telemetry, the axum application (webhooks, API,
//! Leptos pages) and the operator command line. Tests import this crate and build the real
//! application through [`startup::Application::build`].

#![cfg_attr(not(test), deny(clippy::unwrap_used))]

pub mod api;
pub mod cli;
pub mod config;
pub mod escalation;
pub mod extract;
pub mod mail;
pub mod maintenance;
pub mod middleware;
pub mod routes;
pub mod sessions;
pub mod simulate;
pub mod sms;
pub mod startup;
pub mod stripe_api;
pub mod telemetry;
pub mod webhooks;
