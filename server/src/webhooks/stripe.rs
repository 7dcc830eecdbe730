//! Stripe's billing events at `POST /api/stripe/webhook`: the [`Provider`] the receive
//! pipeline runs them through. Raw body (at most [`MAX_BODY_BYTES`]) → `Stripe-Signature`
//! against every configured secret (failure: 400, nothing stored but the rejection log) →
//! the event's envelope and, for the types CallSnare uses, async-stripe's types (malformed:
//! 400) → claimed by Stripe's event id in the evidence table, applied to the org's billing
//! in the same transaction → `{"received":true}`. A redelivery, or two identical deliveries
//! at once, get 200 and change nothing twice; an event for no known org, or of a type
//! CallSnare does not use, is stored and answered 200 so Stripe stops retrying.

pub mod event;
pub mod signature;

use std::sync::Arc;

use app::ssr::{
    clock::now_ms,
    db::{pipeline::Deferred, Conn},
    services::billing::{self, BillingEvent},
};
use axum::{
    body::Bytes,
    extract::{rejection::BytesRejection, OriginalUri, State},
    http::{HeaderMap, StatusCode},
    response::Response,
};
use futures::future::BoxFuture;
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;

use super::{
    pipeline::{self, Applied, ApplyContext, Provider, Refusal, Verdict},
    rejections::Rejection,
    WebhookState,
};

/// Stripe's payloads are larger than Twilio's (a subscription with its items and prices).
pub const MAX_BODY_BYTES: usize = 512 * 1024;

pub const PATH: &str = "/api/stripe/webhook";

/// The one Stripe route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route;

/// Stripe's signing configuration.
pub struct Stripe {
    /// `STRIPE_WEBHOOK_SECRET`, every secret active during a rotation; empty in sandbox
    /// without one.
    pub secrets: Vec<SecretString>,
    /// Signatures are mandatory (live mode, a secret configured, or sandbox beyond
    /// loopback), not just checked when a secret is set.
    pub require_signatures: bool,
}

/// A body whose signature held (or was not checked), as text.
pub struct SignedBody {
    pub text: String,
    /// The secret that signed it, a header of its signature alone and the header's
    /// timestamp, for async-stripe's own check.
    pub signed: Option<(SecretString, String, i64)>,
}

impl Provider for Stripe {
    const NAME: &'static str = billing::PROVIDER;
    const CONTENT_TYPE: &'static str = "application/json";
    type Route = Route;
    type Input = SignedBody;
    type Event = BillingEvent;

    fn path(_route: Route) -> &'static str {
        PATH
    }

    fn verify(&self, headers: &HeaderMap, body: &[u8], _url: &str) -> Result<(SignedBody, Verdict), Refusal> {
        let header = headers.get("stripe-signature").and_then(|v| v.to_str().ok());
        let must_verify = self.require_signatures || !self.secrets.is_empty();
        let (verdict, signed) = match (self.secrets.as_slice(), header) {
            (secrets @ [_, ..], Some(header)) => {
                let keys: Vec<&[u8]> = secrets.iter().map(|s| s.expose_secret().as_bytes()).collect();
                let now = now_ms() / 1000;
                match signature::verify(&keys, header, body, now) {
                    Ok(i) => {
                        let t = signature::parse_header(header).map(|h| h.t).unwrap_or(now);
                        // async-stripe re-checks with the one secret that matched, over a
                        // header of just that signature (its parser is stricter than ours).
                        let canonical = signature::sign(keys[i], t, body);
                        (Verdict::Valid, Some((secrets[i].clone(), canonical, t)))
                    }
                    Err(err) => {
                        return Err(
                            Refusal::new(Rejection::BadSignature, StatusCode::BAD_REQUEST, "bad signature")
                                .with_detail(format!("bad signature: {err}")),
                        )
                    }
                }
            }
            (_, None) if must_verify => {
                return Err(Refusal::new(
                    Rejection::BadSignature,
                    StatusCode::BAD_REQUEST,
                    "missing signature",
                ))
            }
            // Required but nothing to verify with (live, or sandbox beyond loopback, without
            // a secret): refuse rather than trust a signature nobody checked.
            _ if must_verify => {
                return Err(
                    Refusal::new(Rejection::BadSignature, StatusCode::BAD_REQUEST, "signature required")
                        .with_detail("signature required, no STRIPE_WEBHOOK_SECRET configured"),
                )
            }
            // Sandbox on loopback without a secret: nothing to verify with.
            _ => (Verdict::NotChecked, None),
        };
        let text = std::str::from_utf8(body)
            .map_err(|_| Refusal::new(Rejection::Malformed, StatusCode::BAD_REQUEST, "body is not UTF-8"))?
            .to_owned();
        Ok((SignedBody { text, signed }, verdict))
    }

    fn parse(_route: Route, input: &SignedBody) -> Result<(BillingEvent, String), String> {
        let checked = input.signed.as_ref().map(|(secret, header, t)| event::Checked {
            secret: secret.expose_secret(),
            header,
            timestamp: *t,
        });
        let event = event::parse(&input.text, checked)?;
        // The claim key: Stripe's event id (unique per provider in the evidence table).
        let key = event.event_id.clone();
        Ok((event, key))
    }

    fn apply<'c>(
        _ctx: &'c ApplyContext,
        conn: &'c mut Conn,
        _deferred: &'c mut Deferred,
        event: BillingEvent,
        now: i64,
    ) -> BoxFuture<'c, Result<Applied, sqlx::Error>> {
        Box::pin(async move {
            let done = billing::apply_event(conn, &event, now).await?;
            Ok(Applied {
                answer: String::new(),
                effects: done.effects,
                org_id: done.org_id,
                outcome: done.outcome,
            })
        })
    }

    fn empty_answer() -> String {
        json!({ "received": true }).to_string()
    }

    fn evidence_headers(headers: &HeaderMap) -> String {
        let keep = ["stripe-signature", "user-agent", "content-type", "x-request-id"];
        let mut map = serde_json::Map::new();
        for name in keep {
            if let Some(v) = headers.get(name).and_then(|v| v.to_str().ok()) {
                map.insert(name.to_owned(), json!(v));
            }
        }
        serde_json::Value::Object(map).to_string()
    }
}

/// `POST /api/stripe/webhook`.
#[tracing::instrument(name = "stripe_event", skip_all, fields(provider = "stripe", route = PATH, event_id = tracing::field::Empty))]
pub async fn handler(
    State(state): State<Arc<WebhookState>>,
    uri: OriginalUri,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    pipeline::receive(&state, &state.stripe, Route, &uri, &headers, body).await
}
