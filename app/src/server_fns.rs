//! Server functions: thin — check the principal, call an ssr service, map to a view.
//! Mutating ones have explicit `/rpc/...` endpoints so URLs are stable.

pub mod api_keys;
pub mod audit;
pub mod auth;
pub mod billing;
pub mod evidence;
pub mod inbox;
pub mod invite;
pub mod next_steps;
pub mod numbers;
pub mod settings;
pub mod setup;
pub mod team;
