//! Use-cases shared by server functions, webhooks, the REST API and the CLI.

pub mod api_keys;
pub mod billing;
pub mod calls;
pub mod escalation;
pub mod evidence;
pub mod inbox;
pub mod invitations;
pub mod messaging;
pub mod numbers;
pub mod onboarding;
pub mod quick_replies;
pub mod routing;
pub mod settings;
pub mod team;
pub mod text_back;
pub mod timeline_text;

/// Service-level tests over a temp database: text-back rules, opt-outs, the lead lifecycle.
#[cfg(test)]
mod tests;
