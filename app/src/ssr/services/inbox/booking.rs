//! A booking as the form posts it ([`BookingForm`]) and as the use-case takes it
//! ([`NewBooking`]): the form's nine strings are parsed once, at the server function.

use chrono::{NaiveDate, NaiveTime, TimeZone};

use super::InboxError;
use crate::domain::{
    limits::{self, ADDRESS_MAX, JOB_TYPE_MAX, NOTES_MAX},
    JobType,
};

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
    pub send_confirmation: Option<bool>,
}

/// A job to book on a lead: a date and an arrival window in the business's timezone.
#[derive(Debug, Clone, PartialEq)]
pub struct NewBooking {
    pub date: NaiveDate,
    pub arrival_start: NaiveTime,
    pub arrival_end: NaiveTime,
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
        let date =
            NaiveDate::parse_from_str(self.date.trim(), "%Y-%m-%d").map_err(|_| invalid("date", "Pick a date."))?;
        let arrival_start = NaiveTime::parse_from_str(self.arrival_start.trim(), "%H:%M")
            .map_err(|_| invalid("arrival_start", "Pick an arrival window start."))?;
        let arrival_end = NaiveTime::parse_from_str(self.arrival_end.trim(), "%H:%M")
            .map_err(|_| invalid("arrival_end", "Pick an arrival window end."))?;
        let job_type = JobType::parse(self.job_type).ok_or_else(|| invalid("job_type", "Pick a job type."))?;
        Ok(NewBooking {
            date,
            arrival_start,
            arrival_end,
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

impl NewBooking {
    /// The arrival window as instants, read in the business's timezone `tz`.
    pub fn window_in(&self, tz: chrono_tz::Tz) -> Result<(i64, i64), InboxError> {
        let (Some(start), Some(end)) = (
            local_ms(tz, self.date, self.arrival_start),
            local_ms(tz, self.date, self.arrival_end),
        ) else {
            return Err(invalid("date", "That time does not exist in your timezone."));
        };
        if end <= start {
            return Err(invalid("arrival_end", "The arrival window must end after it starts."));
        }
        Ok((start, end))
    }

    /// The timeline's line: "no heat on Thu Jan 15, arriving 9:00 am–11:00 am, $250.00".
    pub fn summary(&self) -> String {
        format!(
            "{} on {}, arriving {}–{}{}",
            self.job_type.words(),
            self.date.format("%a %b %-d"),
            self.arrival_start.format("%-I:%M %P"),
            self.arrival_end.format("%-I:%M %P"),
            self.job_value_cents
                .map(|c| format!(", ${:.2}", c as f64 / 100.0))
                .unwrap_or_default()
        )
    }

    /// The confirmation text to the customer, signed with the business's name.
    pub fn confirmation(&self, org_name: &str) -> String {
        format!(
            "{}: you're booked for {} between {} and {}. Reply here if anything changes.",
            org_name,
            self.date.format("%A %B %-d"),
            self.arrival_start.format("%-I:%M %P"),
            self.arrival_end.format("%-I:%M %P")
        )
    }
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

    #[test]
    fn a_posted_form_becomes_a_typed_booking() {
        let b = form("2026-01-15", "no_heat", Some("$1,250")).parse().unwrap();
        assert_eq!(b.date, NaiveDate::from_ymd_opt(2026, 1, 15).unwrap());
        assert_eq!(b.job_type, JobType::NoHeat);
        assert_eq!((b.address.as_str(), b.job_value_cents), ("1 Main St", Some(125_000)));
        assert!(!b.send_confirmation);
        assert_eq!(
            b.summary(),
            "no heat on Thu Jan 15, arriving 9:00 am–11:00 am, $1250.00"
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
        let mut b = form("2026-03-08", "other", None).parse().unwrap();
        b.arrival_start = NaiveTime::from_hms_opt(2, 30, 0).unwrap();
        let chicago = chrono_tz::America::Chicago;
        assert!(matches!(b.window_in(chicago), Err(InboxError::Invalid("date", _))));
        b.arrival_start = NaiveTime::from_hms_opt(11, 0, 0).unwrap();
        assert!(matches!(
            b.window_in(chicago),
            Err(InboxError::Invalid("arrival_end", _))
        ));
    }
}
