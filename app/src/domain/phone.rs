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

    /// A number as people write it: `(512) 555-0134`, `512.555.0134`, `1-512-555-0134`,
    /// `+1 512 555 0134`, `+44 20 7183 8750`, `011 44 20 7183 8750`. Spaces, dashes, dots,
    /// slashes and parentheses are ignored; without a `+`, ten digits (or eleven with a
    /// leading 1) are a North American number. Letters, extensions and anything shorter are refused,
    /// and the result is checked like [`E164Phone::parse`].
    pub fn parse_everyday(s: &str) -> Result<Self, PhoneParseError> {
        let s = s.trim();
        let s = s.strip_prefix("tel:").unwrap_or(s);
        let (plus, rest) = match s.strip_prefix('+') {
            Some(rest) => (true, rest),
            None => (false, s),
        };
        let mut digits = String::with_capacity(rest.len());
        for c in rest.chars() {
            match c {
                '0'..='9' => digits.push(c),
                ' ' | '-' | '.' | '(' | ')' | '/' | '\u{a0}' | '\u{2010}'..='\u{2015}' => {}
                _ => return Err(PhoneParseError::NotE164),
            }
        }
        let e164 = if plus {
            format!("+{digits}")
        } else if digits.len() == 10 {
            format!("+1{digits}")
        } else if digits.len() == 11 && digits.starts_with('1') {
            format!("+{digits}")
        } else if let Some(international) = digits.strip_prefix("011") {
            format!("+{international}")
        } else {
            return Err(PhoneParseError::NotE164);
        };
        Self::parse(&e164)
    }

    /// The number as an office writes it: `(512) 555-0134` for a North American number,
    /// the E.164 form for any other.
    pub fn everyday(&self) -> String {
        match self.0.strip_prefix("+1") {
            Some(n) if n.len() == 10 => format!("({}) {}-{}", &n[..3], &n[3..6], &n[6..]),
            _ => self.0.clone(),
        }
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
    fn everyday_forms_become_e164() {
        for (typed, e164) in [
            ("(512) 555-0134", "+15125550134"),
            ("512-555-0134", "+15125550134"),
            ("512.555.0134", "+15125550134"),
            (" 1 (512) 555 0134 ", "+15125550134"),
            ("+1 512-555-0134", "+15125550134"),
            ("tel:+15125550134", "+15125550134"),
            ("+44 20 7183 8750", "+442071838750"),
            ("011 44 20 7183 8750", "+442071838750"),
        ] {
            assert_eq!(
                E164Phone::parse_everyday(typed).map(|p| p.to_string()),
                Ok(e164.to_owned()),
                "{typed:?}"
            );
        }
        for bad in [
            "",
            "555-0134",
            "1-800-FLOWERS",
            "512 555 0134 x12",
            "2 512 555 0134",
            "+",
        ] {
            assert!(E164Phone::parse_everyday(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn everyday_display() {
        assert_eq!(E164Phone::parse("+15125550134").unwrap().everyday(), "(512) 555-0134");
        assert_eq!(E164Phone::parse("+442071838750").unwrap().everyday(), "+442071838750");
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn everyday_forms_outside_the_numbering_plan_are_undialable() {
        assert!(matches!(
            E164Phone::parse_everyday("(123) 456-7890"),
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
