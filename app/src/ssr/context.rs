//! Helpers for server functions: the Leptos/HTTP glue between a request and the store.
//! `require(Action::…)?` starts every staff server function; [`fail`] and [`internal`]
//! set the response status (or, for a form posted without JavaScript, the redirect back)
//! that matches an [`AppError`]. Use-cases and principals never see any of this: they
//! answer with their own errors, mapped here.

use leptos::prelude::{expect_context, use_context};
use leptos_axum::ResponseOptions;

use crate::{
    domain::permission::Action,
    error::AppError,
    ssr::{
        actor::{RequestMeta, StaffActor},
        auth::{
            principal::{self, Principal, PrincipalError, SIGNED_IN_AT_KEY},
            AuthSession, SessionUser,
        },
        clock::now_ms,
        db::Db,
        services::{inbox::InboxError, settings::SettingsError, team::TeamError},
        state::AppState,
    },
};

/// Sets the HTTP status that matches the error and returns it, so `?` reads naturally.
pub fn fail(err: AppError) -> AppError {
    fail_fields(err, &[])
}

/// [`fail`] for a form refused over several fields: a form posted without JavaScript goes
/// back with them too (`&form_field=timezone,hours_mon`), so its page can point at each.
/// Only field names (lowercase letters and `_`) travel, never free text.
pub fn fail_fields(err: AppError, fields: &[&str]) -> AppError {
    fail_keeping(err, fields, &[])
}

/// [`fail_fields`] that also sends back what was typed into the fields in `keep`, so a form
/// posted without JavaScript comes back filled in (never pass a secret: the values travel
/// in the URL). Each value is cut to [`KEPT_VALUE_MAX`] characters and percent-encoded.
pub fn fail_keeping(err: AppError, fields: &[&str], keep: &[(&str, &str)]) -> AppError {
    // A form posted without JavaScript goes back to its page with an error code the page
    // shows, and the form it was posted to (`form_for`), instead of a bare error body.
    if let Some(back) = plain_form_referer() {
        // the values typed last time are replaced by this time's
        let kept_keys: Vec<&str> = keep.iter().map(|(k, _)| *k).collect();
        let back = crate::domain::form_return::without_params(&back, &kept_keys);
        leptos_axum::redirect(&refused_location(
            &back,
            &err,
            fields,
            posted_endpoint().as_deref(),
            keep,
        ));
        return err;
    }
    if let Some(resp) = use_context::<ResponseOptions>() {
        if let Ok(code) = axum::http::StatusCode::from_u16(err.status()) {
            resp.set_status(code);
        }
    }
    err
}

/// The longest typed value a refused form gets back through the URL.
pub const KEPT_VALUE_MAX: usize = 200;

/// Where a refused plain form post goes: its page (`back`) with the error code, the fields
/// to point at, the endpoint it was posted to (`form_for`, so the page shows the error by
/// that form) and the typed values to put back.
fn refused_location(
    back: &str,
    err: &AppError,
    fields: &[&str],
    endpoint: Option<&str>,
    keep: &[(&str, &str)],
) -> String {
    use crate::domain::redirect::encode_path;
    let mut to = String::from(back);
    to.push(if back.contains('?') { '&' } else { '?' });
    to.push_str("form_error=");
    to.push_str(err.code());
    let named: Vec<&str> = fields
        .iter()
        .copied()
        .filter(|f| !f.is_empty() && f.len() <= 40 && f.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'))
        .collect();
    if !named.is_empty() {
        to.push_str("&form_field=");
        to.push_str(&named.join(","));
    }
    if let Some(endpoint) = endpoint {
        to.push_str("&form_for=");
        to.push_str(endpoint);
    }
    for (key, value) in keep {
        let value: String = value.trim().chars().take(KEPT_VALUE_MAX).collect();
        if !value.is_empty() {
            to.push('&');
            to.push_str(&encode_path(key));
            to.push('=');
            to.push_str(&encode_path(&value));
        }
    }
    to
}

/// The server-function endpoint this request was posted to (`team/add` for
/// `/rpc/team/add`), when it is a plain one (see `domain::form_return::endpoint_of`).
fn posted_endpoint() -> Option<String> {
    let parts = use_context::<axum::http::request::Parts>()?;
    crate::domain::form_return::endpoint_of(parts.uri.path()).map(str::to_owned)
}

/// Whether the request was sent by a browser itself (a form posted without JavaScript),
/// which wants a page back rather than the server function's typed answer.
pub fn wants_html() -> bool {
    use_context::<axum::http::request::Parts>().is_some_and(|p| accepts_html(&p))
}

fn accepts_html(parts: &axum::http::request::Parts) -> bool {
    parts
        .headers
        .get(axum::http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/html"))
}

/// For a browser form post to a server function (no JavaScript): the same-site path of
/// the page it came from, without an earlier `form_error`, `form_field` or `form_for`.
fn plain_form_referer() -> Option<String> {
    let parts = use_context::<axum::http::request::Parts>()?;
    if parts.method != axum::http::Method::POST || !parts.uri.path().starts_with("/rpc/") || !accepts_html(&parts) {
        return None;
    }
    let referer = parts.headers.get(axum::http::header::REFERER)?.to_str().ok()?;
    // Only the path and query of our own pages: never redirect off-site.
    let after_scheme = referer.split_once("://").map_or(referer, |(_, rest)| rest);
    let path = &after_scheme[after_scheme.find('/')?..];
    let path = crate::domain::redirect::safe_next(Some(path));
    let clean: Vec<&str> = match path.as_str().split_once('?') {
        Some((p, q)) => std::iter::once(p)
            .chain(q.split('&').filter(|kv| {
                !crate::domain::form_return::FORM_PARAMS
                    .iter()
                    .any(|p| kv.split('=').next() == Some(*p))
            }))
            .collect(),
        None => vec![path.as_str()],
    };
    let (base, rest) = clean.split_first()?;
    Some(if rest.is_empty() {
        (*base).to_owned()
    } else {
        format!("{base}?{}", rest.join("&"))
    })
}

/// After a form posted without JavaScript succeeded: back to the page it came from with
/// `form_done=<form>` (its endpoint after `/rpc/`, e.g. `leads/reply`) and without an
/// earlier refusal's `form_*` parameters, so the page can say it worked ("Sent ✓"). A
/// script's call is left alone: it shows its own result (and a redirect would reload it).
pub fn redirect_done(form: &str) {
    let Some(back) = plain_form_referer() else {
        return;
    };
    let (base, query) = back.split_once('?').unwrap_or((back.as_str(), ""));
    let kept: Vec<&str> = query
        .split('&')
        .filter(|kv| !kv.is_empty() && !kv.starts_with("form_"))
        .collect();
    let mut to = format!("{base}?");
    for kv in kept {
        to.push_str(kv);
        to.push('&');
    }
    to.push_str("form_done=");
    to.push_str(form);
    leptos_axum::redirect(&to);
}

/// Logs an infrastructure error once and returns the opaque `Internal`.
pub fn internal(err: impl std::fmt::Display) -> AppError {
    tracing::error!(error.message = %err, "server function failed");
    fail(AppError::Internal)
}

pub fn db() -> Db {
    expect_context::<AppState>().db
}

pub async fn auth_session() -> Result<AuthSession, AppError> {
    leptos_axum::extract::<AuthSession>().await.map_err(internal)
}

/// The signed-in user, enforcing the absolute session lifetime on top of idle expiry. An
/// expired session is ended here.
pub async fn require_signed_in() -> Result<(AuthSession, SessionUser), AppError> {
    // Read context before the first await: during SSR a page's owner may be replaced while
    // this future is in flight.
    let state = expect_context::<AppState>();
    let mut auth = auth_session().await?;
    let Some(user) = auth.user.clone() else {
        return Err(fail(AppError::Unauthorized));
    };
    if principal::session_expired(&auth, state.session_absolute_ms).await? {
        let _ = auth.logout().await;
        return Err(fail(AppError::Unauthorized));
    }
    Ok((auth, user))
}

/// Who the request is, resolved once per request: rendering the inbox calls several
/// server functions, and each would otherwise reload the session's memberships.
#[derive(Clone, Default)]
pub struct PrincipalCache(std::sync::Arc<tokio::sync::OnceCell<Principal>>);

/// The principal in the session's current org, if its role allows `action`.
pub async fn require(action: Action) -> Result<Principal, AppError> {
    let cache = use_context::<PrincipalCache>();
    if let Some(p) = cache.as_ref().and_then(|c| c.0.get()) {
        return Ok(p.clone().allowed(action)?);
    }
    let db = db();
    let (auth, user) = require_signed_in().await?;
    let p = principal::resolve(&db, &auth, user).await?;
    if let Some(c) = cache {
        let _ = c.0.set(p.clone());
    }
    Ok(p.allowed(action)?)
}

/// A staff member whose role allows `action`, as the actor of a use-case (with this
/// request's address and id for its audit records).
pub async fn require_staff(action: Action) -> Result<StaffActor, AppError> {
    let p = require(action).await?;
    Ok(p.staff(request_meta())?)
}

/// The request's client IP and request id, for audit records. The id is the one the
/// request-id layer settled on (a client's own only when short and plain, see
/// `domain::request_id`); anything else is never recorded.
pub fn request_meta() -> RequestMeta {
    let parts = use_context::<axum::http::request::Parts>();
    let ip = parts
        .as_ref()
        .and_then(|p| p.extensions.get::<crate::ssr::state::ClientAddr>())
        .map(|c| c.0.to_string());
    let request_id = parts.as_ref().and_then(|p| {
        p.extensions
            .get::<tower_http::request_id::RequestId>()
            .map(tower_http::request_id::RequestId::header_value)
            .or_else(|| p.headers.get("x-request-id"))
            .and_then(|v| v.to_str().ok())
            .filter(|id| crate::domain::request_id::is_acceptable(id))
            .map(str::to_owned)
    });
    RequestMeta { ip, request_id }
}

/// Signs `user` into this request's session and starts the absolute lifetime clock. The
/// session id is always a fresh one: axum-login only cycles it when nobody is signed in,
/// so signing in over an existing session would otherwise keep an id someone may have
/// planted or seen (session fixation). The earlier session's data goes with it.
pub async fn start_session(user: &SessionUser) -> Result<(), AppError> {
    let mut auth = auth_session().await?;
    if auth.user.is_some() {
        auth.logout().await.map_err(internal)?;
    }
    auth.session.cycle_id().await.map_err(internal)?;
    auth.login(user).await.map_err(internal)?;
    auth.session.insert(SIGNED_IN_AT_KEY, now_ms()).await.map_err(internal)
}

impl From<PrincipalError> for AppError {
    fn from(e: PrincipalError) -> Self {
        match e {
            PrincipalError::Unauthorized => fail(AppError::Unauthorized),
            PrincipalError::Forbidden => fail(AppError::Forbidden),
            PrincipalError::Db(err) => internal(err),
            PrincipalError::Session(err) => internal(err),
        }
    }
}

impl From<TeamError> for AppError {
    fn from(e: TeamError) -> Self {
        match e {
            TeamError::NotFound => fail(AppError::NotFound),
            TeamError::Forbidden => fail(AppError::Forbidden),
            TeamError::LastOwner => fail(AppError::Conflict(e.to_string())),
            TeamError::Conflict(m) => fail(AppError::Conflict(m)),
            TeamError::Invalid(field, m) => fail(AppError::validation(field, m)),
            TeamError::BadLink | TeamError::BadInvite => fail(AppError::validation("token", e.to_string())),
            TeamError::ResetElsewhere => fail(AppError::Conflict(e.to_string())),
            TeamError::TooMany(_) => fail(AppError::RateLimited),
            TeamError::SignInRequired => fail(AppError::Unauthorized),
            TeamError::WrongAccount => fail(AppError::Forbidden),
            TeamError::Db(err) => internal(err),
        }
    }
}

impl From<InboxError> for AppError {
    fn from(e: InboxError) -> Self {
        match e {
            InboxError::NotFound => fail(AppError::NotFound),
            InboxError::OptedOut | InboxError::BookingCancelled | InboxError::QuietHours => {
                fail(AppError::Conflict(e.to_string()))
            }
            InboxError::AlreadySubmitted => fail(AppError::AlreadySubmitted),
            // The field travels with a form posted without JavaScript, so the lead page can
            // say what was wrong with it (a booking in the past, a window that ends first).
            InboxError::Invalid(field, m) => fail_fields(AppError::validation(field, m), &[field]),
            InboxError::Db(err) => internal(err),
        }
    }
}

impl From<SettingsError> for AppError {
    fn from(e: SettingsError) -> Self {
        match e {
            SettingsError::NotFound => fail(AppError::NotFound),
            SettingsError::Forbidden => fail(AppError::Forbidden),
            SettingsError::Db(err) => internal(err),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::refused_location;
    use crate::error::AppError;

    #[test]
    fn a_refused_form_goes_back_with_its_code_fields_endpoint_and_kept_values() {
        assert_eq!(
            refused_location("/app/team", &AppError::Forbidden, &[], Some("team/add"), &[]),
            "/app/team?form_error=forbidden&form_for=team/add"
        );
        assert_eq!(
            refused_location(
                "/app/numbers?edit=num_1",
                &AppError::validation("label", "x"),
                &["label", "<script>", "ring_timeout_secs"],
                Some("numbers/update"),
                &[]
            ),
            "/app/numbers?edit=num_1&form_error=invalid&form_field=label,ring_timeout_secs&form_for=numbers/update"
        );
        assert_eq!(
            refused_location(
                "/setup",
                &AppError::validation("timezone", "x"),
                &["timezone"],
                Some("setup/complete"),
                &[("org_name", "Acme Heating & Air"), ("slug", ""), ("email", "owner@acme.test")]
            ),
            "/setup?form_error=invalid&form_field=timezone&form_for=setup/complete&org_name=Acme%20Heating%20%26%20Air&email=owner%40acme.test"
        );
    }
}
