//! One integration binary: the real application on a random port with a temp SQLite file,
//! spoken to over real HTTP; the real `callsnare` binary for the operator commands; the SMS
//! outbox worker driven one pass at a time.

mod api_keys;
mod api_v1;
mod api_v1_writes;
mod audit_chain;
mod audit_viewer;
mod auth;
mod billing;
mod cli;
mod db_copy;
mod docs;
mod evidence;
mod fake_smtp;
mod fake_stripe;
mod fake_twilio;
mod hardening;
mod health_check;
mod helpers;
mod inbox;
mod inbox_chrome;
mod inbox_ux;
mod multi_instance;
mod numbers;
mod outbox_worker;
mod pages;
mod process;
mod schema_parity;
mod security_findings;
mod settings;
mod team_invitations;
mod webhooks_twilio;
