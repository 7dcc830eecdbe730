//! `GET /api/v1/billing` (scope `billing:read`): the organisation's billing state, as the
//! billing page and `callsnare billing show` give it (`app::ssr::services::billing`).

use app::{
    domain::scope::Scope,
    ssr::{clock::now_ms, services::billing, state::AppState},
};
use axum::{
    extract::{RawQuery, State},
    Json,
};
use serde::Serialize;
use utoipa::ToSchema;

use super::{authorize, conn, internal, query};
use crate::api::{auth::ApiKeyAuth, error::ApiError};

/// The organisation's billing state.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Billing {
    /// The subscription's Stripe status: `none` (never linked to Stripe), `incomplete`,
    /// `incomplete_expired`, `trialing`, `active`, `past_due`, `canceled`, `unpaid` or
    /// `paused` (or a status Stripe adds later, as Stripe names it).
    pub status: String,
    /// The plan (the Stripe price's nickname or lookup key, else its id); null without one.
    pub plan: Option<String>,
    /// When the current billing period ends (RFC 3339 UTC), or null.
    pub current_period_end: Option<String>,
    /// The subscription ends at the end of the current period instead of renewing.
    pub cancel_at_period_end: bool,
    /// When a trial ends (RFC 3339 UTC), or null.
    pub trial_end: Option<String>,
    /// Automated texts (text-backs, escalation texts) are paused for billing. Calls are
    /// still forwarded, leads and evidence recorded, and the inbox works.
    pub texting_paused: bool,
    /// Why: `not_billed`, `subscription_required`, `active`, `trialing`, `incomplete`,
    /// `past_due_grace`, `past_due_grace_over`, `unpaid`, `canceled`,
    /// `incomplete_expired`, `paused` or `unknown_status`.
    pub reason: String,
    /// While a failed payment's grace period lasts: when it ends (RFC 3339 UTC), or null.
    pub grace_ends_at: Option<String>,
}

/// Get the billing state
///
/// The organisation's subscription (status, plan, period end, cancellation) and whether
/// billing has paused its automated texts, and why.
#[utoipa::path(
    get,
    path = "/api/v1/billing",
    operation_id = "get_billing",
    tag = "billing",
    responses((status = 200, description = "The organisation's billing state.", body = Billing))
)]
pub async fn get(
    auth: ApiKeyAuth,
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Billing>, ApiError> {
    authorize(&auth, Scope::BillingRead)?;
    query::parse(&[], raw.as_deref())?;
    let mut conn = conn(&state).await?;
    let st = billing::state(&mut conn, &auth.org_id, now_ms(), state.core.billing)
        .await
        .map_err(|e| internal("could not read the billing state", e))?;
    let time = |ms: Option<i64>| ms.map(super::time);
    Ok(Json(Billing {
        status: st.status_code.clone(),
        plan: st.plan().map(str::to_owned),
        current_period_end: time(st.current_period_end()),
        cancel_at_period_end: st.cancel_at_period_end(),
        trial_end: time(st.record.as_ref().and_then(|r| r.trial_end)),
        texting_paused: st.entitlement.texting_paused,
        reason: st.entitlement.reason.as_str().to_owned(),
        grace_ends_at: time(st.entitlement.grace_ends_at),
    }))
}
