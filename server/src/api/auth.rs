//! `ApiKeyAuth`: the org and scopes of the API key a request presents as
//! `Authorization: Bearer <key>`, for `/api/v1` handlers. A handler names it in its
//! signature and starts with `auth.require(Scope::…)?`; every query it makes goes through
//! repository functions that take `auth.org()`, so a key of one org never reaches
//! another's data.
//!
//! The check itself is [`Keyring::verify`](app::ssr::services::api_keys::Keyring::verify):
//! format and checksum without a database read, the mode (live/test), then the keyed hash
//! (a cache of at most 5 s, else the database), compared in constant time, then
//! revocation, expiry and rotation grace. Every refusal is the same 401. An accepted key is
//! marked used in memory (written about every 30 s and at shutdown, by
//! [`spawn_last_used_flush`]), recorded on the request's span (`org_id`, `api_key_id`),
//! and counted against its own rate limit ([`ApiRateLimiter`]): beyond it, 429 with
//! `Retry-After`.

use std::{num::NonZeroU32, sync::Arc, time::Duration};

use app::{
    domain::{api_key, ids::OrgId, scope::Scope},
    ssr::{
        actor::{Acting, ApiKeyActor, RequestMeta},
        clock::now_ms,
        core::Core,
        services::api_keys::{
            keyring::{KeyRejected, LAST_USED_FLUSH_EVERY},
            Keyring,
        },
        state::{AppState, ClientAddr},
    },
};
use axum::{
    extract::{FromRef, FromRequestParts},
    http::{header, request::Parts, HeaderMap},
};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use tower_http::request_id::RequestId;

use super::error::ApiError;

/// The API key a request was made with: its org, id, name and scopes.
#[derive(Debug, Clone)]
pub struct ApiKeyAuth {
    pub org_id: String,
    pub key_id: String,
    pub key_name: String,
    pub scopes: Vec<Scope>,
    /// Where the request came from (client address, request id), for audit records.
    pub request: RequestMeta,
    org: OrgId,
}

impl ApiKeyAuth {
    /// `Ok` when the key has `scope`, else 403 `insufficient_scope` naming it.
    pub fn require(&self, scope: Scope) -> Result<(), ApiError> {
        if self.scopes.contains(&scope) {
            Ok(())
        } else {
            Err(ApiError::InsufficientScope(scope))
        }
    }

    /// The key's org, as the repositories take it.
    pub fn org(&self) -> &OrgId {
        &self.org
    }

    /// This key as the actor of a write (audit records name the key by id; the viewer
    /// shows its name).
    pub fn acting(&self) -> Acting {
        Acting::api_key(&self.key_id, &self.key_name, self.org.clone(), &self.request)
    }

    /// This key as the actor of the inbox's use-cases (reply, edit, book), which record it
    /// with [`acting`](Self::acting).
    pub fn actor(&self) -> ApiKeyActor {
        ApiKeyActor {
            org_id: self.org.clone(),
            key_id: self.key_id.clone(),
            key_name: self.key_name.clone(),
            acting: self.acting(),
        }
    }
}

impl<S> FromRequestParts<S> for ApiKeyAuth
where
    S: Send + Sync,
    AppState: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let state = AppState::from_ref(state);
        let token = bearer_token(&parts.headers)?;
        let key = match state.api_keys.verify(&state.db, token, now_ms()).await {
            Ok(key) => key,
            Err(KeyRejected::Db(err)) => return Err(ApiError::internal(err)),
            Err(rejected) => {
                // Only a well-formed key's visible prefix is ever logged, never the rest.
                let prefix = api_key::check(token).is_ok().then(|| api_key::visible_prefix(token));
                match rejected {
                    KeyRejected::Malformed(_) | KeyRejected::Unknown => {
                        tracing::debug!(reason = %rejected, key_prefix = prefix, "API key refused");
                    }
                    _ => tracing::info!(reason = %rejected, key_prefix = prefix, "API key refused"),
                }
                return Err(ApiError::InvalidToken);
            }
        };
        let org = OrgId::parse(&key.org_id).map_err(ApiError::internal)?;
        let span = tracing::Span::current();
        span.record("org_id", key.org_id.as_str());
        span.record("api_key_id", key.key_id.as_str());
        if let Some(limiter) = parts.extensions.get::<ApiRateLimiter>() {
            limiter.check(&key.key_id)?;
        }
        let request = RequestMeta {
            ip: parts.extensions.get::<ClientAddr>().map(|c| c.0.to_string()),
            request_id: parts
                .extensions
                .get::<RequestId>()
                .and_then(|id| id.header_value().to_str().ok())
                .filter(|id| app::domain::request_id::is_acceptable(id))
                .map(str::to_owned),
        };
        Ok(Self {
            org_id: key.org_id,
            key_id: key.key_id,
            key_name: key.name,
            scopes: key.scopes,
            request,
            org,
        })
    }
}

/// The key in `Authorization: Bearer <key>`. No header: 401 without an error code; a
/// header that is not one Bearer credential: 401 `invalid_token`.
fn bearer_token(headers: &HeaderMap) -> Result<&str, ApiError> {
    let mut given = headers.get_all(header::AUTHORIZATION).iter();
    let Some(value) = given.next() else {
        return Err(ApiError::Unauthorized);
    };
    if given.next().is_some() {
        return Err(ApiError::InvalidToken);
    }
    let value = value.to_str().map_err(|_| ApiError::InvalidToken)?.trim();
    let (scheme, token) = value.split_once(' ').ok_or(ApiError::InvalidToken)?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(ApiError::InvalidToken);
    }
    let token = token.trim();
    if token.is_empty() {
        return Err(ApiError::InvalidToken);
    }
    Ok(token)
}

/// Requests per API key: `per_second` sustained, bursts of `burst` (GCRA, governor). Put in
/// the `/api/v1` router's request extensions, where [`ApiKeyAuth`] finds it.
#[derive(Clone)]
pub struct ApiRateLimiter {
    limiter: Arc<DefaultKeyedRateLimiter<String>>,
}

/// Once a key's burst is spent, its next request conforms within one emission interval
/// (1 / rate, at most a second): the whole-second `Retry-After` is 1.
const RETRY_AFTER_SECS: u64 = 1;

impl ApiRateLimiter {
    pub fn new(per_second: u32, burst: u32) -> Self {
        let rate = NonZeroU32::new(per_second).unwrap_or(NonZeroU32::MIN);
        let burst = NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN);
        let quota = Quota::per_second(rate).allow_burst(burst);
        Self {
            limiter: Arc::new(RateLimiter::keyed(quota)),
        }
    }

    /// Counts one request of `key_id`: 429 with `Retry-After` beyond the quota.
    pub fn check(&self, key_id: &str) -> Result<(), ApiError> {
        self.limiter
            .check_key(&key_id.to_owned())
            .map_err(|_| ApiError::RateLimited {
                retry_after_secs: RETRY_AFTER_SECS,
            })
    }

    /// Starts the task that drops idle keys' state (governor keeps every key it has seen).
    pub fn spawn_cleanup(&self) {
        let limiter = self.limiter.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(60));
            loop {
                tick.tick().await;
                limiter.retain_recent();
                limiter.shrink_to_fit();
            }
        });
    }
}

/// Writes the keys' last-use marks every [`LAST_USED_FLUSH_EVERY`] (the server also writes
/// them once more when it stops, see `startup`).
pub fn spawn_last_used_flush(keyring: Arc<Keyring>, core: Core) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(LAST_USED_FLUSH_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tick.tick().await;
        loop {
            tick.tick().await;
            if let Err(err) = keyring.flush_last_used(&core).await {
                tracing::warn!(error.message = %err, "could not record API keys' last use; retrying next tick");
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn headers(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append(header::AUTHORIZATION, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn only_one_bearer_credential_is_read() {
        assert!(matches!(bearer_token(&headers(&[])), Err(ApiError::Unauthorized)));
        assert_eq!(bearer_token(&headers(&["Bearer cs_test_abc"])).unwrap(), "cs_test_abc");
        assert_eq!(
            bearer_token(&headers(&["bearer  cs_test_abc "])).unwrap(),
            "cs_test_abc"
        );
        for bad in [
            &["Basic dXNlcjpwYXNz"][..],
            &["Bearer"],
            &["Bearer "],
            &["cs_test_abc"],
            &["Bearer a", "Bearer b"],
        ] {
            assert!(
                matches!(bearer_token(&headers(bad)), Err(ApiError::InvalidToken)),
                "{bad:?}"
            );
        }
    }

    #[tokio::test]
    async fn each_key_has_its_own_bucket() {
        let limiter = ApiRateLimiter::new(1, 2);
        assert!(limiter.check("key_a").is_ok() && limiter.check("key_a").is_ok());
        match limiter.check("key_a") {
            Err(ApiError::RateLimited { retry_after_secs }) => assert_eq!(retry_after_secs, 1),
            other => panic!("{other:?}"),
        }
        assert!(limiter.check("key_b").is_ok(), "another key is not slowed down");
    }

    #[test]
    fn a_key_requires_each_scope_it_uses() {
        let auth = ApiKeyAuth {
            org_id: "org_0193f1c2a0b37c4e8d9a1b2c3d4e5f60".into(),
            key_id: "key_0193f1c2a0b37c4e8d9a1b2c3d4e5f61".into(),
            key_name: "Zapier".into(),
            scopes: vec![Scope::LeadsRead],
            request: RequestMeta::default(),
            org: OrgId::parse("org_0193f1c2a0b37c4e8d9a1b2c3d4e5f60").unwrap(),
        };
        assert!(auth.require(Scope::LeadsRead).is_ok());
        assert!(matches!(
            auth.require(Scope::MessagesSend),
            Err(ApiError::InsufficientScope(Scope::MessagesSend))
        ));
        let acting = auth.acting();
        assert_eq!(acting.actor.kind(), "api_key");
        assert_eq!(acting.actor.id(), Some("key_0193f1c2a0b37c4e8d9a1b2c3d4e5f61"));
        assert_eq!(acting.org_id.as_ref().map(OrgId::as_str), Some(auth.org_id.as_str()));
    }
}
