//! Weekly business hours in the org's timezone, and the daily send window for automated
//! follow-ups. Minutes are counted from local midnight.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HoursError {
    #[error("business hours must be a weekly schedule of [start, end) minute ranges")]
    Malformed,
    #[error("each range must satisfy 0 <= start < end <= 1440")]
    BadRange,
}

/// `days[0]` is Monday. An empty day means closed all day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BusinessHours {
    pub days: [Vec<(u16, u16)>; 7],
}

impl BusinessHours {
    pub fn parse_json(raw: &str) -> Result<Self, HoursError> {
        let hours: BusinessHours = serde_json::from_str(raw).map_err(|_| HoursError::Malformed)?;
        hours.validate()?;
        Ok(hours)
    }

    fn validate(&self) -> Result<(), HoursError> {
        let ok = self.days.iter().flatten().all(|&(s, e)| s < e && e <= 1440);
        if ok {
            Ok(())
        } else {
            Err(HoursError::BadRange)
        }
    }

    /// Monday-based weekday index and minute of the local day.
    pub fn is_open(&self, weekday_from_monday: usize, minute_of_day: u16) -> bool {
        self.days
            .get(weekday_from_monday)
            .is_some_and(|ranges| ranges.iter().any(|&(s, e)| (s..e).contains(&minute_of_day)))
    }
}

/// The part of the day in which automated follow-ups may be sent (default 8 am–9 pm).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SendWindow {
    pub start_minute: u16,
    pub end_minute: u16,
}

impl SendWindow {
    pub fn contains(&self, minute_of_day: u16) -> bool {
        (self.start_minute..self.end_minute).contains(&minute_of_day)
    }

    /// Minutes from `minute_of_day` until the window next opens (0 when open now).
    pub fn minutes_until_open(&self, minute_of_day: u16) -> u32 {
        if self.contains(minute_of_day) {
            0
        } else if minute_of_day < self.start_minute {
            u32::from(self.start_minute - minute_of_day)
        } else {
            u32::from(1440 - minute_of_day) + u32::from(self.start_minute)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weekday_hours() {
        let h = BusinessHours::parse_json(
            r#"{"days":[[[480,1020]],[[480,1020]],[[480,1020]],[[480,1020]],[[480,1020]],[[540,720]],[]]}"#,
        )
        .unwrap();
        assert!(h.is_open(0, 480));
        assert!(h.is_open(0, 1019));
        assert!(!h.is_open(0, 1020));
        assert!(!h.is_open(0, 479));
        assert!(h.is_open(5, 600));
        assert!(!h.is_open(6, 600));
        assert!(!h.is_open(9, 600));
    }

    #[test]
    fn malformed_hours_are_refused() {
        assert_eq!(BusinessHours::parse_json("{}"), Err(HoursError::Malformed));
        assert_eq!(
            BusinessHours::parse_json(r#"{"days":[[[600,500]],[],[],[],[],[],[]]}"#),
            Err(HoursError::BadRange)
        );
        assert_eq!(
            BusinessHours::parse_json(r#"{"days":[[[0,1441]],[],[],[],[],[],[]]}"#),
            Err(HoursError::BadRange)
        );
    }

    #[test]
    fn send_window() {
        let w = SendWindow {
            start_minute: 480,
            end_minute: 1260,
        };
        assert!(w.contains(480) && !w.contains(1260) && !w.contains(100));
        assert_eq!(w.minutes_until_open(600), 0);
        assert_eq!(w.minutes_until_open(420), 60);
        assert_eq!(w.minutes_until_open(1320), 120 + 480);
    }
}
