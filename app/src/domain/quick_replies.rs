//! The org's quick replies: one-tap texts on the lead page that fill the message box (never
//! send by themselves). Edited on the settings page as one reply per line.

use super::limits::REPLY_BODY_MAX;

/// At most this many (they are one-tap buttons above the message box).
pub const QUICK_REPLIES_MAX: usize = 10;

/// What an org that never saved its own gets.
pub const DEFAULT_QUICK_REPLIES: [&str; 3] = [
    "We're on it — a technician will call you shortly.",
    "Can you send a photo of the unit's model label?",
    "What's the best time for us to come by?",
];

/// The replies as typed, blank lines dropped and each trimmed; in the order typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuickReplies(Vec<String>);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum QuickRepliesError {
    // The numbers are QUICK_REPLIES_MAX and REPLY_BODY_MAX (a test keeps them in step).
    #[error("At most 10 quick replies, one per line.")]
    TooMany,
    #[error("Each quick reply must be at most 1600 characters (a reply's limit).")]
    TooLong,
}

impl QuickReplies {
    /// One reply per line of `text`.
    pub fn parse(text: &str) -> Result<Self, QuickRepliesError> {
        let replies: Vec<String> = text
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty())
            .map(str::to_owned)
            .collect();
        if replies.len() > QUICK_REPLIES_MAX {
            return Err(QuickRepliesError::TooMany);
        }
        if replies.iter().any(|r| r.chars().count() > REPLY_BODY_MAX) {
            return Err(QuickRepliesError::TooLong);
        }
        Ok(Self(replies))
    }

    pub fn defaults() -> Vec<String> {
        DEFAULT_QUICK_REPLIES.iter().map(|r| (*r).to_owned()).collect()
    }

    pub fn as_slice(&self) -> &[String] {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_reply_per_line_blank_lines_dropped_and_trimmed() {
        let r = QuickReplies::parse("  On our way!  \r\n\n\t\nCall us back?\n").unwrap();
        assert_eq!(r.as_slice(), ["On our way!", "Call us back?"]);
        assert!(QuickReplies::parse("\n \n").unwrap().as_slice().is_empty());
    }

    #[test]
    fn the_messages_name_the_limits() {
        assert!(QuickRepliesError::TooMany
            .to_string()
            .contains(&QUICK_REPLIES_MAX.to_string()));
        assert!(QuickRepliesError::TooLong
            .to_string()
            .contains(&REPLY_BODY_MAX.to_string()));
    }

    #[test]
    fn at_most_ten_replies_of_at_most_a_replys_length() {
        let ten = ["ok"; 10].join("\n");
        assert!(QuickReplies::parse(&ten).is_ok());
        assert_eq!(
            QuickReplies::parse(&format!("{ten}\nmore")),
            Err(QuickRepliesError::TooMany)
        );
        assert!(QuickReplies::parse(&"é".repeat(REPLY_BODY_MAX)).is_ok());
        assert_eq!(
            QuickReplies::parse(&"a".repeat(REPLY_BODY_MAX + 1)),
            Err(QuickRepliesError::TooLong)
        );
    }
}
