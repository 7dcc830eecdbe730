//! Cross-cutting request middleware.

pub mod app_sign_in;
pub mod client_addr;
pub mod csrf;
pub mod form_return;
pub mod no_store;
pub mod rate_limit;
pub mod request_id;
pub mod rpc_body_limit;
pub mod security_headers;
pub mod sign_in_throttle;
