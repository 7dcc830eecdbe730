//! `X-Twilio-Signature`: Base64(HMAC-SHA1(auth token, URL + sorted params)), as the
//! official SDKs compute it. The URL is the configured public URL plus the path and query
//! Twilio requested (never rebuilt from Host headers). Because Twilio's own signing is
//! inconsistent about default ports, each request is checked against the URL with and
//! without its port, and with the legacy `'` → `%27` query encoding, like the SDKs do.

use base64::{engine::general_purpose::STANDARD, Engine};
use hmac::{Hmac, Mac};
use sha1::Sha1;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

type HmacSha1 = Hmac<Sha1>;

/// The string Twilio signs: the URL, then for each key in byte order each of its distinct
/// values in byte order, key and value concatenated.
pub fn string_to_sign(url: &str, params: &[(String, String)]) -> String {
    let mut sorted: Vec<(&str, &str)> = params.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    sorted.sort_unstable();
    sorted.dedup();
    let mut s = String::with_capacity(url.len() + sorted.iter().map(|(k, v)| k.len() + v.len()).sum::<usize>());
    s.push_str(url);
    for (k, v) in sorted {
        s.push_str(k);
        s.push_str(v);
    }
    s
}

/// Computes the signature for `url` and `params` (used by tests, the simulator and bench).
pub fn sign(auth_token: &[u8], url: &str, params: &[(String, String)]) -> String {
    let mut mac = HmacSha1::new_from_slice(auth_token).expect("HMAC accepts keys of any length");
    mac.update(string_to_sign(url, params).as_bytes());
    STANDARD.encode(mac.finalize().into_bytes())
}

/// True when `signature` matches `url`+`params` under any of the URL forms Twilio may have
/// signed. Comparison is constant-time.
pub fn verify(auth_token: &[u8], url: &str, params: &[(String, String)], signature: &str) -> bool {
    let given = signature.trim().as_bytes();
    let mut ok = subtle::Choice::from(0);
    for candidate in url_variants(url) {
        ok |= sign(auth_token, &candidate, params).as_bytes().ct_eq(given);
    }
    ok.into()
}

/// For JSON bodies Twilio signs the URL (which carries `bodySHA256=<hex>`) with no params,
/// and the body must hash to that value.
pub fn verify_with_body(auth_token: &[u8], url: &str, body: &[u8], signature: &str) -> bool {
    let Some(expected) = query_param(url, "bodySHA256") else {
        return false;
    };
    let actual = hex::encode(Sha256::digest(body));
    let body_ok: bool = actual.as_bytes().ct_eq(expected.as_bytes()).into();
    body_ok & verify(auth_token, url, &[], signature)
}

fn query_param<'a>(url: &'a str, name: &str) -> Option<&'a str> {
    let query = url.split_once('?')?.1;
    query
        .split('&')
        .find_map(|pair| pair.strip_prefix(name)?.strip_prefix('='))
}

/// The URL as given, with its port removed or the scheme's default port added, and each of
/// those with `'` percent-encoded in the query.
fn url_variants(url: &str) -> Vec<String> {
    let mut out = vec![url.to_owned()];
    if let Some((scheme, rest)) = url.split_once("://") {
        let (authority, tail) = match rest.find(['/', '?']) {
            Some(i) => rest.split_at(i),
            None => (rest, ""),
        };
        let (userinfo, hostport) = match authority.rsplit_once('@') {
            Some((u, h)) => (format!("{u}@"), h),
            None => (String::new(), authority),
        };
        // IPv6 literals keep their brackets; a port follows the last ':' after ']'.
        let port_sep = hostport.rfind(':').filter(|&i| !hostport[i..].contains(']'));
        match port_sep {
            Some(i) => out.push(format!("{scheme}://{userinfo}{}{tail}", &hostport[..i])),
            None => {
                let default = match scheme {
                    "https" => Some(443),
                    "http" => Some(80),
                    _ => None,
                };
                if let Some(port) = default {
                    out.push(format!("{scheme}://{userinfo}{hostport}:{port}{tail}"));
                }
            }
        }
    }
    let legacy: Vec<String> = out
        .iter()
        .filter_map(|u| {
            let (base, query) = u.split_once('?')?;
            query
                .contains('\'')
                .then(|| format!("{base}?{}", query.replace('\'', "%27")))
        })
        .collect();
    out.extend(legacy);
    out
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;

    fn vectors() -> Value {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/test-vectors/signatures.json");
        let raw = std::fs::read_to_string(path)
            .unwrap_or_else(|_| include_str!("../../../tests/fixtures/signatures.json").to_owned());
        serde_json::from_str(&raw).expect("vectors parse")
    }

    fn params_of(case: &Value, base: &Value) -> Vec<(String, String)> {
        let p = if case["params"] == "base" {
            base
        } else {
            &case["params"]
        };
        let mut out = Vec::new();
        for (k, v) in p.as_object().expect("params object") {
            match v {
                Value::Array(vals) => out.extend(vals.iter().map(|x| (k.clone(), x.as_str().unwrap().to_owned()))),
                other => out.push((k.clone(), other.as_str().unwrap().to_owned())),
            }
        }
        out
    }

    #[test]
    fn string_to_sign_matches_the_published_example() {
        let v = vectors();
        let t = &v["twilio"];
        let params = params_of(&serde_json::json!({"params": "base"}), &t["params"]);
        assert_eq!(
            string_to_sign(t["base_url"].as_str().unwrap(), &params),
            t["string_to_sign_for_base"].as_str().unwrap()
        );
    }

    #[test]
    fn every_published_vector_verifies() {
        let v = vectors();
        let t = &v["twilio"];
        let token = t["auth_token"].as_str().unwrap().as_bytes();
        let cases = t["cases"].as_array().unwrap();
        assert!(cases.len() >= 13);
        for case in cases {
            let name = case["name"].as_str().unwrap();
            let sig = case["signature"].as_str().unwrap();
            let received = case
                .get("url_received")
                .and_then(Value::as_str)
                .unwrap_or_else(|| case["url_signed"].as_str().unwrap());
            let ok = match case.get("body").and_then(Value::as_str) {
                Some(body) => verify_with_body(token, received, body.as_bytes(), sig),
                None => verify(token, received, &params_of(case, &t["params"]), sig),
            };
            assert!(ok, "vector failed: {name}");
            if case.get("body").is_none() && case.get("url_received").is_none() {
                assert_eq!(
                    sign(
                        token,
                        case["url_signed"].as_str().unwrap(),
                        &params_of(case, &t["params"])
                    ),
                    sig,
                    "{name}"
                );
            }
        }
    }

    #[test]
    fn negative_cases_fail() {
        let v = vectors();
        let t = &v["twilio"];
        let token = t["auth_token"].as_str().unwrap().as_bytes();
        let url = t["base_url"].as_str().unwrap();
        let params = params_of(&serde_json::json!({"params": "base"}), &t["params"]);
        let good = "RSOYDt4T1cUTdK1PDd93/VVr8B8=";
        assert!(verify(token, url, &params, good));
        assert!(!verify(token, url, &params, "WRONG_SIGNATURE"));
        assert!(!verify(token, url, &params, ""));
        assert!(!verify(b"other-token", url, &params, good));
        assert!(!verify(
            token,
            &format!("{url}&somethingUnexpected=true"),
            &params,
            good
        ));
        let mut tampered = params.clone();
        tampered[0].1.push('1');
        assert!(!verify(token, url, &tampered, good));
        // a body without bodySHA256 in the URL never validates
        assert!(!verify_with_body(token, url, b"{}", good));
        // a body that does not hash to the URL's bodySHA256 fails even with its signature
        let body_case = &t["cases"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == "JSON body via bodySHA256")
            .unwrap();
        assert!(!verify_with_body(
            token,
            body_case["url_signed"].as_str().unwrap(),
            b"{\"tampered\": true}",
            body_case["signature"].as_str().unwrap()
        ));
    }

    #[test]
    fn url_variants_cover_ports() {
        let v = url_variants("https://h.example/p?a=1");
        assert!(v.contains(&"https://h.example:443/p?a=1".to_owned()));
        let v = url_variants("http://h.example:8080/p");
        assert!(v.contains(&"http://h.example/p".to_owned()));
        let v = url_variants("https://u:p@h.example:443/p");
        assert!(v.contains(&"https://u:p@h.example/p".to_owned()));
    }
}
