//! Cross-cutting request middleware.

pub mod rate_limit;
