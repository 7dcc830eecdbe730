//! Routable pages; each file holds one `…Page` component.

pub mod app;
pub mod docs_security;
pub mod forgot_password;
pub mod invite;
pub mod landing;
pub mod login;
pub mod not_found;
pub mod set_password;
pub mod setup;
