//! The recovery figures at the top of the inbox. Each names a set of leads, so a figure can
//! link to exactly the leads it counts.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Figure {
    MissedToday,
    Missed30d,
    TextBacks30d,
    Replied30d,
    Booked30d,
    Responded30d,
}

impl Figure {
    pub const ALL: [Figure; 6] = [
        Figure::MissedToday,
        Figure::Missed30d,
        Figure::TextBacks30d,
        Figure::Replied30d,
        Figure::Booked30d,
        Figure::Responded30d,
    ];

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.as_str() == s)
    }

    /// The `figure=` value in inbox links.
    pub fn as_str(self) -> &'static str {
        match self {
            Figure::MissedToday => "missed_today",
            Figure::Missed30d => "missed_30d",
            Figure::TextBacks30d => "text_backs_30d",
            Figure::Replied30d => "replied_30d",
            Figure::Booked30d => "booked_30d",
            Figure::Responded30d => "responded_30d",
        }
    }

    /// What the filtered list shows, for the banner above it.
    pub fn describe(self) -> &'static str {
        match self {
            Figure::MissedToday => "Leads with a missed call today",
            Figure::Missed30d => "Leads with a missed call in the last 30 days",
            Figure::TextBacks30d => "Leads sent a text-back in the last 30 days",
            Figure::Replied30d => "Missed-call leads who replied, last 30 days",
            Figure::Booked30d => "Missed-call leads booked in the last 30 days",
            Figure::Responded30d => "Leads a staff member responded to, last 30 days",
        }
    }

    /// Counted from local midnight rather than 30 days back.
    pub fn is_today(self) -> bool {
        self == Figure::MissedToday
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_figure_round_trips_and_unknown_names_do_not_parse() {
        for f in Figure::ALL {
            assert_eq!(Figure::parse(f.as_str()), Some(f));
        }
        assert_eq!(Figure::parse("missed"), None);
        assert_eq!(Figure::parse(""), None);
    }
}
