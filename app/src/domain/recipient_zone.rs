//! Where a texted customer's clock is. Quiet hours are read in the recipient's local time,
//! and Twilio tells us the state or province a number is registered in (`FromState`,
//! `FromCountry`) when it knows. A state spanning two zones gets the zone most of its people
//! live in; anything unknown falls back to the business's own timezone, which is where
//! nearly every residential HVAC customer lives anyway.

/// The IANA timezone for a US state / territory or Canadian province, if known.
pub fn timezone_for(country: &str, region: &str) -> Option<&'static str> {
    let region = region.trim().to_ascii_uppercase();
    let zone = match country.trim().to_ascii_uppercase().as_str() {
        "US" => match region.as_str() {
            "CT" | "DE" | "DC" | "FL" | "GA" | "KY" | "ME" | "MD" | "MA" | "MI" | "NH" | "NJ" | "NY" | "NC" | "OH"
            | "PA" | "RI" | "SC" | "VT" | "VA" | "WV" => "America/New_York",
            "IN" => "America/Indiana/Indianapolis",
            "AL" | "AR" | "IL" | "IA" | "KS" | "LA" | "MN" | "MS" | "MO" | "NE" | "ND" | "OK" | "SD" | "TN" | "TX"
            | "WI" => "America/Chicago",
            "CO" | "ID" | "MT" | "NM" | "UT" | "WY" => "America/Denver",
            "AZ" => "America/Phoenix",
            "CA" | "NV" | "OR" | "WA" => "America/Los_Angeles",
            "AK" => "America/Anchorage",
            "HI" => "Pacific/Honolulu",
            "PR" => "America/Puerto_Rico",
            "VI" => "America/St_Thomas",
            "GU" => "Pacific/Guam",
            "MP" => "Pacific/Saipan",
            "AS" => "Pacific/Pago_Pago",
            _ => return None,
        },
        "CA" => match region.as_str() {
            "ON" | "QC" => "America/Toronto",
            "BC" => "America/Vancouver",
            "AB" => "America/Edmonton",
            "MB" => "America/Winnipeg",
            "SK" => "America/Regina",
            "NS" | "PE" => "America/Halifax",
            "NB" => "America/Moncton",
            "NL" => "America/St_Johns",
            "YT" => "America/Whitehorse",
            "NT" => "America/Yellowknife",
            "NU" => "America/Iqaluit",
            _ => return None,
        },
        _ => return None,
    };
    Some(zone)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_and_provinces_map_to_their_zone_and_the_rest_to_none() {
        assert_eq!(timezone_for("US", "TX"), Some("America/Chicago"));
        assert_eq!(timezone_for("us", " ca "), Some("America/Los_Angeles"));
        assert_eq!(timezone_for("US", "AZ"), Some("America/Phoenix"));
        assert_eq!(timezone_for("CA", "BC"), Some("America/Vancouver"));
        assert_eq!(timezone_for("US", ""), None);
        assert_eq!(timezone_for("GB", "LND"), None);
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn every_zone_named_is_a_real_iana_zone() {
        let regions = [
            ("US", "CT DE DC FL GA KY ME MD MA MI NH NJ NY NC OH PA RI SC VT VA WV IN AL AR IL IA KS LA MN MS MO NE ND OK SD TN TX WI CO ID MT NM UT WY AZ CA NV OR WA AK HI PR VI GU MP AS"),
            ("CA", "ON QC BC AB MB SK NS PE NB NL YT NT NU"),
        ];
        for (country, list) in regions {
            for region in list.split_whitespace() {
                let zone = timezone_for(country, region).unwrap_or_else(|| panic!("{country}-{region}"));
                assert!(zone.parse::<chrono_tz::Tz>().is_ok(), "{zone}");
            }
        }
    }
}
