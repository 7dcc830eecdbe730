//! `POST /api/v1/leads/{id}/messages` (scope `messages:send`): a text to the lead's customer
//! through the outbox, under every rule the inbox's reply box follows.

use app::{
    domain::{ids::LeadId, limits::REPLY_BODY_MAX, scope::Scope},
    ssr::{
        actor::ApiKeyActor,
        clock::now_ms,
        db::Conn,
        services::inbox::{self, QuietHours},
        state::AppState,
    },
};
use axum::{
    body::Bytes,
    extract::{rejection::PathRejection, Path, RawQuery, State},
    http::{HeaderMap, StatusCode},
    response::Response,
};
use serde::Serialize;
use utoipa::{
    openapi::schema::{Object, ObjectBuilder, Type},
    ToSchema,
};

use super::{
    authorize, body,
    idempotency::{self, refusal, Answer, JobResult},
    lead_in_path, query, time,
};
use crate::api::{auth::ApiKeyAuth, error::ApiError};

/// What the request takes.
pub const FIELDS: &[body::Field] = &[
    body::Field {
        name: "body",
        kind: body::Kind::Text {
            max: REPLY_BODY_MAX,
            non_blank: true,
        },
        required: true,
        nullable: false,
        description: "The text, 1 to 1600 characters (at most 10 SMS segments); surrounding whitespace is trimmed.",
    },
    body::Field {
        name: "schedule",
        kind: body::Kind::Boolean,
        required: false,
        nullable: false,
        description: "Outside the customer's texting hours (their local time): `true` holds the text until their \
                      send window opens, as the inbox's \"hold until the morning\" does; `false` (the default) refuses \
                      it with 409 `quiet_hours`. Inside texting hours it is sent now either way.",
    },
];

fn message_status_schema() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(["queued", "scheduled"]))
        .description(Some(
            "`queued`: the outbox sends it now; `scheduled`: held until the customer's send window opens.",
        ))
        .build()
}

/// A text accepted into the outbox.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct QueuedMessage {
    /// The text's id (`msg_…`); it appears on the lead's timeline.
    pub id: String,
    #[schema(schema_with = message_status_schema)]
    pub status: String,
    /// When the outbox sends it: now, or when the customer's send window opens.
    #[schema(format = DateTime)]
    pub send_at: String,
}

/// Text a lead
///
/// Queues a text to the lead's customer through the outbox, with every rule the inbox's reply
/// box follows: a customer who opted out (texted STOP) is refused with 409 `opted_out`;
/// outside the customer's texting hours the text is refused with 409 `quiet_hours` unless
/// the request asks to `schedule` it. A new lead becomes `contacted`. A text sent with a key
/// assigns the lead to no one. Honours `Idempotency-Key`: the same key and body within 24
/// hours answer the first response and send nothing more.
#[utoipa::path(
    post,
    path = "/api/v1/leads/{id}/messages",
    operation_id = "send_message",
    tag = "leads",
    responses((status = 202, description = "The text is in the outbox: sent now (`queued`) or when the customer's send window opens (`scheduled`).", body = QueuedMessage))
)]
pub async fn send(
    auth: ApiKeyAuth,
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    authorize(&auth, Scope::MessagesSend)?;
    query::parse(&[], raw.as_deref())?;
    let key = idempotency::key(&headers)?;
    let given = body::parse(FIELDS, &headers, &bytes)?;
    let id = lead_in_path(path)?;
    let hash = idempotency::request_hash("POST", &format!("/api/v1/leads/{}/messages", id.as_str()), &bytes);
    let text = given.text("body").unwrap_or_default().to_owned();
    let quiet = if given.flag("schedule").unwrap_or(false) {
        QuietHours::Hold
    } else {
        QuietHours::Refuse
    };
    let actor = auth.actor();
    idempotency::run(&state, &auth, key, hash, move |conn| {
        Box::pin(send_job(conn, actor, id, text, quiet))
    })
    .await
}

async fn send_job(conn: &mut Conn, actor: ApiKeyActor, id: LeadId, text: String, quiet: QuietHours) -> JobResult {
    let now = now_ms();
    let (queued, effects) = match inbox::send_reply(conn, &actor, id.as_str(), &text, quiet, None, now).await {
        Ok(done) => done,
        Err(e) => return refusal(e).map(Err),
    };
    let answer = QueuedMessage {
        id: queued.message_id.as_str().to_owned(),
        status: if queued.send_at > now { "scheduled" } else { "queued" }.to_owned(),
        send_at: time(queued.send_at),
    };
    Ok(Ok((Answer::json(StatusCode::ACCEPTED, &answer)?, effects)))
}
