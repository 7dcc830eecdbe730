//! The routing settings form (`/app/settings`): what it posts, field for field, parsed once
//! into typed [`RoutingSettings`] with an error naming each field that is wrong. The same
//! form values are what the page shows and what the audit trail compares (before → after,
//! in the canonical text the page would show).

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::domain::{
    business_hours::{BusinessHours, SendWindow},
    closure_dates::{ClosureDates, ClosureDatesError},
    E164Phone, OrgTimezone,
};

/// The text-back: three GSM-7 segments at most.
pub const TEMPLATE_MAX: usize = 480;
/// The spoken after-hours greeting.
pub const GREETING_MAX: usize = 300;
/// One text-back per caller per this many minutes at most (a day).
pub const COOLDOWN_MAX: u32 = 1440;
/// Escalation after up to four hours of open time (0 turns it off).
pub const ESCALATION_MINUTES_MAX: u32 = 240;
/// Opening intervals per day.
const RANGES_PER_DAY_MAX: usize = 6;
/// The one placeholder templates may use: the org's name.
pub const BUSINESS_PLACEHOLDER: &str = "{business}";

/// The weekday fields, Monday first as in [`BusinessHours::days`], and their labels.
pub const WEEKDAYS: [(&str, &str); 7] = [
    ("hours_mon", "Monday"),
    ("hours_tue", "Tuesday"),
    ("hours_wed", "Wednesday"),
    ("hours_thu", "Thursday"),
    ("hours_fri", "Friday"),
    ("hours_sat", "Saturday"),
    ("hours_sun", "Sunday"),
];

/// What the settings form posts (and shows), as typed.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RoutingSettingsForm {
    /// An IANA name, e.g. `America/Chicago`.
    pub timezone: String,
    /// Monday first: `closed`, or open intervals such as `08:00-12:00, 13:00-17:00`.
    pub hours: [String; 7],
    /// `2026-12-25, 2027-01-01`
    pub closure_dates: String,
    pub after_hours_greeting: String,
    pub text_back_template: String,
    pub cooldown_minutes: String,
    /// Quiet hours for automated follow-ups start in the evening (`21:00`)…
    pub quiet_start: String,
    /// …and end in the morning (`08:00`).
    pub quiet_end: String,
    /// Text-backs wait for the end of quiet hours too (else they go at once, night or day).
    pub hold_text_backs: bool,
    /// Empty for none.
    pub escalation_number: String,
    pub escalation_minutes: String,
}

/// The routing settings, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoutingSettings {
    pub timezone: OrgTimezone,
    /// `None`: open around the clock every day (stored as no hours: every call is forwarded).
    pub hours: Option<BusinessHours>,
    pub closures: ClosureDates,
    pub after_hours_greeting: String,
    pub text_back_template: String,
    pub cooldown_minutes: u32,
    /// When automated follow-ups may go out: the complement of quiet hours.
    pub send_window: SendWindow,
    pub hold_text_backs: bool,
    pub escalation_number: Option<E164Phone>,
    pub escalation_minutes: u32,
}

/// One field's error. [`RoutingFormError::field`] names the form field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RoutingFormError {
    #[error("Timezone: choose an IANA timezone such as America/Chicago.")]
    Timezone,
    #[error("{day}: write \"closed\" or opening times within the day, like 08:00-12:00, 13:00-17:00 (at most 6).")]
    Hours { field: &'static str, day: &'static str },
    #[error("{day}: the opening times overlap.")]
    HoursOverlap { field: &'static str, day: &'static str },
    #[error("Closure dates: {0}")]
    Closures(ClosureDatesError),
    #[error("The after-hours greeting can't be empty.")]
    GreetingEmpty,
    #[error("The after-hours greeting must be at most {} characters.", GREETING_MAX)]
    GreetingTooLong,
    #[error("The text-back can't be empty.")]
    TemplateEmpty,
    #[error("The text-back must be at most {} characters.", TEMPLATE_MAX)]
    TemplateTooLong,
    /// CallSnare's own compliance rule: every automated text says how to stop them.
    #[error("The text-back must say how to opt out, e.g. \"Reply STOP to opt out.\" (CallSnare's compliance rule for automated texts).")]
    TemplateNoOptOut,
    #[error("Unknown placeholder {{{name}}}: the only placeholder is {{business}}.")]
    UnknownPlaceholder { field: &'static str, name: String },
    #[error("Cooldown: a whole number of minutes from 0 to {}.", COOLDOWN_MAX)]
    Cooldown,
    #[error("Quiet hours: write times as HH:MM, e.g. 21:00 and 08:00.")]
    QuietTime { field: &'static str },
    #[error("Quiet hours run overnight: they start in the evening (e.g. 21:00) and end in the morning (e.g. 08:00).")]
    QuietOrder,
    #[error("Escalation number: a phone number in E.164 form, e.g. +14155550123, or empty for none.")]
    EscalationNumber,
    #[error("Escalation minutes: a whole number from 0 (off) to {}.", ESCALATION_MINUTES_MAX)]
    EscalationMinutes,
}

impl RoutingFormError {
    /// The form field (and server-function argument) this error is about.
    pub fn field(&self) -> &'static str {
        match self {
            RoutingFormError::Timezone => "timezone",
            RoutingFormError::Hours { field, .. }
            | RoutingFormError::HoursOverlap { field, .. }
            | RoutingFormError::UnknownPlaceholder { field, .. }
            | RoutingFormError::QuietTime { field } => field,
            RoutingFormError::Closures(_) => "closure_dates",
            RoutingFormError::GreetingEmpty | RoutingFormError::GreetingTooLong => "after_hours_greeting",
            RoutingFormError::TemplateEmpty
            | RoutingFormError::TemplateTooLong
            | RoutingFormError::TemplateNoOptOut => "text_back_template",
            RoutingFormError::Cooldown => "cooldown_minutes",
            RoutingFormError::QuietOrder => "quiet_start",
            RoutingFormError::EscalationNumber => "escalation_number",
            RoutingFormError::EscalationMinutes => "escalation_minutes",
        }
    }
}

/// The value of `r`, or `None` with its error added to `errors`.
fn keep<T>(errors: &mut Vec<RoutingFormError>, r: Result<T, RoutingFormError>) -> Option<T> {
    r.map_err(|e| errors.push(e)).ok()
}

/// The label of a form field, for pointing at it (`None` for anything else, e.g. a field
/// name from a URL that is not ours).
pub fn field_label(field: &str) -> Option<&'static str> {
    if let Some(&(_, day)) = WEEKDAYS.iter().find(|(f, _)| *f == field) {
        return Some(day);
    }
    Some(match field {
        "timezone" => "Timezone",
        "closure_dates" => "Closure dates",
        "after_hours_greeting" => "After-hours greeting",
        "text_back_template" => "Text-back",
        "cooldown_minutes" => "Cooldown",
        "quiet_start" | "quiet_end" => "Quiet hours",
        "hold_text_backs" => "Hold text-backs in quiet hours",
        "escalation_number" => "Escalation number",
        "escalation_minutes" => "Escalation minutes",
        _ => return None,
    })
}

impl RoutingSettingsForm {
    /// Every field parsed; all the errors, one per wrong field, when any is.
    pub fn parse(&self) -> Result<RoutingSettings, Vec<RoutingFormError>> {
        let mut errors = Vec::new();
        let e = &mut errors;
        let timezone = keep(
            e,
            OrgTimezone::parse(self.timezone.trim()).map_err(|_| RoutingFormError::Timezone),
        );
        let mut days: [Vec<(u16, u16)>; 7] = Default::default();
        let mut hours_ok = true;
        for (i, &(field, day)) in WEEKDAYS.iter().enumerate() {
            match keep(e, parse_day(&self.hours[i], field, day)) {
                Some(ranges) => days[i] = ranges,
                None => hours_ok = false,
            }
        }
        let closures = keep(
            e,
            ClosureDates::parse_list(&self.closure_dates).map_err(RoutingFormError::Closures),
        );
        let greeting = keep(e, parse_greeting(&self.after_hours_greeting));
        let template = keep(e, parse_template(&self.text_back_template));
        let cooldown = keep(
            e,
            parse_minutes(&self.cooldown_minutes, COOLDOWN_MAX).ok_or(RoutingFormError::Cooldown),
        );
        let window = keep(e, parse_quiet_hours(&self.quiet_start, &self.quiet_end));
        let escalation_number = keep(e, parse_escalation_number(&self.escalation_number));
        let escalation_minutes = keep(
            e,
            parse_minutes(&self.escalation_minutes, ESCALATION_MINUTES_MAX).ok_or(RoutingFormError::EscalationMinutes),
        );
        let (
            Some(timezone),
            true,
            Some(closures),
            Some(after_hours_greeting),
            Some(text_back_template),
            Some(cooldown_minutes),
            Some(send_window),
            Some(escalation_number),
            Some(escalation_minutes),
        ) = (
            timezone,
            hours_ok,
            closures,
            greeting,
            template,
            cooldown,
            window,
            escalation_number,
            escalation_minutes,
        )
        else {
            return Err(errors);
        };
        Ok(RoutingSettings {
            timezone,
            hours: hours_from_days(days),
            closures,
            after_hours_greeting,
            text_back_template,
            cooldown_minutes,
            send_window,
            hold_text_backs: self.hold_text_backs,
            escalation_number,
            escalation_minutes,
        })
    }

    /// Each field's value as the audit trail records it.
    pub fn entries(&self) -> Vec<(&'static str, Value)> {
        let number = |s: &str| s.trim().parse::<i64>().map_or_else(|_| json!(s), |n| json!(n));
        let mut out = vec![("timezone", json!(self.timezone))];
        for (i, &(field, _)) in WEEKDAYS.iter().enumerate() {
            out.push((field, json!(self.hours[i])));
        }
        out.extend([
            ("closure_dates", json!(self.closure_dates)),
            ("after_hours_greeting", json!(self.after_hours_greeting)),
            ("text_back_template", json!(self.text_back_template)),
            ("cooldown_minutes", number(&self.cooldown_minutes)),
            ("quiet_start", json!(self.quiet_start)),
            ("quiet_end", json!(self.quiet_end)),
            ("hold_text_backs", json!(self.hold_text_backs)),
            (
                "escalation_number",
                if self.escalation_number.is_empty() {
                    Value::Null
                } else {
                    json!(self.escalation_number)
                },
            ),
            ("escalation_minutes", number(&self.escalation_minutes)),
        ]);
        out
    }

    /// `{field: {"before": …, "after": …}}` for each field that differs from `after`.
    pub fn changes_to(&self, after: &Self) -> Map<String, Value> {
        self.entries()
            .into_iter()
            .zip(after.entries())
            .filter(|((_, b), (_, a))| a != b)
            .map(|((field, before), (_, after))| (field.to_owned(), json!({ "before": before, "after": after })))
            .collect()
    }
}

impl RoutingSettings {
    /// The settings as the form shows them, in canonical text.
    pub fn to_form(&self) -> RoutingSettingsForm {
        RoutingSettingsForm {
            timezone: self.timezone.as_str().to_owned(),
            hours: day_texts(self.hours.as_ref()),
            closure_dates: self.closures.to_string(),
            after_hours_greeting: self.after_hours_greeting.clone(),
            text_back_template: self.text_back_template.clone(),
            cooldown_minutes: self.cooldown_minutes.to_string(),
            quiet_start: hhmm(self.send_window.end_minute),
            quiet_end: hhmm(self.send_window.start_minute),
            hold_text_backs: self.hold_text_backs,
            escalation_number: self
                .escalation_number
                .as_ref()
                .map(|n| n.as_str().to_owned())
                .unwrap_or_default(),
            escalation_minutes: self.escalation_minutes.to_string(),
        }
    }
}

/// The form's text for each weekday; no hours (always open) reads 00:00-24:00 every day.
pub fn day_texts(hours: Option<&BusinessHours>) -> [String; 7] {
    std::array::from_fn(|i| match hours {
        None => day_text(&[(0, 1440)]),
        Some(h) => {
            let mut ranges = h.days[i].clone();
            ranges.sort_unstable();
            day_text(&ranges)
        }
    })
}

/// `closed` or `08:00-12:00, 13:00-17:00`.
pub fn day_text(ranges: &[(u16, u16)]) -> String {
    if ranges.is_empty() {
        return "closed".to_owned();
    }
    ranges
        .iter()
        .map(|&(s, e)| format!("{}-{}", hhmm(s), hhmm(e)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Minute of the day as `HH:MM` (1440 is `24:00`).
pub fn hhmm(minute: u16) -> String {
    format!("{:02}:{:02}", minute / 60, minute % 60)
}

/// `H:MM` or `HH:MM` from 00:00 to 24:00, as the minute of the day.
pub fn parse_hhmm(s: &str) -> Option<u16> {
    let (h, m) = s.trim().split_once(':')?;
    if h.is_empty() || h.len() > 2 || m.len() != 2 || !(h.bytes().chain(m.bytes())).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
    if m > 59 || h > 24 || (h == 24 && m != 0) {
        return None;
    }
    Some(h * 60 + m)
}

fn parse_day(s: &str, field: &'static str, day: &'static str) -> Result<Vec<(u16, u16)>, RoutingFormError> {
    let bad = || RoutingFormError::Hours { field, day };
    let s = s.trim();
    if s.eq_ignore_ascii_case("closed") {
        return Ok(Vec::new());
    }
    let mut ranges = Vec::new();
    for part in s.split(',') {
        let (start, end) = part.split_once(['-', '–']).ok_or_else(bad)?;
        let (start, end) = (parse_hhmm(start).ok_or_else(bad)?, parse_hhmm(end).ok_or_else(bad)?);
        if start >= end {
            return Err(bad());
        }
        ranges.push((start, end));
    }
    if ranges.len() > RANGES_PER_DAY_MAX {
        return Err(bad());
    }
    ranges.sort_unstable();
    if ranges.windows(2).any(|w| w[1].0 < w[0].1) {
        return Err(RoutingFormError::HoursOverlap { field, day });
    }
    Ok(ranges)
}

/// Every day open 00:00-24:00 is the same as no hours: stored as none.
fn hours_from_days(days: [Vec<(u16, u16)>; 7]) -> Option<BusinessHours> {
    if days.iter().all(|d| d.as_slice() == [(0, 1440)]) {
        None
    } else {
        Some(BusinessHours { days })
    }
}

/// Line endings as one `\n` (a textarea posts `\r\n`), no surrounding blanks.
fn normalise_text(s: &str) -> String {
    s.replace("\r\n", "\n").replace('\r', "\n").trim().to_owned()
}

fn parse_greeting(s: &str) -> Result<String, RoutingFormError> {
    let text = normalise_text(s);
    if text.is_empty() {
        return Err(RoutingFormError::GreetingEmpty);
    }
    if text.chars().count() > GREETING_MAX {
        return Err(RoutingFormError::GreetingTooLong);
    }
    if let Some(name) = unknown_placeholder(&text) {
        return Err(RoutingFormError::UnknownPlaceholder {
            field: "after_hours_greeting",
            name,
        });
    }
    Ok(text)
}

fn parse_template(s: &str) -> Result<String, RoutingFormError> {
    let text = normalise_text(s);
    if text.is_empty() {
        return Err(RoutingFormError::TemplateEmpty);
    }
    if text.chars().count() > TEMPLATE_MAX {
        return Err(RoutingFormError::TemplateTooLong);
    }
    if let Some(name) = unknown_placeholder(&text) {
        return Err(RoutingFormError::UnknownPlaceholder {
            field: "text_back_template",
            name,
        });
    }
    if !says_how_to_opt_out(&text) {
        return Err(RoutingFormError::TemplateNoOptOut);
    }
    Ok(text)
}

/// The product's compliance rule: the word STOP, in capitals, as a word ("Reply STOP to
/// opt out."), so whoever receives an automated text knows how to end them.
pub fn says_how_to_opt_out(text: &str) -> bool {
    text.split(|c: char| !c.is_alphanumeric()).any(|w| w == "STOP")
}

/// The first `{name}` in `text` that is not `{business}` (it would be sent as typed).
fn unknown_placeholder(text: &str) -> Option<String> {
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        rest = &rest[open + 1..];
        if let Some(close) = rest.find('}') {
            let name = &rest[..close];
            let looks_like_one =
                !name.is_empty() && name.len() <= 30 && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
            if looks_like_one && name != "business" {
                return Some(name.to_owned());
            }
        }
    }
    None
}

/// A whole number of minutes from 0 to `max`.
fn parse_minutes(s: &str, max: u32) -> Option<u32> {
    let s = s.trim();
    if s.is_empty() || s.len() > 5 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok().filter(|m| *m <= max)
}

/// Quiet hours from the evening to the morning are the complement of the send window.
fn parse_quiet_hours(start: &str, end: &str) -> Result<SendWindow, RoutingFormError> {
    let quiet_start = parse_hhmm(start).ok_or(RoutingFormError::QuietTime { field: "quiet_start" })?;
    let quiet_end = parse_hhmm(end).ok_or(RoutingFormError::QuietTime { field: "quiet_end" })?;
    if quiet_end >= quiet_start {
        return Err(RoutingFormError::QuietOrder);
    }
    Ok(SendWindow {
        start_minute: quiet_end,
        end_minute: quiet_start,
    })
}

fn parse_escalation_number(s: &str) -> Result<Option<E164Phone>, RoutingFormError> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    E164Phone::parse(s)
        .map(Some)
        .map_err(|_| RoutingFormError::EscalationNumber)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn good() -> RoutingSettingsForm {
        RoutingSettingsForm {
            timezone: "America/Chicago".into(),
            hours: [
                "08:00-17:00".into(),
                "8:00-12:00,13:00-17:00".into(),
                "08:00-17:00".into(),
                "08:00-17:00".into(),
                "08:00-17:00".into(),
                "09:00-12:00".into(),
                "Closed".into(),
            ],
            closure_dates: "2026-12-25\r\n2026-12-24".into(),
            after_hours_greeting: "Thanks for calling {business}. We're closed.".into(),
            text_back_template: "  Hi, this is {business}. Reply STOP to opt out.\r\n".into(),
            cooldown_minutes: "45".into(),
            quiet_start: "21:00".into(),
            quiet_end: "8:00".into(),
            hold_text_backs: true,
            escalation_number: String::new(),
            escalation_minutes: "10".into(),
        }
    }

    #[test]
    fn a_good_form_parses_into_canonical_settings() {
        let s = good().parse().unwrap();
        assert_eq!(s.timezone.as_str(), "America/Chicago");
        let hours = s.hours.as_ref().unwrap();
        assert_eq!(hours.days[1], vec![(480, 720), (780, 1020)]);
        assert!(hours.days[6].is_empty());
        assert_eq!(s.text_back_template, "Hi, this is {business}. Reply STOP to opt out.");
        assert_eq!(s.cooldown_minutes, 45);
        assert_eq!(
            s.send_window,
            SendWindow {
                start_minute: 480,
                end_minute: 1260
            }
        );
        assert_eq!(s.escalation_number, None);
        let form = s.to_form();
        assert_eq!(form.hours[1], "08:00-12:00, 13:00-17:00");
        assert_eq!(form.hours[6], "closed");
        assert_eq!(form.closure_dates, "2026-12-24, 2026-12-25");
        assert_eq!(form.quiet_end, "08:00");
        // the canonical form parses to the same settings
        assert_eq!(form.parse().unwrap(), s);
    }

    #[test]
    fn open_around_the_clock_every_day_is_no_hours() {
        let mut f = good();
        f.hours = std::array::from_fn(|_| "00:00-24:00".to_owned());
        let s = f.parse().unwrap();
        assert_eq!(s.hours, None);
        assert_eq!(day_texts(None)[0], "00:00-24:00");
    }

    fn case(
        break_it: fn(&mut RoutingSettingsForm),
        field: &'static str,
    ) -> (fn(&mut RoutingSettingsForm), &'static str) {
        (break_it, field)
    }

    #[test]
    fn each_wrong_field_is_named() {
        let cases = [
            case(|f| f.timezone = String::new(), "timezone"),
            case(|f| f.hours[0] = String::new(), "hours_mon"),
            case(|f| f.hours[2] = "9-5".into(), "hours_wed"),
            case(|f| f.hours[3] = "17:00-08:00".into(), "hours_thu"),
            case(|f| f.hours[4] = "08:00-24:30".into(), "hours_fri"),
            case(|f| f.hours[5] = "08:00-12:00, 11:00-14:00".into(), "hours_sat"),
            case(|f| f.closure_dates = "Christmas".into(), "closure_dates"),
            case(|f| f.after_hours_greeting = " \r\n ".into(), "after_hours_greeting"),
            case(|f| f.after_hours_greeting = "a".repeat(301), "after_hours_greeting"),
            case(|f| f.text_back_template = String::new(), "text_back_template"),
            case(
                |f| f.text_back_template = "Hi from {business}".into(),
                "text_back_template",
            ),
            case(
                |f| f.text_back_template = "Hi {name}. Reply STOP to opt out.".into(),
                "text_back_template",
            ),
            case(
                |f| f.text_back_template = format!("Reply STOP. {}", "a".repeat(480)),
                "text_back_template",
            ),
            case(|f| f.cooldown_minutes = "-1".into(), "cooldown_minutes"),
            case(|f| f.cooldown_minutes = "1441".into(), "cooldown_minutes"),
            case(|f| f.cooldown_minutes = "ten".into(), "cooldown_minutes"),
            case(|f| f.quiet_start = "9pm".into(), "quiet_start"),
            case(|f| f.quiet_end = "25:00".into(), "quiet_end"),
            case(|f| f.quiet_start = "06:00".into(), "quiet_start"),
            case(|f| f.escalation_number = "555-0100".into(), "escalation_number"),
            case(|f| f.escalation_minutes = "241".into(), "escalation_minutes"),
        ];
        for (break_it, field) in cases {
            let mut f = good();
            break_it(&mut f);
            let errors = f.parse().unwrap_err();
            assert_eq!(errors.len(), 1, "{field}: {errors:?}");
            assert_eq!(errors[0].field(), field, "{errors:?}");
            assert!(field_label(field).is_some(), "{field}");
        }
    }

    #[test]
    fn every_wrong_field_is_reported_at_once() {
        let mut f = good();
        f.timezone = "Nowhere".into();
        f.text_back_template = "Call us back".into();
        f.escalation_minutes = "999".into();
        let fields: Vec<&str> = f.parse().unwrap_err().iter().map(RoutingFormError::field).collect();
        assert_eq!(fields, ["timezone", "text_back_template", "escalation_minutes"]);
    }

    #[test]
    fn the_opt_out_rule_wants_the_word_stop() {
        assert!(says_how_to_opt_out("Reply STOP to opt out."));
        assert!(says_how_to_opt_out("Text STOP to end texts"));
        assert!(!says_how_to_opt_out("Don't stop by"));
        assert!(!says_how_to_opt_out("Reply STOPPED"));
        assert_eq!(
            RoutingFormError::TemplateNoOptOut.to_string(),
            "The text-back must say how to opt out, e.g. \"Reply STOP to opt out.\" (CallSnare's compliance rule for automated texts)."
        );
        assert_eq!(
            RoutingFormError::UnknownPlaceholder {
                field: "text_back_template",
                name: "name".into()
            }
            .to_string(),
            "Unknown placeholder {name}: the only placeholder is {business}."
        );
    }

    #[test]
    fn times() {
        assert_eq!(parse_hhmm("08:00"), Some(480));
        assert_eq!(parse_hhmm("8:05"), Some(485));
        assert_eq!(parse_hhmm("24:00"), Some(1440));
        for bad in ["24:01", "8", "8:5", "08:000", "-1:00", "12:60", "", ":", "a:bc"] {
            assert_eq!(parse_hhmm(bad), None, "{bad}");
        }
        assert_eq!(hhmm(1440), "24:00");
        assert_eq!(hhmm(65), "01:05");
    }

    #[test]
    fn changes_name_only_what_differs() {
        let before = good().parse().unwrap().to_form();
        let mut after = before.clone();
        assert!(before.changes_to(&after).is_empty());
        after.cooldown_minutes = "60".into();
        after.hours[6] = "10:00-14:00".into();
        after.escalation_number = "+14155550123".into();
        let changes = before.changes_to(&after);
        assert_eq!(
            Value::Object(changes),
            json!({
                "cooldown_minutes": {"before": 45, "after": 60},
                "hours_sun": {"before": "closed", "after": "10:00-14:00"},
                "escalation_number": {"before": null, "after": "+14155550123"},
            })
        );
    }
}
