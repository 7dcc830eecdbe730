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

impl BusinessHours {
    /// Where `minutes` of open time, counted from `minute` of local `weekday`, run out: the
    /// number of days ahead and the minute of that day. Closed time does not count, so ten
    /// minutes from 4:55 pm on a day that closes at 5 pm end at 8:05 am the next open day.
    /// `None` when the week has no open time at all.
    pub fn after_open_minutes(&self, weekday: usize, minute: u16, minutes: u32) -> Option<(u32, u16)> {
        if self.days.iter().all(Vec::is_empty) {
            return None;
        }
        let mut left = minutes;
        // Each full week consumes at least one open minute, so this bound is always enough.
        let horizon = 7 * (minutes / 1440 + 2);
        for ahead in 0..=horizon {
            let mut ranges = self.days[(weekday + ahead as usize) % 7].clone();
            ranges.sort_unstable();
            let mut cursor = if ahead == 0 { minute } else { 0 };
            for (start, end) in ranges {
                let start = start.max(cursor);
                if start >= end {
                    continue;
                }
                let span = u32::from(end - start);
                if left < span {
                    return Some((ahead, start + left as u16));
                }
                left -= span;
                cursor = end;
            }
        }
        None
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

    fn nine_to_five() -> BusinessHours {
        BusinessHours::parse_json(
            r#"{"days":[[[540,1020]],[[540,1020]],[[540,1020]],[[540,1020]],[[540,1020]],[],[]]}"#,
        )
        .unwrap()
    }

    #[test]
    fn open_minutes_skip_closed_time() {
        let h = nine_to_five();
        // Monday 10:00 + 10 open minutes = Monday 10:10
        assert_eq!(h.after_open_minutes(0, 600, 10), Some((0, 610)));
        // Monday 16:55 + 10 = Tuesday 09:05
        assert_eq!(h.after_open_minutes(0, 1015, 10), Some((1, 545)));
        // Friday 16:58 + 10 = Monday 09:08 (three days ahead)
        assert_eq!(h.after_open_minutes(4, 1018, 10), Some((3, 548)));
        // Saturday 03:00 + 10 = Monday 09:10
        assert_eq!(h.after_open_minutes(5, 180, 10), Some((2, 550)));
        // before opening on a weekday: counted from 09:00
        assert_eq!(h.after_open_minutes(2, 60, 10), Some((0, 550)));
        // more than a day of open time
        assert_eq!(h.after_open_minutes(0, 540, 480 + 30), Some((1, 570)));
        let closed = BusinessHours::parse_json(r#"{"days":[[],[],[],[],[],[],[]]}"#).unwrap();
        assert_eq!(closed.after_open_minutes(0, 0, 10), None);
    }

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
