//! Upper bounds on the free text people type. Server functions check them before anything
//! is written (a refusal names the field), and forms offer the same numbers as
//! `maxlength`, so the browser stops typing where the server would refuse. Lengths are in
//! characters; a browser's `maxlength` counts UTF-16 units, which are never fewer, so
//! whatever a form lets through also passes here.

/// A lead's (customer's) name.
pub const LEAD_NAME_MAX: usize = 120;
/// A service address.
pub const ADDRESS_MAX: usize = 300;
/// Notes on a lead or a booking.
pub const NOTES_MAX: usize = 4000;
/// A staff reply: at most 10 SMS segments (160 GSM characters each).
pub const REPLY_BODY_MAX: usize = 1600;
/// A booking's job type (one of a short fixed list; the bound is for what a client sends).
pub const JOB_TYPE_MAX: usize = 80;
/// The inbox search box (longer input is cut, not refused).
pub const SEARCH_MAX: usize = 60;
/// An email address (RFC 5321's path limit).
pub const EMAIL_MAX: usize = 254;
/// An organisation's name.
pub const ORG_NAME_MAX: usize = 120;
/// A password (no policy-conforming password is longer).
pub const PASSWORD_MAX: usize = 1024;
/// The largest server-function request body, in bytes; larger ones are answered 413.
pub const RPC_BODY_MAX_BYTES: usize = 64 * 1024;

/// A field's value is longer than its limit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{label} must be at most {max} characters.")]
pub struct TooLong {
    /// The form field's name, so the UI can point at it.
    pub field: &'static str,
    pub label: &'static str,
    pub max: usize,
}

/// Checks `value` against `max` characters.
pub fn check(field: &'static str, label: &'static str, value: &str, max: usize) -> Result<(), TooLong> {
    // Byte length bounds the character count from above: the common case never counts.
    if value.len() <= max || value.chars().count() <= max {
        Ok(())
    } else {
        Err(TooLong { field, label, max })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_count_characters_not_bytes() {
        assert_eq!(check("name", "Name", &"é".repeat(LEAD_NAME_MAX), LEAD_NAME_MAX), Ok(()));
        assert_eq!(check("name", "Name", "", LEAD_NAME_MAX), Ok(()));
        let err = check("name", "Name", &"a".repeat(LEAD_NAME_MAX + 1), LEAD_NAME_MAX).unwrap_err();
        assert_eq!(err.field, "name");
        assert_eq!(err.to_string(), "Name must be at most 120 characters.");
    }
}
