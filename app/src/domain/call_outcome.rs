//! How a call ended for the business, set once per call (`calls.outcome`) and never
//! regressed by late callbacks.

use super::{lead_source::LeadSource, text_code::text_code};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CallOutcome {
    /// Someone at the office picked up.
    Answered,
    /// The office phones rang out.
    Missed,
    /// The caller hung up before any dial result.
    Abandoned,
    /// The business was closed; the caller heard the after-hours greeting.
    AfterHours,
}

text_code!(CallOutcome, "call outcome");

impl CallOutcome {
    pub const ALL: [CallOutcome; 4] = [
        CallOutcome::Answered,
        CallOutcome::Missed,
        CallOutcome::Abandoned,
        CallOutcome::AfterHours,
    ];

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|outcome| outcome.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            CallOutcome::Answered => "answered",
            CallOutcome::Missed => "missed",
            CallOutcome::Abandoned => "abandoned",
            CallOutcome::AfterHours => "after_hours",
        }
    }

    /// The source of a lead this call opens.
    pub fn lead_source(self) -> LeadSource {
        match self {
            CallOutcome::AfterHours => LeadSource::AfterHours,
            CallOutcome::Abandoned => LeadSource::Abandoned,
            CallOutcome::Answered | CallOutcome::Missed => LeadSource::MissedCall,
        }
    }

    /// The inbox timeline's words for it.
    pub fn label(self) -> &'static str {
        match self {
            CallOutcome::Missed => "Missed call",
            CallOutcome::AfterHours => "Call after hours",
            CallOutcome::Abandoned => "Caller hung up before anyone answered",
            CallOutcome::Answered => "Answered call",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_map_to_lead_sources() {
        for outcome in CallOutcome::ALL {
            assert_eq!(CallOutcome::parse(outcome.as_str()), Some(outcome));
        }
        assert_eq!(CallOutcome::AfterHours.lead_source().as_str(), "after_hours");
        assert_eq!(CallOutcome::Abandoned.lead_source().as_str(), "abandoned");
        assert_eq!(CallOutcome::Missed.lead_source().as_str(), "missed_call");
    }
}
