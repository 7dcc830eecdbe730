//! Routable pages; each file holds one `…Page` component.

pub mod app;
pub mod docs_actions;
pub mod docs_agent_access;
pub mod docs_index;
pub mod docs_permissions;
pub mod docs_security;
pub mod docs_webhooks;
pub mod forgot_password;
pub mod invite;
pub mod landing;
pub mod login;
pub mod not_found;
pub mod set_password;
pub mod setup;
