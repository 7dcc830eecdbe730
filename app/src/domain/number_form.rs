//! The tracked-number forms (`/app/numbers`): adding a number and changing its label,
//! forward-to numbers and ring timeout. What they post is parsed once into typed
//! [`NumberSettings`], with an error naming each wrong field; numbers may be typed in any
//! everyday format ([`E164Phone::parse_everyday`]). The audit trail compares settings
//! (before → after) in the same canonical values.

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::domain::E164Phone;

/// A label such as "Main line" or "Google Ads".
pub const LABEL_MAX: usize = 80;
/// Office phones rung together.
pub const FORWARD_MAX: usize = 10;
pub const RING_TIMEOUT_MIN: u32 = 5;
/// Twilio's own limit for `<Dial timeout>`.
pub const RING_TIMEOUT_MAX: u32 = 600;
/// Short enough that the office phones' carrier voicemail never answers first.
pub const RING_TIMEOUT_DEFAULT: u32 = 12;
/// Most carriers send an unanswered call to voicemail after about 20–25 s of ringing.
/// Ringing longer than this risks the office phone's voicemail answering the call: it then
/// counts as answered, and the caller gets no text-back.
pub const VOICEMAIL_RISK_SECS: u32 = 20;

/// Whether ringing this long risks the office phone's voicemail answering first.
pub fn voicemail_risk(ring_timeout_secs: u32) -> bool {
    ring_timeout_secs > VOICEMAIL_RISK_SECS
}

/// What the add and edit forms post (and the edit form shows), as typed.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct NumberForm {
    pub label: String,
    /// One number per line or separated by commas, in any everyday format.
    pub forward_to: String,
    pub ring_timeout_secs: String,
}

/// A tracked number's settings, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NumberSettings {
    /// Trimmed; may be empty.
    pub label: String,
    /// At least one, at most [`FORWARD_MAX`], no repeats.
    pub forward_to: Vec<E164Phone>,
    pub ring_timeout_secs: u32,
}

/// One field's error. [`NumberFormError::field`] names the form field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NumberFormError {
    #[error("Number: write a phone number such as (512) 555-0134 or +1 512 555 0134.")]
    NumberUnreadable,
    #[error("Number: {0} is not a dialable phone number. Check the area code and the number of digits.")]
    NumberUndialable(String),
    #[error("Number: {0} is already tracked in CallSnare. A number can be tracked by one account at a time; remove it there first.")]
    NumberTaken(String),
    #[error("The label must be at most {} characters.", LABEL_MAX)]
    LabelTooLong,
    #[error("Forward to: add at least one office phone to ring.")]
    ForwardEmpty,
    #[error("Forward to: \"{0}\" is not a dialable phone number; write one number per line, such as (512) 555-0134.")]
    ForwardUnreadable(String),
    #[error("Forward to: at most {} numbers.", FORWARD_MAX)]
    ForwardTooMany,
    #[error("Forward to: a tracked number can't ring itself; list the office phones it should ring.")]
    ForwardsToItself,
    #[error(
        "Ring timeout: a whole number of seconds from {} to {}.",
        RING_TIMEOUT_MIN,
        RING_TIMEOUT_MAX
    )]
    RingTimeout,
}

impl NumberFormError {
    /// The form field (and server-function argument) this error is about.
    pub fn field(&self) -> &'static str {
        match self {
            NumberFormError::NumberUnreadable
            | NumberFormError::NumberUndialable(_)
            | NumberFormError::NumberTaken(_) => "number",
            NumberFormError::LabelTooLong => "label",
            NumberFormError::ForwardEmpty
            | NumberFormError::ForwardUnreadable(_)
            | NumberFormError::ForwardTooMany
            | NumberFormError::ForwardsToItself => "forward_to",
            NumberFormError::RingTimeout => "ring_timeout_secs",
        }
    }
}

/// The label of a form field, for pointing at it (`None` for anything else, e.g. a field
/// name from a URL that is not ours).
pub fn field_label(field: &str) -> Option<&'static str> {
    Some(match field {
        "number" => "Number",
        "label" => "Label",
        "forward_to" => "Forward to",
        "ring_timeout_secs" => "Ring timeout",
        _ => return None,
    })
}

/// The tracked number typed in the add form.
pub fn parse_number(s: &str) -> Result<E164Phone, NumberFormError> {
    E164Phone::parse_everyday(s).map_err(|e| match e {
        crate::domain::phone::PhoneParseError::NotDialable(n) => NumberFormError::NumberUndialable(n),
        crate::domain::phone::PhoneParseError::NotE164 => NumberFormError::NumberUnreadable,
    })
}

impl NumberForm {
    /// Every field parsed; all the errors, one per wrong field, when any is. `number` is the
    /// tracked number itself when known (it may not be one of its own forward-to numbers).
    pub fn parse(&self, number: Option<&E164Phone>) -> Result<NumberSettings, Vec<NumberFormError>> {
        let mut errors = Vec::new();
        let label = self.label.trim();
        if label.chars().count() > LABEL_MAX {
            errors.push(NumberFormError::LabelTooLong);
        }
        let forward_to = match parse_forward_to(&self.forward_to) {
            Ok(list) if number.is_some_and(|n| list.contains(n)) => {
                errors.push(NumberFormError::ForwardsToItself);
                None
            }
            Ok(list) => Some(list),
            Err(e) => {
                errors.push(e);
                None
            }
        };
        let ring_timeout_secs = parse_seconds(&self.ring_timeout_secs);
        if ring_timeout_secs.is_none() {
            errors.push(NumberFormError::RingTimeout);
        }
        match (forward_to, ring_timeout_secs) {
            (Some(forward_to), Some(ring_timeout_secs)) if errors.is_empty() => Ok(NumberSettings {
                label: label.to_owned(),
                forward_to,
                ring_timeout_secs,
            }),
            _ => Err(errors),
        }
    }
}

/// Forward-to numbers, one per line or separated by commas or semicolons; blank entries are
/// skipped and repeats dropped.
fn parse_forward_to(s: &str) -> Result<Vec<E164Phone>, NumberFormError> {
    let mut out: Vec<E164Phone> = Vec::new();
    for entry in s.split([',', ';', '\n', '\r']).map(str::trim).filter(|e| !e.is_empty()) {
        let phone = E164Phone::parse_everyday(entry).map_err(|_| {
            // at most a number's worth of what was typed goes back in the message
            NumberFormError::ForwardUnreadable(entry.chars().take(30).collect())
        })?;
        if !out.contains(&phone) {
            out.push(phone);
        }
    }
    if out.is_empty() {
        return Err(NumberFormError::ForwardEmpty);
    }
    if out.len() > FORWARD_MAX {
        return Err(NumberFormError::ForwardTooMany);
    }
    Ok(out)
}

/// A whole number of seconds within the ring timeout's range.
fn parse_seconds(s: &str) -> Option<u32> {
    let s = s.trim();
    if s.is_empty() || s.len() > 4 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse()
        .ok()
        .filter(|n| (RING_TIMEOUT_MIN..=RING_TIMEOUT_MAX).contains(n))
}

impl NumberSettings {
    /// The settings as the edit form shows them: forward-to numbers one per line, in
    /// everyday form.
    pub fn to_form(&self) -> NumberForm {
        NumberForm {
            label: self.label.clone(),
            forward_to: self
                .forward_to
                .iter()
                .map(E164Phone::everyday)
                .collect::<Vec<_>>()
                .join("\n"),
            ring_timeout_secs: self.ring_timeout_secs.to_string(),
        }
    }

    /// Each field's value as the audit trail records it.
    pub fn entries(&self) -> [(&'static str, Value); 3] {
        [
            ("label", json!(self.label)),
            ("forward_to", json!(self.forward_to)),
            ("ring_timeout_secs", json!(self.ring_timeout_secs)),
        ]
    }

    /// `{field: {"before": …, "after": …}}` for each field that differs in `after`.
    pub fn changes_to(&self, after: &Self) -> Map<String, Value> {
        self.entries()
            .into_iter()
            .zip(after.entries())
            .filter(|((_, b), (_, a))| a != b)
            .map(|((field, before), (_, after))| (field.to_owned(), json!({ "before": before, "after": after })))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn good() -> NumberForm {
        NumberForm {
            label: "  Google Ads ".into(),
            forward_to: "(415) 555-0101\r\n+1 415 555 0102, 415.555.0101\n\n".into(),
            ring_timeout_secs: "15".into(),
        }
    }

    #[test]
    fn a_good_form_parses_into_canonical_settings() {
        let s = good().parse(None).unwrap();
        assert_eq!(s.label, "Google Ads");
        let forward: Vec<&str> = s.forward_to.iter().map(E164Phone::as_str).collect();
        assert_eq!(forward, ["+14155550101", "+14155550102"]);
        assert_eq!(s.ring_timeout_secs, 15);
        let form = s.to_form();
        assert_eq!(form.forward_to, "(415) 555-0101\n(415) 555-0102");
        assert_eq!(form.parse(None).unwrap(), s);
    }

    fn case(break_it: fn(&mut NumberForm), field: &'static str) -> (fn(&mut NumberForm), &'static str) {
        (break_it, field)
    }

    #[test]
    fn each_wrong_field_is_named() {
        let cases = [
            case(|f| f.label = "a".repeat(81), "label"),
            case(|f| f.forward_to = " \n ".into(), "forward_to"),
            case(|f| f.forward_to = "(415) 555-0101\nthe office".into(), "forward_to"),
            case(
                |f| {
                    f.forward_to = (0..11)
                        .map(|i| format!("+1415555{:04}", 110 + i))
                        .collect::<Vec<_>>()
                        .join(",")
                },
                "forward_to",
            ),
            case(|f| f.ring_timeout_secs = "4".into(), "ring_timeout_secs"),
            case(|f| f.ring_timeout_secs = "601".into(), "ring_timeout_secs"),
            case(|f| f.ring_timeout_secs = "twelve".into(), "ring_timeout_secs"),
        ];
        for (break_it, field) in cases {
            let mut f = good();
            break_it(&mut f);
            let errors = f.parse(None).unwrap_err();
            assert_eq!(errors.len(), 1, "{field}: {errors:?}");
            assert_eq!(errors[0].field(), field, "{errors:?}");
            assert!(field_label(field).is_some());
        }
    }

    #[test]
    fn a_number_may_not_ring_itself() {
        let me = E164Phone::parse("+14155550102").unwrap();
        let errors = good().parse(Some(&me)).unwrap_err();
        assert_eq!(errors, [NumberFormError::ForwardsToItself]);
    }

    #[test]
    fn every_wrong_field_is_reported_at_once() {
        let f = NumberForm {
            label: "x".repeat(100),
            forward_to: String::new(),
            ring_timeout_secs: "0".into(),
        };
        let fields: Vec<&str> = f.parse(None).unwrap_err().iter().map(NumberFormError::field).collect();
        assert_eq!(fields, ["label", "forward_to", "ring_timeout_secs"]);
    }

    #[test]
    fn the_tracked_number_in_any_everyday_format() {
        assert_eq!(parse_number("(512) 555-0134").unwrap().as_str(), "+15125550134");
        assert_eq!(parse_number("555-0134"), Err(NumberFormError::NumberUnreadable));
        assert_eq!(parse_number("call me"), Err(NumberFormError::NumberUnreadable));
        assert_eq!(parse_number("(512) 555-0134").unwrap().everyday(), "(512) 555-0134");
    }

    #[test]
    fn ringing_past_twenty_seconds_risks_voicemail() {
        assert!(!voicemail_risk(RING_TIMEOUT_DEFAULT) && !voicemail_risk(20));
        assert!(voicemail_risk(21) && voicemail_risk(25));
    }

    #[test]
    fn changes_name_only_what_differs() {
        let before = good().parse(None).unwrap();
        let mut after = before.clone();
        assert!(before.changes_to(&after).is_empty());
        after.ring_timeout_secs = 25;
        after.forward_to.truncate(1);
        assert_eq!(
            Value::Object(before.changes_to(&after)),
            json!({
                "forward_to": {"before": ["+14155550101", "+14155550102"], "after": ["+14155550101"]},
                "ring_timeout_secs": {"before": 15, "after": 25},
            })
        );
    }
}
