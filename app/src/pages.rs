//! Routable pages; each file holds one `…Page` component.

pub mod landing;
pub mod not_found;
