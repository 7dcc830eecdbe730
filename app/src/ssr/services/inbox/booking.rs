//! A booking as the form posts it ([`BookingForm`]) and as the use-case takes it
//! ([`NewBooking`]): the form's strings are parsed once, at the server function. The
//! arrival window ([`ArrivalWindow`]) is what booking and rescheduling share: a date and two
//! times in the business's timezone, never in the past. And the words about a booking: the
//! timeline's summary and the texts to the customer (booked, moved, cancelled).

use chrono::{NaiveDate, NaiveTime, TimeZone, Utc};

use super::InboxError;
use crate::domain::{
    limits::{self, ADDRESS_MAX, JOB_TYPE_MAX, NOTES_MAX},
    JobType,
};

/// The refusal of a date before today (in the business's timezone) or a window that has
/// already ended. The lead page's no-JavaScript hint for the `date` field says the same.
pub const IN_THE_PAST: &str =
    "That time is in the past: pick today or a later date, and an arrival window that hasn't ended yet.";

/// The booking form's fields, as posted (a plain SSR form must work, so they are strings).
pub struct BookingForm<'a> {
    pub date: &'a str,
    pub arrival_start: &'a str,
    pub arrival_end: &'a str,
    pub job_type: &'a str,
    pub address: Option<&'a str>,
    pub notes: Option<&'a str>,
    /// Dollars, as typed: `$1,250` and `1250.00` are the same.
    pub job_value: Option<&'a str>,
    /// The checkbox (ticked by default): an unticked checkbox posts nothing.
    pub send_confirmation: Option<bool>,
}

/// A date and an arrival window on it, in the business's timezone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArrivalWindow {
    pub date: NaiveDate,
    pub start: NaiveTime,
    pub end: NaiveTime,
}

/// A job to book on a lead.
#[derive(Debug, Clone, PartialEq)]
pub struct NewBooking {
    pub window: ArrivalWindow,
    pub job_type: JobType,
    /// Trimmed.
    pub address: String,
    /// Trimmed.
    pub notes: String,
    pub job_value_cents: Option<i64>,
    pub send_confirmation: bool,
}

fn invalid(field: &'static str, message: &str) -> InboxError {
    InboxError::Invalid(field, message.into())
}

impl BookingForm<'_> {
    /// Every field checked, in the order the form shows its errors.
    pub fn parse(self) -> Result<NewBooking, InboxError> {
        let (address, notes) = (self.address.unwrap_or_default(), self.notes.unwrap_or_default());
        limits::check("job_type", "Job type", self.job_type, JOB_TYPE_MAX)
            .and_then(|()| limits::check("address", "Address", address, ADDRESS_MAX))
            .and_then(|()| limits::check("notes", "Notes", notes, NOTES_MAX))?;
        let dollars = parse_dollars(self.job_value)?;
        let window = ArrivalWindow::parse(self.date, self.arrival_start, self.arrival_end)?;
        let job_type = JobType::parse(self.job_type).ok_or_else(|| invalid("job_type", "Pick a job type."))?;
        Ok(NewBooking {
            window,
            job_type,
            address: address.trim().to_owned(),
            notes: notes.trim().to_owned(),
            job_value_cents: dollars.map(to_cents).transpose()?,
            send_confirmation: self.send_confirmation.unwrap_or(false),
        })
    }
}

/// The typed job value in dollars, if any.
fn parse_dollars(typed: Option<&str>) -> Result<Option<f64>, InboxError> {
    let Some(v) = typed
        .map(|v| v.trim().trim_start_matches('$').replace(',', ""))
        .filter(|v| !v.is_empty())
    else {
        return Ok(None);
    };
    v.parse::<f64>()
        .map(Some)
        .map_err(|_| invalid("job_value", "Job value must be a number of dollars."))
}

fn to_cents(dollars: f64) -> Result<i64, InboxError> {
    if !(0.0..=1_000_000.0).contains(&dollars) || !dollars.is_finite() {
        return Err(invalid("job_value", "Job value must be between $0 and $1,000,000."));
    }
    Ok((dollars * 100.0).round() as i64)
}

fn local_ms(tz: chrono_tz::Tz, date: NaiveDate, time: NaiveTime) -> Option<i64> {
    tz.from_local_datetime(&date.and_time(time))
        .earliest()
        .map(|t| t.timestamp_millis())
}

/// The business's calendar date at `now`.
fn local_today(tz: chrono_tz::Tz, now: i64) -> Option<NaiveDate> {
    Utc.timestamp_millis_opt(now)
        .single()
        .map(|t| t.with_timezone(&tz).date_naive())
}

impl ArrivalWindow {
    /// The form's date (`YYYY-MM-DD`) and times (`HH:MM`), as a date input and two time
    /// inputs post them.
    pub fn parse(date: &str, start: &str, end: &str) -> Result<Self, InboxError> {
        let date = NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d").map_err(|_| invalid("date", "Pick a date."))?;
        let start = NaiveTime::parse_from_str(start.trim(), "%H:%M")
            .map_err(|_| invalid("arrival_start", "Pick an arrival window start."))?;
        let end = NaiveTime::parse_from_str(end.trim(), "%H:%M")
            .map_err(|_| invalid("arrival_end", "Pick an arrival window end."))?;
        Ok(Self { date, start, end })
    }

    /// A stored window (`start`..`end` instants) as the business reads it in `tz`.
    pub fn from_instants(tz: chrono_tz::Tz, start: i64, end: i64) -> Option<Self> {
        let at = |ms: i64| Utc.timestamp_millis_opt(ms).single().map(|t| t.with_timezone(&tz));
        let (s, e) = (at(start)?, at(end)?);
        Some(Self {
            date: s.date_naive(),
            start: s.time(),
            end: e.time(),
        })
    }

    /// The window as instants, read in the business's timezone `tz`. Refused when a time
    /// does not exist there (the spring-forward gap), when it ends before it starts, and
    /// when it is in the past at `now`: a date before the business's today, or a window
    /// that has already ended (one under way today is fine: the tech may still arrive).
    pub fn instants(&self, tz: chrono_tz::Tz, now: i64) -> Result<(i64, i64), InboxError> {
        let (Some(start), Some(end)) = (local_ms(tz, self.date, self.start), local_ms(tz, self.date, self.end)) else {
            return Err(invalid("date", "That time does not exist in your timezone."));
        };
        if end <= start {
            return Err(invalid("arrival_end", "The arrival window must end after it starts."));
        }
        // "Today" is the business's: at 11 pm in Chicago it is already tomorrow in UTC.
        let before_today = local_today(tz, now).is_some_and(|today| self.date < today);
        if before_today || end <= now {
            return Err(invalid("date", IN_THE_PAST));
        }
        Ok((start, end))
    }

    /// "Thu Dec 10, 8:00 am–10:00 am": the lead page's and the timeline's short form.
    pub fn short(&self) -> String {
        format!(
            "{}, {}–{}",
            self.date.format("%a %b %-d"),
            self.start.format("%-I:%M %P"),
            self.end.format("%-I:%M %P")
        )
    }

    /// "Thursday December 10 between 8:00 am and 10:00 am": what a text to the customer says.
    fn long(&self) -> String {
        format!(
            "{} between {} and {}",
            self.date.format("%A %B %-d"),
            self.start.format("%-I:%M %P"),
            self.end.format("%-I:%M %P")
        )
    }
}

impl NewBooking {
    /// The timeline's line: "no heat on Thu Jan 15, arriving 9:00 am–11:00 am, $250.00".
    pub fn summary(&self) -> String {
        format!(
            "{} on {}, arriving {}–{}{}",
            self.job_type.words(),
            self.window.date.format("%a %b %-d"),
            self.window.start.format("%-I:%M %P"),
            self.window.end.format("%-I:%M %P"),
            self.job_value_cents
                .map(|c| format!(", ${:.2}", c as f64 / 100.0))
                .unwrap_or_default()
        )
    }

    /// The confirmation text to the customer, signed with the business's name.
    pub fn confirmation(&self, org_name: &str) -> String {
        format!(
            "{}: you're booked for {}. Reply here if anything changes.",
            org_name,
            self.window.long()
        )
    }
}

/// The text telling the customer their visit moved to `to`.
pub fn rescheduled_text(org_name: &str, to: &ArrivalWindow) -> String {
    format!(
        "{org_name}: your visit is moved to {}. Reply here if that time doesn't work.",
        to.long()
    )
}

/// The text telling the customer their visit on `was` is cancelled.
pub fn cancelled_text(org_name: &str, was: &ArrivalWindow) -> String {
    format!(
        "{org_name}: your visit on {} is cancelled. Reply here to book another time.",
        was.long()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form<'a>(date: &'a str, job_type: &'a str, job_value: Option<&'a str>) -> BookingForm<'a> {
        BookingForm {
            date,
            arrival_start: "09:00",
            arrival_end: "11:00",
            job_type,
            address: Some(" 1 Main St "),
            notes: None,
            job_value,
            send_confirmation: None,
        }
    }

    fn field(r: Result<NewBooking, InboxError>) -> &'static str {
        match r {
            Err(InboxError::Invalid(field, _)) => field,
            other => panic!("{other:?}"),
        }
    }

    fn window(date: &str, start: &str, end: &str) -> ArrivalWindow {
        ArrivalWindow::parse(date, start, end).unwrap()
    }

    /// Unix milliseconds of a UTC time.
    fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> i64 {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap().timestamp_millis()
    }

    const CHICAGO: chrono_tz::Tz = chrono_tz::America::Chicago;

    #[test]
    fn a_posted_form_becomes_a_typed_booking() {
        let b = form("2026-01-15", "no_heat", Some("$1,250")).parse().unwrap();
        assert_eq!(b.window.date, NaiveDate::from_ymd_opt(2026, 1, 15).unwrap());
        assert_eq!(b.job_type, JobType::NoHeat);
        assert_eq!((b.address.as_str(), b.job_value_cents), ("1 Main St", Some(125_000)));
        assert!(!b.send_confirmation, "an unticked checkbox posts nothing");
        assert_eq!(
            b.summary(),
            "no heat on Thu Jan 15, arriving 9:00 am–11:00 am, $1250.00"
        );
        assert_eq!(
            b.confirmation("Acme"),
            "Acme: you're booked for Thursday January 15 between 9:00 am and 11:00 am. Reply here if anything changes."
        );
    }

    #[test]
    fn each_bad_field_is_named_in_the_forms_order() {
        assert_eq!(field(form("", "bogus", Some("lots")).parse()), "job_value");
        assert_eq!(field(form("", "bogus", None).parse()), "date");
        assert_eq!(field(form("2026-01-15", "bogus", Some("-1")).parse()), "job_type");
        assert_eq!(field(form("2026-01-15", "other", Some("-1")).parse()), "job_value");
    }

    #[test]
    fn the_window_must_exist_and_end_after_it_starts() {
        let long_ago = utc(2020, 1, 1, 0, 0);
        let gap = window("2026-03-08", "02:30", "11:00");
        assert!(matches!(
            gap.instants(CHICAGO, long_ago),
            Err(InboxError::Invalid("date", _))
        ));
        let backwards = window("2026-03-08", "11:00", "11:00");
        assert!(matches!(
            backwards.instants(CHICAGO, long_ago),
            Err(InboxError::Invalid("arrival_end", _))
        ));
    }

    #[test]
    fn a_date_before_the_businesss_today_is_in_the_past() {
        // 2026-12-06 17:00 UTC: 11:00 am in Chicago
        let now = utc(2026, 12, 6, 17, 0);
        let past = window("2026-01-15", "08:00", "10:00").instants(CHICAGO, now);
        match past {
            Err(InboxError::Invalid("date", m)) => assert!(m.contains("in the past"), "{m}"),
            other => panic!("{other:?}"),
        }
        assert!(window("2026-12-05", "08:00", "23:59").instants(CHICAGO, now).is_err());
        assert!(window("2026-12-07", "08:00", "10:00").instants(CHICAGO, now).is_ok());
    }

    #[test]
    fn today_is_fine_until_the_window_has_ended() {
        // 11:00 am in Chicago: the morning window has ended, the one under way has not
        let now = utc(2026, 12, 6, 17, 0);
        assert!(window("2026-12-06", "08:00", "10:00").instants(CHICAGO, now).is_err());
        assert!(window("2026-12-06", "10:00", "12:00").instants(CHICAGO, now).is_ok());
        assert!(window("2026-12-06", "13:00", "15:00").instants(CHICAGO, now).is_ok());
    }

    #[test]
    fn today_is_the_businesss_today_not_utcs() {
        // 11:00 pm in Chicago on Dec 6 is already 05:00 on Dec 7 in UTC: a late window
        // tonight is still bookable, and tomorrow morning is not "today" yet
        let late = utc(2026, 12, 7, 5, 0);
        assert!(window("2026-12-06", "23:00", "23:59").instants(CHICAGO, late).is_ok());
        assert!(window("2026-12-07", "08:00", "10:00").instants(CHICAGO, late).is_ok());
        assert!(window("2026-12-06", "20:00", "22:00").instants(CHICAGO, late).is_err());
        // and 7:00 pm in Chicago (01:00 UTC the next day): the evening is not yesterday
        let evening = utc(2026, 12, 7, 1, 0);
        assert!(window("2026-12-06", "20:00", "22:00")
            .instants(CHICAGO, evening)
            .is_ok());
    }

    #[test]
    fn a_stored_window_reads_back_in_the_businesss_timezone() {
        let w = window("2026-12-10", "08:00", "10:00");
        let (start, end) = w.instants(CHICAGO, utc(2026, 12, 6, 17, 0)).unwrap();
        assert_eq!(ArrivalWindow::from_instants(CHICAGO, start, end), Some(w));
        assert_eq!(w.short(), "Thu Dec 10, 8:00 am–10:00 am");
        assert_eq!(
            rescheduled_text("Acme", &w),
            "Acme: your visit is moved to Thursday December 10 between 8:00 am and 10:00 am. Reply here if that time doesn't work."
        );
        assert!(
            cancelled_text("Acme", &w).contains("on Thursday December 10 between 8:00 am and 10:00 am is cancelled")
        );
    }
}
