//! `GET /api/v1/bookings` (scope `bookings:read`) and `POST /api/v1/leads/{id}/bookings`
//! (scope `bookings:write`).

use app::{
    domain::{
        ids::{BookingId, LeadId},
        limits::{ADDRESS_MAX, NOTES_MAX},
        scope::Scope,
        JobType,
    },
    ssr::{
        actor::{ApiKeyActor, LeadActor},
        clock::now_ms,
        db::{
            api_reads::{self, ApiBookingRow, BookingFilter},
            Conn,
        },
        services::inbox::{self, ArrivalWindow, NewBooking},
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
    authorize, body, conn, date_range,
    idempotency::{self, refusal, Answer, JobResult},
    internal, lead_in_path, next_cursor, org_tz, query, split, time,
};
use crate::api::{auth::ApiKeyAuth, error::ApiError};

pub const PARAMS: &[query::Param] = &[
    query::Param {
        name: "from",
        kind: query::Kind::Date,
        description: "Only jobs whose arrival window starts on or after this date (YYYY-MM-DD, the \
                      organisation's timezone).",
    },
    query::Param {
        name: "to",
        kind: query::Kind::Date,
        description: "Only jobs whose arrival window starts on or before this date (YYYY-MM-DD, the \
                      organisation's timezone). A `to` before `from` lists nothing.",
    },
    query::limit(),
    query::cursor(BookingId::PREFIX),
];

fn job_type_codes() -> Vec<&'static str> {
    JobType::ALL.iter().map(|j| j.as_str()).collect()
}

fn job_type_schema() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(JobType::ALL.iter().map(|j| j.as_str()).collect::<Vec<_>>()))
        .description(Some("The kind of job."))
        .build()
}

/// A booked job: an arrival window on a lead.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Booking {
    /// The booking's id (`bkg_…`).
    pub id: String,
    /// The lead it was booked on (`lead_…`).
    pub lead_id: String,
    /// When the arrival window opens.
    #[schema(format = DateTime)]
    pub window_start: String,
    /// When the arrival window closes.
    #[schema(format = DateTime)]
    pub window_end: String,
    #[schema(schema_with = job_type_schema)]
    pub job_type: String,
    pub address: String,
    pub notes: String,
    /// The job's expected value in cents, or null.
    pub job_value_cents: Option<i64>,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
}

impl From<ApiBookingRow> for Booking {
    fn from(r: ApiBookingRow) -> Self {
        Booking {
            id: r.id,
            lead_id: r.lead_id,
            window_start: time(r.window_start),
            window_end: time(r.window_end),
            job_type: r.job_type,
            address: r.address,
            notes: r.notes,
            job_value_cents: r.job_value_cents,
            created_at: time(r.created_at),
            updated_at: time(r.updated_at),
        }
    }
}

/// A page of bookings, earliest arrival window first.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BookingList {
    pub data: Vec<Booking>,
    /// Pass back as `cursor` for the next page; null on the last page.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

/// List bookings
///
/// The organisation's booked jobs, earliest arrival window first, optionally between two
/// dates of the organisation's calendar.
#[utoipa::path(
    get,
    path = "/api/v1/bookings",
    operation_id = "list_bookings",
    tag = "bookings",
    responses((status = 200, description = "A page of booked jobs, earliest arrival window first.", body = BookingList))
)]
pub async fn list(
    auth: ApiKeyAuth,
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Json<BookingList>, ApiError> {
    authorize(&auth, Scope::BookingsRead)?;
    let q = query::parse(PARAMS, raw.as_deref())?;
    let limit = q.limit();
    let mut conn = conn(&state).await?;
    let tz = org_tz(&mut conn, &auth.org_id).await?;
    let (starts_from, starts_before) = date_range(q.date("from"), q.date("to"), tz);
    let filter = BookingFilter {
        starts_from,
        starts_before,
        after: q.position(),
    };
    let rows = api_reads::list_bookings(&mut conn, &auth.org_id, &filter, limit + 1)
        .await
        .map_err(|e| internal("could not list bookings", e))?;
    let (rows, more) = split(rows, limit);
    let next_cursor = next_cursor(
        BookingId::PREFIX,
        more,
        rows.last().map(|r| (r.window_start, r.id.as_str())),
    )?;
    Ok(Json(BookingList {
        data: rows.into_iter().map(Booking::from).collect(),
        next_cursor,
    }))
}

/// The largest job value accepted, in cents ($1,000,000, as the booking form takes).
pub const JOB_VALUE_MAX_CENTS: i64 = 100_000_000;

/// What `POST /api/v1/leads/{id}/bookings` takes.
pub const FIELDS: &[body::Field] = &[
    body::Field {
        name: "date",
        kind: body::Kind::Date,
        required: true,
        nullable: false,
        description: "The day of the visit (YYYY-MM-DD, the organisation's timezone): today or later.",
    },
    body::Field {
        name: "arrival_start",
        kind: body::Kind::Time,
        required: true,
        nullable: false,
        description: "When the arrival window opens (HH:MM, 24-hour clock, the organisation's timezone).",
    },
    body::Field {
        name: "arrival_end",
        kind: body::Kind::Time,
        required: true,
        nullable: false,
        description: "When the arrival window closes (HH:MM): after it opens, and not already past.",
    },
    body::Field {
        name: "job_type",
        kind: body::Kind::Enum(job_type_codes),
        required: true,
        nullable: false,
        description: "The kind of job.",
    },
    body::Field {
        name: "address",
        kind: body::Kind::Text {
            max: ADDRESS_MAX,
            non_blank: false,
        },
        required: false,
        nullable: false,
        description: "Where the job is (trimmed).",
    },
    body::Field {
        name: "notes",
        kind: body::Kind::Text {
            max: NOTES_MAX,
            non_blank: false,
        },
        required: false,
        nullable: false,
        description: "Notes for the job (trimmed).",
    },
    body::Field {
        name: "job_value_cents",
        kind: body::Kind::Integer {
            min: 0,
            max: JOB_VALUE_MAX_CENTS,
        },
        required: false,
        nullable: false,
        description: "The job's expected value in cents ($0 to $1,000,000).",
    },
    body::Field {
        name: "send_confirmation",
        kind: body::Kind::Boolean,
        required: false,
        nullable: false,
        description: "`true` texts the customer a confirmation of the visit now (refused with 409 `opted_out` if \
                      they opted out, and then nothing is booked). Default `false`.",
    },
];

/// Book a job
///
/// Books a job on the lead, as the inbox's booking form does: the lead becomes `booked`, the
/// booking is on its timeline and in the audit trail naming the API key, and (only if asked)
/// the customer is texted a confirmation. A date before today in the organisation's
/// timezone, or an arrival window that has already ended, is refused with 422 naming `date`;
/// a window that ends before it starts, with 422 naming `arrival_end`. Honours
/// `Idempotency-Key`.
#[utoipa::path(
    post,
    path = "/api/v1/leads/{id}/bookings",
    operation_id = "book_job",
    tag = "bookings",
    responses((status = 201, description = "The booking, as `GET /api/v1/bookings` lists it.", body = Booking))
)]
pub async fn create(
    auth: ApiKeyAuth,
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    authorize(&auth, Scope::BookingsWrite)?;
    query::parse(&[], raw.as_deref())?;
    let key = idempotency::key(&headers)?;
    let given = body::parse(FIELDS, &headers, &bytes)?;
    let id = lead_in_path(path)?;
    let hash = idempotency::request_hash("POST", &format!("/api/v1/leads/{}/bookings", id.as_str()), &bytes);
    let booking = new_booking(&given)?;
    let actor = auth.actor();
    idempotency::run(&state, &auth, key, hash, move |conn| {
        Box::pin(create_job(conn, actor, id, booking))
    })
    .await
}

/// The checked body as the booking use-case takes it.
fn new_booking(given: &body::Given) -> Result<NewBooking, ApiError> {
    let required = |name: &'static str| ApiError::invalid(name, format!("{name} is required."));
    let window = ArrivalWindow {
        date: given.date("date").ok_or_else(|| required("date"))?,
        start: given.time("arrival_start").ok_or_else(|| required("arrival_start"))?,
        end: given.time("arrival_end").ok_or_else(|| required("arrival_end"))?,
    };
    let job_type = given
        .code("job_type")
        .and_then(JobType::parse)
        .ok_or_else(|| required("job_type"))?;
    Ok(NewBooking {
        window,
        job_type,
        address: given.text("address").unwrap_or_default().trim().to_owned(),
        notes: given.text("notes").unwrap_or_default().trim().to_owned(),
        job_value_cents: given.int("job_value_cents"),
        send_confirmation: given.flag("send_confirmation").unwrap_or(false),
    })
}

async fn create_job(conn: &mut Conn, actor: ApiKeyActor, id: LeadId, booking: NewBooking) -> JobResult {
    let now = now_ms();
    let (booking_id, effects) = match inbox::book_job(conn, &actor, id.as_str(), booking, None, now).await {
        Ok(done) => done,
        Err(e) => return refusal(e).map(Err),
    };
    let Some(row) = api_reads::get_booking(conn, actor.org(), booking_id.as_str()).await? else {
        return Err(sqlx::Error::RowNotFound);
    };
    Ok(Ok((Answer::json(StatusCode::CREATED, &Booking::from(row))?, effects)))
}
