//! What the `/api/v1` reads need beyond the inbox's and viewers' queries: leads in the order
//! a syncing client walks them (oldest change first, by `(updated_at, id)`), one lead with
//! its change time, bookings by arrival window, and the stored payloads of a page of
//! callbacks. Every query is scoped by org, so another org's ids are simply not found.
//!
//! Keysets are written `t >= x AND (t > x OR id > i)`, so the first half is a range bound on
//! the index (migration 20261206000020_api_lead_change_order) rather than a filter.

use std::collections::HashMap;

use crate::ssr::db::QueryBuilder;

use super::{inbox::NEEDS_REPLY, Conn};
use crate::domain::LeadStatus;

/// A lead as the API lists it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ApiLeadRow {
    pub id: String,
    pub caller_number: String,
    pub name: String,
    pub source: String,
    pub status: String,
    pub last_message_preview: String,
    /// The customer wrote last and nobody has answered yet (the inbox's definition).
    pub needs_reply: bool,
    pub escalated: bool,
    pub assigned_user_id: Option<String>,
    pub last_activity_at: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

/// One lead with the details only its own page shows.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ApiLeadDetailRow {
    #[sqlx(flatten)]
    pub lead: ApiLeadRow,
    pub address: String,
    pub notes: String,
}

fn lead_columns() -> String {
    format!(
        "id, caller_number, name, source, status, last_message_preview, {NEEDS_REPLY} AS needs_reply, \
         (escalated_at IS NOT NULL) AS escalated, assigned_user_id, last_activity_at, created_at, updated_at"
    )
}

/// Which leads a page lists (every part optional; all given parts must match).
#[derive(Debug, Clone, Default)]
pub struct LeadFilter<'a> {
    pub status: Option<LeadStatus>,
    /// Changed at or after this instant (ms).
    pub updated_since: Option<i64>,
    /// `Some(true)`: only leads that need a reply; `Some(false)`: only those that do not.
    pub needs_reply: Option<bool>,
    /// `(updated_at, id)` of the last lead of the previous page.
    pub after: Option<(i64, &'a str)>,
}

/// The org's leads matching `f`, oldest change first (`updated_at`, then `id`), at most `limit`.
pub async fn list_leads(
    conn: &mut Conn,
    org_id: &str,
    f: &LeadFilter<'_>,
    limit: i64,
) -> Result<Vec<ApiLeadRow>, sqlx::Error> {
    let mut b: crate::ssr::db::QueryBuilder<'_> =
        QueryBuilder::new(format!("SELECT {} FROM leads WHERE org_id = ", lead_columns()));
    b.push_bind(org_id.to_owned());
    if let Some(status) = f.status {
        b.push(" AND status = ").push_bind(status);
    }
    match f.needs_reply {
        None => {}
        Some(true) => {
            b.push(format!(" AND {NEEDS_REPLY}"));
        }
        Some(false) => {
            b.push(format!(" AND NOT {NEEDS_REPLY}"));
        }
    }
    if let Some(since) = f.updated_since {
        b.push(" AND updated_at >= ").push_bind(since);
    }
    if let Some((at, id)) = f.after {
        b.push(" AND updated_at >= ")
            .push_bind(at)
            .push(" AND (updated_at > ")
            .push_bind(at)
            .push(" OR id > ")
            .push_bind(id.to_owned())
            .push(")");
    }
    b.push(" ORDER BY updated_at, id LIMIT ").push_bind(limit);
    b.build_query_as().fetch_all(conn).await
}

/// One lead of the org; `None` for an unknown id or another org's.
pub async fn get_lead(conn: &mut Conn, org_id: &str, lead_id: &str) -> Result<Option<ApiLeadDetailRow>, sqlx::Error> {
    crate::ssr::db::query_as(&format!(
        "SELECT {}, address, notes FROM leads WHERE org_id = $1 AND id = $2",
        lead_columns()
    ))
    .bind(org_id)
    .bind(lead_id)
    .fetch_optional(conn)
    .await
}

/// A booked job as the API lists it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ApiBookingRow {
    pub id: String,
    pub lead_id: String,
    pub window_start: i64,
    pub window_end: i64,
    pub job_type: String,
    pub address: String,
    pub notes: String,
    pub job_value_cents: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// One booking of the org as the API shows it; `None` for an unknown id or another org's.
pub async fn get_booking(
    conn: &mut Conn,
    org_id: &str,
    booking_id: &str,
) -> Result<Option<ApiBookingRow>, sqlx::Error> {
    crate::ssr::db::query_as(
        "SELECT id, lead_id, window_start, window_end, job_type, address, notes, job_value_cents, created_at, updated_at \
         FROM bookings WHERE org_id = $1 AND id = $2",
    )
    .bind(org_id)
    .bind(booking_id)
    .fetch_optional(conn)
    .await
}

/// Which bookings a page lists.
#[derive(Debug, Clone, Default)]
pub struct BookingFilter<'a> {
    /// Arrival windows starting at or after this instant (ms).
    pub starts_from: Option<i64>,
    /// Arrival windows starting before this instant (ms).
    pub starts_before: Option<i64>,
    /// `(window_start, id)` of the last booking of the previous page.
    pub after: Option<(i64, &'a str)>,
}

/// The org's bookings matching `f`, earliest arrival window first, at most `limit`.
pub async fn list_bookings(
    conn: &mut Conn,
    org_id: &str,
    f: &BookingFilter<'_>,
    limit: i64,
) -> Result<Vec<ApiBookingRow>, sqlx::Error> {
    let mut b: crate::ssr::db::QueryBuilder<'_> = QueryBuilder::new(
        "SELECT id, lead_id, window_start, window_end, job_type, address, notes, job_value_cents, created_at, updated_at \
         FROM bookings WHERE org_id = ",
    );
    b.push_bind(org_id.to_owned());
    if let Some(from) = f.starts_from {
        b.push(" AND window_start >= ").push_bind(from);
    }
    if let Some(before) = f.starts_before {
        b.push(" AND window_start < ").push_bind(before);
    }
    if let Some((at, id)) = f.after {
        b.push(" AND window_start >= ")
            .push_bind(at)
            .push(" AND (window_start > ")
            .push_bind(at)
            .push(" OR id > ")
            .push_bind(id.to_owned())
            .push(")");
    }
    b.push(" ORDER BY window_start, id LIMIT ").push_bind(limit);
    b.build_query_as().fetch_all(conn).await
}

/// The kept headers (JSON object text) and payload of each of these stored callbacks of the
/// org, by id. Headers are returned for the content type only: callers must never pass
/// them on (they include the provider's signature).
pub async fn webhook_payloads(
    conn: &mut Conn,
    org_id: &str,
    ids: &[&str],
) -> Result<HashMap<String, (String, String)>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let mut b: crate::ssr::db::QueryBuilder<'_> =
        QueryBuilder::new("SELECT id, headers, payload FROM webhook_events WHERE org_id = ");
    b.push_bind(org_id.to_owned()).push(" AND id IN (");
    let mut list = b.separated(", ");
    for id in ids {
        list.push_bind((*id).to_owned());
    }
    list.push_unseparated(")");
    let rows: Vec<(String, String, String)> = b.build_query_as().fetch_all(conn).await?;
    Ok(rows
        .into_iter()
        .map(|(id, headers, payload)| (id, (headers, payload)))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        domain::{ids::OrgId, E164Phone, LeadSource, OrgSlug, OrgTimezone},
        ssr::db::{self, leads, orgs},
    };

    async fn org_with_leads(n: i64) -> (tempfile::TempDir, db::Db, OrgId, OrgId) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("r.db").display());
        let db = db::connect_and_migrate(&url).await.unwrap();
        let mut conn = db.acquire().await.unwrap();
        let mut ids = Vec::new();
        for slug in ["acme", "globex"] {
            let org = OrgId::new();
            orgs::insert(
                &mut conn,
                &org,
                &OrgSlug::parse(slug).unwrap(),
                slug,
                &OrgTimezone::parse("America/Chicago").unwrap(),
                0,
            )
            .await
            .unwrap();
            ids.push(org);
        }
        for i in 0..n {
            let caller = E164Phone::parse(&format!("+1415555{:04}", i)).unwrap();
            // pairs of leads share an update time, so the id breaks the tie
            let at = 1_700_000_000_000 + (i / 2) * 1_000;
            for org in &ids {
                leads::open_for_caller(&mut conn, org.as_str(), &caller, LeadSource::MissedCall, None, None, at)
                    .await
                    .unwrap();
            }
        }
        drop(conn);
        let acme = ids.remove(0);
        let globex = ids.remove(0);
        (dir, db, acme, globex)
    }

    #[tokio::test]
    async fn pages_walk_every_lead_of_the_org_once_in_change_order() {
        let (_dir, db, acme, globex) = org_with_leads(7).await;
        let mut conn = db.acquire().await.unwrap();
        let mut seen: Vec<ApiLeadRow> = Vec::new();
        let mut after: Option<(i64, String)> = None;
        loop {
            let f = LeadFilter {
                after: after.as_ref().map(|(at, id)| (*at, id.as_str())),
                ..Default::default()
            };
            let page = list_leads(&mut conn, acme.as_str(), &f, 3).await.unwrap();
            if page.is_empty() {
                break;
            }
            after = page.last().map(|l| (l.updated_at, l.id.clone()));
            seen.extend(page);
        }
        assert_eq!(seen.len(), 7);
        let mut keys: Vec<(i64, String)> = seen.iter().map(|l| (l.updated_at, l.id.clone())).collect();
        let walked = keys.clone();
        keys.sort();
        keys.dedup();
        assert_eq!(walked, keys, "in (updated_at, id) order, each once");
        let other: Vec<String> = list_leads(&mut conn, globex.as_str(), &LeadFilter::default(), 100)
            .await
            .unwrap()
            .into_iter()
            .map(|l| l.id)
            .collect();
        assert!(seen.iter().all(|l| !other.contains(&l.id)), "no lead of the other org");
        assert!(get_lead(&mut conn, globex.as_str(), &seen[0].id)
            .await
            .unwrap()
            .is_none());
        assert!(get_lead(&mut conn, acme.as_str(), &seen[0].id).await.unwrap().is_some());
        let since = list_leads(
            &mut conn,
            acme.as_str(),
            &LeadFilter {
                updated_since: Some(1_700_000_002_000),
                ..Default::default()
            },
            100,
        )
        .await
        .unwrap();
        assert_eq!(since.len(), 3, "updates at +2 s (two leads) and +3 s (one)");
        let needing = LeadFilter {
            needs_reply: Some(true),
            ..Default::default()
        };
        assert!(list_leads(&mut conn, acme.as_str(), &needing, 100)
            .await
            .unwrap()
            .is_empty());
    }
}
