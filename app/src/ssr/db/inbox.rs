//! Inbox reads: the lead list (cursor-paginated on the (org, last activity, id) index),
//! one lead's thread and timeline, bookings and recovery figures. Every query is scoped
//! by org, so another org's ids simply are not found.

use crate::ssr::db::QueryBuilder;

use super::Conn;
use crate::{
    domain::{lead_search::LeadSearch, Figure, LeadStatus},
    models::{BookingView, LeadSummary},
};

pub const PAGE_SIZE: i64 = 50;

pub(crate) const NEEDS_REPLY: &str =
    "(last_inbound_at IS NOT NULL AND (last_staff_reply_at IS NULL OR last_inbound_at > last_staff_reply_at))";

/// The columns of a [`LeadRow`], for the list and for one lead.
fn summary_columns() -> String {
    format!(
        "id, caller_number, name, source, status, last_message_preview, last_activity_at, created_at, {NEEDS_REPLY} AS needs_reply, \
         (escalated_at IS NOT NULL) AS escalated, assigned_user_id, last_inbound_at, \
         (last_message_side IS NOT NULL AND last_message_side <> 'customer') AS last_from_us"
    )
}

#[derive(Debug, Clone, sqlx::FromRow)]
struct LeadRow {
    id: String,
    caller_number: String,
    name: String,
    source: String,
    status: String,
    last_message_preview: String,
    last_activity_at: i64,
    created_at: i64,
    needs_reply: bool,
    escalated: bool,
    assigned_user_id: Option<String>,
    last_inbound_at: Option<i64>,
    last_from_us: bool,
}

impl From<LeadRow> for LeadSummary {
    fn from(r: LeadRow) -> Self {
        // Stored numbers were parsed on the way in; a row that somehow is not E.164 shows as stored.
        let caller_display = crate::domain::E164Phone::parse(&r.caller_number)
            .map_or_else(|_| r.caller_number.clone(), |p| p.everyday());
        LeadSummary {
            id: r.id,
            caller_display,
            caller_number: r.caller_number,
            name: r.name,
            source: r.source,
            status: r.status,
            last_message_preview: r.last_message_preview,
            last_activity_at: r.last_activity_at,
            created_at: r.created_at,
            needs_reply: r.needs_reply,
            escalated: r.escalated,
            assigned_to: r.assigned_user_id,
            // How long the customer has waited: since their last text, while it is unanswered.
            waiting_since: r.last_inbound_at.filter(|_| r.needs_reply),
            last_from_us: r.last_from_us,
        }
    }
}

pub struct ListQuery<'a> {
    /// Only the leads a recovery figure counts, with the figure's start instant.
    pub figure: Option<(Figure, i64)>,
    pub status: Option<LeadStatus>,
    pub needs_reply: bool,
    pub search: Option<&'a LeadSearch>,
    /// (last_activity_at, id) of the last row already shown.
    pub after: Option<(i64, &'a str)>,
    pub limit: i64,
}

pub async fn list(conn: &mut Conn, org_id: &str, q: ListQuery<'_>) -> Result<Vec<LeadSummary>, sqlx::Error> {
    let mut b: crate::ssr::db::QueryBuilder<'_> =
        QueryBuilder::new(format!("SELECT {} FROM leads WHERE org_id = ", summary_columns()));
    b.push_bind(org_id.to_owned());
    if let Some((figure, since)) = q.figure {
        push_figure(&mut b, org_id, figure, since);
    }
    if let Some(status) = q.status {
        b.push(" AND status = ").push_bind(status);
    }
    if q.needs_reply {
        b.push(format!(" AND {NEEDS_REPLY}"));
    }
    match q.search {
        None => {}
        Some(LeadSearch::Last4(d)) => {
            // the expression of the leads_org_last4_idx index, verbatim
            b.push(" AND substr(caller_number, length(caller_number) - 3) = ")
                .push_bind(d.clone());
        }
        Some(LeadSearch::Number(n)) => {
            b.push(" AND caller_number = ").push_bind(n.clone());
        }
        Some(LeadSearch::Text(t)) => {
            // The escape named on both engines (PostgreSQL's LIKE has `\` as its default
            // escape, SQLite's none), so a `\` typed in a search is literal on both.
            let pattern = super::webhook_events::like_contains(t);
            b.push(" AND (caller_number LIKE ")
                .push_bind(pattern.clone())
                .push(" ESCAPE '\\' OR LOWER(name) LIKE ")
                .push_bind(pattern)
                .push(" ESCAPE '\\')");
        }
    }
    if let Some((at, id)) = q.after {
        b.push(" AND (last_activity_at < ")
            .push_bind(at)
            .push(" OR (last_activity_at = ")
            .push_bind(at)
            .push(" AND id < ")
            .push_bind(id.to_owned())
            .push("))");
    }
    b.push(" ORDER BY last_activity_at DESC, id DESC LIMIT ")
        .push_bind(q.limit);
    let rows: Vec<LeadRow> = b.build_query_as().fetch_all(conn).await?;
    Ok(rows.into_iter().map(LeadSummary::from).collect())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LeadDetailRow {
    pub address: String,
    pub notes: String,
}

pub async fn get(
    conn: &mut Conn,
    org_id: &str,
    lead_id: &str,
) -> Result<Option<(LeadSummary, LeadDetailRow)>, sqlx::Error> {
    let row: Option<LeadRow> = crate::ssr::db::query_as(&format!(
        "SELECT {} FROM leads WHERE org_id = $1 AND id = $2",
        summary_columns()
    ))
    .bind(org_id)
    .bind(lead_id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let detail: LeadDetailRow =
        crate::ssr::db::query_as("SELECT address, notes FROM leads WHERE org_id = $1 AND id = $2")
            .bind(org_id)
            .bind(lead_id)
            .fetch_one(conn)
            .await?;
    Ok(Some((row.into(), detail)))
}

/// One call of a lead, as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TimelineCall {
    pub started_at: i64,
    /// The provider's id for the call (its stored callbacks carry it).
    pub call_sid: String,
    pub outcome: Option<String>,
    pub dial_call_status: Option<String>,
    pub dial_call_duration: Option<i64>,
}

/// One text of a lead, as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TimelineMessage {
    pub created_at: i64,
    pub direction: String,
    pub purpose: String,
    pub body: String,
    pub status: String,
    /// The provider's error code for a failed delivery.
    pub error_code: Option<String>,
    /// The provider's id for the text, once it has one (its stored callbacks carry it).
    pub provider_sid: Option<String>,
}

/// One notable lead event (not the call and text events the rows above already show).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TimelineEvent {
    pub occurred_at: i64,
    pub kind: String,
    pub actor_kind: String,
    /// JSON text.
    pub detail: String,
}

/// Everything one lead's timeline is made of; `services::timeline_text` words it.
#[derive(Debug, Clone, Default)]
pub struct TimelineFacts {
    pub calls: Vec<TimelineCall>,
    pub messages: Vec<TimelineMessage>,
    pub events: Vec<TimelineEvent>,
}

/// Calls, texts and notable events of one lead, unordered.
pub async fn timeline(conn: &mut Conn, org_id: &str, lead_id: &str) -> Result<TimelineFacts, sqlx::Error> {
    let calls = crate::ssr::db::query_as(
        "SELECT started_at, call_sid, outcome, dial_call_status, dial_call_duration FROM calls WHERE org_id = $1 AND lead_id = $2",
    )
    .bind(org_id)
    .bind(lead_id)
    .fetch_all(&mut *conn)
    .await?;
    let messages = crate::ssr::db::query_as(
        "SELECT created_at, direction, purpose, body, status, error_code, provider_sid FROM messages \
         WHERE org_id = $1 AND lead_id = $2",
    )
    .bind(org_id)
    .bind(lead_id)
    .fetch_all(&mut *conn)
    .await?;
    let events = crate::ssr::db::query_as(
        "SELECT occurred_at, kind, actor_kind, detail FROM lead_events WHERE org_id = $1 AND lead_id = $2 \
         AND kind NOT IN ('sms.received', 'sms.sent', 'text_back.queued', 'reply.queued') AND kind NOT LIKE 'call.%'",
    )
    .bind(org_id)
    .bind(lead_id)
    .fetch_all(&mut *conn)
    .await?;
    Ok(TimelineFacts {
        calls,
        messages,
        events,
    })
}

#[derive(sqlx::FromRow)]
struct BookingRow {
    id: String,
    lead_id: String,
    caller_number: String,
    name: String,
    window_start: i64,
    window_end: i64,
    job_type: String,
    job_value_cents: Option<i64>,
}

pub async fn upcoming_bookings(
    conn: &mut Conn,
    org_id: &str,
    from: i64,
    limit: i64,
) -> Result<Vec<BookingView>, sqlx::Error> {
    let rows: Vec<BookingRow> = crate::ssr::db::query_as(
        "SELECT b.id, b.lead_id, l.caller_number, l.name, b.window_start, b.window_end, b.job_type, b.job_value_cents \
         FROM bookings b JOIN leads l ON l.id = b.lead_id AND l.org_id = b.org_id \
         WHERE b.org_id = $1 AND b.status = 'booked' AND b.window_end >= $2 ORDER BY b.window_start LIMIT $3",
    )
    .bind(org_id)
    .bind(from)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| BookingView {
            id: r.id,
            lead_id: r.lead_id,
            caller_number: r.caller_number,
            name: r.name,
            window_start: r.window_start,
            window_end: r.window_end,
            job_type: r.job_type,
            job_value_cents: r.job_value_cents,
            window_label: String::new(),
        })
        .collect())
}

// The predicates behind each recovery figure, shared by the counts and the lead lists they
// link to, so a figure and its list cannot disagree.
const MISSED_OUTCOMES: &str = "outcome IN ('missed', 'after_hours', 'abandoned')";
const TEXT_BACK_SENT: &str = "purpose = 'text_back' AND provider_sid IS NOT NULL";
/// Leads that began with a call (not a customer's first text).
const FROM_A_CALL: &str = "source <> 'text_first'";
/// Bookings still booked: a cancelled job is no recovered revenue. (`b.` because `leads`,
/// which the figures join, has a `status` column too.)
const ACTIVE_BOOKING: &str = "b.status = 'booked'";

/// Narrows a lead query (`FROM leads WHERE org_id = …`) to the leads `figure` counts.
fn push_figure(b: &mut crate::ssr::db::QueryBuilder<'_>, org_id: &str, figure: Figure, since: i64) {
    match figure {
        Figure::MissedToday | Figure::Missed30d => {
            b.push(format!(
                " AND id IN (SELECT lead_id FROM calls WHERE {MISSED_OUTCOMES} AND org_id = "
            ))
            .push_bind(org_id.to_owned())
            .push(" AND started_at >= ")
            .push_bind(since)
            .push(")");
        }
        Figure::TextBacks30d => {
            b.push(format!(
                " AND id IN (SELECT lead_id FROM messages WHERE {TEXT_BACK_SENT} AND org_id = "
            ))
            .push_bind(org_id.to_owned())
            .push(" AND created_at >= ")
            .push_bind(since)
            .push(")");
        }
        Figure::Replied30d => {
            b.push(format!(
                " AND {FROM_A_CALL} AND last_inbound_at IS NOT NULL AND created_at >= "
            ))
            .push_bind(since);
        }
        Figure::Booked30d => {
            b.push(format!(
                " AND {FROM_A_CALL} AND id IN (SELECT b.lead_id FROM bookings b WHERE {ACTIVE_BOOKING} AND b.org_id = "
            ))
            .push_bind(org_id.to_owned())
            .push(" AND b.created_at >= ")
            .push_bind(since)
            .push(")");
        }
        Figure::Responded30d => {
            b.push(" AND first_staff_response_at IS NOT NULL AND created_at >= ")
                .push_bind(since);
        }
    }
}

/// Figures are counted from stored records every time (no counters that drift).
pub async fn recovery(
    conn: &mut Conn,
    org_id: &str,
    today_start: i64,
    since: i64,
) -> Result<crate::models::RecoveryStats, sqlx::Error> {
    let missed = MISSED_OUTCOMES;
    let missed_today: i64 = crate::ssr::db::query_scalar(&format!(
        "SELECT COUNT(*) FROM calls WHERE org_id = $1 AND {missed} AND started_at >= $2"
    ))
    .bind(org_id)
    .bind(today_start)
    .fetch_one(&mut *conn)
    .await?;
    let missed_30d: i64 = crate::ssr::db::query_scalar(&format!(
        "SELECT COUNT(*) FROM calls WHERE org_id = $1 AND {missed} AND started_at >= $2"
    ))
    .bind(org_id)
    .bind(since)
    .fetch_one(&mut *conn)
    .await?;
    let text_backs: i64 = crate::ssr::db::query_scalar(&format!(
        "SELECT COUNT(*) FROM messages WHERE org_id = $1 AND {TEXT_BACK_SENT} AND created_at >= $2"
    ))
    .bind(org_id)
    .bind(since)
    .fetch_one(&mut *conn)
    .await?;
    let replied: i64 = crate::ssr::db::query_scalar(&format!(
        "SELECT COUNT(*) FROM leads WHERE org_id = $1 AND {FROM_A_CALL} AND last_inbound_at IS NOT NULL AND created_at >= $2"
    ))
    .bind(org_id)
    .bind(since)
    .fetch_one(&mut *conn)
    .await?;
    // Customers, not bookings: one customer booked twice is one lead recovered (the value
    // is every active job's).
    let (booked, value): (i64, Option<i64>) = crate::ssr::db::query_as(&format!(
        "SELECT COUNT(DISTINCT b.lead_id), CAST(SUM(b.job_value_cents) AS BIGINT) FROM bookings b JOIN leads l ON l.id = b.lead_id AND l.org_id = b.org_id \
         WHERE b.org_id = $1 AND {ACTIVE_BOOKING} AND l.{FROM_A_CALL} AND b.created_at >= $2"
    ))
    .bind(org_id)
    .bind(since)
    .fetch_one(&mut *conn)
    .await?;
    let mut responses: Vec<i64> = crate::ssr::db::query_scalar(
        "SELECT first_staff_response_at - created_at FROM leads WHERE org_id = $1 AND created_at >= $2 AND first_staff_response_at IS NOT NULL",
    )
    .bind(org_id)
    .bind(since)
    .fetch_all(conn)
    .await?;
    responses.sort_unstable();
    let median = responses.get(responses.len() / 2).map(|ms| ms / 60_000);
    Ok(crate::models::RecoveryStats {
        missed_calls_today: missed_today,
        missed_calls_30d: missed_30d,
        text_backs_30d: text_backs,
        replied_30d: replied,
        booked_from_missed_30d: booked,
        booked_value_cents_30d: value.unwrap_or(0),
        median_first_response_min: if responses.is_empty() { None } else { median },
    })
}

/// What a new org has done of its first steps: (a number it tracks, its first call, the
/// first person invited or added beside the owner) and the first number still tracked, for
/// the inbox's "Next steps". One round trip; each part stops at its first row on an index
/// that leads with the org.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct FirstSteps {
    pub has_number: bool,
    pub has_call: bool,
    pub has_team: bool,
    pub first_number: Option<String>,
}

pub async fn first_steps(conn: &mut Conn, org_id: &str) -> Result<FirstSteps, sqlx::Error> {
    crate::ssr::db::query_as(
        "SELECT EXISTS (SELECT 1 FROM tracked_numbers WHERE org_id = $1 AND removed_at IS NULL) AS has_number, \
                EXISTS (SELECT 1 FROM calls WHERE org_id = $1) AS has_call, \
                (EXISTS (SELECT 1 FROM invitations WHERE org_id = $1) \
                 OR (SELECT COUNT(*) FROM (SELECT 1 FROM memberships WHERE org_id = $1 LIMIT 2) m) > 1) AS has_team, \
                (SELECT e164 FROM tracked_numbers WHERE org_id = $1 AND removed_at IS NULL ORDER BY created_at LIMIT 1) AS first_number",
    )
    .bind(org_id)
    .fetch_one(conn)
    .await
}
