//! `Stripe-Signature`: `t=<unix seconds>,v1=<hex>[,v1=<hex>…][,v0=…]`, where each `v1` is
//! hex(HMAC-SHA256(endpoint secret, "{t}.{raw body}")). Stripe signs once per active
//! secret while one is being rolled, so every `v1` is tried against every configured
//! secret; any other scheme (the fake `v0` of test events) is ignored. Comparison is
//! constant-time; the timestamp must be within [`TOLERANCE_SECS`] of now, either way
//! (Stripe's libraries only refuse old ones; async-stripe refuses both). Pure: the clock is
//! passed in.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

type HmacSha256 = Hmac<Sha256>;

/// Stripe's libraries' default tolerance.
pub const TOLERANCE_SECS: i64 = 300;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("no Stripe-Signature header")]
    Missing,
    #[error("unable to extract timestamp and signatures from header")]
    Malformed,
    #[error("no signatures found with expected scheme v1")]
    NoV1,
    #[error("no signatures found matching the expected signature for payload")]
    NoMatch,
    #[error("timestamp outside the tolerance zone ({0})")]
    OutsideTolerance(i64),
}

/// The header's timestamp and its `v1` signatures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header<'a> {
    pub t: i64,
    pub v1: Vec<&'a str>,
}

pub fn parse_header(header: &str) -> Result<Header<'_>, SignatureError> {
    let mut t = None;
    let mut v1 = Vec::new();
    for item in header.split(',') {
        let Some((key, value)) = item.trim().split_once('=') else {
            continue;
        };
        match key {
            "t" => t = Some(value.parse::<i64>().map_err(|_| SignatureError::Malformed)?),
            "v1" => v1.push(value),
            _ => {}
        }
    }
    let t = t.ok_or(SignatureError::Malformed)?;
    if v1.is_empty() {
        return Err(SignatureError::NoV1);
    }
    Ok(Header { t, v1 })
}

/// hex(HMAC-SHA256(secret, "{t}.{body}")).
pub fn compute(secret: &[u8], t: i64, body: &[u8]) -> String {
    let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC accepts keys of any length");
    mac.update(t.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

/// A header signing `body` at `t` with `secret` (tests, the bench).
pub fn sign(secret: &[u8], t: i64, body: &[u8]) -> String {
    format!("t={t},v1={}", compute(secret, t, body))
}

/// Checks `header` against every secret and every `v1`: the index of the secret that
/// signed `body`, when one did and `t` is within the tolerance of `now` (seconds).
pub fn verify(secrets: &[&[u8]], header: &str, body: &[u8], now: i64) -> Result<usize, SignatureError> {
    let parsed = parse_header(header)?;
    let mut matched = None;
    for (i, secret) in secrets.iter().enumerate() {
        let expected = compute(secret, parsed.t, body);
        // every candidate is compared, so the time taken does not say which one matched
        let mut hit = subtle::Choice::from(0);
        for candidate in &parsed.v1 {
            hit |= expected.as_bytes().ct_eq(candidate.as_bytes());
        }
        if bool::from(hit) && matched.is_none() {
            matched = Some(i);
        }
    }
    let matched = matched.ok_or(SignatureError::NoMatch)?;
    if (now - parsed.t).abs() > TOLERANCE_SECS {
        return Err(SignatureError::OutsideTolerance(parsed.t));
    }
    Ok(matched)
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

    fn s(v: &Value) -> &str {
        v.as_str().expect("a string")
    }

    #[test]
    fn async_stripes_published_vector_verifies_at_its_own_time() {
        let v = vectors();
        let c = &v["stripe"]["async_stripe_invoiceitem_created"];
        let secret = s(&c["secret"]).as_bytes();
        let t = c["t"].as_i64().unwrap();
        let payload = s(&c["payload"]).as_bytes();
        let header = s(&c["header"]);
        assert_eq!(verify(&[secret], header, payload, t), Ok(0));
        assert_eq!(verify(&[secret], header, payload, t + 300), Ok(0));
        assert_eq!(
            verify(&[secret], header, payload, t + 301),
            Err(SignatureError::OutsideTolerance(t))
        );
        // the v0 in the header is ignored; our own signer makes the same v1
        let v1 = header.split(',').find_map(|p| p.strip_prefix("v1=")).unwrap();
        assert_eq!(compute(secret, t, payload), v1);
        // a byte changed anywhere fails
        let mut tampered = payload.to_vec();
        tampered[10] ^= 1;
        assert_eq!(verify(&[secret], header, &tampered, t), Err(SignatureError::NoMatch));
        assert_eq!(verify(&[b"other"], header, payload, t), Err(SignatureError::NoMatch));
    }

    #[test]
    fn the_official_sdks_payloads_verify_with_the_derived_signatures() {
        let v = vectors();
        for name in ["stripe_python_dummy_payload_derived", "stripe_node_payload_derived"] {
            let c = &v["stripe"][name];
            let secret = s(&c["secret"]).as_bytes();
            let payload = s(&c["payload"]).as_bytes();
            let header = format!("t=12345,v1={}", s(&c["v1_at_t_12345"]));
            assert_eq!(verify(&[secret], &header, payload, 12345), Ok(0), "{name}");
            assert_eq!(sign(secret, 12345, payload), header, "{name}");
            // stripe-python and stripe-node: an extra bad v1 does not spoil a good one
            let extra = format!("{header},v1=bad_signature,v1=potato");
            assert_eq!(verify(&[secret], &extra, payload, 12345), Ok(0), "{name}");
        }
        let c = &v["stripe"]["stripe_python_dummy_payload_derived"];
        let header = format!("t=1492774577,v1={}", s(&c["v1_at_t_1492774577"]));
        assert_eq!(
            verify(
                &[s(&c["secret"]).as_bytes()],
                &header,
                s(&c["payload"]).as_bytes(),
                1_492_774_577
            ),
            Ok(0)
        );
    }

    #[test]
    fn the_docs_example_header_parses() {
        let v = vectors();
        let example = s(&v["stripe"]["docs_header_format_example"]);
        let header = example.split_whitespace().next().unwrap();
        let parsed = parse_header(header).unwrap();
        assert_eq!(parsed.t, 1_492_774_577);
        assert_eq!(
            parsed.v1,
            ["5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd"]
        );
    }

    #[test]
    fn rotation_any_v1_and_any_secret() {
        let body = br#"{"id":"evt_1","object":"event"}"#;
        let (old, new) = (b"whsec_old_secret".as_slice(), b"whsec_new_secret".as_slice());
        let t = 1_700_000_000;
        // two v1 values, only the second matching, and the matching secret second in the list
        let header = format!(
            "t={t},v1={},v1={}",
            compute(b"whsec_gone", t, body),
            compute(new, t, body)
        );
        assert_eq!(verify(&[old, new], &header, body, t), Ok(1));
        assert_eq!(verify(&[new, old], &header, body, t), Ok(0));
        assert_eq!(verify(&[old], &header, body, t), Err(SignatureError::NoMatch));
    }

    #[test]
    fn malformed_headers_and_skewed_clocks_are_refused() {
        let body = b"{}";
        let secret = b"whsec_test_secret".as_slice();
        let t = 1_700_000_000;
        let good = sign(secret, t, body);
        assert_eq!(verify(&[secret], &good, body, t - 300), Ok(0), "slightly in the future");
        assert_eq!(
            verify(&[secret], &good, body, t - 301),
            Err(SignatureError::OutsideTolerance(t)),
            "too far in the future"
        );
        assert_eq!(
            verify(&[secret], &good, body, t + 301),
            Err(SignatureError::OutsideTolerance(t))
        );
        assert_eq!(verify(&[secret], "", body, t), Err(SignatureError::Malformed));
        assert_eq!(verify(&[secret], "garbage", body, t), Err(SignatureError::Malformed));
        assert_eq!(
            verify(&[secret], "t=abc,v1=00", body, t),
            Err(SignatureError::Malformed)
        );
        let only_v0 = format!("t={t},v0={}", compute(secret, t, body));
        assert_eq!(verify(&[secret], &only_v0, body, t), Err(SignatureError::NoV1));
        assert_eq!(verify(&[], &good, body, t), Err(SignatureError::NoMatch));
        // the secret is the whole configured value, whitespace included
        assert_eq!(
            verify(&[b"whsec_test_secret ".as_slice()], &good, body, t),
            Err(SignatureError::NoMatch)
        );
    }
}
