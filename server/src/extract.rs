//! Extractors for plain axum routes: the handler's signature states who may call it.

pub mod staff;

pub use staff::{can, Permission, RequireStaff};
