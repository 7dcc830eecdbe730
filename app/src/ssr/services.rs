//! Use-cases shared by server functions, webhooks, the REST API and the CLI.

pub mod onboarding;
