//! One integration binary: the real application on a random port with a temp SQLite file,
//! spoken to over real HTTP; the real `callsnare` binary for the operator commands.

mod auth;
mod cli;
mod fake_twilio;
mod health_check;
mod helpers;
mod inbox;
mod pages;
mod process;
mod webhooks_twilio;
