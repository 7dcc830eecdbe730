//! A tracked number's routing, parsed once per callback from its stored row.

use chrono::{Datelike, TimeZone, Timelike, Utc};

use crate::{
    domain::business_hours::{BusinessHours, SendWindow},
    ssr::db::tracked_numbers::NumberRouting,
};

pub struct Routing {
    pub row: NumberRouting,
    pub forward_to: Vec<String>,
    pub hours: Option<BusinessHours>,
    pub tz: chrono_tz::Tz,
}

/// Local weekday (Monday = 0) and minute of day for `now_ms` in `tz`.
pub fn local_clock(tz: chrono_tz::Tz, now_ms: i64) -> (usize, u16) {
    let utc = Utc.timestamp_millis_opt(now_ms).single().unwrap_or_else(Utc::now);
    let local = utc.with_timezone(&tz);
    (
        local.weekday().num_days_from_monday() as usize,
        (local.hour() * 60 + local.minute()) as u16,
    )
}

impl Routing {
    pub fn from_row(row: NumberRouting) -> Self {
        let forward_to = serde_json::from_str(&row.forward_to).unwrap_or_default();
        // Unparseable stored hours fail open (always forward): a missed forward loses a job.
        let hours = row
            .business_hours
            .as_deref()
            .and_then(|h| BusinessHours::parse_json(h).ok());
        let tz = row.timezone.parse().unwrap_or(chrono_tz::UTC);
        Self {
            row,
            forward_to,
            hours,
            tz,
        }
    }

    /// Until an admin sets business hours, every call is forwarded.
    pub fn is_open(&self, now_ms: i64) -> bool {
        match &self.hours {
            None => true,
            Some(h) => {
                let (day, minute) = local_clock(self.tz, now_ms);
                h.is_open(day, minute)
            }
        }
    }

    pub fn send_window(&self) -> SendWindow {
        SendWindow {
            start_minute: self.row.send_window_start_minute.clamp(0, 1440) as u16,
            end_minute: self.row.send_window_end_minute.clamp(0, 1440) as u16,
        }
    }

    /// `{business}` in org templates is the org's name.
    pub fn render(&self, template: &str) -> String {
        template.replace("{business}", &self.row.org_name)
    }
}
