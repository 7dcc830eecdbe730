//! What an inbound text asks for: opt out, opt back in, help, or nothing special.
//!
//! Twilio's defaults only react to a single keyword ("STOP PLEASE" is not an opt-out for
//! Twilio), but the FCC's 2024 revocation rule says any reasonable phrasing counts, so we
//! also honour short phrases that lead or end with an opt-out word.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmsKeyword {
    /// A carrier/Twilio standard keyword, already answered by Twilio itself.
    OptOut {
        standard: bool,
    },
    OptIn {
        standard: bool,
    },
    Help,
}

const OPT_OUT: &[&str] = &[
    "stop",
    "stopall",
    "unsubscribe",
    "cancel",
    "end",
    "quit",
    "revoke",
    "optout",
];
const OPT_OUT_PHRASES: &[&str] = &[
    "stop all",
    "opt out",
    "stop texting",
    "stop texting me",
    "stop messaging me",
    "no more texts",
    "leave me alone",
    "remove me",
    "unsubscribe me",
];
const OPT_IN: &[&str] = &["start", "yes", "unstop"];
const HELP: &[&str] = &["help", "info"];
/// Words that may pad an opt-out without changing its meaning ("stop please", "STOP!!! thanks",
/// "stop texting me").
const COURTESY: &[&str] = &[
    "please",
    "pls",
    "plz",
    "thanks",
    "thank",
    "you",
    "now",
    "it",
    "me",
    "asap",
    "all",
    "texting",
    "messaging",
    "texts",
    "messages",
    "sending",
    "sms",
];

impl SmsKeyword {
    /// Classifies a message body; case-, punctuation- and whitespace-insensitive.
    pub fn classify(body: &str) -> Option<Self> {
        let normalized: String = body
            .chars()
            .map(|c| {
                if c.is_alphanumeric() || c.is_whitespace() {
                    c.to_ascii_lowercase()
                } else {
                    ' '
                }
            })
            .collect();
        let words: Vec<&str> = normalized.split_whitespace().collect();
        let joined = words.join(" ");
        if words.len() == 1 {
            let w = words[0];
            if OPT_OUT.contains(&w) {
                return Some(SmsKeyword::OptOut { standard: true });
            }
            if OPT_IN.contains(&w) {
                return Some(SmsKeyword::OptIn { standard: true });
            }
            if HELP.contains(&w) {
                return Some(SmsKeyword::Help);
            }
            return None;
        }
        if words.is_empty() || words.len() > 6 {
            return None;
        }
        if OPT_OUT_PHRASES.contains(&joined.as_str()) {
            return Some(SmsKeyword::OptOut { standard: false });
        }
        // "stop please", "please stop", "STOP. thanks": one opt-out word plus courtesy words.
        let opt_out_words = words.iter().filter(|w| OPT_OUT.contains(w)).count();
        let rest_is_courtesy = words.iter().all(|w| OPT_OUT.contains(w) || COURTESY.contains(w));
        if opt_out_words >= 1 && rest_is_courtesy {
            return Some(SmsKeyword::OptOut { standard: false });
        }
        None
    }

    /// Twilio's `OptOutType` parameter (Advanced Opt-Out) is authoritative when present.
    pub fn from_twilio_opt_out_type(value: &str) -> Option<Self> {
        match value.to_ascii_uppercase().as_str() {
            "STOP" => Some(SmsKeyword::OptOut { standard: true }),
            "START" => Some(SmsKeyword::OptIn { standard: true }),
            "HELP" => Some(SmsKeyword::Help),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_keywords_in_any_case_and_punctuation() {
        for body in [
            "STOP",
            "stop",
            " Stop. ",
            "STOPALL",
            "unsubscribe",
            "CANCEL",
            "end",
            "Quit!",
            "REVOKE",
            "optout",
        ] {
            assert_eq!(
                SmsKeyword::classify(body),
                Some(SmsKeyword::OptOut { standard: true }),
                "{body:?}"
            );
        }
        for body in ["START", "yes", "Unstop"] {
            assert_eq!(
                SmsKeyword::classify(body),
                Some(SmsKeyword::OptIn { standard: true }),
                "{body:?}"
            );
        }
        for body in ["HELP", "info?"] {
            assert_eq!(SmsKeyword::classify(body), Some(SmsKeyword::Help), "{body:?}");
        }
    }

    #[test]
    fn plain_phrasings_opt_out_too() {
        for body in [
            "stop please",
            "Please STOP",
            "STOP ALL",
            "stop all",
            "opt out",
            "Stop texting me!",
            "STOP. Thanks",
            "no more texts",
            "Stop texting me please!",
        ] {
            assert_eq!(
                SmsKeyword::classify(body),
                Some(SmsKeyword::OptOut { standard: false }),
                "{body:?}"
            );
        }
    }

    #[test]
    fn ordinary_messages_are_not_keywords() {
        for body in [
            "",
            "Can you stop by tomorrow?",
            "my furnace won't start",
            "yes please come at 3",
            "The heat stopped working",
            "Don't stop, I need help with my AC unit before the weekend please",
        ] {
            assert_eq!(SmsKeyword::classify(body), None, "{body:?}");
        }
    }

    #[test]
    fn twilio_opt_out_type() {
        assert_eq!(
            SmsKeyword::from_twilio_opt_out_type("STOP"),
            Some(SmsKeyword::OptOut { standard: true })
        );
        assert_eq!(
            SmsKeyword::from_twilio_opt_out_type("START"),
            Some(SmsKeyword::OptIn { standard: true })
        );
        assert_eq!(SmsKeyword::from_twilio_opt_out_type("HELP"), Some(SmsKeyword::Help));
        assert_eq!(SmsKeyword::from_twilio_opt_out_type("OTHER"), None);
    }
}
