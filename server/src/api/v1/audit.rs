//! `GET /api/v1/audit-events` (scope `audit:read`): the audit viewer's records and filters,
//! each record as the viewer words it plus its stored codes and ids.

use app::{
    domain::{
        ids::{AuditEventId, OrgId},
        scope::Scope,
        ActorKind, AuditAction,
    },
    ssr::{
        audit::{filter::AuditFilter, view::entry_view},
        db::audit_events,
        state::AppState,
    },
};
use axum::{
    extract::{RawQuery, State},
    Json,
};
use serde::Serialize;
use utoipa::{
    openapi::schema::{Object, ObjectBuilder, Type},
    ToSchema,
};

use super::{authorize, conn, date_range, internal, next_cursor, org_tz, query, split, time};
use crate::api::{auth::ApiKeyAuth, error::ApiError};

fn actor_codes() -> Vec<&'static str> {
    ActorKind::ALL.iter().map(|a| a.as_str()).collect()
}

fn action_codes() -> Vec<&'static str> {
    AuditAction::ALL.iter().map(|a| a.as_str()).collect()
}

/// The audit viewer's target filter: an id as the app writes them.
fn plain_id(s: &str) -> bool {
    (1..=64).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

pub const PARAMS: &[query::Param] = &[
    query::Param {
        name: "actor",
        kind: query::Kind::Enum(actor_codes),
        description: "Only records made by this kind of actor.",
    },
    query::Param {
        name: "action",
        kind: query::Kind::Enum(action_codes),
        description: "Only records of this action.",
    },
    query::Param {
        name: "target",
        kind: query::Kind::Pattern {
            pattern: "^[A-Za-z0-9_]{1,64}$",
            accepts: plain_id,
            hint: "an id such as lead_… or usr_… (letters, digits and _, at most 64).",
        },
        description: "Only records about this id (a lead, a member, a number…).",
    },
    query::Param {
        name: "from",
        kind: query::Kind::Date,
        description: "Only records from this date on (YYYY-MM-DD, the organisation's timezone).",
    },
    query::Param {
        name: "to",
        kind: query::Kind::Date,
        description: "Only records up to and including this date (YYYY-MM-DD, the organisation's timezone). \
                      A `to` before `from` lists nothing.",
    },
    query::limit(),
    query::cursor(AuditEventId::PREFIX),
];

fn actor_schema() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(actor_codes()))
        .description(Some(
            "Who acted: a member, an API key, a provider's callback, the system or the command line.",
        ))
        .build()
}

/// A value before and after a change.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AuditChange {
    pub field: String,
    pub before: String,
    pub after: String,
}

/// One audit record.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AuditEvent {
    /// The record's id (`aud_…`).
    pub id: String,
    #[schema(format = DateTime)]
    pub occurred_at: String,
    #[schema(schema_with = actor_schema)]
    pub actor_kind: String,
    /// The member's (`usr_…`) or key's (`key_…`) id, the provider's name, or null.
    pub actor_id: Option<String>,
    /// Who, for people: a member's email, an API key's name, "Twilio", "System", "CLI".
    pub who: String,
    /// The action's stable code (`settings.changed`).
    pub action: String,
    /// The action, for people ("Settings changed").
    pub what: String,
    /// What kind of thing it was done to (`lead`, `user`, `org`…), or null.
    pub target_kind: Option<String>,
    /// The id of what it was done to, or null.
    pub target_id: Option<String>,
    /// What it was done to, for people: a lead's name or number, an email, a number.
    pub on_what: String,
    /// The request it came from, when there was one.
    pub request_id: Option<String>,
    /// The client address it came from, when there was one.
    pub ip: Option<String>,
    /// Before and after, for settings and role changes.
    pub changes: Vec<AuditChange>,
}

/// A page of audit records, newest first.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AuditEventList {
    pub data: Vec<AuditEvent>,
    /// Pass back as `cursor` for the next (older) page; null on the last page.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

/// List audit records
///
/// The organisation's audit trail, newest first, with the audit viewer's filters.
#[utoipa::path(
    get,
    path = "/api/v1/audit-events",
    operation_id = "list_audit_events",
    tag = "audit",
    responses((status = 200, description = "A page of audit records, newest first.", body = AuditEventList))
)]
pub async fn list(
    auth: ApiKeyAuth,
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Json<AuditEventList>, ApiError> {
    authorize(&auth, Scope::AuditRead)?;
    let q = query::parse(PARAMS, raw.as_deref())?;
    let org_id = OrgId::parse(&auth.org_id).map_err(|e| internal("the key's org id is not an org id", e))?;
    let limit = q.limit();
    let mut conn = conn(&state).await?;
    let tz = org_tz(&mut conn, &auth.org_id).await?;
    let (since, until) = date_range(q.date("from"), q.date("to"), tz);
    let filter = AuditFilter {
        actor: q.code("actor").and_then(ActorKind::parse),
        action: q.code("action").and_then(AuditAction::parse),
        target_id: q.text("target").map(str::to_owned),
        since,
        until,
    };
    let rows = audit_events::list(&mut conn, &org_id, &filter, q.position(), limit + 1)
        .await
        .map_err(|e| internal("could not list audit records", e))?;
    let (rows, more) = split(rows, limit);
    let next_cursor = next_cursor(
        AuditEventId::PREFIX,
        more,
        rows.last().map(|r| (r.occurred_at, r.id.as_str())),
    )?;
    let data = rows
        .into_iter()
        .map(|row| {
            let actor_id = row.actor_id.clone();
            let view = entry_view(row, tz);
            AuditEvent {
                occurred_at: time(view.at),
                id: view.id,
                actor_kind: view.actor_kind,
                actor_id,
                who: view.who,
                action: view.action,
                what: view.what,
                target_kind: view.target_kind,
                target_id: view.target_id,
                on_what: view.on_what,
                request_id: view.request_id,
                ip: view.ip,
                changes: view
                    .changes
                    .into_iter()
                    .map(|c| AuditChange {
                        field: c.field,
                        before: c.before,
                        after: c.after,
                    })
                    .collect(),
            }
        })
        .collect();
    Ok(Json(AuditEventList { data, next_cursor }))
}
