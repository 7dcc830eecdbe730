//! Outbound texts: the provider client and the outbox worker that drives it.

pub mod sender;
pub mod worker;
