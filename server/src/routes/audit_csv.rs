//! `GET /app/audit.csv?actor=&action=&target=&from=&to=`: the audit viewer's filtered set
//! as CSV (admins and owners, [`RequireStaff`]). The filters are the viewer's, parsed the
//! same way (422 naming the field for anything unknown or malformed, before a byte of CSV).
//!
//! Streamed: the records are read [`EXPORT_PAGE`] at a time by keyset, newest first, each
//! page on a connection taken for that page only, and written out before the next is read,
//! so an export of a million records holds one page in memory, never the whole set.
//! Records appended while it runs are newer than its first page and are not included.

use app::{
    domain::{ids::OrgId, OrgTimezone},
    error::AppError,
    ssr::{
        audit::{
            csv,
            filter::{AuditFilter, AuditFilterQuery},
            view::entry_view,
        },
        db::{audit_events, orgs, Db},
        state::AppState,
    },
};
use axum::{
    body::Body,
    extract::{Query, State},
    http::{header, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use futures::stream::{self, Stream};

use crate::extract::{can, RequireStaff};

/// Records read per page of the export.
pub const EXPORT_PAGE: i64 = 1_000;

pub async fn export(
    viewer: RequireStaff<can::ViewAudit>,
    State(state): State<AppState>,
    Query(query): Query<AuditFilterQuery>,
) -> Response {
    let Ok(org_id) = OrgId::parse(&viewer.principal.org_id) else {
        tracing::error!("the session's org id is not an org id");
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let timezone = match state.db.acquire().await {
        Ok(mut conn) => orgs::get_timezone(&mut conn, org_id.as_str()).await,
        Err(e) => Err(e),
    };
    let timezone = match timezone {
        Ok(t) => t,
        Err(e) => {
            tracing::error!(error.message = %e, "could not read the org's timezone");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let tz = OrgTimezone::parse_or_utc(&timezone);
    let filter = match query.parse(tz) {
        Ok(f) => f,
        Err(e) => {
            return (
                StatusCode::UNPROCESSABLE_ENTITY,
                Json(AppError::validation(e.field, e.message)),
            )
                .into_response()
        }
    };
    let today = chrono::Utc::now().with_timezone(&tz).format("%Y-%m-%d");
    let export = Export {
        db: state.db.clone(),
        org_id,
        filter,
        tz,
        next: Next::Header,
    };
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"callsnare-audit-{today}.csv\""),
            ),
        ],
        Body::from_stream(lines(export)),
    )
        .into_response()
}

/// What the export writes next.
enum Next {
    Header,
    /// The page after this keyset (the first page: `None`).
    Page(Option<(i64, String)>),
    Done,
}

struct Export {
    db: Db,
    org_id: OrgId,
    filter: AuditFilter,
    tz: chrono_tz::Tz,
    next: Next,
}

/// The header, then one chunk of lines per page. A store error ends the body early (the
/// client sees a truncated download, not a complete-looking file) and is logged.
fn lines(export: Export) -> impl Stream<Item = Result<String, std::io::Error>> + Send {
    stream::unfold(export, |mut ex| async move {
        match std::mem::replace(&mut ex.next, Next::Done) {
            Next::Done => None,
            Next::Header => {
                ex.next = Next::Page(None);
                Some((Ok(csv::HEADER.to_owned()), ex))
            }
            Next::Page(after) => match page(&ex, after).await {
                Ok((chunk, next)) => {
                    if chunk.is_empty() {
                        return None;
                    }
                    ex.next = next;
                    Some((Ok(chunk), ex))
                }
                Err(e) => {
                    tracing::error!(error.message = %e, "audit export stopped");
                    Some((Err(std::io::Error::other(e)), ex))
                }
            },
        }
    })
}

/// One page of records as CSV lines, and what comes after it.
async fn page(ex: &Export, after: Option<(i64, String)>) -> Result<(String, Next), sqlx::Error> {
    let rows = {
        let mut conn = ex.db.acquire().await?;
        audit_events::list(
            &mut conn,
            &ex.org_id,
            &ex.filter,
            after.as_ref().map(|(at, id)| (*at, id.as_str())),
            EXPORT_PAGE,
        )
        .await?
    };
    let next = match rows.last() {
        Some(last) if rows.len() as i64 == EXPORT_PAGE => Next::Page(Some((last.occurred_at, last.id.clone()))),
        _ => Next::Done,
    };
    let mut chunk = String::with_capacity(rows.len() * 256);
    for row in rows {
        let actor_id = row.actor_id.clone();
        chunk.push_str(&csv::line(&entry_view(row, ex.tz), actor_id.as_deref()));
    }
    Ok((chunk, next))
}
