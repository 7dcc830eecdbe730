//! Reusable UI pieces.

pub mod app_chrome;
pub mod form;
pub mod layout;
pub mod live;
