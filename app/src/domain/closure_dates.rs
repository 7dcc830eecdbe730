//! Closure dates (holidays): local dates in the org's timezone on which the office is
//! closed all day, whatever the weekly hours say. Stored as a sorted JSON array of
//! `YYYY-MM-DD` strings.

use std::fmt;

/// At most this many closure dates per org (a few years of holidays).
pub const CLOSURE_DATES_MAX: usize = 100;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClosureDatesError {
    #[error("\"{0}\" is not a date; write dates as YYYY-MM-DD, e.g. 2026-12-25.")]
    BadDate(String),
    #[error("at most {} dates.", CLOSURE_DATES_MAX)]
    TooMany,
    #[error("the stored closure dates are unreadable")]
    Malformed,
}

/// A calendar date with no timezone attached (the org's local date).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LocalDate {
    year: u16,
    month: u8,
    day: u8,
}

impl LocalDate {
    /// A real date between the years 2000 and 2199.
    pub fn new(year: u16, month: u8, day: u8) -> Option<Self> {
        let leap = (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400);
        let days = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return None,
        };
        ((2000..2200).contains(&year) && (1..=days).contains(&day)).then_some(Self { year, month, day })
    }

    /// Strictly `YYYY-MM-DD`.
    pub fn parse(s: &str) -> Option<Self> {
        let b = s.as_bytes();
        let digits = |r: std::ops::Range<usize>| -> Option<u16> {
            let part = s.get(r)?;
            if part.bytes().all(|c| c.is_ascii_digit()) {
                part.parse().ok()
            } else {
                None
            }
        };
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let month = u8::try_from(digits(5..7)?).ok()?;
        let day = u8::try_from(digits(8..10)?).ok()?;
        Self::new(digits(0..4)?, month, day)
    }
}

impl fmt::Display for LocalDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// Sorted, without repeats.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ClosureDates(Vec<LocalDate>);

impl ClosureDates {
    /// What a person types: dates separated by commas, spaces or new lines.
    pub fn parse_list(s: &str) -> Result<Self, ClosureDatesError> {
        let mut dates = Vec::new();
        for part in s.split(|c: char| c == ',' || c == ';' || c.is_whitespace()) {
            if part.is_empty() {
                continue;
            }
            let date =
                LocalDate::parse(part).ok_or_else(|| ClosureDatesError::BadDate(part.chars().take(20).collect()))?;
            dates.push(date);
        }
        Self::from_dates(dates)
    }

    fn from_dates(mut dates: Vec<LocalDate>) -> Result<Self, ClosureDatesError> {
        dates.sort_unstable();
        dates.dedup();
        if dates.len() > CLOSURE_DATES_MAX {
            return Err(ClosureDatesError::TooMany);
        }
        Ok(Self(dates))
    }

    /// The stored form (a JSON array of `YYYY-MM-DD`).
    pub fn parse_json(raw: &str) -> Result<Self, ClosureDatesError> {
        let list: Vec<String> = serde_json::from_str(raw).map_err(|_| ClosureDatesError::Malformed)?;
        let dates = list
            .iter()
            .map(|d| LocalDate::parse(d).ok_or(ClosureDatesError::Malformed))
            .collect::<Result<Vec<_>, _>>()?;
        Self::from_dates(dates)
    }

    pub fn to_json(&self) -> String {
        serde_json::Value::from(self.0.iter().map(ToString::to_string).collect::<Vec<_>>()).to_string()
    }

    pub fn contains(&self, date: LocalDate) -> bool {
        self.0.binary_search(&date).is_ok()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// As the form shows them: `2026-12-25, 2027-01-01`.
impl fmt::Display for ClosureDates {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_strict_and_real() {
        assert_eq!(LocalDate::parse("2026-12-25").unwrap().to_string(), "2026-12-25");
        assert!(LocalDate::parse("2028-02-29").is_some());
        for bad in [
            "2027-02-29",
            "2026-13-01",
            "2026-04-31",
            "2026-00-10",
            "26-12-25",
            "2026/12/25",
            "2026-1-5",
            "+026-12-25",
            "1999-12-31",
            "2026-12-2x",
            "２０２６-12-25",
        ] {
            assert_eq!(LocalDate::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn lists_are_sorted_and_deduplicated_whatever_the_separators() {
        let d = ClosureDates::parse_list(" 2027-01-01,2026-12-25\n2026-12-24 ;2026-12-25 ").unwrap();
        assert_eq!(d.to_string(), "2026-12-24, 2026-12-25, 2027-01-01");
        assert_eq!(d.to_json(), r#"["2026-12-24","2026-12-25","2027-01-01"]"#);
        assert_eq!(ClosureDates::parse_json(&d.to_json()).unwrap(), d);
        assert!(d.contains(LocalDate::new(2026, 12, 25).unwrap()));
        assert!(!d.contains(LocalDate::new(2026, 12, 26).unwrap()));
        assert!(ClosureDates::parse_list("  ").unwrap().is_empty());
        assert_eq!(
            ClosureDates::parse_list("2026-12-25, Christmas"),
            Err(ClosureDatesError::BadDate("Christmas".into()))
        );
        assert_eq!(ClosureDates::parse_json("[]").unwrap(), ClosureDates::default());
        assert_eq!(ClosureDates::parse_json("{}"), Err(ClosureDatesError::Malformed));
    }

    #[test]
    fn at_most_a_hundred_dates() {
        let many: Vec<String> = (0..101)
            .map(|i| format!("20{:02}-01-{:02}", 30 + i / 28, 1 + i % 28))
            .collect();
        assert_eq!(
            ClosureDates::parse_list(&many.join(",")),
            Err(ClosureDatesError::TooMany)
        );
        assert_eq!(
            ClosureDates::parse_list(&many[..100].join(","))
                .unwrap()
                .to_json()
                .len(),
            100 * 13 + 1
        );
    }
}
