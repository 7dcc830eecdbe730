//! Where a lead stands. The codes are stored in `leads.status` (and checked by the schema's
//! `leads_status_check`) and posted by the inbox forms.

use super::text_code::text_code;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LeadStatus {
    New,
    Contacted,
    Booked,
    Lost,
    Spam,
}

text_code!(LeadStatus, "lead status");

impl LeadStatus {
    /// In the order the inbox's status selects list them.
    pub const ALL: [LeadStatus; 5] = [
        LeadStatus::New,
        LeadStatus::Contacted,
        LeadStatus::Booked,
        LeadStatus::Lost,
        LeadStatus::Spam,
    ];

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            LeadStatus::New => "new",
            LeadStatus::Contacted => "contacted",
            LeadStatus::Booked => "booked",
            LeadStatus::Lost => "lost",
            LeadStatus::Spam => "spam",
        }
    }

    /// `lost` and `spam` close the lead; the caller's next contact opens a new one.
    pub fn is_open(self) -> bool {
        !matches!(self, LeadStatus::Lost | LeadStatus::Spam)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_unknown_codes_are_refused() {
        for status in LeadStatus::ALL {
            assert_eq!(LeadStatus::parse(status.as_str()), Some(status));
        }
        assert_eq!(LeadStatus::parse("done"), None);
        assert_eq!(LeadStatus::parse("New"), None);
        assert_eq!(serde_json::to_string(&LeadStatus::Contacted).unwrap(), "\"contacted\"");
        assert!(!LeadStatus::Spam.is_open() && LeadStatus::Booked.is_open());
    }
}
