//! `GET /api/v1/leads` and `GET /api/v1/leads/{id}` (scope `leads:read`).

use app::{
    domain::{ids::LeadId, scope::Scope, LeadSource, LeadStatus},
    ssr::{
        db::{
            api_reads::{self, ApiLeadRow, LeadFilter},
            inbox, opt_outs,
        },
        services::timeline_text,
        state::AppState,
    },
};
use axum::{
    extract::{rejection::PathRejection, Path, RawQuery, State},
    Json,
};
use serde::Serialize;
use utoipa::{
    openapi::schema::{Object, ObjectBuilder, Type},
    ToSchema,
};

use super::{authorize, conn, internal, next_cursor, query, split, time};
use crate::api::{auth::ApiKeyAuth, error::ApiError};

/// The list's query parameters: what it accepts, and what the OpenAPI document says.
pub const PARAMS: &[query::Param] = &[
    query::Param {
        name: "status",
        kind: query::Kind::Enum(status_codes),
        description: "Only leads with this status.",
    },
    query::Param {
        name: "updated_since",
        kind: query::Kind::DateTime,
        description: "Only leads changed at or after this instant (RFC 3339 with an offset). Keep the last \
                      `updated_at` you saw and pass it here to fetch what changed since (you may see that \
                      lead once more).",
    },
    query::Param {
        name: "needs_reply",
        kind: query::Kind::Boolean,
        description: "`true`: only leads whose customer wrote last and got no answer yet; `false`: only the others.",
    },
    query::limit(),
    query::cursor(LeadId::PREFIX),
];

fn status_codes() -> Vec<&'static str> {
    LeadStatus::ALL.iter().map(|s| s.as_str()).collect()
}

fn status_schema() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(status_codes()))
        .description(Some(
            "Where the lead stands: `lost` and `spam` close it (the caller's next contact opens a new lead).",
        ))
        .build()
}

fn source_schema() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(LeadSource::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>()))
        .description(Some("What opened the lead."))
        .build()
}

/// A lead: one customer conversation, opened by a missed call or by the customer's first text.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Lead {
    /// The lead's id (`lead_…`).
    pub id: String,
    /// The customer's number, E.164 (`+14155550123`).
    pub caller_number: String,
    /// The customer's name as staff wrote it (empty until someone does).
    pub name: String,
    #[schema(schema_with = source_schema)]
    pub source: String,
    #[schema(schema_with = status_schema)]
    pub status: String,
    /// The start of the last text, in or out.
    pub last_message_preview: String,
    /// The customer wrote last and nobody has answered yet.
    pub needs_reply: bool,
    /// Nobody responded within the org's escalation window.
    pub escalated: bool,
    /// The member the lead is assigned to (`usr_…`), or null.
    pub assigned_user_id: Option<String>,
    /// When the last call or text happened.
    #[schema(format = DateTime)]
    pub last_activity_at: String,
    #[schema(format = DateTime)]
    pub created_at: String,
    /// When the lead last changed (a call, a text, its status, details or assignee): the
    /// list's order.
    #[schema(format = DateTime)]
    pub updated_at: String,
}

impl From<ApiLeadRow> for Lead {
    fn from(r: ApiLeadRow) -> Self {
        Lead {
            id: r.id,
            caller_number: r.caller_number,
            name: r.name,
            source: r.source,
            status: r.status,
            last_message_preview: r.last_message_preview,
            needs_reply: r.needs_reply,
            escalated: r.escalated,
            assigned_user_id: r.assigned_user_id,
            last_activity_at: time(r.last_activity_at),
            created_at: time(r.created_at),
            updated_at: time(r.updated_at),
        }
    }
}

/// A page of leads, oldest change first.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LeadList {
    pub data: Vec<Lead>,
    /// Pass back as `cursor` for the next page; null on the last page.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

/// One entry of a lead's timeline, worded as the inbox shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TimelineEntry {
    #[schema(format = DateTime)]
    pub at: String,
    /// `call`, `message_in`, `message_out` or `event`.
    pub kind: String,
    pub title: String,
    pub body: String,
    /// A text's delivery status or a call's outcome (empty for events).
    pub status: String,
    /// Who: `caller`, `customer`, `staff`, `CallSnare`, or the member who acted.
    pub actor: String,
    /// The provider's id of the call or text (`CA…`, `SM…`): its stored callbacks are listed by
    /// `GET /api/v1/webhook-events?sid=…` (scope `evidence:read`). Null for events.
    pub provider_sid: Option<String>,
}

/// A lead with its details and its whole timeline.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LeadDetail {
    #[serde(flatten)]
    pub lead: Lead,
    pub address: String,
    pub notes: String,
    /// The customer texted STOP: no text can be sent to them until they opt back in.
    pub opted_out: bool,
    /// Calls, texts and notable events, oldest first.
    pub timeline: Vec<TimelineEntry>,
}

/// List leads
///
/// The organisation's leads, oldest change first, so a client can sync by keeping the last
/// `updated_at` it saw as its next `updated_since`.
#[utoipa::path(
    get,
    path = "/api/v1/leads",
    operation_id = "list_leads",
    tag = "leads",
    responses((status = 200, description = "A page of the organisation's leads, oldest change first.", body = LeadList))
)]
pub async fn list(
    auth: ApiKeyAuth,
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Json<LeadList>, ApiError> {
    authorize(&auth, Scope::LeadsRead)?;
    let q = query::parse(PARAMS, raw.as_deref())?;
    let filter = LeadFilter {
        status: q.code("status").and_then(LeadStatus::parse),
        updated_since: q.instant("updated_since"),
        needs_reply: q.flag("needs_reply"),
        after: q.position(),
    };
    let limit = q.limit();
    let mut conn = conn(&state).await?;
    let rows = api_reads::list_leads(&mut conn, &auth.org_id, &filter, limit + 1)
        .await
        .map_err(|e| internal("could not list leads", e))?;
    let (rows, more) = split(rows, limit);
    let next_cursor = next_cursor(LeadId::PREFIX, more, rows.last().map(|r| (r.updated_at, r.id.as_str())))?;
    Ok(Json(LeadList {
        data: rows.into_iter().map(Lead::from).collect(),
        next_cursor,
    }))
}

/// Get a lead
///
/// One lead of the organisation with its details and timeline. Another organisation's lead
/// answers 404 exactly like an id that does not exist.
#[utoipa::path(
    get,
    path = "/api/v1/leads/{id}",
    operation_id = "get_lead",
    tag = "leads",
    responses((status = 200, description = "The lead with its timeline.", body = LeadDetail))
)]
pub async fn get(
    auth: ApiKeyAuth,
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    RawQuery(raw): RawQuery,
) -> Result<Json<LeadDetail>, ApiError> {
    authorize(&auth, Scope::LeadsRead)?;
    query::parse(&[], raw.as_deref())?;
    // An id that is not a lead id names no lead: the same 404 as an unknown one.
    let Ok(Path(id)) = path else {
        return Err(ApiError::NotFound);
    };
    let Ok(id) = LeadId::parse(&id) else {
        return Err(ApiError::NotFound);
    };
    let mut conn = conn(&state).await?;
    let found = api_reads::get_lead(&mut conn, &auth.org_id, id.as_str())
        .await
        .map_err(|e| internal("could not read a lead", e))?
        .ok_or(ApiError::NotFound)?;
    let facts = inbox::timeline(&mut conn, &auth.org_id, id.as_str())
        .await
        .map_err(|e| internal("could not read a lead's timeline", e))?;
    let opted_out = opt_outs::is_opted_out(&mut conn, &auth.org_id, &found.lead.caller_number)
        .await
        .map_err(|e| internal("could not read an opt-out", e))?;
    let timeline = timeline_text::items(facts)
        .into_iter()
        .map(|item| TimelineEntry {
            at: time(item.at),
            // The inbox links a call or text to its callbacks as `/app/evidence?sid=…`.
            provider_sid: item
                .evidence_href
                .as_deref()
                .and_then(|href| href.strip_prefix("/app/evidence?sid="))
                .map(str::to_owned),
            kind: item.kind,
            title: item.title,
            body: item.body,
            status: item.status,
            actor: item.actor,
        })
        .collect();
    Ok(Json(LeadDetail {
        lead: Lead::from(found.lead),
        address: found.address,
        notes: found.notes,
        opted_out,
        timeline,
    }))
}
