//! JSON request bodies of the `/api/v1` writes. Like the reads' query parameters
//! ([`super::query`]), each write declares its body once, as a table of [`Field`]s; the
//! same table checks every request (a body that is not a JSON object, a member it does not
//! take, a missing, mistyped, too long or malformed value: 422 naming the field, before the
//! store is touched) and writes the body's schema into the OpenAPI document
//! (`additionalProperties: false`), so what the description promises and what the server
//! accepts cannot drift apart.
//!
//! A body must be sent as JSON (`Content-Type: application/json`, else 415); an empty body is
//! a 422 on [`WHOLE`].

use axum::http::{header, HeaderMap};
use chrono::{NaiveDate, NaiveTime};
use serde_json::Value as Json;
use utoipa::openapi::schema::{
    AdditionalProperties, KnownFormat, Object, ObjectBuilder, Schema, SchemaFormat, SchemaType, Type,
};

use super::query;
use crate::api::error::ApiError;

/// The field an error names when the body as a whole is wrong: not JSON, not an object, or
/// with a member the endpoint does not take.
pub const WHOLE: &str = "request_body";

/// `HH:MM` on a 24-hour clock, as the OpenAPI document writes it (and all that is accepted).
pub const TIME_PATTERN: &str = "^([01][0-9]|2[0-3]):[0-5][0-9]$";

/// Something besides whitespace, as the OpenAPI document writes it.
pub const NOT_BLANK_PATTERN: &str = "\\S";

/// What a field accepts.
#[derive(Clone, Copy)]
pub enum Kind {
    /// A string of at most `max` characters; `non_blank`: one with something besides
    /// whitespace (what is stored is trimmed).
    Text {
        max: usize,
        non_blank: bool,
    },
    /// One of these codes, exactly.
    Enum(fn() -> Vec<&'static str>),
    Boolean,
    /// A whole number in `min..=max`.
    Integer {
        min: i64,
        max: i64,
    },
    /// A calendar date, `YYYY-MM-DD`.
    Date,
    /// A time of day, `HH:MM` ([`TIME_PATTERN`]).
    Time,
    /// An id the app minted: `{prefix}_` and 32 lowercase hex digits.
    Id(&'static str),
}

/// One member of a body.
#[derive(Clone, Copy)]
pub struct Field {
    pub name: &'static str,
    pub kind: Kind,
    pub required: bool,
    /// `null` is a value of its own (e.g. "nobody" for an assignee).
    pub nullable: bool,
    pub description: &'static str,
}

/// A checked value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Text(String),
    Code(&'static str),
    Bool(bool),
    Int(i64),
    Date(NaiveDate),
    Time(NaiveTime),
    Null,
}

/// The members a request gave, each checked against its endpoint's table.
#[derive(Debug)]
pub struct Given {
    values: Vec<(&'static str, Value)>,
}

/// Whether the request says its body is JSON (`application/json` or `application/…+json`,
/// parameters such as `charset` allowed).
fn sent_as_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or_default().trim().to_ascii_lowercase())
        .is_some_and(|media| {
            media == "application/json" || (media.starts_with("application/") && media.ends_with("+json"))
        })
}

/// Checks the raw body against `table`.
pub fn parse(table: &'static [Field], headers: &HeaderMap, bytes: &[u8]) -> Result<Given, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::invalid(WHOLE, "The request needs a JSON object as its body."));
    }
    if !sent_as_json(headers) {
        return Err(ApiError::UnsupportedMediaType);
    }
    let json: Json = serde_json::from_slice(bytes)
        .map_err(|e| ApiError::invalid(WHOLE, format!("The body is not valid JSON: {e}.")))?;
    let Json::Object(members) = json else {
        return Err(ApiError::invalid(WHOLE, "The body must be a JSON object."));
    };
    if let Some(unknown) = members.keys().find(|k| !table.iter().any(|f| f.name == k.as_str())) {
        let shown: String = unknown.chars().filter(|c| !c.is_control()).take(40).collect();
        let known: Vec<&str> = table.iter().map(|f| f.name).collect();
        return Err(ApiError::invalid(
            WHOLE,
            format!("Unknown field \"{shown}\": this endpoint takes {}.", known.join(", ")),
        ));
    }
    let mut values = Vec::new();
    for f in table {
        match members.get(f.name) {
            None if f.required => {
                return Err(ApiError::invalid(f.name, format!("{} is required.", f.name)));
            }
            None => {}
            Some(Json::Null) if f.nullable => values.push((f.name, Value::Null)),
            Some(v) => values.push((f.name, check(f, v)?)),
        }
    }
    Ok(Given { values })
}

fn check(f: &Field, v: &Json) -> Result<Value, ApiError> {
    match f.kind {
        Kind::Text { max, non_blank } => {
            let s = v.as_str().ok_or_else(|| must(f, "a string."))?;
            if s.chars().count() > max {
                return Err(must(f, &format!("at most {max} characters.")));
            }
            if non_blank && s.trim().is_empty() {
                return Err(must(f, "more than whitespace."));
            }
            // No store keeps a NUL inside text (PostgreSQL refuses it outright), and no
            // person typed one.
            if s.contains('\0') {
                return Err(must(f, "text without NUL characters."));
            }
            Ok(Value::Text(s.to_owned()))
        }
        Kind::Enum(codes) => {
            let all = codes();
            v.as_str()
                .and_then(|s| all.iter().copied().find(|c| *c == s))
                .map(Value::Code)
                .ok_or_else(|| must(f, &format!("one of: {}.", all.join(", "))))
        }
        Kind::Boolean => v.as_bool().map(Value::Bool).ok_or_else(|| must(f, "true or false.")),
        Kind::Integer { min, max } => {
            // JSON Schema counts 250.0 as an integer too.
            let n = v.as_i64().or_else(|| {
                v.as_f64()
                    .filter(|x| x.fract() == 0.0 && x.abs() < 9.0e15)
                    .map(|x| x as i64)
            });
            match n {
                Some(n) if (min..=max).contains(&n) => Ok(Value::Int(n)),
                _ => Err(must(f, &format!("a whole number from {min} to {max}."))),
            }
        }
        Kind::Date => v
            .as_str()
            .and_then(query::date)
            .map(Value::Date)
            .ok_or_else(|| must(f, "a date written YYYY-MM-DD.")),
        Kind::Time => v
            .as_str()
            .and_then(time_of_day)
            .map(Value::Time)
            .ok_or_else(|| must(f, "a time written HH:MM (24-hour clock).")),
        Kind::Id(prefix) => v
            .as_str()
            .filter(|s| is_id(prefix, s))
            .map(|s| Value::Text(s.to_owned()))
            .ok_or_else(|| {
                let or_null = if f.nullable { ", or null" } else { "" };
                must(
                    f,
                    &format!("an id {prefix}_ followed by 32 lowercase hex digits{or_null}."),
                )
            }),
    }
}

/// "`name` must be `wanted`", naming the field.
fn must(f: &Field, wanted: &str) -> ApiError {
    ApiError::invalid(f.name, format!("{} must be {wanted}", f.name))
}

/// `HH:MM` exactly ([`TIME_PATTERN`]).
pub fn time_of_day(s: &str) -> Option<NaiveTime> {
    let b = s.as_bytes();
    if b.len() != 5 || b[2] != b':' || ![b[0], b[1], b[3], b[4]].iter().all(u8::is_ascii_digit) {
        return None;
    }
    let hour = u32::from(b[0] - b'0') * 10 + u32::from(b[1] - b'0');
    let minute = u32::from(b[3] - b'0') * 10 + u32::from(b[4] - b'0');
    if hour > 23 || minute > 59 {
        return None;
    }
    NaiveTime::from_hms_opt(hour, minute, 0)
}

fn is_id(prefix: &str, s: &str) -> bool {
    s.strip_prefix(prefix)
        .and_then(|rest| rest.strip_prefix('_'))
        .is_some_and(|hex| hex.len() == 32 && hex.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
}

impl Given {
    fn get(&self, name: &str) -> Option<&Value> {
        self.values.iter().find(|(n, _)| *n == name).map(|(_, v)| v)
    }

    /// Whether the member was given at all (`null` included).
    pub fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    pub fn is_null(&self, name: &str) -> bool {
        matches!(self.get(name), Some(Value::Null))
    }

    /// A [`Kind::Text`] or [`Kind::Id`] member.
    pub fn text(&self, name: &str) -> Option<&str> {
        match self.get(name) {
            Some(Value::Text(t)) => Some(t.as_str()),
            _ => None,
        }
    }

    /// A [`Kind::Enum`] member.
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

    pub fn int(&self, name: &str) -> Option<i64> {
        match self.get(name) {
            Some(Value::Int(n)) => Some(*n),
            _ => None,
        }
    }

    pub fn date(&self, name: &str) -> Option<NaiveDate> {
        match self.get(name) {
            Some(Value::Date(d)) => Some(*d),
            _ => None,
        }
    }

    pub fn time(&self, name: &str) -> Option<NaiveTime> {
        match self.get(name) {
            Some(Value::Time(t)) => Some(*t),
            _ => None,
        }
    }
}

/// The JSON Schema of a body: an object of exactly the table's members.
pub fn schema(table: &[Field], description: &str) -> Object {
    let mut object = ObjectBuilder::new()
        .schema_type(Type::Object)
        .description(Some(description))
        .additional_properties(Some(AdditionalProperties::<Schema>::FreeForm(false)));
    for f in table {
        let mut member = field_schema(f.kind).description(Some(f.description));
        if f.nullable {
            member = member.schema_type(SchemaType::from_iter([base_type(f.kind), Type::Null]));
        }
        object = object.property(f.name, member);
        if f.required {
            object = object.required(f.name);
        }
    }
    object.build()
}

fn base_type(kind: Kind) -> Type {
    match kind {
        Kind::Boolean => Type::Boolean,
        Kind::Integer { .. } => Type::Integer,
        _ => Type::String,
    }
}

fn field_schema(kind: Kind) -> ObjectBuilder {
    let string = ObjectBuilder::new().schema_type(Type::String);
    match kind {
        Kind::Text { max, non_blank } => {
            let text = string.max_length(Some(max));
            if non_blank {
                text.min_length(Some(1)).pattern(Some(NOT_BLANK_PATTERN))
            } else {
                text
            }
        }
        Kind::Enum(codes) => string.enum_values(Some(codes())),
        Kind::Boolean => ObjectBuilder::new().schema_type(Type::Boolean),
        Kind::Integer { min, max } => ObjectBuilder::new()
            .schema_type(Type::Integer)
            .minimum(Some(min))
            .maximum(Some(max)),
        Kind::Date => string.format(Some(SchemaFormat::KnownFormat(KnownFormat::Date))),
        Kind::Time => string.pattern(Some(TIME_PATTERN)),
        Kind::Id(prefix) => string.pattern(Some(format!("^{prefix}_[0-9a-f]{{32}}$"))),
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn colours() -> Vec<&'static str> {
        vec!["red", "blue"]
    }

    const TABLE: &[Field] = &[
        Field {
            name: "text",
            kind: Kind::Text {
                max: 5,
                non_blank: true,
            },
            required: true,
            nullable: false,
            description: "",
        },
        Field {
            name: "colour",
            kind: Kind::Enum(colours),
            required: false,
            nullable: false,
            description: "",
        },
        Field {
            name: "flag",
            kind: Kind::Boolean,
            required: false,
            nullable: false,
            description: "",
        },
        Field {
            name: "cents",
            kind: Kind::Integer { min: 0, max: 100 },
            required: false,
            nullable: false,
            description: "",
        },
        Field {
            name: "day",
            kind: Kind::Date,
            required: false,
            nullable: false,
            description: "",
        },
        Field {
            name: "at",
            kind: Kind::Time,
            required: false,
            nullable: false,
            description: "",
        },
        Field {
            name: "who",
            kind: Kind::Id("usr"),
            required: false,
            nullable: true,
            description: "",
        },
    ];

    fn json_headers() -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=utf-8"),
        );
        h
    }

    fn field(body: &str) -> &'static str {
        match parse(TABLE, &json_headers(), body.as_bytes()) {
            Err(ApiError::Invalid { field, .. }) => field,
            Err(other) => panic!("{body}: refused, but not as invalid input: {other}"),
            Ok(_) => panic!("{body}: accepted"),
        }
    }

    #[test]
    fn good_bodies_are_typed() {
        let id = format!("usr_{}", "a".repeat(32));
        let body = format!(
            r#"{{"text":" hi ","colour":"blue","flag":true,"cents":100.0,"day":"2026-02-28","at":"23:59","who":"{id}"}}"#
        );
        let g = parse(TABLE, &json_headers(), body.as_bytes()).unwrap();
        assert_eq!(g.text("text"), Some(" hi "));
        assert_eq!(g.code("colour"), Some("blue"));
        assert_eq!(g.flag("flag"), Some(true));
        assert_eq!(g.int("cents"), Some(100));
        assert_eq!(g.date("day"), NaiveDate::from_ymd_opt(2026, 2, 28));
        assert_eq!(g.time("at"), NaiveTime::from_hms_opt(23, 59, 0));
        assert_eq!(g.text("who"), Some(id.as_str()));
        let g = parse(TABLE, &json_headers(), br#"{"text":"x","who":null}"#).unwrap();
        assert!(g.has("who") && g.is_null("who"));
        assert!(!g.has("colour"));
    }

    #[test]
    fn anything_else_is_refused_by_name() {
        for (body, name) in [
            ("", WHOLE),
            ("  ", WHOLE),
            ("{", WHOLE),
            ("[]", WHOLE),
            ("null", WHOLE),
            (r#"{"text":"x","extra":1}"#, WHOLE),
            (r#"{}"#, "text"),
            (r#"{"text":null}"#, "text"),
            (r#"{"text":"   "}"#, "text"),
            (r#"{"text":"toolong"}"#, "text"),
            (r#"{"text":5}"#, "text"),
            (r#"{"text":"x","colour":"green"}"#, "colour"),
            (r#"{"text":"x","colour":null}"#, "colour"),
            (r#"{"text":"x","flag":"true"}"#, "flag"),
            (r#"{"text":"x","cents":101}"#, "cents"),
            (r#"{"text":"x","cents":-1}"#, "cents"),
            (r#"{"text":"x","cents":1.5}"#, "cents"),
            (r#"{"text":"x","cents":"5"}"#, "cents"),
            (r#"{"text":"x","day":"2026-02-30"}"#, "day"),
            (r#"{"text":"x","day":" 2026-02-28"}"#, "day"),
            (r#"{"text":"x","at":"9:00"}"#, "at"),
            (r#"{"text":"x","at":"24:00"}"#, "at"),
            (r#"{"text":"x","at":"09:00:00"}"#, "at"),
            (r#"{"text":"x","who":"usr_nope"}"#, "who"),
        ] {
            assert_eq!(field(body), name, "{body}");
        }
    }

    #[test]
    fn a_body_not_sent_as_json_is_unsupported() {
        let mut form = HeaderMap::new();
        form.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/x-www-form-urlencoded"),
        );
        for headers in [HeaderMap::new(), form] {
            assert!(matches!(
                parse(TABLE, &headers, br#"{"text":"x"}"#),
                Err(ApiError::UnsupportedMediaType)
            ));
        }
        let mut problem = HeaderMap::new();
        problem.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/merge-patch+json"),
        );
        assert!(parse(TABLE, &problem, br#"{"text":"x"}"#).is_ok());
    }

    #[test]
    fn the_schema_is_the_table() {
        let s = serde_json::to_value(schema(TABLE, "A thing.")).unwrap();
        assert_eq!(s["type"], "object");
        assert_eq!(s["additionalProperties"], false);
        assert_eq!(s["required"], serde_json::json!(["text"]));
        assert_eq!(s["properties"]["text"]["maxLength"], 5);
        assert_eq!(s["properties"]["text"]["pattern"], NOT_BLANK_PATTERN);
        assert_eq!(s["properties"]["colour"]["enum"], serde_json::json!(["red", "blue"]));
        assert_eq!(s["properties"]["cents"]["maximum"], 100);
        assert_eq!(s["properties"]["day"]["format"], "date");
        assert_eq!(s["properties"]["at"]["pattern"], TIME_PATTERN);
        assert_eq!(s["properties"]["who"]["type"], serde_json::json!(["string", "null"]));
    }
}
