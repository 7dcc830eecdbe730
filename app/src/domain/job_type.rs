//! The kind of job a booking is for. The codes are stored in `bookings.job_type` and posted
//! by the booking form.

use super::text_code::text_code;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JobType {
    NoHeat,
    NoCool,
    Maintenance,
    InstallEstimate,
    Other,
}

text_code!(JobType, "job type");

impl JobType {
    /// In the order the booking form lists them.
    pub const ALL: [JobType; 5] = [
        JobType::NoHeat,
        JobType::NoCool,
        JobType::Maintenance,
        JobType::InstallEstimate,
        JobType::Other,
    ];

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|job| job.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            JobType::NoHeat => "no_heat",
            JobType::NoCool => "no_cool",
            JobType::Maintenance => "maintenance",
            JobType::InstallEstimate => "install_estimate",
            JobType::Other => "other",
        }
    }

    /// The booking form's label.
    pub fn label(self) -> &'static str {
        match self {
            JobType::NoHeat => "No heat",
            JobType::NoCool => "No cooling",
            JobType::Maintenance => "Maintenance",
            JobType::InstallEstimate => "Install estimate",
            JobType::Other => "Other",
        }
    }

    /// The code as words, as booking summaries write it ("install estimate").
    pub fn words(self) -> String {
        self.as_str().replace('_', " ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for job in JobType::ALL {
            assert_eq!(JobType::parse(job.as_str()), Some(job));
        }
        assert_eq!(JobType::parse("no heat"), None);
        assert_eq!(JobType::InstallEstimate.words(), "install estimate");
    }
}
