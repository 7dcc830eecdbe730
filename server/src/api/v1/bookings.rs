//! `GET /api/v1/bookings` (scope `bookings:read`).

use app::{
    domain::{ids::BookingId, scope::Scope, JobType},
    ssr::{
        db::api_reads::{self, ApiBookingRow, BookingFilter},
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
