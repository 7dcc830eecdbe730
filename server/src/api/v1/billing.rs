//! `GET /api/v1/billing` (scope `billing:read`): the organisation's billing state. Billing
//! does not exist yet, so every organisation answers `none`.

use app::domain::scope::Scope;
use axum::{extract::RawQuery, Json};
use serde::Serialize;
use utoipa::ToSchema;

use super::{authorize, query};
use crate::api::{auth::ApiKeyAuth, error::ApiError};

/// The organisation's billing state.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Billing {
    /// `none` until billing exists (subscription states such as `active` or `past_due` will
    /// be added then).
    pub status: String,
}

/// Get the billing state
///
/// The organisation's billing state: `none` until billing exists.
#[utoipa::path(
    get,
    path = "/api/v1/billing",
    operation_id = "get_billing",
    tag = "billing",
    responses((status = 200, description = "The organisation's billing state.", body = Billing))
)]
pub async fn get(auth: ApiKeyAuth, RawQuery(raw): RawQuery) -> Result<Json<Billing>, ApiError> {
    authorize(&auth, Scope::BillingRead)?;
    query::parse(&[], raw.as_deref())?;
    Ok(Json(Billing {
        status: "none".to_owned(),
    }))
}
