//! Query parameters of the `/api/v1` reads. Each route declares its parameters once, as a
//! table of [`Param`]s; the same table checks every request (anything unknown, repeated,
//! empty or malformed is refused with 422 naming the parameter, before the store is read)
//! and writes the route's parameters into the OpenAPI document, so what the description
//! promises and what the server accepts cannot drift apart.

use chrono::NaiveDate;
use utoipa::openapi::{
    path::{Parameter, ParameterBuilder, ParameterIn},
    schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type},
    Required,
};

use super::cursor;
use crate::api::error::ApiError;

/// What a parameter accepts.
#[derive(Clone, Copy)]
pub enum Kind {
    /// One of these codes, exactly.
    Enum(fn() -> Vec<&'static str>),
    /// A whole number in `min..=max` (digits only); `default` when absent.
    Integer { min: u64, max: u64, default: u64 },
    /// `true` or `false`.
    Boolean,
    /// An RFC 3339 date-time with an offset (`2026-12-06T14:30:00Z`, `…-06:00`).
    DateTime,
    /// A calendar date, `YYYY-MM-DD`.
    Date,
    /// Text matching `pattern` (an anchored regular expression over ASCII classes), which
    /// `accepts` checks the same way.
    Pattern {
        pattern: &'static str,
        accepts: fn(&str) -> bool,
        hint: &'static str,
    },
    /// A page cursor of rows whose ids start `{prefix}_` ([`cursor`]).
    Cursor(&'static str),
}

/// One query parameter of a route.
#[derive(Clone, Copy)]
pub struct Param {
    pub name: &'static str,
    pub kind: Kind,
    pub description: &'static str,
}

/// Page size: 1 to 100, 50 when absent.
pub const fn limit() -> Param {
    Param {
        name: "limit",
        kind: Kind::Integer {
            min: 1,
            max: 100,
            default: 50,
        },
        description: "How many items a page holds, 1 to 100 (default 50).",
    }
}

/// Where a page starts: the previous page's `next_cursor`.
pub const fn cursor(prefix: &'static str) -> Param {
    Param {
        name: "cursor",
        kind: Kind::Cursor(prefix),
        description:
            "The `next_cursor` of the previous page, passed back exactly as given (opaque). Absent: the first page.",
    }
}

/// A checked parameter value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Code(&'static str),
    Int(u64),
    Bool(bool),
    /// Unix milliseconds.
    Instant(i64),
    Date(NaiveDate),
    Text(String),
    /// A cursor's `(instant, id)`.
    Position(i64, String),
}

/// The parameters a request gave, each checked against its route's table.
pub struct Given {
    table: &'static [Param],
    values: Vec<(&'static str, Value)>,
}

/// Checks the raw query string against `table`.
pub fn parse(table: &'static [Param], raw: Option<&str>) -> Result<Given, ApiError> {
    let mut values: Vec<(&'static str, Value)> = Vec::new();
    for (name, value) in form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
        let Some(param) = table.iter().find(|p| p.name == &*name) else {
            let shown: String = name.chars().filter(|c| !c.is_control()).take(40).collect();
            let known: Vec<&str> = table.iter().map(|p| p.name).collect();
            return Err(ApiError::Invalid {
                field: "query",
                message: if known.is_empty() {
                    format!("Unknown parameter \"{shown}\": this route takes no parameters.")
                } else {
                    format!("Unknown parameter \"{shown}\": this route takes {}.", known.join(", "))
                },
            });
        };
        if values.iter().any(|(n, _)| *n == param.name) {
            return Err(ApiError::Invalid {
                field: param.name,
                message: format!("{} is given more than once; give it once.", param.name),
            });
        }
        values.push((param.name, check(param, &value)?));
    }
    Ok(Given { table, values })
}

fn check(p: &Param, raw: &str) -> Result<Value, ApiError> {
    let bad = |wanted: String| ApiError::Invalid {
        field: p.name,
        message: format!("{} must be {wanted}", p.name),
    };
    match p.kind {
        Kind::Enum(codes) => codes()
            .into_iter()
            .find(|c| *c == raw)
            .map(Value::Code)
            .ok_or_else(|| bad(format!("one of: {}.", codes().join(", ")))),
        Kind::Integer { min, max, .. } => {
            let n = if !raw.is_empty() && raw.len() <= 10 && raw.bytes().all(|b| b.is_ascii_digit()) {
                raw.parse::<u64>().ok()
            } else {
                None
            };
            match n {
                Some(n) if (min..=max).contains(&n) => Ok(Value::Int(n)),
                _ => Err(bad(format!("a whole number from {min} to {max}."))),
            }
        }
        Kind::Boolean => match raw {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            _ => Err(bad("true or false.".to_owned())),
        },
        Kind::DateTime => rfc3339_ms(raw)
            .map(Value::Instant)
            .ok_or_else(|| bad("an RFC 3339 date-time with an offset, such as 2026-12-06T14:30:00Z.".to_owned())),
        Kind::Date => date(raw)
            .map(Value::Date)
            .ok_or_else(|| bad("a date written YYYY-MM-DD.".to_owned())),
        Kind::Pattern { accepts, hint, .. } => {
            if accepts(raw) {
                Ok(Value::Text(raw.to_owned()))
            } else {
                Err(bad(hint.to_owned()))
            }
        }
        Kind::Cursor(prefix) => cursor::decode(prefix, raw)
            .map(|(at, id)| Value::Position(at, id))
            .ok_or_else(|| bad("the next_cursor of the previous page, passed back exactly as given.".to_owned())),
    }
}

/// An RFC 3339 date-time (`YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`, `T` and `Z` in either
/// case) as unix milliseconds: exactly the grammar the OpenAPI `date-time` format names, as
/// JSON Schema validators read it (no space for `T`, no offset beyond ±23:59, a leap second
/// only at 23:59:60 UTC). Stricter than chrono's parser, which is only asked for the value.
pub fn rfc3339_ms(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() < 20 {
        return None;
    }
    let digits = |from: usize, to: usize| b[from..to].iter().all(u8::is_ascii_digit);
    let two = |at: usize| i64::from(b[at] - b'0') * 10 + i64::from(b[at + 1] - b'0');
    let shaped = digits(0, 4)
        && b[4] == b'-'
        && digits(5, 7)
        && b[7] == b'-'
        && digits(8, 10)
        && matches!(b[10], b'T' | b't')
        && digits(11, 13)
        && b[13] == b':'
        && digits(14, 16)
        && b[16] == b':'
        && digits(17, 19);
    if !shaped {
        return None;
    }
    let (hour, minute, second) = (two(11), two(14), two(17));
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let mut rest = &b[19..];
    if rest.first() == Some(&b'.') {
        let frac = rest[1..].iter().take_while(|c| c.is_ascii_digit()).count();
        if frac == 0 {
            return None;
        }
        rest = &rest[1 + frac..];
    }
    // minutes east of UTC
    let offset = match rest {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            if ![h1, h2, m1, m2].iter().all(|c| c.is_ascii_digit()) {
                return None;
            }
            let hours = i64::from(h1 - b'0') * 10 + i64::from(h2 - b'0');
            let minutes = i64::from(m1 - b'0') * 10 + i64::from(m2 - b'0');
            if hours > 23 || minutes > 59 {
                return None;
            }
            if *sign == b'-' {
                -(hours * 60 + minutes)
            } else {
                hours * 60 + minutes
            }
        }
        _ => return None,
    };
    if second == 60 && (hour * 60 + minute - offset).rem_euclid(1440) != 23 * 60 + 59 {
        return None;
    }
    chrono::DateTime::parse_from_rfc3339(&s.to_ascii_uppercase())
        .ok()
        .map(|t| t.timestamp_millis())
}

/// A calendar date written `YYYY-MM-DD` (what the OpenAPI `date` format names).
pub fn date(s: &str) -> Option<NaiveDate> {
    let shaped = s.len() == 10
        && s.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    if !shaped {
        return None;
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

impl Given {
    fn get(&self, name: &str) -> Option<&Value> {
        self.values.iter().find(|(n, _)| *n == name).map(|(_, v)| v)
    }

    /// The code given for an [`Kind::Enum`] parameter.
    pub fn code(&self, name: &str) -> Option<&'static str> {
        match self.get(name) {
            Some(Value::Code(c)) => Some(*c),
            _ => None,
        }
    }

    pub fn flag(&self, name: &str) -> Option<bool> {
        match self.get(name) {
            Some(Value::Bool(b)) => Some(*b),
            _ => None,
        }
    }

    /// A [`Kind::DateTime`] parameter, as unix milliseconds.
    pub fn instant(&self, name: &str) -> Option<i64> {
        match self.get(name) {
            Some(Value::Instant(ms)) => Some(*ms),
            _ => None,
        }
    }

    pub fn date(&self, name: &str) -> Option<NaiveDate> {
        match self.get(name) {
            Some(Value::Date(d)) => Some(*d),
            _ => None,
        }
    }

    pub fn text(&self, name: &str) -> Option<&str> {
        match self.get(name) {
            Some(Value::Text(t)) => Some(t.as_str()),
            _ => None,
        }
    }

    /// The `cursor` parameter's position.
    pub fn position(&self) -> Option<(i64, &str)> {
        match self.get("cursor") {
            Some(Value::Position(at, id)) => Some((*at, id.as_str())),
            _ => None,
        }
    }

    /// The `limit` parameter, or the table's default for it.
    pub fn limit(&self) -> i64 {
        let n = match self.get("limit") {
            Some(Value::Int(n)) => Some(*n),
            _ => None,
        }
        .or_else(|| {
            self.table.iter().find_map(|p| match p.kind {
                Kind::Integer { default, .. } if p.name == "limit" => Some(default),
                _ => None,
            })
        })
        .unwrap_or(50);
        i64::try_from(n).unwrap_or(50)
    }
}

/// The OpenAPI description of a route's query parameters.
pub fn parameters(table: &[Param]) -> Vec<Parameter> {
    table
        .iter()
        .map(|p| {
            ParameterBuilder::new()
                .name(p.name)
                .parameter_in(ParameterIn::Query)
                .required(Required::False)
                .description(Some(p.description))
                .schema(Some(schema(p.kind)))
                .build()
        })
        .collect()
}

fn schema(kind: Kind) -> ObjectBuilder {
    let string = ObjectBuilder::new().schema_type(Type::String);
    match kind {
        Kind::Enum(codes) => string.enum_values(Some(codes())),
        Kind::Integer { min, max, default } => ObjectBuilder::new()
            .schema_type(Type::Integer)
            .minimum(Some(min))
            .maximum(Some(max))
            .default(Some(serde_json::Value::from(default))),
        Kind::Boolean => ObjectBuilder::new().schema_type(Type::Boolean),
        Kind::DateTime => string.format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime))),
        Kind::Date => string.format(Some(SchemaFormat::KnownFormat(KnownFormat::Date))),
        Kind::Pattern { pattern, .. } => string.pattern(Some(pattern)),
        Kind::Cursor(_) => string.pattern(Some(cursor::PATTERN)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn statuses() -> Vec<&'static str> {
        vec!["new", "booked"]
    }

    fn sid(s: &str) -> bool {
        (2..=4).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric())
    }

    const TABLE: &[Param] = &[
        Param {
            name: "status",
            kind: Kind::Enum(statuses),
            description: "",
        },
        Param {
            name: "since",
            kind: Kind::DateTime,
            description: "",
        },
        Param {
            name: "day",
            kind: Kind::Date,
            description: "",
        },
        Param {
            name: "flag",
            kind: Kind::Boolean,
            description: "",
        },
        Param {
            name: "sid",
            kind: Kind::Pattern {
                pattern: "^[A-Za-z0-9]{2,4}$",
                accepts: sid,
                hint: "2 to 4 letters or digits.",
            },
            description: "",
        },
        limit(),
        cursor("lead"),
    ];

    fn field(raw: &str) -> &'static str {
        match parse(TABLE, Some(raw)) {
            Err(ApiError::Invalid { field, .. }) => field,
            Err(_) => panic!("{raw}: refused, but not as invalid input"),
            Ok(_) => panic!("{raw}: accepted"),
        }
    }

    fn given(raw: Option<&str>) -> Given {
        match parse(TABLE, raw) {
            Ok(g) => g,
            Err(_) => panic!("{raw:?}: refused"),
        }
    }

    #[test]
    fn good_values_are_typed_and_absent_ones_default() {
        let g = given(Some(
            "status=booked&since=2026-12-06T14%3A30%3A00.5-06%3A00&day=2026-02-28&flag=false&sid=CA1&limit=100",
        ));
        assert_eq!(g.code("status"), Some("booked"));
        assert_eq!(g.instant("since"), Some(1_796_589_000_500));
        assert_eq!(g.date("day"), NaiveDate::from_ymd_opt(2026, 2, 28));
        assert_eq!(g.flag("flag"), Some(false));
        assert_eq!(g.text("sid"), Some("CA1"));
        assert_eq!(g.limit(), 100);
        assert_eq!(g.position(), None);
        let none = given(None);
        assert_eq!(none.limit(), 50);
        assert_eq!(none.code("status"), None);
        assert_eq!(given(Some("")).limit(), 50);
    }

    #[test]
    fn anything_unknown_repeated_empty_or_malformed_is_refused_by_name() {
        for (raw, name) in [
            ("status=lost", "status"),
            ("status=", "status"),
            ("status=NEW", "status"),
            ("status=new&status=booked", "status"),
            ("limit=0", "limit"),
            ("limit=101", "limit"),
            ("limit=-1", "limit"),
            ("limit=%2B5", "limit"),
            ("limit=1.0", "limit"),
            ("limit=", "limit"),
            ("limit=99999999999999999999", "limit"),
            ("flag=1", "flag"),
            ("flag=True", "flag"),
            ("flag", "flag"),
            ("since=2026-12-06", "since"),
            ("since=2026-12-06 14:30:00Z", "since"),
            ("since=2026-12-06T14:30:00", "since"),
            ("since=2026-12-06T24:00:00Z", "since"),
            ("since=2026-12-06T12:99:00Z", "since"),
            ("since=2026-12-06T12:00:60Z", "since"),
            ("since=2026-12-06T23:59:60%2B01:00", "since"),
            ("since=2026-12-06T23:59:61Z", "since"),
            ("since=2026-02-30T00:00:00Z", "since"),
            ("since=2026-12-06T14:30:00.Z", "since"),
            ("since=2026-12-06T14:30:00%2B24:00", "since"),
            ("since=2026-12-06T14:30:00%2B0600", "since"),
            ("day=2026-2-28", "day"),
            ("day=2026-02-30", "day"),
            ("day=%2B2026-02-28", "day"),
            ("sid=C", "sid"),
            ("sid=CA%0A", "sid"),
            ("cursor=abc", "cursor"),
            ("cursor=", "cursor"),
            ("unknown=1", "query"),
            ("LIMIT=5", "query"),
        ] {
            assert_eq!(field(raw), name, "{raw}");
        }
    }

    #[test]
    fn rfc3339_takes_the_whole_grammar() {
        assert_eq!(rfc3339_ms("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(rfc3339_ms("1970-01-01t00:00:01z"), Some(1_000));
        assert_eq!(rfc3339_ms("1970-01-01T01:00:00+01:00"), Some(0));
        assert_eq!(rfc3339_ms("1970-01-01T00:00:00.123456789123Z"), Some(123));
        assert_eq!(rfc3339_ms("1969-12-31T18:00:00-06:00"), Some(0));
        assert!(rfc3339_ms("0001-01-01T00:00:00+23:59").is_some());
        assert!(rfc3339_ms("9999-12-31T23:59:59-23:59").is_some());
        assert_eq!(rfc3339_ms("1970-01-01T00:00:00-00:00"), Some(0));
        assert!(rfc3339_ms("0000-01-01T00:00:00Z").is_some());
        // a leap second, where UTC has them
        assert!(rfc3339_ms("2016-12-31T23:59:60Z").is_some());
        assert!(rfc3339_ms("2016-12-31T17:59:60.5-06:00").is_some());
    }

    #[test]
    fn the_document_describes_each_kind() {
        let params = serde_json::to_value(parameters(TABLE)).unwrap();
        let by_name = |n: &str| {
            params
                .as_array()
                .unwrap()
                .iter()
                .find(|p| p["name"] == n)
                .unwrap()
                .clone()
        };
        assert_eq!(
            by_name("status")["schema"]["enum"],
            serde_json::json!(["new", "booked"])
        );
        assert_eq!(by_name("status")["in"], "query");
        assert_eq!(by_name("status")["required"], false);
        assert_eq!(by_name("since")["schema"]["format"], "date-time");
        assert_eq!(by_name("day")["schema"]["format"], "date");
        assert_eq!(by_name("flag")["schema"]["type"], "boolean");
        assert_eq!(by_name("limit")["schema"]["minimum"], 1);
        assert_eq!(by_name("limit")["schema"]["maximum"], 100);
        assert_eq!(by_name("limit")["schema"]["default"], 50);
        assert_eq!(by_name("cursor")["schema"]["pattern"], cursor::PATTERN);
        assert_eq!(by_name("sid")["schema"]["pattern"], "^[A-Za-z0-9]{2,4}$");
    }
}
