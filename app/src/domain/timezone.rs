//! An organisation's IANA timezone. Business hours and quiet hours are read in it.

use std::fmt;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("timezone must be an IANA name such as America/Chicago")]
pub struct TimezoneParseError;

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct OrgTimezone(String);

impl OrgTimezone {
    pub fn parse(s: &str) -> Result<Self, TimezoneParseError> {
        Self::check(s)?;
        Ok(Self(s.to_owned()))
    }

    /// The full tz database lives on the server only; the browser trusts the server's value.
    #[cfg(feature = "ssr")]
    fn check(s: &str) -> Result<(), TimezoneParseError> {
        s.parse::<chrono_tz::Tz>().map(|_| ()).map_err(|_| TimezoneParseError)
    }

    #[cfg(not(feature = "ssr"))]
    fn check(s: &str) -> Result<(), TimezoneParseError> {
        if s.is_empty() {
            Err(TimezoneParseError)
        } else {
            Ok(())
        }
    }

    #[cfg(feature = "ssr")]
    pub fn tz(&self) -> chrono_tz::Tz {
        // parse() proved the name is in the database
        Self::parse_or_utc(&self.0)
    }

    /// A stored timezone name as a zone: UTC if it were ever unreadable (names are checked
    /// when they are written, so only a hand-edited row could be).
    #[cfg(feature = "ssr")]
    pub fn parse_or_utc(name: &str) -> chrono_tz::Tz {
        name.parse().unwrap_or(chrono_tz::UTC)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for OrgTimezone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for OrgTimezone {
    type Error = TimezoneParseError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<OrgTimezone> for String {
    fn from(t: OrgTimezone) -> String {
        t.0
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

    #[test]
    fn timezones() {
        assert!(OrgTimezone::parse("America/Chicago").is_ok());
        assert!(OrgTimezone::parse("Mars/Olympus").is_err());
        assert!(OrgTimezone::parse("").is_err());
        assert_eq!(
            OrgTimezone::parse_or_utc("America/Chicago"),
            chrono_tz::America::Chicago
        );
        assert_eq!(OrgTimezone::parse_or_utc("Mars/Olympus"), chrono_tz::UTC);
    }
}
