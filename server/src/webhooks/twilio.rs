//! Twilio voice and messaging callbacks: the [`Provider`] the receive pipeline runs them
//! through (form decoding, `X-Twilio-Signature`, parameters, TwiML answers).

pub mod form;
pub mod signature;
pub mod twiml;

use std::sync::Arc;

use app::{
    domain::{recipient_zone, CallStatus, Caller, DialCallStatus, E164Phone},
    ssr::{
        db::{pipeline::Deferred, Conn},
        services::{
            calls::{self, CallParams, DialResult, StatusUpdate},
            messaging::{self, InboundSms, StatusCallback},
        },
    },
};
use axum::{
    body::Bytes,
    extract::{rejection::BytesRejection, OriginalUri, State},
    http::{header, HeaderMap, StatusCode},
    response::Response,
};
use futures::future::BoxFuture;
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;

use self::form::{FormError, Params};
use super::{
    pipeline::{self, Applied, ApplyContext, Provider, Refusal, Verdict},
    rejections::Rejection,
    WebhookState,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    VoiceInbound,
    DialComplete,
    VoiceStatus,
    SmsInbound,
    SmsStatus,
}

impl Route {
    pub const ALL: [Route; 5] = [
        Route::VoiceInbound,
        Route::DialComplete,
        Route::VoiceStatus,
        Route::SmsInbound,
        Route::SmsStatus,
    ];

    pub fn path(self) -> &'static str {
        match self {
            Route::VoiceInbound => "/api/twilio/voice/inbound",
            Route::DialComplete => "/api/twilio/voice/dial-complete",
            Route::VoiceStatus => "/api/twilio/voice/status",
            Route::SmsInbound => "/api/twilio/sms/inbound",
            Route::SmsStatus => "/api/twilio/sms/status",
        }
    }
}

/// A callback parsed into what the services take.
pub enum Event {
    Inbound(CallParams),
    Dial(CallParams, DialResult),
    Status(CallParams, StatusUpdate),
    Sms(InboundSms),
    SmsStatus(StatusCallback),
}

/// Twilio's signing configuration.
pub struct Twilio {
    /// Tokens a Twilio signature may be made with (primary, then the secondary during a
    /// rotation); empty in sandbox without credentials.
    pub signing_tokens: Vec<SecretString>,
    /// Signatures are mandatory (live mode, or sandbox beyond loopback), not just checked
    /// when a token is set.
    pub require_signatures: bool,
}

impl Provider for Twilio {
    const NAME: &'static str = "twilio";
    const CONTENT_TYPE: &'static str = twiml::CONTENT_TYPE;
    type Route = Route;
    type Input = Params;
    type Event = Event;

    fn path(route: Route) -> &'static str {
        route.path()
    }

    fn verify(&self, headers: &HeaderMap, body: &[u8], url: &str) -> Result<(Params, Verdict), Refusal> {
        let is_form = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| ct.to_ascii_lowercase().starts_with("application/x-www-form-urlencoded"));
        let signature = headers.get("x-twilio-signature").and_then(|v| v.to_str().ok());
        let must_verify = self.require_signatures || !self.signing_tokens.is_empty();
        if must_verify && signature.is_none() {
            return Err(Refusal::new(
                Rejection::BadSignature,
                StatusCode::FORBIDDEN,
                "missing signature",
            ));
        }
        if !is_form {
            return Err(Refusal::new(
                Rejection::Malformed,
                StatusCode::BAD_REQUEST,
                "expected form data",
            ));
        }
        let params = Params::decode(body)
            .map_err(|_| Refusal::new(Rejection::Malformed, StatusCode::BAD_REQUEST, "malformed form data"))?;
        let verdict = match (self.signing_tokens.as_slice(), signature) {
            (tokens @ [_, ..], Some(sig)) => {
                let signed_by_any = tokens
                    .iter()
                    .any(|token| signature::verify(token.expose_secret().as_bytes(), url, params.as_slice(), sig));
                if !signed_by_any {
                    let names: Vec<&str> = params.as_slice().iter().map(|(k, _)| k.as_str()).collect();
                    return Err(
                        Refusal::new(Rejection::BadSignature, StatusCode::FORBIDDEN, "bad signature")
                            .with_detail(format!("bad signature (params: {})", names.join(","))),
                    );
                }
                Verdict::Valid
            }
            // Required but nothing to verify with (sandbox beyond loopback without a token):
            // refuse rather than trust a signature nobody checked.
            _ if must_verify => {
                return Err(
                    Refusal::new(Rejection::BadSignature, StatusCode::FORBIDDEN, "signature required")
                        .with_detail("signature required, no token configured"),
                );
            }
            // Sandbox on loopback without a token: nothing to verify with.
            _ => Verdict::NotChecked,
        };
        Ok((params, verdict))
    }

    fn parse(route: Route, params: &Params) -> Result<(Event, String), String> {
        parse_event(route, params).map_err(|err| err.to_string())
    }

    fn apply<'c>(
        ctx: &'c ApplyContext,
        conn: &'c mut Conn,
        deferred: &'c mut Deferred,
        event: Event,
        now: i64,
    ) -> BoxFuture<'c, Result<Applied, sqlx::Error>> {
        Box::pin(async move {
            let routing = &ctx.routing;
            let (org_id, outcome, answer, effects) = match event {
                Event::Inbound(p) => {
                    let o = calls::on_inbound(conn, deferred, routing, &p, now).await?;
                    (
                        o.org_id,
                        o.outcome,
                        twiml::voice(&o.answer, &ctx.public_base),
                        o.effects,
                    )
                }
                Event::Dial(p, d) => {
                    let o = calls::on_dial_complete(conn, deferred, routing, &p, &d, now).await?;
                    (
                        o.org_id,
                        o.outcome,
                        twiml::voice(&o.answer, &ctx.public_base),
                        o.effects,
                    )
                }
                Event::Status(p, s) => {
                    let o = calls::on_status(conn, deferred, routing, &p, &s, now).await?;
                    (o.org_id, o.outcome, twiml::empty(), o.effects)
                }
                Event::Sms(sms) => {
                    let o = messaging::on_inbound(conn, deferred, routing, &sms, now).await?;
                    let answer = o.reply.as_deref().map_or_else(twiml::empty, twiml::message);
                    (o.org_id, o.outcome, answer, o.effects)
                }
                Event::SmsStatus(cb) => {
                    let o = messaging::on_status(conn, deferred, &cb, now).await?;
                    (o.org_id, o.outcome, twiml::empty(), o.effects)
                }
            };
            Ok(Applied {
                answer,
                effects,
                org_id,
                outcome,
            })
        })
    }

    fn empty_answer() -> String {
        twiml::empty()
    }

    fn evidence_headers(headers: &HeaderMap) -> String {
        evidence_headers(headers)
    }
}

/// One axum handler per route, all running the same [`pipeline::receive`] steps.
pub fn handler(
    route: Route,
) -> impl Fn(
    State<Arc<WebhookState>>,
    OriginalUri,
    HeaderMap,
    Result<Bytes, BytesRejection>,
) -> futures::future::BoxFuture<'static, Response>
       + Clone
       + Send
       + Sync
       + 'static {
    move |s, u, h, b| Box::pin(async move { handle(&s, route, &u, &h, b).await })
}

#[tracing::instrument(name = "twilio_callback", skip_all, fields(provider = "twilio", route = route.path(), event_id = tracing::field::Empty))]
async fn handle(
    state: &WebhookState,
    route: Route,
    uri: &OriginalUri,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    pipeline::receive(state, &state.twilio, route, uri, headers, body).await
}

/// The number a caller dialled or a customer texted. Anything but a dialable E.164 number is
/// `None`: none of ours, so the services answer it as an unknown number.
fn called_number(p: &Params) -> Result<Option<E164Phone>, FormError> {
    Ok(E164Phone::parse(p.require("To")?).ok())
}

fn call_params(p: &Params) -> Result<CallParams, FormError> {
    Ok(CallParams {
        call_sid: p.require("CallSid")?.to_owned(),
        from: Caller::from_twilio(p.get("From").unwrap_or_default()),
        to: called_number(p)?,
        parent_call_sid: p.get("ParentCallSid").filter(|v| !v.is_empty()).map(str::to_owned),
        from_timezone: from_timezone(p),
        stir_verstat: p.get("StirVerstat").filter(|v| !v.is_empty()).map(str::to_owned),
    })
}

/// The sender's timezone from Twilio's geo parameters (absent for many numbers).
fn from_timezone(p: &Params) -> Option<&'static str> {
    let country = p.get("FromCountry").or_else(|| p.get("CallerCountry"))?;
    let state = p.get("FromState").or_else(|| p.get("CallerState"))?;
    recipient_zone::timezone_for(country, state)
}

/// Parses the route's parameters and derives the delivery key retries share. Voice keys
/// carry the called number (as sent) as well as the CallSid: a call belongs to the org that
/// owns the number, so a callback naming another org's CallSid is a different delivery,
/// never a replay of that org's.
fn parse_event(route: Route, p: &Params) -> Result<(Event, String), FormError> {
    Ok(match route {
        Route::VoiceInbound => {
            let c = call_params(p)?;
            let key = format!("voice.inbound:{}:{}", p.require("To")?, c.call_sid);
            (Event::Inbound(c), key)
        }
        Route::DialComplete => {
            let c = call_params(p)?;
            let d = DialResult {
                dial_call_status: DialCallStatus::parse(p.require("DialCallStatus")?),
                dial_call_duration: p.get("DialCallDuration").and_then(|v| v.parse().ok()),
            };
            let key = format!("voice.dial:{}:{}", p.require("To")?, c.call_sid);
            (Event::Dial(c, d), key)
        }
        Route::VoiceStatus => {
            let c = call_params(p)?;
            let s = StatusUpdate {
                call_status: CallStatus::parse(p.require("CallStatus")?),
                sequence: p.get("SequenceNumber").and_then(|v| v.parse().ok()),
            };
            let key = format!(
                "voice.status:{}:{}:{}:{}",
                p.require("To")?,
                c.call_sid,
                s.call_status,
                s.sequence.map(|n| n.to_string()).unwrap_or_default()
            );
            (Event::Status(c, s), key)
        }
        Route::SmsInbound => {
            let sid = p.require_any(&["MessageSid", "SmsSid"])?;
            let sms = InboundSms {
                message_sid: sid.to_owned(),
                from: Caller::from_twilio(p.require("From")?),
                to: called_number(p)?,
                body: p.get("Body").unwrap_or_default().to_owned(),
                opt_out_type: p.get("OptOutType").filter(|v| !v.is_empty()).map(str::to_owned),
                from_timezone: from_timezone(p),
            };
            let key = format!("sms.inbound:{}", sms.message_sid);
            (Event::Sms(sms), key)
        }
        Route::SmsStatus => {
            let sid = p.require_any(&["MessageSid", "SmsSid"])?;
            let status = p.require_any(&["MessageStatus", "SmsStatus"])?;
            let cb = StatusCallback {
                message_sid: sid.to_owned(),
                status: status.to_owned(),
                error_code: p.get("ErrorCode").filter(|v| !v.is_empty()).map(str::to_owned),
            };
            let key = format!(
                "sms.status:{}:{}:{}",
                cb.message_sid,
                cb.status,
                cb.error_code.as_deref().unwrap_or("")
            );
            (Event::SmsStatus(cb), key)
        }
    })
}

/// The headers worth keeping as evidence. Signatures are not secrets; cookies and
/// authorization headers are never kept.
fn evidence_headers(headers: &HeaderMap) -> String {
    let keep = [
        "i-twilio-idempotency-token",
        "x-twilio-signature",
        "user-agent",
        "content-type",
        "x-request-id",
        "x-home-region",
    ];
    let mut map = serde_json::Map::new();
    for name in keep {
        if let Some(v) = headers.get(name).and_then(|v| v.to_str().ok()) {
            map.insert(name.to_owned(), json!(v));
        }
    }
    serde_json::Value::Object(map).to_string()
}

#[cfg(test)]
mod tests {
    use super::Route;

    #[test]
    fn the_evidence_viewer_knows_every_route() {
        let viewer: Vec<&str> = app::domain::evidence::ROUTES.iter().map(|(path, _)| *path).collect();
        let mut served: Vec<&str> = Route::ALL.iter().map(|r| r.path()).collect();
        served.push(crate::webhooks::stripe::PATH);
        assert_eq!(viewer, served);
    }
}
