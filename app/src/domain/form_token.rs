//! The one-use token a lead-page form carries, so that the same submission posted twice
//! (double click, retry, back button, a browser's resubmit) is carried out once. The server
//! hands out a fresh one with every page and every refresh of it; the use-case claims it in
//! the same transaction as its effects (`db::form_submissions`).
//!
//! A token is a UUIDv7 in lowercase hex: its first twelve digits are the milliseconds at
//! which it was issued, so a token older than the claims the store keeps can be refused
//! instead of being accepted a second time after its claim was pruned. It is no secret and
//! no credential: anyone who can post the form could as well reload the page for a new one.

/// How long a token can be used, and how long its claim is kept (a little longer is fine;
/// never shorter, or an old token could be claimed again).
pub const FORM_TOKEN_LIFETIME_MS: i64 = 2 * 86_400_000;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FormToken(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum FormTokenError {
    /// Missing, blank, oversized or not one of ours: an out-of-date page or a hand-made post.
    #[error("This form is missing its one-use token. Reload the page and try again.")]
    Malformed,
    #[error("This page is out of date. Reload it and try again.")]
    Expired,
}

impl FormToken {
    /// A fresh token; only the server issues them.
    #[cfg(feature = "ssr")]
    pub fn new() -> Self {
        Self(uuid::Uuid::now_v7().simple().to_string())
    }

    /// A posted token: 32 lowercase hex digits (what [`FormToken::new`] makes).
    pub fn parse(s: &str) -> Result<Self, FormTokenError> {
        let ok = s.len() == 32 && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if ok {
            Ok(Self(s.to_owned()))
        } else {
            Err(FormTokenError::Malformed)
        }
    }

    /// When the token was issued (Unix milliseconds).
    pub fn issued_at_ms(&self) -> i64 {
        // 12 hex digits = 48 bits: always fits, and `parse` let only hex digits through.
        i64::from_str_radix(&self.0[..12], 16).unwrap_or(0)
    }

    /// Whether it is too old to be used at `now` (its claim may have been pruned already).
    pub fn expired_at(&self, now: i64) -> bool {
        now - self.issued_at_ms() > FORM_TOKEN_LIFETIME_MS
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

#[cfg(feature = "ssr")]
impl Default for FormToken {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_32_lowercase_hex_digits_are_a_token() {
        let bad: Vec<String> = vec![
            String::new(),
            " ".into(),
            "abc".into(),
            "A".repeat(32),
            "g".repeat(32),
            "0".repeat(33),
            "0".repeat(4096),
        ];
        for b in &bad {
            assert_eq!(FormToken::parse(b), Err(FormTokenError::Malformed), "{b:?}");
        }
        assert!(FormToken::parse(&"0a".repeat(16)).is_ok());
    }

    #[test]
    fn a_token_knows_when_it_was_issued_and_expires_after_two_days() {
        // 2026-12-06 12:00 UTC, as a UUIDv7 would start
        let issued = 1_796_558_400_000_i64;
        let token = FormToken::parse(&format!("{issued:012x}70008000000000000000")).unwrap();
        assert_eq!(token.issued_at_ms(), issued);
        assert!(!token.expired_at(issued + FORM_TOKEN_LIFETIME_MS));
        assert!(token.expired_at(issued + FORM_TOKEN_LIFETIME_MS + 1));
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn fresh_tokens_parse_and_differ() {
        let (a, b) = (FormToken::new(), FormToken::new());
        assert_ne!(a, b);
        assert_eq!(FormToken::parse(a.as_str()), Ok(a.clone()));
        let now = chrono::Utc::now().timestamp_millis();
        assert!((now - a.issued_at_ms()).abs() < 60_000);
    }
}
