//! Organisation slugs: short, URL-safe, unique names used on the command line.

use std::fmt;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("slug must be 2-48 characters of a-z, 0-9 and '-', not starting or ending with '-'")]
pub struct SlugParseError;

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct OrgSlug(String);

impl OrgSlug {
    pub fn parse(s: &str) -> Result<Self, SlugParseError> {
        let ok = (2..=48).contains(&s.len())
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !s.starts_with('-')
            && !s.ends_with('-');
        if ok {
            Ok(Self(s.to_owned()))
        } else {
            Err(SlugParseError)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for OrgSlug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for OrgSlug {
    type Error = SlugParseError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<OrgSlug> for String {
    fn from(s: OrgSlug) -> String {
        s.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        assert!(OrgSlug::parse("acme-hvac").is_ok());
        assert!(OrgSlug::parse("a1").is_ok());
        for bad in ["", "a", "Acme", "acme_hvac", "-acme", "acme-", "acme hvac", "açme"] {
            assert!(OrgSlug::parse(bad).is_err(), "{bad:?}");
        }
    }
}
