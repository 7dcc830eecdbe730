//! Staff authentication: the axum-login backend, sign-in with throttling, one-time
//! password links and the per-request principal that server functions (through
//! [`crate::ssr::context`]) and plain routes ask for.

pub mod backend;
pub mod principal;
pub mod sign_in;
pub mod tokens;
pub mod watch;

pub use backend::{AuthSession, Backend, SessionUser};
pub use principal::{Principal, PrincipalError};
