//! Who is asking, in which org, with which role. Server functions start with
//! `require(Action::…)?`; nothing else grants access. Another org's ids are answered with
//! "not found" by the repositories, which always filter by the principal's org.

use leptos::prelude::{expect_context, use_context};
use leptos_axum::ResponseOptions;

use crate::{
    domain::{permission::Action, Role},
    error::AppError,
    ssr::{
        auth::{AuthSession, SessionUser},
        clock::now_ms,
        db::{memberships, Db},
        state::AppState,
    },
};

pub const ORG_KEY: &str = "callsnare.org_id";
pub const SIGNED_IN_AT_KEY: &str = "callsnare.signed_in_at";

#[derive(Debug, Clone)]
pub struct Principal {
    pub user_id: String,
    pub email: String,
    pub org_id: String,
    pub org_name: String,
    pub role: Role,
    pub orgs: Vec<memberships::MembershipRow>,
}

/// Sets the HTTP status that matches the error and returns it, so `?` reads naturally.
pub fn fail(err: AppError) -> AppError {
    // A form posted without JavaScript goes back to its page with an error code the page
    // shows, instead of a bare error body.
    if let Some(back) = plain_form_referer() {
        let sep = if back.contains('?') { '&' } else { '?' };
        leptos_axum::redirect(&format!("{back}{sep}form_error={}", err.code()));
        return err;
    }
    if let Some(resp) = use_context::<ResponseOptions>() {
        if let Ok(code) = axum::http::StatusCode::from_u16(err.status()) {
            resp.set_status(code);
        }
    }
    err
}

/// For a browser form post to a server function (no JavaScript): the same-site path of
/// the page it came from, without an earlier `form_error`.
fn plain_form_referer() -> Option<String> {
    let parts = use_context::<axum::http::request::Parts>()?;
    let accepts_html = parts
        .headers
        .get(axum::http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/html"));
    if parts.method != axum::http::Method::POST || !parts.uri.path().starts_with("/rpc/") || !accepts_html {
        return None;
    }
    let referer = parts.headers.get(axum::http::header::REFERER)?.to_str().ok()?;
    // Only the path and query of our own pages: never redirect off-site.
    let after_scheme = referer.split_once("://").map_or(referer, |(_, rest)| rest);
    let path = &after_scheme[after_scheme.find('/')?..];
    let path = crate::domain::redirect::safe_next(Some(path));
    let clean: Vec<&str> = match path.as_str().split_once('?') {
        Some((p, q)) => std::iter::once(p)
            .chain(q.split('&').filter(|kv| !kv.starts_with("form_error=")))
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

/// The signed-in user, enforcing the absolute session lifetime on top of idle expiry.
pub async fn require_signed_in() -> Result<(AuthSession, SessionUser), AppError> {
    // Read context before the first await: during SSR a page's owner may be replaced while
    // this future is in flight.
    let state = expect_context::<AppState>();
    let mut auth = auth_session().await?;
    let Some(user) = auth.user.clone() else {
        return Err(fail(AppError::Unauthorized));
    };
    if session_expired(&auth, state.session_absolute_ms).await? {
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
        return allow(p.clone(), action).map_err(fail);
    }
    let db = db();
    let (auth, user) = require_signed_in().await?;
    let p = resolve(&db, &auth, user).await.map_err(fail)?;
    if let Some(c) = cache {
        let _ = c.0.set(p.clone());
    }
    allow(p, action).map_err(fail)
}

/// The same check for plain axum routes (the live event stream), given the session.
pub async fn principal_for(
    db: &Db,
    auth: &AuthSession,
    user: SessionUser,
    action: Action,
) -> Result<Principal, AppError> {
    allow(resolve(db, auth, user).await?, action)
}

fn allow(p: Principal, action: Action) -> Result<Principal, AppError> {
    if p.role.can(action) {
        Ok(p)
    } else {
        Err(AppError::Forbidden)
    }
}

/// The session's current org (or the user's first) and the role there.
async fn resolve(db: &Db, auth: &AuthSession, user: SessionUser) -> Result<Principal, AppError> {
    let mut conn = db.acquire().await.map_err(internal)?;
    let orgs = memberships::list_for_user(&mut conn, &user.id)
        .await
        .map_err(internal)?;
    let chosen: Option<String> = auth.session.get(ORG_KEY).await.map_err(internal)?;
    let current = chosen
        .and_then(|id| orgs.iter().find(|m| m.org_id == id).cloned())
        .or_else(|| orgs.first().cloned());
    let Some(current) = current else {
        // Signed in but no longer a member of anything.
        return Err(AppError::Forbidden);
    };
    let role: Role = current.role.parse().map_err(internal)?;
    Ok(Principal {
        user_id: user.id,
        email: user.email,
        org_id: current.org_id,
        org_name: current.org_name,
        role,
        orgs,
    })
}

/// Whether the session is past its absolute lifetime.
pub async fn session_expired(auth: &AuthSession, absolute_ms: i64) -> Result<bool, AppError> {
    let signed_in_at: Option<i64> = auth.session.get(SIGNED_IN_AT_KEY).await.map_err(internal)?;
    Ok(signed_in_at.is_none_or(|t| now_ms() - t > absolute_ms))
}

/// The request's client IP and request id, for audit records. The id is the one the
/// request-id layer settled on (a client's own only when short and plain, see
/// `domain::request_id`); anything else is never recorded.
pub fn request_meta() -> (Option<String>, Option<String>) {
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
    (ip, request_id)
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
