//! API keys as connected systems hold them: `cs_live_…` (live mode) or `cs_test_…`
//! (sandbox), then 43 base62 characters that carry 32 random bytes, then a 6-character
//! base62 CRC-32 of everything before it. The checksum lets secret scanners recognise a
//! leaked key and lets the server refuse a mistyped or truncated one without a database
//! read. The first 12 characters (`cs_live_Ab3x`) are the visible prefix that names a key
//! in lists, logs and audit records; the rest is the secret and is never stored or shown
//! again after it is handed out (only a keyed hash of the whole key is kept).
//!
//! Also here: what the key forms accept (name, scopes, expiry, rotation grace) and a key's
//! state (active, rotating, expired, revoked). No I/O: the random bytes come from the
//! caller.

use super::{scope::Scope, text_code::text_code};

/// Which environment a key belongs to: a live server refuses test keys and the reverse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyMode {
    Live,
    Test,
}

text_code!(KeyMode, "key mode");

impl KeyMode {
    pub const ALL: [KeyMode; 2] = [KeyMode::Live, KeyMode::Test];

    /// The mode of a server or command running with `CALLSNARE_LIVE=1` (`true`) or not.
    pub fn from_live(live: bool) -> Self {
        if live {
            KeyMode::Live
        } else {
            KeyMode::Test
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.as_str() == s)
    }

    /// The stored code.
    pub fn as_str(self) -> &'static str {
        match self {
            KeyMode::Live => "live",
            KeyMode::Test => "test",
        }
    }

    /// What every key of this mode starts with.
    pub fn token_prefix(self) -> &'static str {
        match self {
            KeyMode::Live => "cs_live_",
            KeyMode::Test => "cs_test_",
        }
    }
}

/// Random bytes in a key.
pub const RANDOM_BYTES: usize = 32;
/// Base62 characters that carry them (62^43 > 2^256).
pub const BODY_CHARS: usize = 43;
/// Base62 characters of the CRC-32 checksum (62^6 > 2^32).
pub const CHECKSUM_CHARS: usize = 6;
/// `cs_live_` / `cs_test_`.
pub const MODE_PREFIX_LEN: usize = 8;
/// The whole key.
pub const TOKEN_LEN: usize = MODE_PREFIX_LEN + BODY_CHARS + CHECKSUM_CHARS;
/// The visible prefix that names a key (`cs_live_Ab3x`).
pub const VISIBLE_PREFIX_LEN: usize = 12;

const ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// Why a string is not a well-formed key (all answered alike by the API: 401).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum KeyFormatError {
    #[error("not a CallSnare API key (they start with cs_live_ or cs_test_)")]
    Prefix,
    #[error("a CallSnare API key is 57 characters long")]
    Length,
    #[error("a CallSnare API key holds only letters and digits after its prefix")]
    Charset,
    #[error("the API key's checksum does not match: it was mistyped or cut short")]
    Checksum,
}

/// A key of `mode` carrying `random` (32 bytes from the operating system's generator).
pub fn mint(mode: KeyMode, random: &[u8; RANDOM_BYTES]) -> String {
    let mut token = String::with_capacity(TOKEN_LEN);
    token.push_str(mode.token_prefix());
    token.push_str(&base62(random, BODY_CHARS));
    let sum = crc32(token.as_bytes());
    token.push_str(&base62(&sum.to_be_bytes(), CHECKSUM_CHARS));
    token
}

/// The mode of a well-formed key (prefix, length, alphabet and checksum all right), without
/// looking anything up.
pub fn check(token: &str) -> Result<KeyMode, KeyFormatError> {
    let mode = KeyMode::ALL
        .into_iter()
        .find(|m| token.starts_with(m.token_prefix()))
        .ok_or(KeyFormatError::Prefix)?;
    if token.len() != TOKEN_LEN {
        return Err(KeyFormatError::Length);
    }
    // The prefix is ASCII, so byte offsets from here on are character boundaries.
    if !token.as_bytes()[MODE_PREFIX_LEN..]
        .iter()
        .all(u8::is_ascii_alphanumeric)
    {
        return Err(KeyFormatError::Charset);
    }
    let (signed, sum) = token.split_at(TOKEN_LEN - CHECKSUM_CHARS);
    if base62(&crc32(signed.as_bytes()).to_be_bytes(), CHECKSUM_CHARS) != sum {
        return Err(KeyFormatError::Checksum);
    }
    Ok(mode)
}

/// The part of a key that may be shown and stored: its first 12 characters.
pub fn visible_prefix(token: &str) -> &str {
    token.get(..VISIBLE_PREFIX_LEN).unwrap_or(token)
}

/// `bytes` (big-endian) as exactly `width` base62 digits, most significant first.
fn base62(bytes: &[u8], width: usize) -> String {
    let mut number = bytes.to_vec();
    let mut digits = vec![b'0'; width];
    for slot in digits.iter_mut().rev() {
        let mut rem: u32 = 0;
        for byte in number.iter_mut() {
            let acc = (rem << 8) | u32::from(*byte);
            // acc < 62 * 256, so the quotient fits a byte
            *byte = (acc / 62) as u8;
            rem = acc % 62;
        }
        *slot = ALPHABET[rem as usize];
    }
    digits.into_iter().map(char::from).collect()
}

/// CRC-32 (IEEE 802.3, as zlib and the secret scanners compute it).
pub fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xEDB8_8320 & mask);
        }
    }
    !crc
}

/// A key's name: who or what uses it ("Zapier", "Office dashboard").
pub const NAME_MAX: usize = 80;
/// The longest a key may be set to live, in days (ten years).
pub const EXPIRES_IN_DAYS_MAX: u32 = 3650;
/// How long the earlier secret keeps working after a rotation when nothing is said.
pub const GRACE_HOURS_DEFAULT: u32 = 24;
/// The longest grace a rotation may give the earlier secret (30 days).
pub const GRACE_HOURS_MAX: u32 = 720;

/// A key form's field that is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiKeyFormError {
    #[error("Give the key a name of 1 to 80 characters: who or what will use it.")]
    Name,
    #[error("Choose at least one scope.")]
    NoScopes,
    #[error("Unknown scope {0}: the scopes are leads:read, leads:write, messages:send, bookings:read, bookings:write, settings:read, audit:read, evidence:read and billing:read.")]
    UnknownScope(String),
    #[error("Expiry must be a whole number of days from 1 to 3650, or left empty for a key that does not expire.")]
    ExpiresInDays,
    #[error("Grace must be a whole number of hours from 0 to 720.")]
    GraceHours,
}

impl ApiKeyFormError {
    /// The form field it is about.
    pub fn field(&self) -> &'static str {
        match self {
            ApiKeyFormError::Name => "name",
            ApiKeyFormError::NoScopes | ApiKeyFormError::UnknownScope(_) => "scopes",
            ApiKeyFormError::ExpiresInDays => "expires_in_days",
            ApiKeyFormError::GraceHours => "grace_hours",
        }
    }
}

/// A name as stored: trimmed, 1 to [`NAME_MAX`] characters, no control characters.
pub fn parse_name(raw: &str) -> Result<String, ApiKeyFormError> {
    let name = raw.trim();
    let count = name.chars().count();
    if count == 0 || count > NAME_MAX || name.chars().any(char::is_control) {
        return Err(ApiKeyFormError::Name);
    }
    Ok(name.to_owned())
}

/// A scope list as typed (`leads:read,messages:send`), deduplicated and sorted; at least one.
pub fn parse_scopes(raw: &str) -> Result<Vec<Scope>, ApiKeyFormError> {
    let scopes = Scope::parse_list(raw).map_err(ApiKeyFormError::UnknownScope)?;
    if scopes.is_empty() {
        return Err(ApiKeyFormError::NoScopes);
    }
    Ok(scopes)
}

/// "Expires in N days": empty for never, else 1 to [`EXPIRES_IN_DAYS_MAX`].
pub fn parse_expires_in_days(raw: &str) -> Result<Option<u32>, ApiKeyFormError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    match raw.parse::<u32>() {
        Ok(days) if (1..=EXPIRES_IN_DAYS_MAX).contains(&days) => Ok(Some(days)),
        _ => Err(ApiKeyFormError::ExpiresInDays),
    }
}

/// Rotation grace in hours: empty for the default (24), else 0 to [`GRACE_HOURS_MAX`].
pub fn parse_grace_hours(raw: &str) -> Result<u32, ApiKeyFormError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(GRACE_HOURS_DEFAULT);
    }
    match raw.parse::<u32>() {
        Ok(hours) if hours <= GRACE_HOURS_MAX => Ok(hours),
        _ => Err(ApiKeyFormError::GraceHours),
    }
}

/// The key page's checkbox for a scope (its code with `_` for `:`), so a plain form can post
/// several without JavaScript.
pub fn scope_field(scope: Scope) -> &'static str {
    match scope {
        Scope::LeadsRead => "leads_read",
        Scope::LeadsWrite => "leads_write",
        Scope::MessagesSend => "messages_send",
        Scope::BookingsRead => "bookings_read",
        Scope::BookingsWrite => "bookings_write",
        Scope::SettingsRead => "settings_read",
        Scope::AuditRead => "audit_read",
        Scope::EvidenceRead => "evidence_read",
        Scope::BillingRead => "billing_read",
    }
}

/// Where a key stands at a given instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyState {
    /// Works.
    Active,
    /// Rotated: the new secret works, and so does the earlier one until its grace ends.
    Rotating,
    /// Past its expiry: refused.
    Expired,
    /// Revoked: refused, for good.
    Revoked,
}

text_code!(KeyState, "key state");

impl KeyState {
    pub const ALL: [KeyState; 4] = [
        KeyState::Active,
        KeyState::Rotating,
        KeyState::Expired,
        KeyState::Revoked,
    ];

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            KeyState::Active => "active",
            KeyState::Rotating => "rotating",
            KeyState::Expired => "expired",
            KeyState::Revoked => "revoked",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            KeyState::Active => "Active",
            KeyState::Rotating => "Rotating",
            KeyState::Expired => "Expired",
            KeyState::Revoked => "Revoked",
        }
    }

    /// The state at `now` (unix ms) of a key revoked at, expiring at, and whose earlier
    /// secret (after a rotation) works until, these instants.
    pub fn at(revoked_at: Option<i64>, expires_at: Option<i64>, previous_until: Option<i64>, now: i64) -> Self {
        if revoked_at.is_some() {
            KeyState::Revoked
        } else if expires_at.is_some_and(|t| t <= now) {
            KeyState::Expired
        } else if previous_until.is_some_and(|t| t > now) {
            KeyState::Rotating
        } else {
            KeyState::Active
        }
    }

    /// Whether a key in this state can still be used (with one of its secrets).
    pub fn usable(self) -> bool {
        matches!(self, KeyState::Active | KeyState::Rotating)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn random(seed: u8) -> [u8; RANDOM_BYTES] {
        let mut bytes = [0u8; RANDOM_BYTES];
        for (i, b) in bytes.iter_mut().enumerate() {
            *b = seed.wrapping_mul(31).wrapping_add(i as u8).wrapping_mul(97);
        }
        bytes
    }

    #[test]
    fn the_length_in_the_message_is_the_real_one() {
        assert_eq!(TOKEN_LEN, 57);
    }

    #[test]
    fn crc32_is_the_ieee_one() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b""), 0);
    }

    #[test]
    fn base62_is_fixed_width_and_exact() {
        assert_eq!(base62(&[0, 0, 0, 0], 6), "000000");
        assert_eq!(base62(&[0, 0, 0, 61], 6), "00000z");
        assert_eq!(base62(&[0, 0, 0, 62], 6), "000010");
        assert_eq!(base62(&u32::MAX.to_be_bytes(), 6), "4gfFC3");
        assert_eq!(base62(&[0xFF; 32], BODY_CHARS).len(), BODY_CHARS);
        assert_ne!(
            base62(&[0xFF; 32], BODY_CHARS).as_bytes()[0],
            b'0',
            "43 digits are just enough"
        );
    }

    #[test]
    fn minted_keys_check_and_name_their_mode() {
        for mode in KeyMode::ALL {
            let token = mint(mode, &random(7));
            assert_eq!(token.len(), TOKEN_LEN);
            assert!(token.starts_with(mode.token_prefix()));
            assert_eq!(check(&token), Ok(mode));
            assert_eq!(visible_prefix(&token).len(), VISIBLE_PREFIX_LEN);
            assert!(token.starts_with(visible_prefix(&token)));
        }
        assert_ne!(mint(KeyMode::Live, &random(1)), mint(KeyMode::Live, &random(2)));
    }

    #[test]
    fn a_typo_a_cut_or_a_foreign_string_is_refused_without_a_lookup() {
        let token = mint(KeyMode::Live, &random(3));
        // every single-character change in the body or checksum is caught
        for i in MODE_PREFIX_LEN..TOKEN_LEN {
            let mut bytes = token.clone().into_bytes();
            bytes[i] = if bytes[i] == b'a' { b'b' } else { b'a' };
            let typo = String::from_utf8(bytes).unwrap();
            assert_eq!(check(&typo), Err(KeyFormatError::Checksum), "position {i}");
        }
        // two adjacent characters swapped
        let mut bytes = token.clone().into_bytes();
        let i = (MODE_PREFIX_LEN..TOKEN_LEN - 1)
            .find(|&i| bytes[i] != bytes[i + 1])
            .unwrap();
        bytes.swap(i, i + 1);
        assert_eq!(check(&String::from_utf8(bytes).unwrap()), Err(KeyFormatError::Checksum));
        // the mode changed by hand
        let relabelled = token.replacen("cs_live_", "cs_test_", 1);
        assert_eq!(check(&relabelled), Err(KeyFormatError::Checksum));
        assert_eq!(check(&token[..TOKEN_LEN - 1]), Err(KeyFormatError::Length));
        assert_eq!(check(&format!("{token}x")), Err(KeyFormatError::Length));
        assert_eq!(check("sk_live_abc"), Err(KeyFormatError::Prefix));
        assert_eq!(check(""), Err(KeyFormatError::Prefix));
        let mut odd = token.clone();
        odd.replace_range(20..21, "-");
        assert_eq!(check(&odd), Err(KeyFormatError::Charset));
        let mut wide = token[..TOKEN_LEN - 2].to_owned();
        wide.push('é');
        assert_eq!(wide.len(), TOKEN_LEN);
        assert_eq!(check(&wide), Err(KeyFormatError::Charset));
    }

    #[test]
    fn form_fields_parse_or_name_themselves() {
        assert_eq!(parse_name("  Zapier  "), Ok("Zapier".to_owned()));
        assert_eq!(parse_name(" "), Err(ApiKeyFormError::Name));
        assert_eq!(parse_name(&"x".repeat(81)), Err(ApiKeyFormError::Name));
        assert_eq!(parse_name("a\nb"), Err(ApiKeyFormError::Name));
        assert_eq!(
            parse_scopes("messages:send, leads:read"),
            Ok(vec![Scope::LeadsRead, Scope::MessagesSend])
        );
        assert_eq!(parse_scopes(""), Err(ApiKeyFormError::NoScopes));
        assert_eq!(parse_scopes("leads:delete").map_err(|e| e.field()), Err("scopes"));
        assert_eq!(parse_expires_in_days(""), Ok(None));
        assert_eq!(parse_expires_in_days("30"), Ok(Some(30)));
        for bad in ["0", "3651", "-1", "soon"] {
            assert_eq!(parse_expires_in_days(bad), Err(ApiKeyFormError::ExpiresInDays), "{bad}");
        }
        assert_eq!(parse_grace_hours(""), Ok(24));
        assert_eq!(parse_grace_hours("0"), Ok(0));
        assert_eq!(parse_grace_hours("721"), Err(ApiKeyFormError::GraceHours));
        let mut fields: Vec<&str> = Scope::ALL.into_iter().map(scope_field).collect();
        fields.sort_unstable();
        fields.dedup();
        assert_eq!(fields.len(), Scope::ALL.len());
        for s in Scope::ALL {
            assert_eq!(scope_field(s), s.as_str().replace(':', "_"));
        }
    }

    #[test]
    fn states_follow_revocation_then_expiry_then_grace() {
        assert_eq!(KeyState::at(None, None, None, 10), KeyState::Active);
        assert_eq!(KeyState::at(None, Some(11), Some(20), 10), KeyState::Rotating);
        assert_eq!(KeyState::at(None, None, Some(10), 10), KeyState::Active);
        assert_eq!(KeyState::at(None, Some(10), Some(20), 10), KeyState::Expired);
        assert_eq!(KeyState::at(Some(1), Some(5), None, 10), KeyState::Revoked);
        assert!(KeyState::Rotating.usable() && !KeyState::Expired.usable());
        for s in KeyState::ALL {
            assert_eq!(KeyState::parse(s.as_str()), Some(s));
        }
        assert_eq!(KeyMode::parse("live"), Some(KeyMode::Live));
        assert_eq!(KeyMode::from_live(false), KeyMode::Test);
    }
}
