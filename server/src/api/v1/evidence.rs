//! `GET /api/v1/webhook-events` (scope `evidence:read`): the stored provider callbacks the
//! evidence viewer lists, with their payload as the viewer shows it. Never the stored
//! headers (they include the provider's signature) and never anything secret.

use app::{
    domain::{
        evidence::{is_provider_sid, payload_shape, route_label, sid_of_key, PayloadShape, ROUTES, VERDICTS},
        ids::{OrgId, WebhookEventId},
        scope::Scope,
    },
    ssr::{
        db::{
            api_reads,
            webhook_events::{self, EvidenceFilter},
        },
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

fn route_codes() -> Vec<&'static str> {
    ROUTES.iter().map(|(path, _)| *path).collect()
}

fn verdict_codes() -> Vec<&'static str> {
    VERDICTS.iter().map(|(code, _)| *code).collect()
}

pub const PARAMS: &[query::Param] = &[
    query::Param {
        name: "route",
        kind: query::Kind::Enum(route_codes),
        description: "Only callbacks to this provider route.",
    },
    query::Param {
        name: "verdict",
        kind: query::Kind::Enum(verdict_codes),
        description: "Only callbacks with this signature verdict (refused callbacks are never stored).",
    },
    query::Param {
        name: "sid",
        kind: query::Kind::Pattern {
            pattern: "^[A-Za-z0-9]{10,64}$",
            accepts: is_provider_sid,
            hint: "a call or message id as the provider writes it (CA…, SM…): 10 to 64 letters and digits.",
        },
        description: "Only the callbacks of this call or text (the provider's id, `CA…` or `SM…`).",
    },
    query::Param {
        name: "from",
        kind: query::Kind::Date,
        description: "Only callbacks received from this date on (YYYY-MM-DD, the organisation's timezone).",
    },
    query::Param {
        name: "to",
        kind: query::Kind::Date,
        description: "Only callbacks received up to and including this date (YYYY-MM-DD, the organisation's \
                      timezone). A `to` before `from` lists nothing.",
    },
    query::limit(),
    query::cursor(WebhookEventId::PREFIX),
];

fn verdict_schema() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(verdict_codes()))
        .description(Some(
            "`valid`: the provider's signature was checked and matched; `not_checked`: sandbox without a token.",
        ))
        .build()
}

fn payload_kind_schema() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(["form", "json", "text", "pruned", "empty"]))
        .description(Some(
            "`form`: form fields, in `fields`; `json` or `text`: as received, in `text` (JSON pretty-printed); \
             `pruned`: blanked by the organisation's evidence retention; `empty`: no body.",
        ))
        .build()
}

/// One field of a form-encoded payload, decoded.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FormField {
    pub name: String,
    pub value: String,
}

/// A stored payload as the evidence viewer shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EvidencePayload {
    #[schema(schema_with = payload_kind_schema)]
    pub kind: String,
    /// The form's fields in the order received (`form` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fields: Option<Vec<FormField>>,
    /// The body (`json` and `text` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

/// A stored provider callback: what arrived, whether its signature held, what it did.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WebhookEvent {
    /// The evidence id (`whk_…`).
    pub id: String,
    /// `twilio`.
    pub provider: String,
    /// The route it was delivered to (`/api/twilio/voice/inbound`).
    pub route: String,
    /// The route, for people ("Voice: incoming call").
    pub route_label: String,
    #[schema(format = DateTime)]
    pub received_at: String,
    #[schema(schema_with = verdict_schema)]
    pub signature_verdict: String,
    /// What applying it did (`missed (no-answer); text_back=queued`).
    pub outcome: String,
    /// How many retries of it arrived after the first delivery (each got the stored answer).
    pub duplicate_count: i64,
    /// The provider-derived delivery key that makes retries idempotent.
    pub idempotency_key: String,
    /// The call's or text's provider id the key names, or null.
    pub sid: Option<String>,
    /// The lead the call or text belongs to (`lead_…`), or null.
    pub lead_id: Option<String>,
    /// The payload was blanked by the organisation's evidence retention.
    pub pruned: bool,
    pub payload: EvidencePayload,
}

/// A page of stored callbacks, newest first.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WebhookEventList {
    pub data: Vec<WebhookEvent>,
    /// Pass back as `cursor` for the next (older) page; null on the last page.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

/// The stored content type, read from the kept headers (which are never passed on).
fn content_type(headers: &str) -> Option<String> {
    serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(headers)
        .ok()?
        .into_iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("content-type"))
        .and_then(|(_, value)| value.as_str().map(str::to_owned))
}

fn payload(headers: &str, body: &str, pruned: bool) -> EvidencePayload {
    let (kind, fields, text) = match payload_shape(body, content_type(headers).as_deref()) {
        PayloadShape::Form(pairs) => (
            "form",
            Some(
                pairs
                    .into_iter()
                    .map(|(name, value)| FormField { name, value })
                    .collect::<Vec<_>>(),
            ),
            None,
        ),
        PayloadShape::Json(pretty) => ("json", None, Some(pretty)),
        PayloadShape::Text(text) => ("text", None, Some(text)),
        PayloadShape::Empty if pruned => ("pruned", None, None),
        PayloadShape::Empty => ("empty", None, None),
    };
    EvidencePayload {
        kind: kind.to_owned(),
        fields,
        text,
    }
}

/// List stored provider callbacks
///
/// The organisation's stored provider callbacks (webhook evidence), newest first, with the
/// evidence viewer's filters. The provider's signature and the other stored headers are never
/// returned.
#[utoipa::path(
    get,
    path = "/api/v1/webhook-events",
    operation_id = "list_webhook_events",
    tag = "evidence",
    responses((status = 200, description = "A page of stored callbacks, newest first.", body = WebhookEventList))
)]
pub async fn list(
    auth: ApiKeyAuth,
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Json<WebhookEventList>, ApiError> {
    authorize(&auth, Scope::EvidenceRead)?;
    let q = query::parse(PARAMS, raw.as_deref())?;
    let org_id = OrgId::parse(&auth.org_id).map_err(|e| internal("the key's org id is not an org id", e))?;
    let limit = q.limit();
    let mut conn = conn(&state).await?;
    let tz = org_tz(&mut conn, &auth.org_id).await?;
    let (received_from, received_until) = date_range(q.date("from"), q.date("to"), tz);
    let filter = EvidenceFilter {
        route: q.code("route"),
        verdict: q.code("verdict"),
        sid: q.text("sid").map(str::to_owned),
        received_from,
        received_until,
        before: q.position().map(|(at, id)| (at, id.to_owned())),
        ..EvidenceFilter::default()
    };
    let rows = webhook_events::list_for_org(&mut conn, &org_id, &filter, limit + 1)
        .await
        .map_err(|e| internal("could not list stored callbacks", e))?;
    let (rows, more) = split(rows, limit);
    let next_cursor = next_cursor(
        WebhookEventId::PREFIX,
        more,
        rows.last().map(|r| (r.received_at, r.id.as_str())),
    )?;
    let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
    let mut bodies = api_reads::webhook_payloads(&mut conn, &auth.org_id, &ids)
        .await
        .map_err(|e| internal("could not read stored payloads", e))?;
    let mut sids: Vec<&str> = rows.iter().filter_map(|r| sid_of_key(&r.idempotency_key)).collect();
    sids.sort_unstable();
    sids.dedup();
    let leads = webhook_events::leads_by_sid(&mut conn, &org_id, &sids)
        .await
        .map_err(|e| internal("could not link stored callbacks to leads", e))?;
    let data = rows
        .iter()
        .map(|r| {
            let sid = sid_of_key(&r.idempotency_key).map(str::to_owned);
            let (headers, body) = bodies.remove(&r.id).unwrap_or_default();
            WebhookEvent {
                id: r.id.clone(),
                provider: r.provider.clone(),
                route: r.route.clone(),
                route_label: route_label(&r.route).to_owned(),
                received_at: time(r.received_at),
                signature_verdict: r.signature_verdict.clone(),
                outcome: r.outcome.clone(),
                duplicate_count: r.duplicate_count,
                idempotency_key: r.idempotency_key.clone(),
                lead_id: sid.as_ref().and_then(|s| leads.get(s)).cloned(),
                sid,
                pruned: r.pruned_at.is_some(),
                payload: payload(&headers, &body, r.pruned_at.is_some()),
            }
        })
        .collect();
    Ok(Json(WebhookEventList { data, next_cursor }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_read_as_the_viewer_shows_them_and_headers_stay_behind() {
        let headers = r#"{"x-twilio-signature":"c2VjcmV0","content-type":"application/x-www-form-urlencoded"}"#;
        let p = payload(headers, "From=%2B14155552671&Body=Hi+there", false);
        assert_eq!(p.kind, "form");
        let fields = p.fields.unwrap();
        assert_eq!(
            (fields[0].name.as_str(), fields[0].value.as_str()),
            ("From", "+14155552671")
        );
        assert_eq!(fields[1].value, "Hi there");
        let shown = serde_json::to_string(&payload(headers, "a=b", false)).unwrap();
        assert!(!shown.contains("c2VjcmV0") && !shown.contains("signature"), "{shown}");
        assert_eq!(payload("{}", "", true).kind, "pruned");
        assert_eq!(payload("{}", "", false).kind, "empty");
        assert_eq!(payload("{}", "{\"a\":1}", false).kind, "json");
        assert!(is_provider_sid("CA0123456789"));
    }
}
