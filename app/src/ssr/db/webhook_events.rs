//! Provider callback evidence. One row per distinct delivery key; retries bump a counter and
//! get the stored answer back.

use std::collections::HashMap;

use crate::ssr::db::QueryBuilder;

use super::pipeline::Stmt;
use super::Conn;
use crate::domain::{
    ids::{OrgId, WebhookEventId},
    E164Phone,
};

pub struct NewEvidence {
    pub id: WebhookEventId,
    pub provider: &'static str,
    pub route: &'static str,
    pub idempotency_key: String,
    pub signature_verdict: &'static str,
    /// JSON object of the headers that matter (never credentials)
    pub headers: String,
    pub payload: String,
    pub received_at: i64,
}

/// Inserts the evidence row. `None` means it is new and the caller should apply it;
/// `Some(response)` means this key was seen before: the stored answer is returned and the
/// duplicate counted. The unique key decides, so two identical deliveries at the same
/// instant cannot both be new.
pub async fn claim(conn: &mut Conn, ev: &NewEvidence) -> Result<Option<String>, sqlx::Error> {
    let inserted = crate::ssr::db::query(
        "INSERT INTO webhook_events (id, provider, route, idempotency_key, signature_verdict, headers, payload, received_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (provider, idempotency_key) DO NOTHING",
    )
    .bind(ev.id.as_str())
    .bind(ev.provider)
    .bind(ev.route)
    .bind(&ev.idempotency_key)
    .bind(ev.signature_verdict)
    .bind(&ev.headers)
    .bind(&ev.payload)
    .bind(ev.received_at)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if inserted == 1 {
        return Ok(None);
    }
    let response: Option<String> = crate::ssr::db::query_scalar(
        "UPDATE webhook_events SET duplicate_count = duplicate_count + 1 \
         WHERE provider = $1 AND idempotency_key = $2 RETURNING response",
    )
    .bind(ev.provider)
    .bind(&ev.idempotency_key)
    .fetch_optional(conn)
    .await?;
    Ok(Some(response.unwrap_or_default()))
}

/// Records what the callback did and the answer given, for replay to its retries.
pub fn finish(id: &WebhookEventId, org_id: Option<&str>, outcome: &str, response: &str) -> Stmt {
    Stmt::new("UPDATE webhook_events SET org_id = $2, outcome = $3, response = $4 WHERE id = $1")
        .bind(id.as_str())
        .bind(org_id)
        .bind(outcome)
        .bind(response)
}

/// A stored callback as the evidence viewer lists it (no payload or headers).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EvidenceSummaryRow {
    pub id: String,
    pub provider: String,
    pub route: String,
    pub idempotency_key: String,
    pub signature_verdict: String,
    pub outcome: String,
    pub duplicate_count: i64,
    pub received_at: i64,
    /// When the retention job blanked the payload and headers.
    pub pruned_at: Option<i64>,
}

/// A stored callback in full.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EvidenceRow {
    #[sqlx(flatten)]
    pub summary: EvidenceSummaryRow,
    /// JSON object of the kept headers.
    pub headers: String,
    pub payload: String,
    /// The answer given (and replayed to retries).
    pub response: String,
}

const SUMMARY_COLUMNS: &str =
    "id, provider, route, idempotency_key, signature_verdict, outcome, duplicate_count, received_at, pruned_at";

/// What the evidence list is narrowed to (all parsed already; `None` is "any").
#[derive(Debug, Clone, Default)]
pub struct EvidenceFilter {
    pub route: Option<&'static str>,
    pub verdict: Option<&'static str>,
    /// Part of the outcome text.
    pub outcome_contains: Option<String>,
    /// Received at or after (ms).
    pub received_from: Option<i64>,
    /// Received before (ms).
    pub received_until: Option<i64>,
    /// A number in the payload's fields (From, To, Caller, Called, …).
    pub phone: Option<E164Phone>,
    /// The call's or text's provider id (letters and digits only: checked by the caller).
    pub sid: Option<String>,
    /// Older than this `(received_at, id)`: the cursor of the previous page.
    pub before: Option<(i64, String)>,
}

/// `text` as a LIKE pattern matching it anywhere (wildcards in it are literal; `\` escapes).
pub(crate) fn like_contains(text: &str) -> String {
    let escaped = text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    format!("%{escaped}%")
}

/// The org's stored callbacks matching `f`, newest first, at most `limit`. The phone filter
/// reads the stored form payload (`From=%2B1…`), so blanked payloads no longer match it.
pub async fn list_for_org(
    conn: &mut Conn,
    org_id: &OrgId,
    f: &EvidenceFilter,
    limit: i64,
) -> Result<Vec<EvidenceSummaryRow>, sqlx::Error> {
    let mut q: crate::ssr::db::QueryBuilder<'_> =
        QueryBuilder::new(format!("SELECT {SUMMARY_COLUMNS} FROM webhook_events WHERE org_id = "));
    q.push_bind(org_id.as_str());
    if let Some(route) = f.route {
        q.push(" AND route = ").push_bind(route);
    }
    if let Some(verdict) = f.verdict {
        q.push(" AND signature_verdict = ").push_bind(verdict);
    }
    if let Some(text) = &f.outcome_contains {
        // LOWER on both sides: SQLite's LIKE ignores ASCII case, PostgreSQL's does not.
        q.push(" AND LOWER(outcome) LIKE LOWER(")
            .push_bind(like_contains(text))
            .push(") ESCAPE '\\'");
    }
    if let Some(from) = f.received_from {
        q.push(" AND received_at >= ").push_bind(from);
    }
    if let Some(until) = f.received_until {
        q.push(" AND received_at < ").push_bind(until);
    }
    if let Some(phone) = &f.phone {
        // A form field's whole value: `=%2B<digits>` followed by `&` or the end.
        let digits = phone.as_str().trim_start_matches('+');
        q.push(" AND (payload LIKE ")
            .push_bind(format!("%=\\%2B{digits}&%"))
            .push(" ESCAPE '\\' OR payload LIKE ")
            .push_bind(format!("%=\\%2B{digits}"))
            .push(" ESCAPE '\\')");
    }
    if let Some(sid) = &f.sid {
        q.push(" AND (idempotency_key LIKE ")
            .push_bind(format!("%:{sid}"))
            .push(" OR idempotency_key LIKE ")
            .push_bind(format!("%:{sid}:%"))
            .push(")");
    }
    if let Some((at, id)) = &f.before {
        q.push(" AND (received_at < ")
            .push_bind(*at)
            .push(" OR (received_at = ")
            .push_bind(*at)
            .push(" AND id < ")
            .push_bind(id.as_str())
            .push("))");
    }
    q.push(" ORDER BY received_at DESC, id DESC LIMIT ").push_bind(limit);
    q.build_query_as().fetch_all(conn).await
}

/// One stored callback of the org; `None` for an unknown id or another org's.
pub async fn get(conn: &mut Conn, org_id: &OrgId, id: &WebhookEventId) -> Result<Option<EvidenceRow>, sqlx::Error> {
    crate::ssr::db::query_as(&format!(
        "SELECT {SUMMARY_COLUMNS}, headers, payload, response FROM webhook_events WHERE org_id = $1 AND id = $2"
    ))
    .bind(org_id.as_str())
    .bind(id.as_str())
    .fetch_optional(conn)
    .await
}

/// The lead of each of these calls or texts (by CallSid or MessageSid) in the org, for
/// those that have one.
pub async fn leads_by_sid(
    conn: &mut Conn,
    org_id: &OrgId,
    sids: &[&str],
) -> Result<HashMap<String, String>, sqlx::Error> {
    if sids.is_empty() {
        return Ok(HashMap::new());
    }
    let mut q: crate::ssr::db::QueryBuilder<'_> =
        QueryBuilder::new("SELECT call_sid AS sid, lead_id FROM calls WHERE org_id = ");
    q.push_bind(org_id.as_str())
        .push(" AND lead_id IS NOT NULL AND call_sid IN (");
    let mut list = q.separated(", ");
    for sid in sids {
        list.push_bind(*sid);
    }
    list.push_unseparated(")");
    q.push(" UNION ALL SELECT provider_sid AS sid, lead_id FROM messages WHERE org_id = ")
        .push_bind(org_id.as_str())
        .push(" AND provider_sid IN (");
    let mut list = q.separated(", ");
    for sid in sids {
        list.push_bind(*sid);
    }
    list.push_unseparated(")");
    let rows: Vec<(String, String)> = q.build_query_as().fetch_all(conn).await?;
    Ok(rows.into_iter().collect())
}

/// Blanks the payload and headers of at most `batch` of the org's callbacks received before
/// `before` (`org_id` `None`: those that concerned no org), stamping `pruned_at`. The row
/// (route, time, verdict, outcome, key, answer) stays. Answers how many were blanked.
pub async fn prune_payloads_before(
    conn: &mut Conn,
    org_id: Option<&str>,
    before: i64,
    now: i64,
    batch: i64,
) -> Result<u64, sqlx::Error> {
    let scope = if org_id.is_some() {
        "org_id = $1"
    } else {
        "org_id IS NULL AND $1 IS NULL"
    };
    let sql = format!(
        "UPDATE webhook_events SET payload = '', headers = '{{}}', pruned_at = $3 WHERE id IN \
         (SELECT id FROM webhook_events WHERE {scope} AND received_at < $2 AND pruned_at IS NULL LIMIT $4)"
    );
    Ok(crate::ssr::db::query(&sql)
        .bind(org_id)
        .bind(before)
        .bind(now)
        .bind(batch)
        .execute(conn)
        .await?
        .rows_affected())
}
