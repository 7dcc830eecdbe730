//! Domain types: no I/O, compiled for wasm and the server. Each parses its input once.

pub mod business_hours;
pub mod caller;
pub mod closure_dates;
pub mod email;
pub mod figure;
pub mod ids;
pub mod lead_search;
pub mod limits;
pub mod permission;
pub mod phone;
pub mod recipient_zone;
pub mod redirect;
pub mod request_id;
pub mod role;
pub mod routing_form;
pub mod slug;
pub mod sms_keyword;
pub mod sms_segments;
pub mod timezone;

pub use caller::Caller;
pub use email::EmailAddress;
pub use figure::Figure;
pub use phone::E164Phone;
pub use role::Role;
pub use slug::OrgSlug;
pub use sms_keyword::SmsKeyword;
pub use timezone::OrgTimezone;
