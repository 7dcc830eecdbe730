//! Reusable UI pieces.

pub mod app_chrome;
pub mod docs_layout;
pub mod form;
pub mod hydrated;
pub mod layout;
pub mod live;
