//! Email addresses, stored lowercased so sign-in is case-insensitive.

use std::fmt;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("email address is not valid")]
pub struct EmailParseError;

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct EmailAddress(String);

impl EmailAddress {
    /// Deliberately modest: one `@`, a non-empty local part, a dotted domain, no spaces.
    /// Deliverability is proven by the set-password link, not by a regex.
    pub fn parse(s: &str) -> Result<Self, EmailParseError> {
        let s = s.trim();
        let (local, domain) = s.split_once('@').ok_or(EmailParseError)?;
        let ok = !local.is_empty()
            && s.len() <= 254
            && !domain.contains('@')
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !s.chars().any(|c| c.is_whitespace() || c.is_control());
        if ok {
            Ok(Self(s.to_lowercase()))
        } else {
            Err(EmailParseError)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for EmailAddress {
    type Error = EmailParseError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<EmailAddress> for String {
    fn from(e: EmailAddress) -> String {
        e.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        assert_eq!(
            EmailAddress::parse(" Owner@Acme-HVAC.com ").unwrap().as_str(),
            "owner@acme-hvac.com"
        );
        for bad in [
            "",
            "owner",
            "@acme.com",
            "owner@acme",
            "owner@@acme.com",
            "ow ner@acme.com",
            "owner@.com",
        ] {
            assert!(EmailAddress::parse(bad).is_err(), "{bad:?}");
        }
    }
}
