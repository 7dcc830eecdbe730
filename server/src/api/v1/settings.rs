//! `GET /api/v1/settings/routing` (scope `settings:read`): what the routing settings page
//! shows, as data.

use app::{
    domain::{
        business_hours::BusinessHours, closure_dates::ClosureDates, ids::OrgId, routing_form::hhmm, scope::Scope,
    },
    ssr::{db::routing_settings, state::AppState},
};
use axum::{
    extract::{RawQuery, State},
    Json,
};
use serde::Serialize;
use utoipa::ToSchema;

use super::{authorize, conn, internal, query};
use crate::api::{auth::ApiKeyAuth, error::ApiError};

/// An open period of a day, in the organisation's timezone.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OpenPeriod {
    /// `HH:MM`, from `00:00`.
    pub open: String,
    /// `HH:MM`, up to `24:00` (midnight at the end of the day).
    pub close: String,
}

/// The weekly business hours; a day with no periods is closed all day.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WeeklyHours {
    pub monday: Vec<OpenPeriod>,
    pub tuesday: Vec<OpenPeriod>,
    pub wednesday: Vec<OpenPeriod>,
    pub thursday: Vec<OpenPeriod>,
    pub friday: Vec<OpenPeriod>,
    pub saturday: Vec<OpenPeriod>,
    pub sunday: Vec<OpenPeriod>,
}

/// When automated follow-ups may be sent, in the customer's local time.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SendWindow {
    /// `HH:MM`: texts may go out from this time.
    pub start: String,
    /// `HH:MM`: and until this time (after it, quiet hours).
    pub end: String,
}

/// Who is texted when a new lead waits with no response.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Escalation {
    /// Minutes of open business time a new lead may wait; 0: escalation is off.
    pub minutes: i64,
    /// The number texted (E.164), or null.
    pub number: Option<String>,
}

/// The organisation's call routing and text-back settings.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RoutingSettings {
    pub business_name: String,
    /// The organisation's IANA timezone (`America/Chicago`): hours and closure dates are in it.
    pub timezone: String,
    /// Null: always open (every call is forwarded to the office phones).
    pub business_hours: Option<WeeklyHours>,
    /// Local dates (`YYYY-MM-DD`) the office is closed all day, sorted.
    pub closure_dates: Vec<String>,
    /// Spoken to callers after hours.
    pub after_hours_greeting: String,
    /// Texted to a caller whose call was missed (`{business}` becomes the business name).
    pub text_back_template: String,
    /// At most one text-back per caller in this many minutes.
    pub cooldown_minutes: i64,
    pub send_window: SendWindow,
    /// Text-backs for calls in quiet hours wait for the send window (else they go at once).
    pub hold_text_backs_in_quiet_hours: bool,
    pub escalation: Escalation,
}

fn clock(minute: i64) -> String {
    hhmm(u16::try_from(minute.clamp(0, 1440)).unwrap_or(0))
}

fn periods(ranges: &[(u16, u16)]) -> Vec<OpenPeriod> {
    ranges
        .iter()
        .map(|&(open, close)| OpenPeriod {
            open: hhmm(open),
            close: hhmm(close),
        })
        .collect()
}

/// Get the routing settings
///
/// Business hours, closure dates, the after-hours greeting, the text-back and its cooldown,
/// quiet hours and escalation, as the routing settings page shows them.
#[utoipa::path(
    get,
    path = "/api/v1/settings/routing",
    operation_id = "get_routing_settings",
    tag = "settings",
    responses((status = 200, description = "The organisation's routing settings.", body = RoutingSettings))
)]
pub async fn routing(
    auth: ApiKeyAuth,
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Json<RoutingSettings>, ApiError> {
    authorize(&auth, Scope::SettingsRead)?;
    query::parse(&[], raw.as_deref())?;
    let org_id = OrgId::parse(&auth.org_id).map_err(|e| internal("the key's org id is not an org id", e))?;
    let mut conn = conn(&state).await?;
    let row = routing_settings::find(&mut conn, &org_id)
        .await
        .map_err(|e| internal("could not read the routing settings", e))?
        .ok_or_else(|| internal("an org without routing settings", &auth.org_id))?;
    let business_hours = match row.business_hours.as_deref() {
        None => None,
        Some(raw) => {
            let hours =
                BusinessHours::parse_json(raw).map_err(|e| internal("the stored business hours are unreadable", e))?;
            let [monday, tuesday, wednesday, thursday, friday, saturday, sunday] = &hours.days;
            Some(WeeklyHours {
                monday: periods(monday),
                tuesday: periods(tuesday),
                wednesday: periods(wednesday),
                thursday: periods(thursday),
                friday: periods(friday),
                saturday: periods(saturday),
                sunday: periods(sunday),
            })
        }
    };
    let closures = ClosureDates::parse_json(&row.closure_dates)
        .map_err(|e| internal("the stored closure dates are unreadable", e))?;
    let closure_dates: Vec<String> =
        serde_json::from_str(&closures.to_json()).map_err(|e| internal("could not list the closure dates", e))?;
    Ok(Json(RoutingSettings {
        business_name: row.org_name,
        timezone: row.timezone,
        business_hours,
        closure_dates,
        after_hours_greeting: row.after_hours_greeting,
        text_back_template: row.text_back_template,
        cooldown_minutes: row.cooldown_minutes,
        send_window: SendWindow {
            start: clock(row.send_window_start_minute),
            end: clock(row.send_window_end_minute),
        },
        hold_text_backs_in_quiet_hours: row.hold_text_backs_in_quiet_hours,
        escalation: Escalation {
            minutes: row.escalation_minutes,
            number: row.escalation_number,
        },
    }))
}
