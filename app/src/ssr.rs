//! Server-only backend shared by server functions, webhooks, the REST API and the CLI.
//! Never imports from `pages` or `components`, so it can become its own crate later.

pub mod actor;
pub mod audit;
pub mod auth;
pub mod clock;
pub mod cluster;
pub mod context;
pub mod core;
pub mod db;
pub mod live;
pub mod mail;
pub mod password;
pub mod rejection_log;
pub mod services;
pub mod state;
pub mod writer;
