//! Where to send someone after sign-in: only a same-site relative path, never an open
//! redirect to another site.

pub const DEFAULT_AFTER_SIGN_IN: &str = "/app";

/// The longest path we redirect to.
pub const MAX_LEN: usize = 512;

/// A same-site path that is safe to redirect to: it starts with one `/` (not `//` or `/\`,
/// which browsers read as another host), holds only visible ASCII (no spaces, control
/// characters, DEL or non-ASCII, so it is always a valid `Location` header), no `\` and no
/// `://`, and is at most 512 bytes. The only way to get one is [`SafePath::parse`] or
/// [`safe_next`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SafePath(String);

impl SafePath {
    pub fn parse(raw: &str) -> Option<Self> {
        let ok = raw.starts_with('/')
            && !raw.starts_with("//")
            && !raw.starts_with("/\\")
            && raw.len() <= MAX_LEN
            && raw.bytes().all(|b| (0x21..=0x7e).contains(&b) && b != b'\\')
            && !raw.contains("://");
        ok.then(|| Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for SafePath {
    fn default() -> Self {
        Self(DEFAULT_AFTER_SIGN_IN.to_owned())
    }
}

impl std::fmt::Display for SafePath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for SafePath {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// Where to go after sign-in: `next` if it is a safe same-site path (surrounding
/// whitespace ignored), else the app's home.
pub fn safe_next(next: Option<&str>) -> SafePath {
    next.map(str::trim).and_then(SafePath::parse).unwrap_or_default()
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
        assert_eq!(safe_next(Some("/app/team")).as_str(), "/app/team");
        assert_eq!(safe_next(Some("/app?x=1")).as_str(), "/app?x=1");
        assert_eq!(safe_next(Some(" /app/team ")).as_str(), "/app/team");
        for bad in [
            "https://evil.test",
            "//evil.test/x",
            "/\\evil.test",
            "javascript:alert(1)",
            "app",
            "/x\r\nLocation: y",
            "/redirect?u=http://evil",
            "",
            "   ",
        ] {
            assert_eq!(safe_next(Some(bad)).as_str(), DEFAULT_AFTER_SIGN_IN, "{bad:?}");
        }
        assert_eq!(safe_next(None), SafePath::default());
    }

    #[test]
    fn anything_that_is_not_visible_ascii_falls_back_to_the_app() {
        let too_long = format!("/{}", "a".repeat(MAX_LEN));
        for bad in [
            "\u{7f}",
            "/\u{7f}",
            // what `next=/%7F` decodes to
            "/app\u{7f}",
            "/caf\u{e9}",
            "/\u{1F600}",
            "/a b",
            "/a\tb",
            "/a\0b",
            "/a\u{1b}b",
            too_long.as_str(),
        ] {
            assert_eq!(safe_next(Some(bad)).as_str(), DEFAULT_AFTER_SIGN_IN, "{bad:?}");
            assert!(SafePath::parse(bad).is_none(), "{bad:?}");
        }
        // percent-encoded forms are plain ASCII and fine
        assert_eq!(safe_next(Some("/app?q=%7F")).as_str(), "/app?q=%7F");
        let longest = format!("/{}", "a".repeat(MAX_LEN - 1));
        assert_eq!(safe_next(Some(longest.as_str())).as_str(), longest);
    }

    #[test]
    fn encode_path_keeps_paths_readable() {
        assert_eq!(encode_path("/app/leads/lead_1"), "/app/leads/lead_1");
        assert_eq!(encode_path("/app?x=1&y=2"), "/app%3Fx%3D1%26y%3D2");
    }
}
