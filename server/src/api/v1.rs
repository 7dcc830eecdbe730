//! The `/api/v1` routes. Every handler takes the same steps in the same order: the key
//! ([`ApiKeyAuth`], 401 before anything else) → its scope ([`authorize`], 403 naming the
//! scope) → the query, checked against the route's parameter table ([`query`], 422 naming
//! the parameter) → for a write, its `Idempotency-Key` ([`idempotency`]) and its JSON body,
//! checked against the route's body table ([`body`], 422 naming the field) → the store,
//! scoped by the key's org (another org's ids are not found, exactly like unknown ones) →
//! JSON, with ids as the prefixed strings the app uses and times in RFC 3339 UTC.
//!
//! The writes (`PATCH` a lead, `POST` a text, `POST` a booking) call the inbox's own
//! use-cases with the key as the actor, each in one writer job with its idempotency claim.

pub mod audit;
pub mod billing;
pub mod body;
pub mod bookings;
pub mod cursor;
pub mod evidence;
pub mod idempotency;
pub mod leads;
pub mod messages;
pub mod query;
pub mod settings;

use app::{
    domain::{ids::LeadId, scope::Scope, OrgTimezone},
    ssr::{
        db::{orgs, Conn, PooledConn},
        state::AppState,
    },
};
use axum::{
    extract::{rejection::PathRejection, Path},
    routing::{get, post},
    Router,
};
use chrono::{NaiveDate, TimeZone};

use super::{auth::ApiKeyAuth, error::ApiError, openapi};

/// The routes, relative to `/api/v1` (where [`super::router`] is nested). The OpenAPI
/// document lists the same paths; `server::api::openapi`'s tests hold it to the
/// [`app::domain::api_endpoints`] table and the integration tests call each route.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/leads", get(leads::list))
        .route("/leads/{id}", get(leads::get).patch(leads::patch))
        .route("/leads/{id}/messages", post(messages::send))
        .route("/leads/{id}/bookings", post(bookings::create))
        .route("/bookings", get(bookings::list))
        .route("/settings/routing", get(settings::routing))
        .route("/audit-events", get(audit::list))
        .route("/webhook-events", get(evidence::list))
        .route("/billing", get(billing::get))
        .route("/openapi.json", get(openapi::serve))
}

/// The query parameters a route takes, for the OpenAPI document (`path` as the document
/// writes it).
pub fn query_params(path: &str) -> &'static [query::Param] {
    match path {
        "/api/v1/leads" => leads::PARAMS,
        "/api/v1/bookings" => bookings::PARAMS,
        "/api/v1/audit-events" => audit::PARAMS,
        "/api/v1/webhook-events" => evidence::PARAMS,
        _ => &[],
    }
}

/// Checks that the key carries `scope`, and names the key and its org on the request's
/// span (declared empty by the router's trace layer).
pub fn authorize(auth: &ApiKeyAuth, scope: Scope) -> Result<(), ApiError> {
    let span = tracing::Span::current();
    span.record("api_key_id", auth.key_id.as_str());
    span.record("org_id", auth.org_id.as_str());
    auth.require(scope)
}

/// The lead id in the path. Anything that is not a lead id names no lead: the same 404 as
/// an unknown one.
pub fn lead_in_path(path: Result<Path<String>, PathRejection>) -> Result<LeadId, ApiError> {
    let Ok(Path(id)) = path else {
        return Err(ApiError::NotFound);
    };
    LeadId::parse(&id).map_err(|_| ApiError::NotFound)
}

/// Logs a store failure and answers 500 (never the failure's text).
pub fn internal(what: &str, err: impl std::fmt::Display) -> ApiError {
    tracing::error!(error.message = %err, "{}", what);
    ApiError::Internal
}

/// A pooled connection for a read.
pub async fn conn(state: &AppState) -> Result<PooledConn, ApiError> {
    state
        .db
        .acquire()
        .await
        .map_err(|e| internal("could not take a database connection", e))
}

/// The org's timezone (UTC if the stored name were ever unreadable).
pub async fn org_tz(conn: &mut Conn, org_id: &str) -> Result<chrono_tz::Tz, ApiError> {
    let name = orgs::get_timezone(conn, org_id)
        .await
        .map_err(|e| internal("could not read the org's timezone", e))?;
    Ok(OrgTimezone::parse_or_utc(&name))
}

/// Unix milliseconds as RFC 3339 UTC with milliseconds (`2026-12-06T20:30:00.000Z`).
pub fn time(ms: i64) -> String {
    app::ssr::audit::view::utc_time(ms)
}

/// A page read with one row of look-ahead: the page, and whether more rows follow.
pub fn split<T>(mut rows: Vec<T>, limit: i64) -> (Vec<T>, bool) {
    let limit = usize::try_from(limit).unwrap_or(0);
    let more = rows.len() > limit;
    rows.truncate(limit);
    (rows, more)
}

/// The `next_cursor` after a page whose last row is `(at, id)`, when more rows follow.
pub fn next_cursor(prefix: &str, more: bool, last: Option<(i64, &str)>) -> Result<Option<String>, ApiError> {
    match (more, last) {
        (true, Some((at, id))) => cursor::encode(prefix, at, id)
            .map(Some)
            .ok_or_else(|| internal("a stored id is not a prefixed id", id)),
        _ => Ok(None),
    }
}

/// The instant the local date `d` starts in `tz` (its first existing minute when a clock
/// change skips midnight).
pub fn local_midnight(d: NaiveDate, tz: chrono_tz::Tz) -> i64 {
    (0..=3)
        .filter_map(|h| d.and_hms_opt(h, 0, 0))
        .find_map(|t| tz.from_local_datetime(&t).earliest())
        .map_or_else(
            || d.and_hms_opt(0, 0, 0).map_or(0, |t| t.and_utc().timestamp_millis()),
            |t| t.timestamp_millis(),
        )
}

/// `[from, to]` local dates as `[starts, ends)` instants in `tz`; a `to` before `from` is an
/// empty range, not an error (any two dates make a valid request).
pub fn date_range(from: Option<NaiveDate>, to: Option<NaiveDate>, tz: chrono_tz::Tz) -> (Option<i64>, Option<i64>) {
    let starts = from.map(|d| local_midnight(d, tz));
    let ends = to.map(|d| match d.succ_opt() {
        Some(next) => local_midnight(next, tz),
        None => i64::MAX,
    });
    (starts, ends)
}
