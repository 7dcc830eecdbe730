//! How a lead began. The codes are stored in `leads.source`.

use super::text_code::text_code;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LeadSource {
    /// A forwarded call nobody answered.
    MissedCall,
    /// A call while the business was closed.
    AfterHours,
    /// The caller hung up before the office phones had their chance.
    Abandoned,
    /// A text before any call.
    TextFirst,
}

text_code!(LeadSource, "lead source");

impl LeadSource {
    pub const ALL: [LeadSource; 4] = [
        LeadSource::MissedCall,
        LeadSource::AfterHours,
        LeadSource::Abandoned,
        LeadSource::TextFirst,
    ];

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|source| source.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            LeadSource::MissedCall => "missed_call",
            LeadSource::AfterHours => "after_hours",
            LeadSource::Abandoned => "abandoned",
            LeadSource::TextFirst => "text_first",
        }
    }

    /// The inbox's words for it.
    pub fn label(self) -> &'static str {
        match self {
            LeadSource::MissedCall => "Missed call",
            LeadSource::AfterHours => "After hours",
            LeadSource::Abandoned => "Hung up",
            LeadSource::TextFirst => "Texted first",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for source in LeadSource::ALL {
            assert_eq!(LeadSource::parse(source.as_str()), Some(source));
        }
        assert_eq!(LeadSource::parse("walk_in"), None);
    }
}
