//! Who called: a textable number, or a withheld/anonymous caller ID we must never text.

use crate::domain::E164Phone;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    Number(E164Phone),
    /// "anonymous", "Restricted", "+266696687" (Twilio's placeholder), empty, or junk.
    Withheld(String),
}

/// Twilio reports withheld caller ID with this placeholder number.
const TWILIO_ANONYMOUS: &str = "+266696687";

impl Caller {
    pub fn from_twilio(raw: &str) -> Self {
        if raw == TWILIO_ANONYMOUS {
            return Caller::Withheld(raw.to_owned());
        }
        match E164Phone::parse(raw) {
            Ok(p) => Caller::Number(p),
            Err(_) => Caller::Withheld(raw.to_owned()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            Caller::Number(p) => p.as_str(),
            Caller::Withheld(s) => s,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn withheld_forms() {
        for raw in ["anonymous", "Restricted", "+266696687", "", "Unknown"] {
            assert!(matches!(Caller::from_twilio(raw), Caller::Withheld(_)), "{raw:?}");
        }
        assert!(matches!(Caller::from_twilio("+14158675309"), Caller::Number(_)));
    }
}
