//! The audit viewer's filters and cursor, parsed once where they arrive (the page's GET
//! form through the `audit/list` server function, and the CSV export's query string) into
//! an [`AuditFilter`] the store trusts. Anything unknown or malformed is refused naming
//! the field (422), never ignored: a filter that silently matched everything would export
//! the whole trail.

use chrono::{NaiveDate, TimeZone};
use serde::Deserialize;

use crate::domain::{ids::AuditEventId, ActorKind, AuditAction};

/// Which records to show. Every part is optional; all given parts must match.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub actor: Option<ActorKind>,
    pub action: Option<AuditAction>,
    /// The id of what the record is about (a lead, a member, a number…).
    pub target_id: Option<String>,
    /// From this instant (ms, inclusive): the org's local midnight starting the `from` date.
    pub since: Option<i64>,
    /// Before this instant (ms, exclusive): the org's local midnight ending the `to` date.
    pub until: Option<i64>,
}

/// The filters as typed: query parameters of the page, the server function and the CSV
/// export (an empty value means "any").
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct AuditFilterQuery {
    /// An actor kind code: user, api_key, webhook, system, cli.
    pub actor: Option<String>,
    /// An action code such as `settings.changed`.
    pub action: Option<String>,
    /// A target id such as `lead_…`.
    pub target: Option<String>,
    /// YYYY-MM-DD in the org's timezone.
    pub from: Option<String>,
    /// YYYY-MM-DD in the org's timezone, inclusive.
    pub to: Option<String>,
}

/// Where the next page starts: the (occurred_at, id) of the last record shown, written
/// `"{ms}.{id}"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditCursor {
    pub at: i64,
    pub id: String,
}

impl AuditCursor {
    pub fn encode(at: i64, id: &str) -> String {
        format!("{at}.{id}")
    }
}

/// A filter or cursor that could not be read: which field, and a fixed message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct FilterError {
    pub field: &'static str,
    pub message: &'static str,
}

const fn refuse(field: &'static str, message: &'static str) -> FilterError {
    FilterError { field, message }
}

/// Longest target id accepted (ids are a short prefix and 32 hex digits).
const TARGET_MAX: usize = 64;

impl AuditFilterQuery {
    /// The filter, with dates turned into instants at the org's local midnights.
    pub fn parse(&self, tz: chrono_tz::Tz) -> Result<AuditFilter, FilterError> {
        let actor = match given(&self.actor) {
            None => None,
            Some(s) => Some(ActorKind::parse(s).ok_or(refuse(
                "actor",
                "Unknown actor: choose user, api_key, webhook, system or cli.",
            ))?),
        };
        let action = match given(&self.action) {
            None => None,
            Some(s) => Some(AuditAction::parse(s).ok_or(refuse("action", "Unknown action."))?),
        };
        let target_id = match given(&self.target) {
            None => None,
            Some(t) => {
                let plain = t.len() <= TARGET_MAX && t.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
                if !plain {
                    return Err(refuse("target", "A target is an id such as lead_… or usr_…."));
                }
                Some(t.to_owned())
            }
        };
        let from = given(&self.from).map(|d| parse_date(d, "from")).transpose()?;
        let to = given(&self.to).map(|d| parse_date(d, "to")).transpose()?;
        if let (Some(from), Some(to)) = (from, to) {
            if to < from {
                return Err(refuse("to", "The end date is before the start date."));
            }
        }
        let until = match to {
            None => None,
            Some(d) => Some(local_midnight(
                d.succ_opt().ok_or(refuse("to", "Dates are YYYY-MM-DD."))?,
                tz,
            )),
        };
        Ok(AuditFilter {
            actor,
            action,
            target_id,
            since: from.map(|d| local_midnight(d, tz)),
            until,
        })
    }
}

/// A page cursor (`"{ms}.{id}"` of the last record shown), if any.
pub fn parse_cursor(cursor: Option<&str>) -> Result<Option<AuditCursor>, FilterError> {
    let Some(c) = cursor.map(str::trim).filter(|c| !c.is_empty()) else {
        return Ok(None);
    };
    let bad = refuse("cursor", "Bad cursor: use the Older link.");
    let (at, id) = c.split_once('.').ok_or(bad)?;
    let at = at.parse::<i64>().map_err(|_| bad)?;
    if AuditEventId::parse(id).is_err() {
        return Err(bad);
    }
    Ok(Some(AuditCursor { at, id: id.to_owned() }))
}

fn given(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// A calendar date written YYYY-MM-DD (what `<input type="date">` sends).
fn parse_date(s: &str, field: &'static str) -> Result<NaiveDate, FilterError> {
    let bad = refuse(field, "Dates are YYYY-MM-DD.");
    let shaped = s.len() == 10
        && s.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    if !shaped {
        return Err(bad);
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| bad)
}

/// The instant the day `d` starts in `tz` (its first existing minute when a clock change
/// skips midnight).
fn local_midnight(d: NaiveDate, tz: chrono_tz::Tz) -> i64 {
    (0..=3)
        .filter_map(|h| d.and_hms_opt(h, 0, 0))
        .find_map(|t| tz.from_local_datetime(&t).earliest())
        .map_or_else(
            || d.and_hms_opt(0, 0, 0).map_or(0, |t| t.and_utc().timestamp_millis()),
            |t| t.timestamp_millis(),
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(pairs: &[(&str, &str)]) -> AuditFilterQuery {
        let get = |k: &str| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| (*v).to_owned());
        AuditFilterQuery {
            actor: get("actor"),
            action: get("action"),
            target: get("target"),
            from: get("from"),
            to: get("to"),
        }
    }

    const CHICAGO: chrono_tz::Tz = chrono_tz::America::Chicago;

    #[test]
    fn empty_values_mean_any() {
        let all = q(&[("actor", ""), ("action", " "), ("target", ""), ("from", ""), ("to", "")]);
        assert_eq!(all.parse(CHICAGO), Ok(AuditFilter::default()));
    }

    #[test]
    fn codes_and_dates_parse_in_the_org_timezone() {
        let f = q(&[
            ("actor", "api_key"),
            ("action", "settings.changed"),
            ("target", "lead_0123"),
            ("from", "2026-03-01"),
            ("to", "2026-03-01"),
        ])
        .parse(CHICAGO)
        .unwrap();
        assert_eq!(f.actor, Some(ActorKind::ApiKey));
        assert_eq!(f.action, Some(AuditAction::SettingsChanged));
        assert_eq!(f.target_id.as_deref(), Some("lead_0123"));
        // 2026-03-01 00:00 CST = 06:00 UTC; the day is 24 hours
        assert_eq!(f.since, Some(1_772_344_800_000));
        assert_eq!(f.until, Some(1_772_344_800_000 + 86_400_000));
        // the day clocks go forward is 23 hours long
        let dst = q(&[("from", "2026-03-08"), ("to", "2026-03-08")])
            .parse(CHICAGO)
            .unwrap();
        assert_eq!(dst.until.unwrap() - dst.since.unwrap(), 23 * 3_600_000);
    }

    #[test]
    fn anything_unknown_or_malformed_is_refused_naming_the_field() {
        for (pairs, field) in [
            (vec![("actor", "robot")], "actor"),
            (vec![("action", "lead.deleted")], "action"),
            (vec![("action", "SETTINGS.CHANGED")], "action"),
            (vec![("target", "lead_1; DROP TABLE")], "target"),
            (vec![("target", "x".repeat(65).leak() as &str)], "target"),
            (vec![("from", "2026-02-30")], "from"),
            (vec![("from", "1/3/2026")], "from"),
            (vec![("to", "2026-3-1")], "to"),
            (vec![("to", "+12026-03-01")], "to"),
            (vec![("from", "2026-03-02"), ("to", "2026-03-01")], "to"),
        ] {
            let err = q(&pairs).parse(CHICAGO).unwrap_err();
            assert_eq!(err.field, field, "{pairs:?}");
        }
    }

    #[test]
    fn cursors_are_an_instant_and_a_record_id() {
        let id = AuditEventId::new();
        let c = AuditCursor::encode(1_700_000_000_000, id.as_str());
        assert_eq!(
            parse_cursor(Some(&c)),
            Ok(Some(AuditCursor {
                at: 1_700_000_000_000,
                id: id.as_str().to_owned()
            }))
        );
        assert_eq!(parse_cursor(None), Ok(None));
        assert_eq!(parse_cursor(Some("")), Ok(None));
        for bad in ["abc", "12.", "x.aud_0", "17.lead_0123", "1.2.3", "17"] {
            assert_eq!(parse_cursor(Some(bad)).unwrap_err().field, "cursor", "{bad}");
        }
    }
}
