//! The webhook evidence viewer (`/app/evidence`, owner and admin): the org's stored provider
//! callbacks, filtered and paged newest first, each in full with its lead; the server's
//! recent refused callbacks (reason, route, time: never a payload); and the retention
//! setting, saved with one audit record. Filters arrive as typed text and are parsed here
//! once; a wrong one is refused by name and nothing is read.

use chrono::{NaiveDate, TimeZone};
use serde_json::json;

use crate::{
    domain::{
        evidence::{
            is_provider_sid, parse_phone_filter, parse_retention_days, payload_shape, route_label, sid_of_key,
            PayloadShape, OUTCOME_FILTER_MAX, ROUTES, VERDICTS,
        },
        ids::WebhookEventId,
        permission::Action,
        AuditAction, OrgTimezone,
    },
    models::evidence::{EvidenceDetailView, EvidenceListView, EvidenceRowView, PayloadView, RejectedCallbackView},
    ssr::{
        actor::StaffActor,
        audit::{self, Target},
        db::{
            orgs,
            webhook_events::{self, EvidenceFilter, EvidenceSummaryRow},
            Conn,
        },
        rejection_log::RejectedCallback,
    },
};

/// Rows per page.
pub const PAGE_SIZE: i64 = 50;

#[derive(Debug, thiserror::Error)]
pub enum EvidenceError {
    #[error("forbidden")]
    Forbidden,
    #[error("not found")]
    NotFound,
    /// Each wrong filter: (field, what it wants).
    #[error("invalid input")]
    Invalid(Vec<(&'static str, &'static str)>),
    #[error("database error")]
    Db(#[from] sqlx::Error),
}

/// The filters as typed (empty is "any").
#[derive(Debug, Clone, Copy, Default)]
pub struct EvidenceQuery<'a> {
    pub route: &'a str,
    pub outcome: &'a str,
    pub verdict: &'a str,
    /// `YYYY-MM-DD`, the org's local date, inclusive.
    pub from: &'a str,
    /// `YYYY-MM-DD`, the org's local date, inclusive.
    pub to: &'a str,
    pub phone: &'a str,
    pub sid: &'a str,
    /// `{received_at}.{id}` of the last row of the previous page.
    pub cursor: &'a str,
}

/// What each filter wants, said once (the page and the 422 body show the same words).
pub fn field_hint(field: &str) -> &'static str {
    match field {
        "route" => "Pick one of the listed callback routes.",
        "verdict" => "Pick one of the listed signature verdicts.",
        "outcome" => "At most 60 characters of the outcome text.",
        "from" | "to" => "Dates as YYYY-MM-DD, the first not after the last.",
        "phone" => "A phone number such as +14155550123 or (415) 555-0123.",
        "sid" => "A call or message id (letters and digits, e.g. CA…).",
        "cursor" => "That page link is broken; start again from the first page.",
        "retention_days" => "Keep payloads from 7 to 3650 days (a whole number).",
        "event" => "That is not an evidence id.",
        _ => "Please check this field.",
    }
}

/// Parses the typed filters, in the org's timezone for the dates; every wrong one is named.
pub fn parse_filter(q: EvidenceQuery<'_>, tz: chrono_tz::Tz) -> Result<EvidenceFilter, EvidenceError> {
    fn some(s: &str) -> Option<&str> {
        Some(s.trim()).filter(|s| !s.is_empty())
    }
    let mut bad: Vec<&'static str> = Vec::new();
    let route = some(q.route).and_then(|r| match ROUTES.iter().find(|(path, _)| *path == r) {
        Some((path, _)) => Some(*path),
        None => {
            bad.push("route");
            None
        }
    });
    let verdict = some(q.verdict).and_then(|v| match VERDICTS.iter().find(|(code, _)| *code == v) {
        Some((code, _)) => Some(*code),
        None => {
            bad.push("verdict");
            None
        }
    });
    let outcome_contains = some(q.outcome).and_then(|o| {
        if o.chars().count() <= OUTCOME_FILTER_MAX && !o.chars().any(char::is_control) {
            Some(o.to_owned())
        } else {
            bad.push("outcome");
            None
        }
    });
    let mut day = |field: &'static str, s: &str, next_day: bool| -> Option<i64> {
        let s = some(s)?;
        match local_midnight(s, tz, next_day) {
            Some(ms) => Some(ms),
            None => {
                bad.push(field);
                None
            }
        }
    };
    let received_from = day("from", q.from, false);
    let received_until = day("to", q.to, true);
    if let (Some(from), Some(until)) = (received_from, received_until) {
        if from >= until {
            bad.push("from");
        }
    }
    let phone = some(q.phone).and_then(|p| match parse_phone_filter(p) {
        Ok(phone) => Some(phone),
        Err(_) => {
            bad.push("phone");
            None
        }
    });
    let sid = some(q.sid).and_then(|s| {
        if is_provider_sid(s) {
            Some(s.to_owned())
        } else {
            bad.push("sid");
            None
        }
    });
    let before = some(q.cursor).and_then(|c| match parse_cursor(c) {
        Some(before) => Some(before),
        None => {
            bad.push("cursor");
            None
        }
    });
    if !bad.is_empty() {
        bad.dedup();
        return Err(EvidenceError::Invalid(
            bad.into_iter().map(|f| (f, field_hint(f))).collect(),
        ));
    }
    Ok(EvidenceFilter {
        route,
        verdict,
        outcome_contains,
        received_from,
        received_until,
        phone,
        sid,
        before,
    })
}

/// The instant the local date `s` (`YYYY-MM-DD`) starts in `tz`, or the next day's start.
fn local_midnight(s: &str, tz: chrono_tz::Tz, next_day: bool) -> Option<i64> {
    if s.len() != 10 {
        return None;
    }
    let date = NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()?;
    let date = if next_day { date.succ_opt()? } else { date };
    let midnight = date.and_hms_opt(0, 0, 0)?;
    tz.from_local_datetime(&midnight)
        .earliest()
        .map(|t| t.timestamp_millis())
}

/// A page cursor: `{received_at}.{evidence id}`.
fn parse_cursor(c: &str) -> Option<(i64, String)> {
    let (at, id) = c.split_once('.')?;
    let at = at.parse::<i64>().ok()?;
    let id = WebhookEventId::parse(id).ok()?;
    Some((at, id.as_str().to_owned()))
}

fn cursor_of(row: &EvidenceRowView) -> String {
    format!("{}.{}", row.received_at, row.id)
}

/// `ms` in `tz`, as the page shows times.
pub fn local_label(ms: i64, tz: chrono_tz::Tz) -> String {
    chrono::Utc
        .timestamp_millis_opt(ms)
        .single()
        .map(|t| t.with_timezone(&tz).format("%Y-%m-%d %H:%M:%S %Z").to_string())
        .unwrap_or_default()
}

async fn org_tz(conn: &mut Conn, a: &StaffActor) -> Result<chrono_tz::Tz, sqlx::Error> {
    let name = orgs::get_timezone(conn, a.org()).await?;
    Ok(OrgTimezone::parse_or_utc(&name))
}

fn row_view(r: EvidenceSummaryRow, tz: chrono_tz::Tz) -> EvidenceRowView {
    let sid = sid_of_key(&r.idempotency_key).map(str::to_owned);
    EvidenceRowView {
        route_label: route_label(&r.route).to_owned(),
        received_label: local_label(r.received_at, tz),
        id: r.id,
        provider: r.provider,
        route: r.route,
        received_at: r.received_at,
        signature_verdict: r.signature_verdict,
        outcome: r.outcome,
        duplicate_count: r.duplicate_count,
        idempotency_key: r.idempotency_key,
        sid,
        lead_id: None,
        pruned: r.pruned_at.is_some(),
    }
}

/// Fills in each row's lead from its call or text (one query for the page).
async fn link_leads(conn: &mut Conn, a: &StaffActor, rows: &mut [EvidenceRowView]) -> Result<(), sqlx::Error> {
    let mut sids: Vec<&str> = rows.iter().filter_map(|r| r.sid.as_deref()).collect();
    sids.sort_unstable();
    sids.dedup();
    let leads = webhook_events::leads_by_sid(conn, &a.org_id, &sids).await?;
    for row in rows.iter_mut() {
        row.lead_id = row.sid.as_ref().and_then(|s| leads.get(s)).cloned();
    }
    Ok(())
}

/// A page of the org's stored callbacks matching the typed filters, newest first.
pub async fn list(conn: &mut Conn, a: &StaffActor, q: EvidenceQuery<'_>) -> Result<EvidenceListView, EvidenceError> {
    if !a.can(Action::ViewWebhookEvidence) {
        return Err(EvidenceError::Forbidden);
    }
    let tz = org_tz(conn, a).await?;
    let filter = parse_filter(q, tz)?;
    let found = webhook_events::list_for_org(conn, &a.org_id, &filter, PAGE_SIZE + 1).await?;
    let more = found.len() as i64 > PAGE_SIZE;
    let mut rows: Vec<EvidenceRowView> = found
        .into_iter()
        .take(PAGE_SIZE as usize)
        .map(|r| row_view(r, tz))
        .collect();
    link_leads(conn, a, &mut rows).await?;
    let next_cursor = if more { rows.last().map(cursor_of) } else { None };
    Ok(EvidenceListView {
        rows,
        next_cursor,
        retention_days: orgs::evidence_retention_days(conn, &a.org_id).await?,
        timezone: tz.name().to_owned(),
    })
}

/// One stored callback of the org in full; another org's id answers `NotFound`.
pub async fn detail(conn: &mut Conn, a: &StaffActor, id: &str) -> Result<EvidenceDetailView, EvidenceError> {
    if !a.can(Action::ViewWebhookEvidence) {
        return Err(EvidenceError::Forbidden);
    }
    let id =
        WebhookEventId::parse(id.trim()).map_err(|_| EvidenceError::Invalid(vec![("event", field_hint("event"))]))?;
    let found = webhook_events::get(conn, &a.org_id, &id)
        .await?
        .ok_or(EvidenceError::NotFound)?;
    let tz = org_tz(conn, a).await?;
    let pruned_label = found.summary.pruned_at.map(|at| local_label(at, tz));
    let headers: Vec<(String, String)> =
        serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(&found.headers)
            .unwrap_or_default()
            .into_iter()
            .map(|(k, v)| {
                let v = v.as_str().map_or_else(|| v.to_string(), str::to_owned);
                (k, v)
            })
            .collect();
    let content_type = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-type"))
        .map(|(_, v)| v.as_str());
    let payload = match payload_shape(&found.payload, content_type) {
        PayloadShape::Form(fields) => PayloadView::Form(fields),
        PayloadShape::Json(pretty) => PayloadView::Json(pretty),
        PayloadShape::Text(text) => PayloadView::Text(text),
        PayloadShape::Empty if found.summary.pruned_at.is_some() => PayloadView::Pruned,
        PayloadShape::Empty => PayloadView::Empty,
    };
    let mut rows = [row_view(found.summary, tz)];
    link_leads(conn, a, &mut rows).await?;
    let [row] = rows;
    Ok(EvidenceDetailView {
        row,
        headers,
        payload,
        answer: found.response,
        pruned_label,
    })
}

/// The server's recent refused callbacks, newest first (not per org: refusals happen
/// before a callback is routed), with times in the viewer's org's timezone.
pub async fn rejections(
    conn: &mut Conn,
    a: &StaffActor,
    recent: Vec<RejectedCallback>,
) -> Result<Vec<RejectedCallbackView>, EvidenceError> {
    if !a.can(Action::ViewWebhookEvidence) {
        return Err(EvidenceError::Forbidden);
    }
    let tz = org_tz(conn, a).await?;
    Ok(recent
        .into_iter()
        .map(|r| RejectedCallbackView {
            at: r.at,
            at_label: local_label(r.at, tz),
            provider: r.provider.to_owned(),
            route: r.route,
            reason: r.reason.as_str().to_owned(),
            reason_label: r.reason.label().to_owned(),
        })
        .collect())
}

/// Sets how many days the org keeps callback payloads, with one audit record of before →
/// after (none when unchanged). Run it inside one writer job. Answers whether it changed.
pub async fn set_retention(conn: &mut Conn, a: &StaffActor, typed: &str, now: i64) -> Result<bool, EvidenceError> {
    if !a.can(Action::ViewWebhookEvidence) {
        return Err(EvidenceError::Forbidden);
    }
    let days = parse_retention_days(typed)
        .map_err(|_| EvidenceError::Invalid(vec![("retention_days", field_hint("retention_days"))]))?;
    let before = orgs::evidence_retention_days(conn, &a.org_id).await?;
    if before == days {
        return Ok(false);
    }
    orgs::set_evidence_retention_days(conn, &a.org_id, days, now).await?;
    audit::record(
        conn,
        &a.acting(),
        AuditAction::SettingsChanged,
        Target::Org(a.org()),
        json!({ "changes": { "evidence_retention_days": { "before": before, "after": days } } }),
        now,
    )
    .await?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_the_orgs_local_days_and_bad_filters_are_named() {
        let tz: chrono_tz::Tz = "America/Chicago".parse().unwrap();
        let f = parse_filter(
            EvidenceQuery {
                from: "2026-12-01",
                to: "2026-12-01",
                route: "/api/twilio/voice/inbound",
                ..Default::default()
            },
            tz,
        )
        .unwrap();
        // Chicago is UTC-6 in December: the day runs 06:00Z to 06:00Z
        assert_eq!(f.received_from, Some(1_796_104_800_000));
        assert_eq!(f.received_until, Some(1_796_104_800_000 + 86_400_000));
        assert_eq!(f.route, Some("/api/twilio/voice/inbound"));
        let Err(EvidenceError::Invalid(bad)) = parse_filter(
            EvidenceQuery {
                from: "2026-12-02",
                to: "2026-12-01",
                route: "/elsewhere",
                verdict: "forged",
                phone: "555",
                sid: "CA' OR 1=1",
                cursor: "yesterday",
                outcome: "",
            },
            tz,
        ) else {
            panic!("refused")
        };
        let fields: Vec<&str> = bad.iter().map(|(f, _)| *f).collect();
        assert_eq!(fields, ["route", "verdict", "from", "phone", "sid", "cursor"]);
        assert!(parse_filter(
            EvidenceQuery {
                from: "2026-02-30",
                ..Default::default()
            },
            tz
        )
        .is_err());
    }
}
