//! Twilio's words for a call, parsed at the webhook edge. Both keep a value Twilio may add
//! later ([`CallStatus::Other`], [`DialCallStatus::Other`]) and store it as sent: a call is
//! never refused for a status we have not met.

use super::text_code::text_code;

/// `CallStatus` of a voice status callback (`calls.status`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum CallStatus {
    Queued,
    Initiated,
    Ringing,
    InProgress,
    Completed,
    Busy,
    Failed,
    NoAnswer,
    Canceled,
    Other(String),
}

text_code!(CallStatus, "call status", infallible);

impl CallStatus {
    const KNOWN: [CallStatus; 9] = [
        CallStatus::Queued,
        CallStatus::Initiated,
        CallStatus::Ringing,
        CallStatus::InProgress,
        CallStatus::Completed,
        CallStatus::Busy,
        CallStatus::Failed,
        CallStatus::NoAnswer,
        CallStatus::Canceled,
    ];

    pub fn parse(s: &str) -> Self {
        Self::KNOWN
            .into_iter()
            .find(|status| status.as_str() == s)
            .unwrap_or_else(|| CallStatus::Other(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        match self {
            CallStatus::Queued => "queued",
            CallStatus::Initiated => "initiated",
            CallStatus::Ringing => "ringing",
            CallStatus::InProgress => "in-progress",
            CallStatus::Completed => "completed",
            CallStatus::Busy => "busy",
            CallStatus::Failed => "failed",
            CallStatus::NoAnswer => "no-answer",
            CallStatus::Canceled => "canceled",
            CallStatus::Other(s) => s,
        }
    }

    /// The call is over: no further status can follow.
    pub fn is_terminal(&self) -> bool {
        matches!(
            self,
            CallStatus::Completed | CallStatus::Busy | CallStatus::Failed | CallStatus::NoAnswer | CallStatus::Canceled
        )
    }
}

/// `DialCallStatus` of a `<Dial>` action callback: how the office phones' leg ended
/// (`calls.dial_call_status`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum DialCallStatus {
    Completed,
    Answered,
    Busy,
    NoAnswer,
    Failed,
    Canceled,
    Other(String),
}

text_code!(DialCallStatus, "dial call status", infallible);

impl DialCallStatus {
    const KNOWN: [DialCallStatus; 6] = [
        DialCallStatus::Completed,
        DialCallStatus::Answered,
        DialCallStatus::Busy,
        DialCallStatus::NoAnswer,
        DialCallStatus::Failed,
        DialCallStatus::Canceled,
    ];

    pub fn parse(s: &str) -> Self {
        Self::KNOWN
            .into_iter()
            .find(|status| status.as_str() == s)
            .unwrap_or_else(|| DialCallStatus::Other(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        match self {
            DialCallStatus::Completed => "completed",
            DialCallStatus::Answered => "answered",
            DialCallStatus::Busy => "busy",
            DialCallStatus::NoAnswer => "no-answer",
            DialCallStatus::Failed => "failed",
            DialCallStatus::Canceled => "canceled",
            DialCallStatus::Other(s) => s,
        }
    }

    /// Someone at the office picked up.
    pub fn answered(&self) -> bool {
        matches!(self, DialCallStatus::Completed | DialCallStatus::Answered)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_statuses_round_trip_and_unknown_ones_are_kept_as_sent() {
        for status in CallStatus::KNOWN {
            assert_eq!(CallStatus::parse(status.as_str()), status);
        }
        for status in DialCallStatus::KNOWN {
            assert_eq!(DialCallStatus::parse(status.as_str()), status);
        }
        assert_eq!(CallStatus::parse("on-hold"), CallStatus::Other("on-hold".into()));
        assert_eq!(CallStatus::parse("on-hold").as_str(), "on-hold");
        assert!(!CallStatus::parse("on-hold").is_terminal());
        assert!(CallStatus::NoAnswer.is_terminal() && !CallStatus::Ringing.is_terminal());
        assert!(DialCallStatus::parse("answered").answered());
        assert!(!DialCallStatus::parse("no-answer").answered());
        assert!(
            !DialCallStatus::parse("Completed").answered(),
            "codes are case-sensitive"
        );
    }
}
