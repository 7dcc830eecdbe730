//! Strict decoding of Twilio's `application/x-www-form-urlencoded` bodies. Signatures are
//! computed over exactly these decoded pairs, so nothing is normalised or dropped.

use percent_encoding::percent_decode;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormError {
    #[error("body is not valid form data")]
    Malformed,
    #[error("missing required parameter {0}")]
    Missing(&'static str),
}

#[derive(Debug, Clone, Default)]
pub struct Params(pub Vec<(String, String)>);

impl Params {
    pub fn decode(body: &[u8]) -> Result<Self, FormError> {
        let mut out = Vec::new();
        for pair in body.split(|&b| b == b'&').filter(|p| !p.is_empty()) {
            let (k, v) = match pair.iter().position(|&b| b == b'=') {
                Some(i) => (&pair[..i], &pair[i + 1..]),
                None => (pair, &[][..]),
            };
            out.push((decode_component(k)?, decode_component(v)?));
        }
        Ok(Self(out))
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    pub fn require(&self, key: &'static str) -> Result<&str, FormError> {
        self.get(key).filter(|v| !v.is_empty()).ok_or(FormError::Missing(key))
    }

    /// The first non-empty value among `keys` (Twilio repeats some under legacy names).
    pub fn require_any(&self, keys: &[&'static str]) -> Result<&str, FormError> {
        keys.iter()
            .find_map(|k| self.get(k).filter(|v| !v.is_empty()))
            .ok_or(FormError::Missing(keys[0]))
    }

    pub fn as_slice(&self) -> &[(String, String)] {
        &self.0
    }
}

fn decode_component(raw: &[u8]) -> Result<String, FormError> {
    let plus_as_space: Vec<u8> = raw.iter().map(|&b| if b == b'+' { b' ' } else { b }).collect();
    let decoded = percent_decode(&plus_as_space)
        .decode_utf8()
        .map_err(|_| FormError::Malformed)?;
    if decoded
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err(FormError::Malformed);
    }
    Ok(decoded.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_like_a_browser_form() {
        let p = Params::decode(b"From=%2B14158675309&Body=It%27s+cold%0Ain+here&Empty=&Flag").unwrap();
        assert_eq!(p.get("From"), Some("+14158675309"));
        assert_eq!(p.get("Body"), Some("It's cold\nin here"));
        assert_eq!(p.get("Empty"), Some(""));
        assert_eq!(p.get("Flag"), Some(""));
        assert_eq!(p.require("Empty"), Err(FormError::Missing("Empty")));
    }

    #[test]
    fn invalid_utf8_and_control_bytes_are_malformed() {
        assert_eq!(Params::decode(b"Body=%FF%FE").unwrap_err(), FormError::Malformed);
        assert_eq!(Params::decode(b"Body=a%00b").unwrap_err(), FormError::Malformed);
        assert_eq!(Params::decode(&[b'B', b'=', 0xC3]).unwrap_err(), FormError::Malformed);
    }
}
