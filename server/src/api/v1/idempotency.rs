//! `Idempotency-Key` on the `/api/v1` writes, and the writer job every write runs in.
//!
//! A write is one job of the single writer ([`run`]): with a key, the job first looks the
//! key up (per API key), then carries out the use-case, then stores the response it made,
//! all in the job's one savepoint. Jobs run one after another, so two requests with the
//! same key, even racing, are serialised: the second finds the first's stored response and
//! answers it again, byte for byte and with the same status (plus `Idempotent-Replayed:
//! true`), doing nothing. The same key with another request (the SHA-256 of method, path
//! and body differs) is refused, 422 `idempotency_key_reused`. A refused request (404, 409,
//! 422) rolls its whole job back and stores nothing, so the corrected request may reuse its
//! key; stored responses answer for 24 hours, then are pruned (`maintenance`).
//!
//! Without the header a write just runs.

use app::ssr::{
    clock::now_ms,
    db::{
        api_idempotency::{self, NewResponse},
        Conn,
    },
    live::Effects,
    services::inbox::InboxError,
    state::AppState,
};
use axum::{
    http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};
use futures::future::BoxFuture;
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::internal;
use crate::api::{auth::ApiKeyAuth, error::ApiError};

/// The request header.
pub const HEADER: &str = "Idempotency-Key";

/// The longest key accepted, in characters (visible ASCII only).
pub const MAX_LEN: usize = 255;

/// The response header that marks a stored response answered again.
pub const REPLAYED: &str = "idempotent-replayed";

/// The refusal of a key reused with another request.
pub const REUSED: &str = "idempotency_key_reused";

/// The request's `Idempotency-Key`, if it sent one: 1 to [`MAX_LEN`] visible ASCII
/// characters (`!` to `~`), given once; anything else is a 422 naming the header.
pub fn key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let mut given = headers.get_all(HEADER).iter();
    let Some(value) = given.next() else {
        return Ok(None);
    };
    let invalid = |message: &str| ApiError::invalid(HEADER, message.to_owned());
    if given.next().is_some() {
        return Err(invalid("Idempotency-Key is given more than once; give it once."));
    }
    let bytes = value.as_bytes();
    if bytes.is_empty() || bytes.len() > MAX_LEN {
        return Err(invalid("Idempotency-Key must be 1 to 255 characters."));
    }
    if !bytes.iter().all(|b| (0x21..=0x7e).contains(b)) {
        return Err(invalid(
            "Idempotency-Key must be visible ASCII characters only (no spaces), such as a UUID.",
        ));
    }
    // Visible ASCII only, so this is the same text.
    Ok(Some(String::from_utf8_lossy(bytes).into_owned()))
}

/// What identifies a request for its key: SHA-256 (hex) of the method, the path and the
/// body's bytes.
pub fn request_hash(method: &str, path: &str, body: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(method.as_bytes());
    h.update(b"\n");
    h.update(path.as_bytes());
    h.update(b"\n");
    h.update(body);
    hex::encode(h.finalize())
}

/// A response a write made: its status and its JSON body, as sent (and as stored for its
/// key).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub status: StatusCode,
    pub body: String,
}

impl Answer {
    /// `value` as JSON with `status`.
    pub fn json<T: Serialize>(status: StatusCode, value: &T) -> Result<Self, sqlx::Error> {
        let body = serde_json::to_string(value).map_err(|e| sqlx::Error::Protocol(e.to_string()))?;
        Ok(Self { status, body })
    }
}

/// What a write's job hands back: `Ok(Ok(..))` done (the answer and what the commit makes
/// happen next), `Ok(Err(..))` refused (the job is rolled back), `Err` a store failure.
pub type JobResult = Result<Result<(Answer, Effects), ApiError>, sqlx::Error>;

/// A use-case refusal as the API's error; a store failure stays one (it fails the job).
pub fn refusal(e: InboxError) -> Result<ApiError, sqlx::Error> {
    Ok(match e {
        InboxError::Db(err) => return Err(err),
        InboxError::NotFound => ApiError::NotFound,
        InboxError::Invalid(field, message) => ApiError::Invalid { field, message },
        InboxError::OptedOut => ApiError::Refused {
            code: "opted_out",
            message: e.to_string(),
        },
        InboxError::QuietHours => ApiError::Refused {
            code: "quiet_hours",
            message: "It is outside texting hours in this customer's local time. Send \"schedule\": true to \
                      hold the text until their send window opens."
                .to_owned(),
        },
        InboxError::BookingCancelled => ApiError::Refused {
            code: "booking_cancelled",
            message: e.to_string(),
        },
        InboxError::AlreadySubmitted => ApiError::Refused {
            code: "already_submitted",
            message: e.to_string(),
        },
    })
}

/// Runs the write `work` as one writer job, under the request's `Idempotency-Key` (`key`)
/// when it sent one ([`HEADER`]); `request_hash` is [`request_hash`] of the request. Once
/// the job has committed, its effects are dispatched (the outbox woken, the inbox told) and
/// its answer sent.
pub async fn run<F>(
    state: &AppState,
    auth: &ApiKeyAuth,
    key: Option<String>,
    request_hash: String,
    work: F,
) -> Result<Response, ApiError>
where
    F: for<'c> FnOnce(&'c mut Conn) -> BoxFuture<'c, JobResult> + Send + 'static,
{
    let key_id = auth.key_id.clone();
    let now = now_ms();
    let (answer, replayed) = state
        .core
        .commit_fallible(move |conn| Box::pin(job(conn, key_id, key, request_hash, now, work)))
        .await
        .map_err(|e| internal("an API write could not be committed", e))??;
    let mut resp = (
        answer.status,
        [(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))],
        answer.body,
    )
        .into_response();
    if replayed {
        resp.headers_mut()
            .insert(HeaderName::from_static(REPLAYED), HeaderValue::from_static("true"));
    }
    Ok(resp)
}

/// The job: the key's stored response if there is one (or the refusal of a reused key),
/// else the write and then its stored response.
async fn job<F>(
    conn: &mut Conn,
    key_id: String,
    key: Option<String>,
    request_hash: String,
    now: i64,
    work: F,
) -> Result<Result<((Answer, bool), Effects), ApiError>, sqlx::Error>
where
    F: for<'c> FnOnce(&'c mut Conn) -> BoxFuture<'c, JobResult> + Send + 'static,
{
    if let Some(key) = key.as_deref() {
        if let Some(stored) = api_idempotency::find(conn, &key_id, key, now).await? {
            if stored.request_hash != request_hash {
                return Ok(Err(ApiError::Unprocessable {
                    code: REUSED,
                    message: "This Idempotency-Key was already used with a different request (method, path or \
                              body) in the last 24 hours. Use a new key for a new request."
                        .to_owned(),
                }));
            }
            let status = u16::try_from(stored.status)
                .ok()
                .and_then(|s| StatusCode::from_u16(s).ok())
                .ok_or_else(|| {
                    sqlx::Error::Protocol(format!("stored status {} is not an HTTP status", stored.status))
                })?;
            let answer = Answer {
                status,
                body: stored.response_body,
            };
            return Ok(Ok(((answer, true), Effects::default())));
        }
    }
    let (answer, effects) = match work(&mut *conn).await? {
        Ok(done) => done,
        Err(refused) => return Ok(Err(refused)),
    };
    if let Some(key) = key.as_deref() {
        api_idempotency::store(
            conn,
            NewResponse {
                api_key_id: &key_id,
                idem_key: key,
                request_hash: &request_hash,
                status: answer.status.as_u16(),
                response_body: &answer.body,
            },
            now,
        )
        .await?;
    }
    Ok(Ok(((answer, false), effects)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(values: &[&[u8]]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append(HEADER, HeaderValue::from_bytes(v).unwrap());
        }
        h
    }

    fn refused(values: &[&[u8]]) -> bool {
        matches!(key(&headers(values)), Err(ApiError::Invalid { field: HEADER, .. }))
    }

    #[test]
    fn a_key_is_visible_ascii_up_to_255_characters_given_once() {
        assert_eq!(key(&HeaderMap::new()).unwrap(), None);
        assert_eq!(
            key(&headers(&[b"0b6e1c9e-6c1f-4b5e-9d7e-1f2a3b4c5d6e"]))
                .unwrap()
                .as_deref(),
            Some("0b6e1c9e-6c1f-4b5e-9d7e-1f2a3b4c5d6e")
        );
        let longest = "k".repeat(MAX_LEN);
        assert_eq!(key(&headers(&[longest.as_bytes()])).unwrap(), Some(longest.clone()));
        let too_long = "k".repeat(MAX_LEN + 1);
        assert!(refused(&[too_long.as_bytes()]));
        assert!(refused(&[b""]));
        assert!(refused(&[b"a b"]));
        assert!(refused(&[b"a\tb"]));
        assert!(refused(&["café".as_bytes()]));
        assert!(refused(&[b"a", b"a"]));
    }

    #[test]
    fn the_hash_covers_method_path_and_body() {
        let h = request_hash("POST", "/api/v1/leads/x/messages", b"{\"body\":\"hi\"}");
        assert_eq!(h.len(), 64);
        assert_eq!(
            h,
            request_hash("POST", "/api/v1/leads/x/messages", b"{\"body\":\"hi\"}")
        );
        assert_ne!(
            h,
            request_hash("PATCH", "/api/v1/leads/x/messages", b"{\"body\":\"hi\"}")
        );
        assert_ne!(
            h,
            request_hash("POST", "/api/v1/leads/y/messages", b"{\"body\":\"hi\"}")
        );
        assert_ne!(
            h,
            request_hash("POST", "/api/v1/leads/x/messages", b"{\"body\":\"ho\"}")
        );
    }
}
