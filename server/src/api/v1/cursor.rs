//! Page cursors: opaque to clients, a position to the server. A cursor is the keyset of the
//! last row of a page, `(instant in ms, row id)`, packed as 8 bytes of the instant
//! (big-endian) and the 16 bytes of the id's UUID, base64url without padding: always 32
//! characters of `[A-Za-z0-9_-]`.
//!
//! Every string of that shape decodes to some position, so the OpenAPI pattern describes
//! exactly what is accepted; anything else (a truncated, padded or edited cursor, a cursor
//! with other characters) is refused by name. A cursor carries no secret and grants
//! nothing: every query is scoped by the key's org whatever position it names.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine as _};

/// What the OpenAPI document says a cursor looks like (and all that is accepted).
pub const PATTERN: &str = "^[A-Za-z0-9_-]{32}$";

const LEN: usize = 32;

/// The cursor for the row `(at, id)`; `None` when `id` is not `{prefix}_` and 32 lowercase
/// hex digits (every id the app mints is).
pub fn encode(prefix: &str, at: i64, id: &str) -> Option<String> {
    let hex_part = id.strip_prefix(prefix)?.strip_prefix('_')?;
    if hex_part.len() != 32
        || !hex_part
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        return None;
    }
    let uuid = hex::decode(hex_part).ok()?;
    let mut bytes = Vec::with_capacity(24);
    bytes.extend_from_slice(&at.to_be_bytes());
    bytes.extend_from_slice(&uuid);
    Some(URL_SAFE_NO_PAD.encode(bytes))
}

/// The position a cursor names: `(at, "{prefix}_{hex}")`; `None` unless it has the shape of
/// [`PATTERN`].
pub fn decode(prefix: &str, cursor: &str) -> Option<(i64, String)> {
    if cursor.len() != LEN
        || !cursor
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return None;
    }
    let bytes = URL_SAFE_NO_PAD.decode(cursor).ok()?;
    let (at, uuid) = bytes.split_first_chunk::<8>()?;
    if uuid.len() != 16 {
        return None;
    }
    Some((i64::from_be_bytes(*at), format!("{prefix}_{}", hex::encode(uuid))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_round_trips_and_has_the_documented_shape() {
        let id = app::domain::ids::LeadId::new();
        let c = encode("lead", 1_765_000_000_123, id.as_str()).unwrap();
        assert_eq!(c.len(), 32);
        assert!(c.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
        assert_eq!(decode("lead", &c), Some((1_765_000_000_123, id.as_str().to_owned())));
        // negative instants (before 1970) survive too
        let c = encode("lead", -5, id.as_str()).unwrap();
        assert_eq!(decode("lead", &c).map(|(at, _)| at), Some(-5));
    }

    #[test]
    fn anything_not_of_that_shape_is_refused_and_every_string_of_it_is_a_position() {
        let id = app::domain::ids::LeadId::new();
        let c = encode("lead", 1, id.as_str()).unwrap();
        let longer = format!("{c}A");
        let padded = format!("{c}==");
        let plus = c.replacen(|ch: char| ch.is_ascii_alphanumeric(), "+", 1);
        let slash = c.replacen(|ch: char| ch.is_ascii_alphanumeric(), "/", 1);
        let accent = c.replacen(|ch: char| ch.is_ascii_alphanumeric(), "é", 1);
        for bad in [
            "",
            "not-a-cursor",
            &c[..31],
            longer.as_str(),
            padded.as_str(),
            plus.as_str(),
            slash.as_str(),
            accent.as_str(),
        ] {
            assert_eq!(decode("lead", bad), None, "{bad:?}");
        }
        for good in [
            "A".repeat(32),
            "_".repeat(32),
            "-".repeat(32),
            "0123456789abcdefABCDEF-_xyzXYZ01".to_owned(),
        ] {
            let (_, id) = decode("lead", &good).unwrap_or_else(|| panic!("{good}"));
            assert!(app::domain::ids::LeadId::parse(&id).is_ok(), "{id}");
        }
        assert_eq!(encode("lead", 1, "bkg_0123"), None);
        assert_eq!(encode("lead", 1, "lead_0193F1C2A0B37C4E8D9A1B2C3D4E5F60"), None);
    }
}
