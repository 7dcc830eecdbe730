//! `GET /api/v1/leads` and `GET /api/v1/leads/{id}` (scope `leads:read`), and
//! `PATCH /api/v1/leads/{id}` (scope `leads:write`).

use app::{
    domain::{
        ids::{LeadId, UserId},
        limits::{LEAD_NAME_MAX, NOTES_MAX},
        scope::Scope,
        LeadSource, LeadStatus,
    },
    ssr::{
        actor::{ApiKeyActor, LeadActor},
        clock::now_ms,
        db::{
            api_reads::{self, ApiLeadRow, LeadFilter},
            inbox, memberships, opt_outs, Conn,
        },
        services::{
            inbox::{self as use_cases, LeadEdit},
            timeline_text,
        },
        state::AppState,
    },
};
use axum::{
    body::Bytes,
    extract::{rejection::PathRejection, Path, RawQuery, State},
    http::{HeaderMap, StatusCode},
    response::Response,
    Json,
};
use serde::Serialize;
use utoipa::{
    openapi::schema::{Object, ObjectBuilder, Type},
    ToSchema,
};

use super::{
    authorize, body, conn,
    idempotency::{self, refusal, Answer, JobResult},
    internal, lead_in_path, next_cursor, query, split, time,
};
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

pub(crate) fn status_codes() -> Vec<&'static str> {
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
    let id = lead_in_path(path)?;
    let mut conn = conn(&state).await?;
    let found = detail(&mut conn, &auth.org_id, &id)
        .await
        .map_err(|e| internal("could not read a lead", e))?
        .ok_or(ApiError::NotFound)?;
    Ok(Json(found))
}

/// The org's lead `id` as `GET /api/v1/leads/{id}` answers it (also the answer of a `PATCH`,
/// read inside the write's job); `None` for an unknown id or another org's.
pub async fn detail(conn: &mut Conn, org_id: &str, id: &LeadId) -> Result<Option<LeadDetail>, sqlx::Error> {
    let Some(found) = api_reads::get_lead(conn, org_id, id.as_str()).await? else {
        return Ok(None);
    };
    let facts = inbox::timeline(conn, org_id, id.as_str()).await?;
    let opted_out = opt_outs::is_opted_out(conn, org_id, &found.lead.caller_number).await?;
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
    Ok(Some(LeadDetail {
        lead: Lead::from(found.lead),
        address: found.address,
        notes: found.notes,
        opted_out,
        timeline,
    }))
}

/// What `PATCH /api/v1/leads/{id}` takes: each member optional, only those given change.
pub const PATCH_FIELDS: &[body::Field] = &[
    body::Field {
        name: "status",
        kind: body::Kind::Enum(status_codes),
        required: false,
        nullable: false,
        description: "The lead's new status. `lost` and `spam` close it (the caller's next contact opens a new lead).",
    },
    body::Field {
        name: "name",
        kind: body::Kind::Text {
            max: LEAD_NAME_MAX,
            non_blank: false,
        },
        required: false,
        nullable: false,
        description: "The customer's name (trimmed; an empty string clears it).",
    },
    body::Field {
        name: "notes",
        kind: body::Kind::Text {
            max: NOTES_MAX,
            non_blank: false,
        },
        required: false,
        nullable: false,
        description: "Notes on the lead (trimmed; an empty string clears them).",
    },
    body::Field {
        name: "assigned_user_id",
        kind: body::Kind::Id(UserId::PREFIX),
        required: false,
        nullable: true,
        description: "The member of the organisation to assign the lead to (`usr_…`), or null to unassign it.",
    },
];

/// A lead's change as the request asked for it.
struct LeadPatch {
    status: Option<&'static str>,
    name: Option<String>,
    notes: Option<String>,
    /// `Some(None)`: unassign.
    assignee: Option<Option<String>>,
}

impl LeadPatch {
    fn from_body(given: &body::Given) -> Self {
        let assignee = if given.is_null("assigned_user_id") {
            Some(None)
        } else {
            given.text("assigned_user_id").map(|u| Some(u.to_owned()))
        };
        LeadPatch {
            status: given.code("status"),
            name: given.text("name").map(str::to_owned),
            notes: given.text("notes").map(str::to_owned),
            assignee,
        }
    }
}

/// Update a lead
///
/// Changes a lead's status, name, notes or assignee, with the same rules as the inbox's edit
/// form: only the members given change, text is trimmed, and each change is an entry on the
/// lead's timeline and an audit record naming the API key. `assigned_user_id` must be a
/// member of the organisation (else 422 naming it); null unassigns. Honours
/// `Idempotency-Key`.
#[utoipa::path(
    patch,
    path = "/api/v1/leads/{id}",
    operation_id = "update_lead",
    tag = "leads",
    responses((status = 200, description = "The lead after the change, as `GET /api/v1/leads/{id}` answers it.", body = LeadDetail))
)]
pub async fn patch(
    auth: ApiKeyAuth,
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    authorize(&auth, Scope::LeadsWrite)?;
    query::parse(&[], raw.as_deref())?;
    let key = idempotency::key(&headers)?;
    let given = body::parse(PATCH_FIELDS, &headers, &bytes)?;
    let id = lead_in_path(path)?;
    let hash = idempotency::request_hash("PATCH", &format!("/api/v1/leads/{}", id.as_str()), &bytes);
    let change = LeadPatch::from_body(&given);
    let actor = auth.actor();
    idempotency::run(&state, &auth, key, hash, move |conn| {
        Box::pin(patch_job(conn, actor, id, change))
    })
    .await
}

/// The change, in the writer: the lead's current details fill in what the request left out,
/// then the inbox's edit use-case, then the lead as it now reads.
async fn patch_job(conn: &mut Conn, actor: ApiKeyActor, id: LeadId, change: LeadPatch) -> JobResult {
    let now = now_ms();
    let Some(current) = api_reads::get_lead(conn, actor.org(), id.as_str()).await? else {
        return Ok(Err(ApiError::NotFound));
    };
    if let Some(Some(user_id)) = &change.assignee {
        if memberships::find_member_email(conn, actor.org(), user_id)
            .await?
            .is_none()
        {
            return Ok(Err(ApiError::invalid(
                "assigned_user_id",
                "assigned_user_id must be a member of this organisation.",
            )));
        }
    }
    let status: &str = match change.status {
        Some(s) => s,
        None => current.lead.status.as_str(),
    };
    let name: &str = match &change.name {
        Some(n) => n,
        None => current.lead.name.as_str(),
    };
    let notes: &str = match &change.notes {
        Some(n) => n,
        None => current.notes.as_str(),
    };
    let assigned_user_id: Option<&str> = match &change.assignee {
        None => None,
        Some(None) => Some(""),
        Some(Some(u)) => Some(u.as_str()),
    };
    let edit = LeadEdit {
        status,
        name,
        address: current.address.as_str(),
        notes,
        assigned_user_id,
    };
    let effects = match use_cases::update(conn, &actor, id.as_str(), edit, now).await {
        Ok(effects) => effects,
        Err(e) => return refusal(e).map(Err),
    };
    let Some(lead) = detail(conn, actor.org(), &id).await? else {
        return Ok(Err(ApiError::NotFound));
    };
    Ok(Ok((Answer::json(StatusCode::OK, &lead)?, effects)))
}
