//! The audit viewer (admins and owners): the trail, a page at a time, and the chain's state.

use leptos::prelude::*;

use crate::{
    error::AppError,
    models::{AuditChainView, AuditPageView},
};

/// Records per page of the viewer.
pub const AUDIT_PAGE_SIZE: i64 = 50;

/// Recomputes the current org's audit chain: intact or the first record that is not, the
/// number of records and the head hash an owner can keep elsewhere. Admins and owners.
#[server(prefix = "/rpc", endpoint = "audit/chain")]
pub async fn audit_chain() -> Result<AuditChainView, AppError> {
    use crate::{
        domain::permission::Action,
        ssr::{
            audit,
            context::{db, internal, require_staff},
        },
    };
    let db = db();
    let me = require_staff(Action::ViewAudit).await?;
    let mut conn = db.acquire().await.map_err(internal)?;
    audit::chain_view(&mut conn, &me.org_id).await.map_err(internal)
}

/// One page of the current org's audit trail, newest first. Admins and owners.
///
/// The filters arrive as the page's GET form sends them (empty = any) and are parsed here:
/// `actor` an actor kind code, `action` an action code, `target` a target id, `from`/`to`
/// dates (YYYY-MM-DD, both days included) in the org's timezone, `cursor` the previous
/// page's `next_cursor`. Anything unknown or malformed answers 422 naming the field.
#[server(prefix = "/rpc", endpoint = "audit/list")]
pub async fn list_audit_events(
    actor: Option<String>,
    action: Option<String>,
    target: Option<String>,
    from: Option<String>,
    to: Option<String>,
    cursor: Option<String>,
) -> Result<AuditPageView, AppError> {
    use crate::{
        domain::{permission::Action, OrgTimezone},
        ssr::{
            audit::{
                filter::{parse_cursor, AuditCursor, AuditFilterQuery, FilterError},
                view::entry_view,
            },
            context::{db, fail, internal, require_staff},
            db::{audit_events, orgs},
        },
    };
    let refused = |e: FilterError| fail(AppError::validation(e.field, e.message));
    let db = db();
    let me = require_staff(Action::ViewAudit).await?;
    let after = parse_cursor(cursor.as_deref()).map_err(refused)?;
    let mut conn = db.acquire().await.map_err(internal)?;
    let timezone = orgs::get_timezone(&mut conn, me.org()).await.map_err(internal)?;
    let tz = OrgTimezone::parse_or_utc(&timezone);
    let filter = AuditFilterQuery {
        actor,
        action,
        target,
        from,
        to,
    }
    .parse(tz)
    .map_err(refused)?;
    let mut rows = audit_events::list(
        &mut conn,
        &me.org_id,
        &filter,
        after.as_ref().map(|c| (c.at, c.id.as_str())),
        AUDIT_PAGE_SIZE + 1,
    )
    .await
    .map_err(internal)?;
    let next_cursor = if rows.len() as i64 > AUDIT_PAGE_SIZE {
        rows.truncate(AUDIT_PAGE_SIZE as usize);
        rows.last().map(|r| AuditCursor::encode(r.occurred_at, &r.id))
    } else {
        None
    };
    Ok(AuditPageView {
        entries: rows.into_iter().map(|r| entry_view(r, tz)).collect(),
        next_cursor,
        timezone,
    })
}
