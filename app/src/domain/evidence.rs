//! The webhook evidence viewer's vocabulary: the callback routes and verdicts one may filter
//! by, the retention setting's bounds, which provider id (CallSid, MessageSid) a stored
//! delivery key names, and how a stored payload is shown (form fields as a table, JSON
//! pretty-printed, anything else as plain text). Pure: no I/O, compiled for both targets.

use crate::domain::{phone::PhoneParseError, E164Phone};

/// The callback routes evidence is stored for, with what the page calls them. (The server's
/// `webhooks::twilio::Route::path` and `webhooks::stripe::PATH` must list the same paths;
/// a server test checks it.)
pub const ROUTES: [(&str, &str); 6] = [
    ("/api/twilio/voice/inbound", "Voice: incoming call"),
    ("/api/twilio/voice/dial-complete", "Voice: office phones done ringing"),
    ("/api/twilio/voice/status", "Voice: call status"),
    ("/api/twilio/sms/inbound", "SMS: incoming text"),
    ("/api/twilio/sms/status", "SMS: delivery status"),
    ("/api/stripe/webhook", "Billing: Stripe event"),
];

/// The signature verdicts a stored callback can have (refused ones are never stored).
pub const VERDICTS: [(&str, &str); 2] = [
    ("valid", "Valid signature"),
    ("not_checked", "Not checked (sandbox without a token or secret)"),
];

/// Outcome words worth offering as suggestions in the outcome filter (it matches any part).
pub const OUTCOME_SUGGESTIONS: [&str; 15] = [
    "forwarded",
    "answered",
    "missed",
    "abandoned",
    "after_hours",
    "text_back=",
    "status",
    "child_leg",
    "message",
    "opt_out",
    "unknown_number",
    "stale",
    "subscription",
    "invoice",
    "unmatched",
];

/// How long a stored callback's payload and headers are kept, by default and at most/least.
pub const RETENTION_DEFAULT_DAYS: i64 = 180;
pub const RETENTION_MIN_DAYS: i64 = 7;
pub const RETENTION_MAX_DAYS: i64 = 3650;
/// The outcome filter's longest input.
pub const OUTCOME_FILTER_MAX: usize = 60;

pub fn route_label(route: &str) -> &'static str {
    ROUTES
        .iter()
        .find(|(path, _)| *path == route)
        .map_or("Other callback", |(_, label)| label)
}

pub fn verdict_label(verdict: &str) -> &'static str {
    VERDICTS
        .iter()
        .find(|(code, _)| *code == verdict)
        .map_or("Unknown", |(_, label)| label)
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Keep payloads from {RETENTION_MIN_DAYS} to {RETENTION_MAX_DAYS} days (a whole number).")]
pub struct RetentionError;

/// The retention setting as typed: a whole number of days in range.
pub fn parse_retention_days(s: &str) -> Result<i64, RetentionError> {
    let days: i64 = s.trim().parse().map_err(|_| RetentionError)?;
    if (RETENTION_MIN_DAYS..=RETENTION_MAX_DAYS).contains(&days) {
        Ok(days)
    } else {
        Err(RetentionError)
    }
}

/// The provider id a stored delivery key names: the CallSid of a voice key
/// (`voice.<event>:<To>:<CallSid>[:…]`), the MessageSid of an SMS key
/// (`sms.<event>:<MessageSid>[:…]`). Calls and texts carry the same id, so this links a
/// callback to its lead.
pub fn sid_of_key(key: &str) -> Option<&str> {
    let mut parts = key.split(':');
    let kind = parts.next()?;
    let sid = if kind.starts_with("voice.") {
        parts.nth(1)?
    } else if kind.starts_with("sms.") {
        parts.next()?
    } else {
        return None;
    };
    is_provider_sid(sid).then_some(sid)
}

/// A provider id as Twilio writes them (`CA…`, `SM…`, `MM…`): letters and digits.
pub fn is_provider_sid(s: &str) -> bool {
    (10..=64).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// A phone number as someone types it into a filter: E.164, or a North American number
/// with spaces, dashes, dots or parentheses (`(415) 555-0123`, `1 415 555 0123`).
pub fn parse_phone_filter(s: &str) -> Result<E164Phone, PhoneParseError> {
    let trimmed = s.trim();
    let plus = trimmed.starts_with('+');
    let digits: String = trimmed.chars().filter(char::is_ascii_digit).collect();
    let tidy = trimmed
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '-' | '.' | '(' | ')' | '+'));
    if !tidy {
        return Err(PhoneParseError::NotE164);
    }
    let e164 = match (plus, digits.len()) {
        (true, _) => format!("+{digits}"),
        (false, 10) => format!("+1{digits}"),
        (false, 11) if digits.starts_with('1') => format!("+{digits}"),
        _ => return Err(PhoneParseError::NotE164),
    };
    E164Phone::parse(&e164)
}

/// A stored payload as the viewer shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PayloadShape {
    /// `application/x-www-form-urlencoded`: its fields, in order, decoded.
    Form(Vec<(String, String)>),
    /// JSON, pretty-printed.
    Json(String),
    /// Anything else, as it was received.
    Text(String),
    /// Blanked by the retention job (or empty as received).
    Empty,
}

/// How to show `payload`, given the stored `content-type` header (if kept).
pub fn payload_shape(payload: &str, content_type: Option<&str>) -> PayloadShape {
    if payload.is_empty() {
        return PayloadShape::Empty;
    }
    let ct = content_type.unwrap_or_default().to_ascii_lowercase();
    let trimmed = payload.trim_start();
    if ct.contains("json") || trimmed.starts_with('{') || trimmed.starts_with('[') {
        if let Ok(value) = serde_json::from_str::<serde_json::Value>(payload) {
            if let Ok(pretty) = serde_json::to_string_pretty(&value) {
                return PayloadShape::Json(pretty);
            }
        }
    }
    if ct.is_empty() || ct.starts_with("application/x-www-form-urlencoded") {
        if let Some(fields) = decode_form(payload) {
            return PayloadShape::Form(fields);
        }
    }
    PayloadShape::Text(payload.to_owned())
}

/// Decodes `application/x-www-form-urlencoded` text (`+` is a space, `%XX` a byte; bytes
/// that are not UTF-8 are replaced). `None` when it does not look like form data: a pair
/// without `=`, or a broken `%` escape.
pub fn decode_form(s: &str) -> Option<Vec<(String, String)>> {
    let mut out = Vec::new();
    for pair in s.split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=')?;
        out.push((percent_decode(name)?, percent_decode(value)?));
    }
    (!out.is_empty()).then_some(out)
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = bytes.get(i + 1..i + 3)?;
                let hex = std::str::from_utf8(hex).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    Some(String::from_utf8_lossy(&out).into_owned())
}

/// `?name=value&…` for a link to the viewer, leaving out empty values; values are
/// percent-encoded (everything but letters, digits and `-._~`). Empty when nothing is left.
pub fn query_string(pairs: &[(&str, &str)]) -> String {
    let parts: Vec<String> = pairs
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", percent_encode(v)))
        .collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!("?{}", parts.join("&"))
    }
}

fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_name_their_call_or_message() {
        let call = "CA0000000000000000000000000000000a";
        assert_eq!(sid_of_key(&format!("voice.inbound:+14155550100:{call}")), Some(call));
        assert_eq!(
            sid_of_key(&format!("voice.status:+14155550100:{call}:completed:3")),
            Some(call)
        );
        assert_eq!(sid_of_key("sms.inbound:SM1234567890abcdef"), Some("SM1234567890abcdef"));
        assert_eq!(
            sid_of_key("sms.status:SM1234567890abcdef:delivered:"),
            Some("SM1234567890abcdef")
        );
        assert_eq!(sid_of_key("stripe:evt_1"), None);
        assert_eq!(sid_of_key("voice.inbound:+1415"), None);
        assert_eq!(sid_of_key("sms.inbound:SM%27 OR 1"), None);
    }

    #[test]
    fn form_payloads_become_fields_and_json_is_pretty() {
        let shape = payload_shape(
            "From=%2B14155552671&Body=Hi+%3Cb%3Ethere%3C%2Fb%3E&Empty=",
            Some("application/x-www-form-urlencoded"),
        );
        assert_eq!(
            shape,
            PayloadShape::Form(vec![
                ("From".into(), "+14155552671".into()),
                ("Body".into(), "Hi <b>there</b>".into()),
                ("Empty".into(), String::new()),
            ])
        );
        assert_eq!(
            payload_shape("{\"a\":1}", Some("application/json")),
            PayloadShape::Json("{\n  \"a\": 1\n}".into())
        );
        assert_eq!(payload_shape("", None), PayloadShape::Empty);
        assert_eq!(
            payload_shape("not form data", Some("text/plain")),
            PayloadShape::Text("not form data".into())
        );
        assert_eq!(decode_form("a=%zz"), None);
        assert_eq!(decode_form("a=%4"), None);
        assert_eq!(decode_form("no pairs here"), None);
    }

    #[test]
    fn retention_is_a_whole_number_of_days_in_range() {
        assert_eq!(parse_retention_days("180"), Ok(180));
        assert_eq!(parse_retention_days(" 7 "), Ok(7));
        assert_eq!(parse_retention_days("3650"), Ok(3650));
        for bad in ["6", "3651", "", "ninety", "30.5", "-1"] {
            assert_eq!(parse_retention_days(bad), Err(RetentionError), "{bad}");
        }
    }

    #[test]
    fn phone_filters_accept_what_people_type() {
        for typed in ["+14155552671", "(415) 555-2671", "415.555.2671", "1 415 555 2671"] {
            assert_eq!(parse_phone_filter(typed).unwrap().as_str(), "+14155552671", "{typed}");
        }
        for bad in ["555-2671", "4155552671x", "%", "+1415' OR 1=1"] {
            assert!(parse_phone_filter(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn links_keep_only_the_filters_in_use_encoded() {
        assert_eq!(query_string(&[("route", ""), ("phone", "")]), "");
        assert_eq!(
            query_string(&[("phone", "+1 415"), ("outcome", "a&b=c"), ("to", "")]),
            "?phone=%2B1%20415&outcome=a%26b%3Dc"
        );
        assert_eq!(
            decode_form("phone=%2B1%20415"),
            Some(vec![("phone".into(), "+1 415".into())])
        );
    }

    #[test]
    fn every_route_and_verdict_has_a_label() {
        for (route, _) in ROUTES {
            assert_ne!(route_label(route), "Other callback");
        }
        assert_eq!(verdict_label("valid"), "Valid signature");
        assert_eq!(route_label("/elsewhere"), "Other callback");
    }
}
