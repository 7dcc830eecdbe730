//! E.164 phone numbers. Everything inside CallSnare that means "a phone number" is an
//! [`E164Phone`]; raw strings from forms, CLIs and webhooks are parsed at the edge.

use std::fmt;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneParseError {
    #[error("phone number must be in E.164 form, e.g. +14155550123")]
    NotE164,
    #[error("{0} is not a dialable phone number")]
    NotDialable(String),
}

/// A dialable number in canonical E.164 form (`+` then 8–15 digits).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct E164Phone(String);

impl E164Phone {
    /// Strict: the input must already be E.164 (no spaces, dashes or national form).
    pub fn parse(s: &str) -> Result<Self, PhoneParseError> {
        let digits = s.strip_prefix('+').ok_or(PhoneParseError::NotE164)?;
        let syntactic =
            (8..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()) && !digits.starts_with('0');
        if !syntactic {
            return Err(PhoneParseError::NotE164);
        }
        Self::check_dialable(s)?;
        Ok(Self(s.to_owned()))
    }

    /// On the server the number plan is checked too (country code, length, NANP area
    /// codes); the browser keeps only the cheap syntactic check to stay small.
    #[cfg(feature = "ssr")]
    fn check_dialable(s: &str) -> Result<(), PhoneParseError> {
        let parsed = phonenumber::parse(None, s).map_err(|_| PhoneParseError::NotDialable(s.to_owned()))?;
        if phonenumber::is_valid(&parsed) {
            Ok(())
        } else {
            Err(PhoneParseError::NotDialable(s.to_owned()))
        }
    }

    #[cfg(not(feature = "ssr"))]
    fn check_dialable(_: &str) -> Result<(), PhoneParseError> {
        Ok(())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Parses a comma-separated list, rejecting empty lists and duplicates.
    pub fn parse_list(s: &str) -> Result<Vec<Self>, PhoneParseError> {
        let mut out: Vec<Self> = Vec::new();
        for part in s.split(',').map(str::trim) {
            let phone = Self::parse(part)?;
            if !out.contains(&phone) {
                out.push(phone);
            }
        }
        Ok(out)
    }
}

impl fmt::Display for E164Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for E164Phone {
    type Error = PhoneParseError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<E164Phone> for String {
    fn from(p: E164Phone) -> String {
        p.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_canonical_e164() {
        for ok in ["+14158675309", "+18005551212", "+442071838750"] {
            assert_eq!(E164Phone::parse(ok).map(|p| p.to_string()), Ok(ok.to_owned()));
        }
    }

    #[test]
    fn rejects_non_e164_forms() {
        for bad in [
            "",
            "+",
            "4158675309",
            "+1 415 867 5309",
            "+1-415-867-5309",
            "+0123456789",
            "+1415867530912345",
            "+1415abc5309",
        ] {
            assert_eq!(E164Phone::parse(bad), Err(PhoneParseError::NotE164), "{bad:?}");
        }
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn rejects_numbers_outside_the_numbering_plan() {
        // NANP area codes never start with 0 or 1.
        assert!(matches!(
            E164Phone::parse("+11158675309"),
            Err(PhoneParseError::NotDialable(_))
        ));
        assert!(matches!(
            E164Phone::parse("+1415867530"),
            Err(PhoneParseError::NotDialable(_))
        ));
    }

    #[test]
    fn parse_list_dedupes_and_fails_on_any_bad_entry() {
        let list = E164Phone::parse_list("+14158675309, +18005551212,+14158675309").unwrap();
        assert_eq!(list.len(), 2);
        assert!(E164Phone::parse_list("+14158675309,nope").is_err());
        assert!(E164Phone::parse_list("").is_err());
    }
}
