//! What staff type into the inbox search box. The common lookups — the last four digits of
//! a number, or a whole number in any everyday format — become exact, indexed matches; any
//! other text is a substring match on number and name.

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LeadSearch {
    /// Exactly four digits: the end of the caller's number.
    Last4(String),
    /// A whole number, as E.164 ("+15125550143").
    Number(String),
    /// Anything else, lowercased, wildcard characters removed.
    Text(String),
}

impl LeadSearch {
    /// `None` for an empty search.
    pub fn parse(raw: &str) -> Option<Self> {
        let raw = raw.trim();
        if raw.is_empty() {
            return None;
        }
        let is_phoneish = raw
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '-' | '(' | ')' | '.' | '+'));
        let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
        if is_phoneish && !digits.is_empty() {
            let international = raw.starts_with('+');
            match digits.len() {
                4 if !international => return Some(Self::Last4(digits)),
                // North American numbers as people write them
                10 if !international => return Some(Self::Number(format!("+1{digits}"))),
                11 if digits.starts_with('1') => return Some(Self::Number(format!("+{digits}"))),
                8..=15 if international => return Some(Self::Number(format!("+{digits}"))),
                _ => {}
            }
        }
        let text: String = raw.to_lowercase().chars().filter(|c| !matches!(c, '%' | '_')).collect();
        (!text.is_empty()).then_some(Self::Text(text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn everyday_number_formats_become_exact_lookups() {
        assert_eq!(LeadSearch::parse("2671"), Some(LeadSearch::Last4("2671".into())));
        for raw in [
            "(415) 555-2671",
            "415.555.2671",
            "4155552671",
            "1 415 555 2671",
            "+1 415-555-2671",
        ] {
            assert_eq!(
                LeadSearch::parse(raw),
                Some(LeadSearch::Number("+14155552671".into())),
                "{raw}"
            );
        }
        assert_eq!(
            LeadSearch::parse("+44 20 7946 0958"),
            Some(LeadSearch::Number("+442079460958".into()))
        );
    }

    #[test]
    fn other_text_is_a_substring_search_without_wildcards() {
        assert_eq!(
            LeadSearch::parse("  Jane_Doe% "),
            Some(LeadSearch::Text("janedoe".into()))
        );
        assert_eq!(LeadSearch::parse("555"), Some(LeadSearch::Text("555".into())));
        assert_eq!(LeadSearch::parse("12345"), Some(LeadSearch::Text("12345".into())));
        assert_eq!(LeadSearch::parse("   "), None);
        assert_eq!(LeadSearch::parse("%_"), None);
    }
}
