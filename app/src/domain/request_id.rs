//! Request ids: the `x-request-id` a client (or a proxy in front of us) sends is kept for
//! logs and audit records only if it is short and plain; anything else is replaced with a
//! fresh one, so a client cannot stuff 20 KB or control characters into every record.

/// The longest request id kept (a UUID is 36).
pub const MAX_LEN: usize = 64;

/// Whether `id` may be used as a request id: 1 to 64 of `[A-Za-z0-9._-]`.
pub fn is_acceptable(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_LEN
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_short_plain_ids_are_acceptable() {
        let longest = "x".repeat(MAX_LEN);
        let too_long = "x".repeat(MAX_LEN + 1);
        let huge = "x".repeat(20_000);
        for ok in [
            "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b",
            "req_1.abc-DEF",
            "a",
            longest.as_str(),
        ] {
            assert!(is_acceptable(ok), "{ok:?}");
        }
        for bad in [
            "",
            too_long.as_str(),
            huge.as_str(),
            "has space",
            "tab\there",
            "nl\nx",
            "del\u{7f}",
            "é",
            "a/b",
            "a;b=c",
        ] {
            assert!(!is_acceptable(bad), "{bad:?}");
        }
    }
}
