//! The org's API keys (owner and admin). The page's plain forms post here without
//! JavaScript: a creation or rotation then redirects back to the page, which shows the new
//! secret once (held for that one view in the database, sealed, so whichever instance
//! answers it can show it; never in plain text in the database, the URL or a log); any
//! other caller gets the secret in this answer, once. Each scope is its own
//! checkbox field (`leads_read`, …, so a form can post several without JavaScript);
//! `scopes` takes the same codes comma-separated instead.
// The create form's one checkbox per scope are arguments (a plain form posts them as they
// are); the generated client stub does not carry a function-level allow, so the lint is
// allowed for this file.
#![allow(clippy::too_many_arguments)]

use leptos::prelude::*;

use crate::{
    domain::ids::ApiKeyId,
    error::AppError,
    models::api_keys::{ApiKeysView, IssuedKeyView, RevealedKeyView},
};

/// The org's keys (revoked ones too), newest first, and the scopes the caller may give.
#[server(prefix = "/rpc", endpoint = "api_keys/list")]
pub async fn list_api_keys() -> Result<ApiKeysView, AppError> {
    use crate::{
        domain::permission::Action,
        ssr::{
            clock::now_ms,
            context::{internal, require_staff},
            services::api_keys::{self, KeyAdmin},
            state::AppState,
        },
    };
    // context first: the request's owner may change while this is in flight
    let state = expect_context::<AppState>();
    let me = require_staff(Action::ManageApiKeys).await?;
    let mut conn = state.db.acquire().await.map_err(internal)?;
    api_keys::page(&mut conn, &KeyAdmin::staff(&me), &state.api_keys, now_ms())
        .await
        .map_err(support::refused)
}

/// Creates a key for the caller's org with a name, scopes (never one the caller's role
/// could not use: 403) and an optional expiry in days. Refused (422 naming the field,
/// nothing stored) for a missing name or scope, an unknown scope, a bad expiry, or a name
/// another of the org's keys (not revoked) has.
#[server(prefix = "/rpc", endpoint = "api_keys/create")]
pub async fn create_api_key(
    name: String,
    expires_in_days: Option<String>,
    scopes: Option<String>,
    leads_read: Option<String>,
    leads_write: Option<String>,
    messages_send: Option<String>,
    bookings_read: Option<String>,
    bookings_write: Option<String>,
    settings_read: Option<String>,
    audit_read: Option<String>,
    evidence_read: Option<String>,
    billing_read: Option<String>,
) -> Result<IssuedKeyView, AppError> {
    use crate::{
        domain::{
            api_key::{self, ApiKeyFormError},
            permission::Action,
            scope::Scope,
        },
        ssr::{
            clock::now_ms,
            context::{internal, require_staff, wants_html},
            live::Effects,
            services::api_keys::{self as keys, KeyAdmin, NewKey},
            state::AppState,
        },
    };
    let state = expect_context::<AppState>();
    let me = require_staff(Action::ManageApiKeys).await?;
    let checked = [
        (Scope::LeadsRead, leads_read),
        (Scope::LeadsWrite, leads_write),
        (Scope::MessagesSend, messages_send),
        (Scope::BookingsRead, bookings_read),
        (Scope::BookingsWrite, bookings_write),
        (Scope::SettingsRead, settings_read),
        (Scope::AuditRead, audit_read),
        (Scope::EvidenceRead, evidence_read),
        (Scope::BillingRead, billing_read),
    ];
    let mut errors = Vec::new();
    let name = api_key::parse_name(&name).map_err(|e| errors.push(e)).ok();
    let mut chosen: Vec<Scope> = checked
        .into_iter()
        .filter(|(_, box_)| box_.as_deref().is_some_and(|v| !v.is_empty()))
        .map(|(scope, _)| scope)
        .collect();
    match Scope::parse_list(scopes.as_deref().unwrap_or_default()) {
        Ok(typed) => chosen.extend(typed),
        Err(code) => errors.push(ApiKeyFormError::UnknownScope(code)),
    }
    chosen.sort();
    chosen.dedup();
    if chosen.is_empty() && errors.iter().all(|e| e.field() != "scopes") {
        errors.push(ApiKeyFormError::NoScopes);
    }
    let expires = api_key::parse_expires_in_days(expires_in_days.as_deref().unwrap_or_default())
        .map_err(|e| errors.push(e))
        .ok();
    let (Some(name), Some(expires_in_days), true) = (name, expires, errors.is_empty()) else {
        return Err(support::invalid(&errors));
    };
    let admin = KeyAdmin::staff(&me);
    let ring = state.api_keys.clone();
    let new = NewKey {
        name,
        scopes: chosen,
        expires_in_days,
    };
    // A browser form gets the secret on the page it is sent back to: stored (sealed) in the
    // same write as the key, so any instance can show it.
    let reveal_to = wants_html().then(|| support::Maker::of(&me));
    let (issued, shown) = state
        .core
        .commit_use_case(move |conn| {
            Box::pin(async move {
                let now = now_ms();
                let issued = keys::issue(conn, &admin, &ring, &new, now).await?;
                let shown = match &reveal_to {
                    Some(maker) => Some(support::stash(conn, &ring, maker, &issued, false, now).await?),
                    None => None,
                };
                Ok(((issued, shown), Effects::default()))
            })
        })
        .await
        .map_err(internal)?
        .map_err(support::refused)?;
    Ok(support::answer(issued, shown))
}

/// Gives a key a new secret. The earlier secret keeps working for `grace_hours` (empty: 24;
/// 0: it stops at once; at most 720, never past the key's expiry). Refused for a revoked
/// or expired key (409), and for a key holding a scope the caller's role could not give
/// (403). Another org's key answers 404.
#[server(prefix = "/rpc", endpoint = "api_keys/rotate")]
pub async fn rotate_api_key(key_id: ApiKeyId, grace_hours: Option<String>) -> Result<IssuedKeyView, AppError> {
    use crate::{
        domain::{api_key, permission::Action},
        ssr::{
            clock::now_ms,
            context::{internal, require_staff, wants_html},
            live::Effects,
            services::api_keys::{self as keys, KeyAdmin},
            state::AppState,
        },
    };
    let state = expect_context::<AppState>();
    let me = require_staff(Action::ManageApiKeys).await?;
    let grace_hours =
        api_key::parse_grace_hours(grace_hours.as_deref().unwrap_or_default()).map_err(|e| support::invalid(&[e]))?;
    let admin = KeyAdmin::staff(&me);
    let ring = state.api_keys.clone();
    let id = key_id.clone();
    let reveal_to = wants_html().then(|| support::Maker::of(&me));
    let (issued, shown) = state
        .core
        .commit_use_case(move |conn| {
            Box::pin(async move {
                let now = now_ms();
                let issued = keys::rotate(conn, &admin, &ring, &id, grace_hours, now).await?;
                let shown = match &reveal_to {
                    Some(maker) => Some(support::stash(conn, &ring, maker, &issued, true, now).await?),
                    None => None,
                };
                Ok(((issued, shown), Effects::default()))
            })
        })
        .await
        .map_err(internal)?
        .map_err(support::refused)?;
    // Committed: this instance's key check reads the new state from the next request on.
    state.api_keys.forget(key_id.as_str());
    Ok(support::answer(issued, shown))
}

/// Revokes a key: every request with it is refused (401) from now on, on this server at
/// once. Another org's key answers 404; a revoked one 409.
#[server(prefix = "/rpc", endpoint = "api_keys/revoke")]
pub async fn revoke_api_key(key_id: ApiKeyId) -> Result<(), AppError> {
    use crate::ssr::{
        clock::now_ms,
        context::{internal, require_staff},
        live::Effects,
        services::api_keys::{self as keys, KeyAdmin},
        state::AppState,
    };
    let state = expect_context::<AppState>();
    let me = require_staff(crate::domain::permission::Action::ManageApiKeys).await?;
    let admin = KeyAdmin::staff(&me);
    let id = key_id.clone();
    state
        .core
        .commit_use_case(move |conn| {
            Box::pin(async move {
                let name = keys::revoke(conn, &admin, &id, now_ms()).await?;
                Ok((name, Effects::default()))
            })
        })
        .await
        .map_err(internal)?
        .map_err(support::refused)?;
    state.api_keys.forget(key_id.as_str());
    leptos_axum::redirect("/app/api-keys?revoked=1");
    Ok(())
}

/// The new secret held for this member's page view after a creation or rotation (`shown`
/// is the token the redirect named), handed out once, by whichever instance answers:
/// `None` ever after, and for anyone else.
#[server(prefix = "/rpc", endpoint = "api_keys/reveal")]
pub async fn reveal_api_key(shown: String) -> Result<Option<RevealedKeyView>, AppError> {
    use crate::{
        domain::permission::Action,
        ssr::{
            context::{fail, require_staff},
            state::AppState,
        },
    };
    let state = expect_context::<AppState>();
    let me = require_staff(Action::ManageApiKeys).await?;
    let take = move || support::take(state, me.user_id.clone(), me.org().to_owned(), shown);
    // Rendering a page may run its async blocks more than once (in-order streaming polls
    // a <Suspense> again once its resources are ready); the one view the secret is owed is
    // the page request, so a request takes it from the database once and answers every
    // call with that take.
    let taken = match use_context::<RevealCache>() {
        Some(cache) => cache.0.get_or_init(take).clone().await,
        None => take().await,
    };
    // the take ran on a task of its own: the response's status is set here
    taken.map_err(fail)
}

/// One page request's take of [`reveal_api_key`] (provided per request by the server):
/// started by the first call, awaited by every call.
#[cfg(feature = "ssr")]
#[derive(Clone, Default)]
pub struct RevealCache(std::sync::Arc<std::sync::OnceLock<support::RevealTake>>);

#[cfg(feature = "ssr")]
mod support {
    use futures::{
        future::{BoxFuture, Shared},
        FutureExt as _,
    };
    use secrecy::ExposeSecret;

    use crate::{
        domain::{api_key::ApiKeyFormError, OrgTimezone},
        error::AppError,
        models::api_keys::{IssuedKeyView, RevealedKeyView},
        ssr::{
            actor::StaffActor,
            clock::now_ms,
            context::{fail, fail_fields, internal},
            db::{orgs, Conn},
            services::api_keys::{self as keys, local_label, ApiKeysError, IssuedKey, Keyring, Reveal},
            state::AppState,
        },
    };

    /// A request's take of a reveal, shared by every call that awaits it.
    pub type RevealTake = Shared<BoxFuture<'static, Result<Option<RevealedKeyView>, AppError>>>;

    /// The member a new secret is shown to.
    pub struct Maker {
        user_id: String,
        org_id: String,
    }

    impl Maker {
        pub fn of(me: &StaffActor) -> Self {
            Self {
                user_id: me.user_id.clone(),
                org_id: me.org().to_owned(),
            }
        }
    }

    /// Stores `issued`'s secret, sealed, for `maker`'s one page view (inside the write that
    /// made it); answers the token the redirect names.
    pub async fn stash(
        conn: &mut Conn,
        ring: &Keyring,
        maker: &Maker,
        issued: &IssuedKey,
        rotated: bool,
        now: i64,
    ) -> Result<String, sqlx::Error> {
        let reveal = Reveal {
            user_id: maker.user_id.clone(),
            org_id: maker.org_id.clone(),
            key_id: issued.id.as_str().to_owned(),
            name: issued.name.clone(),
            prefix: issued.prefix.clone(),
            token: issued.token.clone(),
            rotated,
            previous_until: issued.previous_until,
        };
        keys::stash_reveal(conn, ring, &reveal, now).await
    }

    /// Takes the reveal `shown` of `user_id` in `org_id` on a task of its own, so a render
    /// that drops the call part-way cannot lose a secret the database has handed over: the
    /// answer waits in the returned future for the request's next call.
    pub fn take(state: AppState, user_id: String, org_id: String, shown: String) -> RevealTake {
        let task = tokio::spawn(take_reveal(state, user_id, org_id, shown));
        async move { task.await.unwrap_or_else(|e| Err(fault(e))) }
            .boxed()
            .shared()
    }

    /// A failure on the take's own task (no request context there): logged, and answered
    /// as an internal error.
    fn fault(err: impl std::fmt::Display) -> AppError {
        tracing::error!(error.message = %err, "taking a new API key's reveal failed");
        AppError::Internal
    }

    async fn take_reveal(
        state: AppState,
        user_id: String,
        org_id: String,
        shown: String,
    ) -> Result<Option<RevealedKeyView>, AppError> {
        // Before the take: a failure here uses nothing up.
        let tz = {
            let mut conn = state.db.acquire().await.map_err(fault)?;
            OrgTimezone::parse_or_utc(&orgs::get_timezone(&mut conn, &org_id).await.map_err(fault)?)
        };
        let taken = keys::take_reveal(&state.core, &state.api_keys, &shown, &org_id, &user_id, now_ms())
            .await
            .map_err(fault)?;
        let Some(reveal) = taken else {
            return Ok(None);
        };
        let previous_until_label = reveal.previous_until.map(|until| local_label(until, tz));
        Ok(Some(RevealedKeyView {
            id: reveal.key_id,
            name: reveal.name,
            prefix: reveal.prefix,
            secret: reveal.token.expose_secret().to_owned(),
            rotated: reveal.rotated,
            previous_until_label,
        }))
    }

    /// A form refused over `errors` (422 naming the first wrong field, with every wrong
    /// field's message; a form posted without JavaScript goes back naming each).
    pub fn invalid(errors: &[ApiKeyFormError]) -> AppError {
        let mut fields: Vec<&str> = errors.iter().map(ApiKeyFormError::field).collect();
        fields.dedup();
        let message = errors.iter().map(ToString::to_string).collect::<Vec<_>>().join(" ");
        let first = fields.first().copied().unwrap_or("form");
        fail_fields(AppError::validation(first, message), &fields)
    }

    /// The use-case's refusal as the response.
    pub fn refused(e: ApiKeysError) -> AppError {
        match e {
            ApiKeysError::NotFound => fail(AppError::NotFound),
            // a scope the caller's role could not use is a permission refusal
            ApiKeysError::Forbidden | ApiKeysError::ScopeNotAllowed(_) => fail(AppError::Forbidden),
            ApiKeysError::Invalid(e) => invalid(&[e]),
            ApiKeysError::NameTaken(_) => fail_fields(AppError::validation("name", e.to_string()), &["name"]),
            ApiKeysError::Refused(message) => fail(AppError::Conflict(message.to_owned())),
            ApiKeysError::Db(err) => internal(err),
        }
    }

    /// A new secret handed to whoever asked: a browser form is sent back to the page, which
    /// shows it once (`shown` names its stored reveal); any other caller gets it here.
    pub fn answer(issued: IssuedKey, shown: Option<String>) -> IssuedKeyView {
        let mut view = IssuedKeyView {
            id: issued.id.as_str().to_owned(),
            name: issued.name.clone(),
            prefix: issued.prefix.clone(),
            scopes: issued.scopes.iter().map(|s| s.as_str().to_owned()).collect(),
            expires_at: issued.expires_at,
            previous_until: issued.previous_until,
            secret: None,
        };
        match shown {
            Some(shown) => leptos_axum::redirect(&format!("/app/api-keys?shown={shown}#new-key")),
            None => view.secret = Some(issued.token.expose_secret().to_owned()),
        }
        view
    }
}
