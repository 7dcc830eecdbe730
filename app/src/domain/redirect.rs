//! Where to send someone after sign-in: only a same-site relative path, never an open
//! redirect to another site.

pub const DEFAULT_AFTER_SIGN_IN: &str = "/app";

pub fn safe_next(next: Option<&str>) -> String {
    let Some(next) = next.map(str::trim).filter(|n| !n.is_empty()) else {
        return DEFAULT_AFTER_SIGN_IN.to_owned();
    };
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && !next.contains(['\\', '\r', '\n', '\t'])
        && !next.contains("://")
        && next.len() <= 512;
    if ok {
        next.to_owned()
    } else {
        DEFAULT_AFTER_SIGN_IN.to_owned()
    }
}

/// Percent-encodes a path for use as a query value (keeps `/`, letters, digits, `-_.`).
pub fn encode_path(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_relative_same_site_paths() {
        assert_eq!(safe_next(Some("/app/team")), "/app/team");
        assert_eq!(safe_next(Some("/app?x=1")), "/app?x=1");
        for bad in [
            "https://evil.test",
            "//evil.test/x",
            "/\\evil.test",
            "javascript:alert(1)",
            "app",
            "/x\r\nLocation: y",
            "/redirect?u=http://evil",
        ] {
            assert_eq!(safe_next(Some(bad)), DEFAULT_AFTER_SIGN_IN, "{bad:?}");
        }
        assert_eq!(safe_next(None), DEFAULT_AFTER_SIGN_IN);
    }

    #[test]
    fn encode_path_keeps_paths_readable() {
        assert_eq!(encode_path("/app/leads/lead_1"), "/app/leads/lead_1");
        assert_eq!(encode_path("/app?x=1&y=2"), "/app%3Fx%3D1%26y%3D2");
    }
}
