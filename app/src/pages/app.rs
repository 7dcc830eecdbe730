//! Pages of the signed-in app, under `/app`.

pub mod account;
pub mod api_keys;
pub mod audit;
pub mod billing;
pub mod evidence;
pub mod home;
pub mod lead;
pub mod numbers;
pub mod settings;
pub mod team;
