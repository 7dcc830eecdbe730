//! Twilio voice and messaging callbacks.

pub mod form;
pub mod signature;
pub mod twiml;

use std::sync::Arc;

use app::{
    domain::{ids::WebhookEventId, recipient_zone, Caller},
    ssr::{
        clock::now_ms,
        db::{
            pipeline::Deferred,
            webhook_events::{self, NewEvidence},
        },
        live::Effects,
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
    response::{IntoResponse, Response},
};
use secrecy::ExposeSecret;
use serde_json::json;

use self::form::{FormError, Params};
use super::{rejections::Rejection, WebhookState};

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
enum Event {
    Inbound(CallParams),
    Dial(CallParams, DialResult),
    Status(CallParams, StatusUpdate),
    Sms(InboundSms),
    SmsStatus(StatusCallback),
}

/// One axum handler per route, all running the same [`handle`] steps.
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

fn reject(state: &WebhookState, kind: Rejection, route: Route, status: StatusCode, detail: &str) -> Response {
    state.rejections.record(kind, route.path(), detail);
    (status, detail.to_owned()).into_response()
}

#[tracing::instrument(name = "twilio_callback", skip_all, fields(provider = "twilio", route = route.path(), event_id = tracing::field::Empty))]
async fn handle(
    state: &WebhookState,
    route: Route,
    uri: &OriginalUri,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let body = match body {
        Ok(b) => b,
        Err(rej) if rej.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return reject(
                state,
                Rejection::TooLarge,
                route,
                StatusCode::PAYLOAD_TOO_LARGE,
                "body too large",
            );
        }
        Err(_) => {
            return reject(
                state,
                Rejection::Malformed,
                route,
                StatusCode::BAD_REQUEST,
                "unreadable body",
            )
        }
    };
    let is_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.to_ascii_lowercase().starts_with("application/x-www-form-urlencoded"));
    let signature = headers.get("x-twilio-signature").and_then(|v| v.to_str().ok());
    let must_verify = state.require_signatures || !state.twilio_signing_tokens.is_empty();
    if must_verify && signature.is_none() {
        return reject(
            state,
            Rejection::BadSignature,
            route,
            StatusCode::FORBIDDEN,
            "missing signature",
        );
    }
    if !is_form {
        return reject(
            state,
            Rejection::Malformed,
            route,
            StatusCode::BAD_REQUEST,
            "expected form data",
        );
    }
    let params = match Params::decode(&body) {
        Ok(p) => p,
        Err(_) => {
            return reject(
                state,
                Rejection::Malformed,
                route,
                StatusCode::BAD_REQUEST,
                "malformed form data",
            )
        }
    };

    let verdict = match (state.twilio_signing_tokens.as_slice(), signature) {
        (tokens @ [_, ..], Some(sig)) => {
            let url = match uri.query() {
                Some(q) => format!("{}{}?{q}", state.public_base, route.path()),
                None => format!("{}{}", state.public_base, route.path()),
            };
            let signed_by_any = tokens
                .iter()
                .any(|token| signature::verify(token.expose_secret().as_bytes(), &url, params.as_slice(), sig));
            if !signed_by_any {
                let names: Vec<&str> = params.as_slice().iter().map(|(k, _)| k.as_str()).collect();
                let detail = format!("bad signature (params: {})", names.join(","));
                state.rejections.record(Rejection::BadSignature, route.path(), &detail);
                return (StatusCode::FORBIDDEN, "bad signature").into_response();
            }
            "valid"
        }
        // Required but nothing to verify with (sandbox beyond loopback without a token):
        // refuse rather than trust a signature nobody checked.
        _ if must_verify => {
            state.rejections.record(
                Rejection::BadSignature,
                route.path(),
                "signature required, no token configured",
            );
            return (StatusCode::FORBIDDEN, "signature required").into_response();
        }
        // Sandbox on loopback without a token: nothing to verify with.
        _ => "not_checked",
    };

    let (event, key) = match parse(route, &params) {
        Ok(parsed) => parsed,
        Err(err) => {
            return reject(
                state,
                Rejection::Malformed,
                route,
                StatusCode::BAD_REQUEST,
                &err.to_string(),
            )
        }
    };
    tracing::Span::current().record("event_id", key.as_str());

    let evidence = NewEvidence {
        id: WebhookEventId::new(),
        provider: "twilio",
        route: route.path(),
        idempotency_key: key,
        signature_verdict: verdict,
        headers: evidence_headers(headers),
        payload: String::from_utf8_lossy(&body).into_owned(),
        received_at: now_ms(),
    };
    let public_base = state.public_base.clone();
    let routing = state.routing.clone();
    let applied = state
        .writer
        .run_deferred(move |conn| {
            Box::pin(async move {
                // Writes nobody reads back wait here and travel with the next statement that
                // needs an answer, or with the writer's savepoint boundary after this job.
                let mut deferred = Deferred::default();
                if let Some(previous) = webhook_events::claim(conn, &evidence).await? {
                    return Ok(((previous, Effects::default()), deferred));
                }
                let now = evidence.received_at;
                let (org_id, outcome, answer, effects) = match event {
                    Event::Inbound(p) => {
                        let o = calls::on_inbound(conn, &mut deferred, &routing, &p, now).await?;
                        (o.org_id, o.outcome, twiml::voice(&o.answer, &public_base), o.effects)
                    }
                    Event::Dial(p, d) => {
                        let o = calls::on_dial_complete(conn, &mut deferred, &routing, &p, &d, now).await?;
                        (o.org_id, o.outcome, twiml::voice(&o.answer, &public_base), o.effects)
                    }
                    Event::Status(p, s) => {
                        let o = calls::on_status(conn, &mut deferred, &routing, &p, &s, now).await?;
                        (o.org_id, o.outcome, twiml::empty(), o.effects)
                    }
                    Event::Sms(sms) => {
                        let o = messaging::on_inbound(conn, &mut deferred, &routing, &sms, now).await?;
                        let answer = o.reply.as_deref().map_or_else(twiml::empty, twiml::message);
                        (o.org_id, o.outcome, answer, o.effects)
                    }
                    Event::SmsStatus(cb) => {
                        let o = messaging::on_status(conn, &mut deferred, &cb, now).await?;
                        (o.org_id, o.outcome, twiml::empty(), o.effects)
                    }
                };
                deferred.push(webhook_events::finish(
                    &evidence.id,
                    org_id.as_deref(),
                    &outcome,
                    &answer,
                ));
                Ok(((answer, effects), deferred))
            })
        })
        .await;

    match applied {
        Ok((answer, effects)) => {
            if effects.text_queued {
                state.outbox_wake.notify_one();
            }
            state.live.publish(effects.live);
            let answer = if answer.is_empty() { twiml::empty() } else { answer };
            ([(header::CONTENT_TYPE, twiml::CONTENT_TYPE)], answer).into_response()
        }
        // Nothing was stored: 503 makes Twilio retry rather than believe it was handled.
        Err(_) => reject(
            state,
            Rejection::Unavailable,
            route,
            StatusCode::SERVICE_UNAVAILABLE,
            "temporarily unavailable",
        ),
    }
}

fn call_params(p: &Params) -> Result<CallParams, FormError> {
    Ok(CallParams {
        call_sid: p.require("CallSid")?.to_owned(),
        from: Caller::from_twilio(p.get("From").unwrap_or_default()),
        to: p.require("To")?.to_owned(),
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
/// carry the called number as well as the CallSid: a call belongs to the org that owns the
/// number, so a callback naming another org's CallSid is a different delivery, never a
/// replay of that org's.
fn parse(route: Route, p: &Params) -> Result<(Event, String), FormError> {
    Ok(match route {
        Route::VoiceInbound => {
            let c = call_params(p)?;
            let key = format!("voice.inbound:{}:{}", c.to, c.call_sid);
            (Event::Inbound(c), key)
        }
        Route::DialComplete => {
            let c = call_params(p)?;
            let d = DialResult {
                dial_call_status: p.require("DialCallStatus")?.to_owned(),
                dial_call_duration: p.get("DialCallDuration").and_then(|v| v.parse().ok()),
            };
            let key = format!("voice.dial:{}:{}", c.to, c.call_sid);
            (Event::Dial(c, d), key)
        }
        Route::VoiceStatus => {
            let c = call_params(p)?;
            let s = StatusUpdate {
                call_status: p.require("CallStatus")?.to_owned(),
                sequence: p.get("SequenceNumber").and_then(|v| v.parse().ok()),
            };
            let key = format!(
                "voice.status:{}:{}:{}:{}",
                c.to,
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
                to: p.require("To")?.to_owned(),
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
