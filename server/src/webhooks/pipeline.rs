//! The receive pipeline every provider callback goes through, in this order: size limit →
//! verify (the provider decodes and checks its signature) → parse into an event and its
//! idempotency key → claim the evidence row and apply the event in one writer job → record
//! the outcome and answer → commit → dispatch the effects → answer. A provider implements
//! [`Provider`]; the steps, the rejection records and the 503 "not stored" answer are here
//! once, so another provider (Stripe) plugs in without repeating them.

use std::sync::Arc;

use app::{
    domain::ids::WebhookEventId,
    ssr::{
        clock::now_ms,
        db::{
            pipeline::Deferred,
            webhook_events::{self, NewEvidence},
            Conn,
        },
        live::Effects,
        services::routing::RoutingCache,
        writer::WriteError,
    },
};
use axum::{
    body::Bytes,
    extract::{rejection::BytesRejection, OriginalUri},
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use futures::future::BoxFuture;

use super::{rejections::Rejection, WebhookState};

/// How a stored callback's signature was judged (the `signature_verdict` evidence column).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Signed with a configured secret.
    Valid,
    /// Sandbox on loopback without a secret: nothing to verify with.
    NotChecked,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Valid => "valid",
            Verdict::NotChecked => "not_checked",
        }
    }
}

/// A callback refused before anything was stored.
#[derive(Debug, Clone)]
pub struct Refusal {
    pub kind: Rejection,
    pub status: StatusCode,
    /// The response body.
    pub answer: String,
    /// What the rejection log records (the answer, unless there is more worth logging).
    pub detail: String,
}

impl Refusal {
    pub fn new(kind: Rejection, status: StatusCode, answer: impl Into<String>) -> Self {
        let answer = answer.into();
        Self {
            kind,
            status,
            detail: answer.clone(),
            answer,
        }
    }

    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = detail.into();
        self
    }
}

/// What applying an event did, for the evidence row and the answer.
pub struct Applied {
    /// The response body (empty: the provider's [`Provider::empty_answer`]).
    pub answer: String,
    pub effects: Effects,
    /// The org the callback turned out to concern, if any.
    pub org_id: Option<String>,
    pub outcome: String,
}

/// What a provider's `apply` may use besides the connection.
pub struct ApplyContext {
    pub routing: Arc<RoutingCache>,
    pub public_base: String,
}

/// One provider's part of the pipeline.
pub trait Provider: Send + Sync + 'static {
    /// The provider's name in evidence rows and rejection logs.
    const NAME: &'static str;
    /// The content type of every answer.
    const CONTENT_TYPE: &'static str;
    type Route: Copy + Send + Sync + 'static;
    /// The decoded body that was verified (Twilio: its form parameters).
    type Input: Send;
    type Event: Send + 'static;

    fn path(route: Self::Route) -> &'static str;

    /// Decodes the body and checks its signature over `url` (the configured public base,
    /// the route's path and the request's query). Runs before anything is parsed or stored.
    fn verify(&self, headers: &HeaderMap, body: &[u8], url: &str) -> Result<(Self::Input, Verdict), Refusal>;

    /// The event and the key its retries share; an error is answered 400 with its text.
    fn parse(route: Self::Route, input: &Self::Input) -> Result<(Self::Event, String), String>;

    /// Applies a new (never seen) event inside the writer's transaction. Writes nobody reads
    /// back may wait in `deferred`.
    fn apply<'c>(
        ctx: &'c ApplyContext,
        conn: &'c mut Conn,
        deferred: &'c mut Deferred,
        event: Self::Event,
        now: i64,
    ) -> BoxFuture<'c, Result<Applied, sqlx::Error>>;

    /// The answer when there is nothing to say (also to a retry whose first answer was empty).
    fn empty_answer() -> String;

    /// The request headers kept as evidence, as a JSON object (never credentials).
    fn evidence_headers(headers: &HeaderMap) -> String;
}

fn refuse<P: Provider>(state: &WebhookState, route: P::Route, refusal: Refusal) -> Response {
    state
        .rejections
        .record(refusal.kind, P::NAME, P::path(route), &refusal.detail);
    (refusal.status, refusal.answer).into_response()
}

/// Runs one callback through the pipeline: admit it (size, signature, parse), then store
/// its evidence and apply it in one commit, then answer. The caller's span should have an
/// `event_id` field; it is filled in once the event is parsed.
pub async fn receive<P: Provider>(
    state: &WebhookState,
    provider: &P,
    route: P::Route,
    uri: &OriginalUri,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let admitted = match admit(state, provider, route, uri, headers, body) {
        Ok(admitted) => admitted,
        Err(refusal) => return refuse::<P>(state, route, refusal),
    };
    tracing::Span::current().record("event_id", admitted.key.as_str());
    match store_and_apply::<P>(state, route, headers, admitted).await {
        Ok(answer) => {
            let answer = if answer.is_empty() { P::empty_answer() } else { answer };
            ([(header::CONTENT_TYPE, P::CONTENT_TYPE)], answer).into_response()
        }
        // Nothing was stored: 503 makes the provider retry rather than believe it was handled.
        Err(_) => {
            let refusal = Refusal::new(
                Rejection::Unavailable,
                StatusCode::SERVICE_UNAVAILABLE,
                "temporarily unavailable",
            );
            refuse::<P>(state, route, refusal)
        }
    }
}

/// A callback that passed the size limit, its signature check and parsing.
struct Admitted<E> {
    event: E,
    key: String,
    verdict: Verdict,
    body: Bytes,
}

/// Reads, verifies and parses a callback; anything refused here leaves no trace but the
/// bounded rejection log.
fn admit<P: Provider>(
    state: &WebhookState,
    provider: &P,
    route: P::Route,
    uri: &OriginalUri,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Admitted<P::Event>, Refusal> {
    let body = match body {
        Ok(b) => b,
        Err(rej) if rej.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return Err(Refusal::new(
                Rejection::TooLarge,
                StatusCode::PAYLOAD_TOO_LARGE,
                "body too large",
            ))
        }
        Err(_) => {
            return Err(Refusal::new(
                Rejection::Malformed,
                StatusCode::BAD_REQUEST,
                "unreadable body",
            ))
        }
    };
    // Never built from the Host header: providers sign the URL they were configured with.
    let url = match uri.query() {
        Some(q) => format!("{}{}?{q}", state.public_base, P::path(route)),
        None => format!("{}{}", state.public_base, P::path(route)),
    };
    let (input, verdict) = provider.verify(headers, &body, &url)?;
    let (event, key) =
        P::parse(route, &input).map_err(|err| Refusal::new(Rejection::Malformed, StatusCode::BAD_REQUEST, err))?;
    Ok(Admitted {
        event,
        key,
        verdict,
        body,
    })
}

/// Claims the evidence and applies the event in one writer job: the evidence and the
/// event's effects commit together, and the effects are dispatched (the outbox woken, the
/// inbox told) only once they have. A retry gets the first delivery's stored answer.
async fn store_and_apply<P: Provider>(
    state: &WebhookState,
    route: P::Route,
    headers: &HeaderMap,
    admitted: Admitted<P::Event>,
) -> Result<String, WriteError> {
    let Admitted {
        event,
        key,
        verdict,
        body,
    } = admitted;
    let evidence = NewEvidence {
        id: WebhookEventId::new(),
        provider: P::NAME,
        route: P::path(route),
        idempotency_key: key,
        signature_verdict: verdict.as_str(),
        headers: P::evidence_headers(headers),
        payload: String::from_utf8_lossy(&body).into_owned(),
        received_at: now_ms(),
    };
    let ctx = ApplyContext {
        routing: state.core.routing.clone(),
        public_base: state.public_base.clone(),
    };
    state
        .core
        .commit_deferred(move |conn| {
            Box::pin(async move {
                // Writes nobody reads back wait here and travel with the next statement that
                // needs an answer, or with the writer's savepoint boundary after this job.
                let mut deferred = Deferred::default();
                if let Some(previous) = webhook_events::claim(conn, &evidence).await? {
                    return Ok(((previous, Effects::default()), deferred));
                }
                let now = evidence.received_at;
                let applied = P::apply(&ctx, conn, &mut deferred, event, now).await?;
                deferred.push(webhook_events::finish(
                    &evidence.id,
                    applied.org_id.as_deref(),
                    &applied.outcome,
                    &applied.answer,
                ));
                Ok(((applied.answer, applied.effects), deferred))
            })
        })
        .await
}
